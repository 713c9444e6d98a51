/**
 * The checkpoint's compact form. Every slot and version line names writers by their 64-character key, up to
 * four times a slot: written out, that made a checkpoint of 37,000 addresses 28 MB of JSON, read whole by
 * every command that opens the store. Here each writer key is written once, in a table, and named by its
 * place in it; versions and pointers are arrays rather than objects.
 *
 * The file (`encodeCheckpoint`) is a JSON header line, then one line per slot sorted by its key (the address
 * and origin, view.ts's slotKey, as a JSON string), then one line per version line. Opening it parses the header only and indexes where the
 * slot lines start; a lookup decodes the few slots it needs (a binary search), the version lines are decoded
 * when first asked for, and a checkpoint written again copies the lines nothing changed. Before, every command
 * parsed and unpacked the whole view: on 37,000 addresses (11 MB) that was about 0.35 s of a `retrieve`.
 * The body's SHA-256 is in the header: a damaged file is refused whole, so it costs a replay, never a wrong view;
 * a line is also refused (throws) when it is out of shape.
 */
import { createHash } from 'node:crypto'
import type { Version } from '../distribution/version.js'
import type { RecordKind } from '../context/record.js'
import type { Pointer, QueueEvent, Slot, VersionLine } from './view-items.js'
import { isTermEndsJson, type TermEndsJson } from './term-ends.js'

/** [term, wall, logical, writer, [writer, count, writer, count, ...]] */
type PackedVersion = [number, number, number, number, number[]]
/** [writer, seq, index (0: none), version, kind, flags (1: inherits, 2: generated, 4: removed), digest | null] */
type PackedPointer = [number, number, number, PackedVersion, RecordKind, number, string | null]
/** [address, version writer, version count, term, wall, log writer, decision, generated (1) or hand-written (0)] */
type PackedLine = [string, number, number, number, number, number, string | null, 0 | 1, number | null, string | null]

const KINDS: ReadonlySet<string> = new Set(['file', 'directory', 'project'])

class WriterTable {
  readonly keys: string[] = []
  private readonly index = new Map<string, number>()
  /** A table that keeps the places of `keys` (lines copied from an older checkpoint still name them right). */
  constructor (keys: readonly string[] = []) {
    for (const key of keys) this.of(key)
  }

  of (key: string): number {
    let at = this.index.get(key)
    if (at === undefined) {
      at = this.keys.length
      this.keys.push(key)
      this.index.set(key, at)
    }
    return at
  }
}

function packVersion (version: Version, writers: WriterTable): PackedVersion {
  const vv: number[] = []
  for (const [writer, count] of Object.entries(version.vv)) vv.push(writers.of(writer), count)
  return [version.term, version.hlc.wall, version.hlc.logical, writers.of(version.writer), vv]
}

function packPointer (pointer: Pointer, writers: WriterTable): PackedPointer {
  return [writers.of(pointer.writer), pointer.seq, pointer.index ?? 0, packVersion(pointer.version, writers), pointer.kind, (pointer.inherits ? 1 : 0) | (pointer.generated === true ? 2 : 0) | (pointer.removed === true ? 4 : 0), pointer.digest ?? null]
}

function fail (what: string): never {
  throw new Error(`checkpoint: bad ${what}`)
}

function isCount (value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function writerAt (writers: readonly string[], at: unknown): string {
  if (!isCount(at) || at >= writers.length) fail('writer reference')
  return writers[at] as string
}

function unpackVersion (packed: unknown, writers: readonly string[]): Version {
  if (!Array.isArray(packed) || packed.length !== 5) fail('version')
  const [term, wall, logical, writer, pairs] = packed as unknown[]
  if (!isCount(term) || !isCount(wall) || !isCount(logical) || !Array.isArray(pairs) || pairs.length % 2 !== 0) fail('version')
  const vv: Record<string, number> = {}
  for (let i = 0; i < pairs.length; i += 2) {
    const count = pairs[i + 1]
    if (!isCount(count)) fail('version vector')
    vv[writerAt(writers, pairs[i])] = count
  }
  return { term, hlc: { wall, logical }, writer: writerAt(writers, writer), vv }
}

function unpackPointer (packed: unknown, writers: readonly string[]): Pointer {
  if (!Array.isArray(packed) || packed.length !== 7) fail('pointer')
  const [writer, seq, index, version, kind, flags, digest] = packed as unknown[]
  if (!isCount(seq) || !isCount(index) || typeof kind !== 'string' || !KINDS.has(kind) || !Number.isInteger(flags) || (flags as number) < 0 || (flags as number) > 7 || (digest !== null && typeof digest !== 'string')) fail('pointer')
  const pointer: Pointer = { writer: writerAt(writers, writer), seq, version: unpackVersion(version, writers), kind: kind as RecordKind, inherits: ((flags as number) & 1) !== 0 }
  if (((flags as number) & 2) !== 0) pointer.generated = true
  if (((flags as number) & 4) !== 0) pointer.removed = true
  if (index > 0) pointer.index = index
  if (digest !== null) pointer.digest = digest
  return pointer
}

/**
 * One version line, packed: [address, version writer, version count, term, wall, log writer, decision, generated,
 * requester (in the writers' table) or null, requester's role or null].
 */
function packLine ([address, key, term, wall, writer, decision, generated, requester, requesterRole]: VersionLine, writers: WriterTable): PackedLine {
  const colon = key.lastIndexOf(':')
  return [address, writers.of(key.slice(0, colon)), Number(key.slice(colon + 1)), term, wall, writers.of(writer), decision, generated ? 1 : 0,
    requester === null ? null : writers.of(requester), requesterRole]
}

function unpackLine (line: unknown, writers: readonly string[]): VersionLine {
  if (!Array.isArray(line) || line.length !== 10) fail('version line')
  const [address, keyWriter, count, term, wall, writer, decision, generated, requester, requesterRole] = line as unknown[]
  if (typeof address !== 'string' || !isCount(count) || !isCount(term) || !isCount(wall) || (decision !== null && typeof decision !== 'string') || (generated !== 0 && generated !== 1) ||
      (requesterRole !== null && typeof requesterRole !== 'string')) fail('version line')
  return [address, `${writerAt(writers, keyWriter)}:${count}`, term, wall, writerAt(writers, writer), decision, generated === 1,
    requester === null ? null : writerAt(writers, requester), requesterRole as string | null]
}

/** A slot line's body: [current, conflicts], packed. */
function packSlot (slot: Slot, writers: WriterTable): string {
  return JSON.stringify([packPointer(slot.current, writers), slot.conflicts.map(pointer => packPointer(pointer, writers))])
}

function unpackSlot (body: string, writers: readonly string[]): Slot {
  let packed: unknown
  try { packed = JSON.parse(body) } catch { fail('slot') }
  if (!Array.isArray(packed) || packed.length !== 2 || !Array.isArray(packed[1])) fail('slot')
  return { current: unpackPointer(packed[0], writers), conflicts: (packed[1] as unknown[]).map(pointer => unpackPointer(pointer, writers)) }
}

/**
 * The file format; a checkpoint of another format is replayed. 5: header line, sorted slot lines, version lines.
 * 6: a slot per address and origin (keyed by slotKey), and each version line says whether a generate wrote it.
 * 7: the writers that proved each term's leadership, and how many entries were refused.
 * 8: each version line names who asked for it (requester and role), for `history`.
 * 9: where later leaders stated that earlier terms end in each log, and the terms of the entries applied from each log.
 */
export const CHECKPOINT_FORMAT = 9

/** What the header holds beside the view's lines. */
export interface CheckpointState {
  /** The view hash, hex. */
  hash: string
  /** Blocks applied, per writer. */
  applied: Record<string, number>
  queue: QueueEvent[]
  /** Slots whose current version is a removal (absent: none). */
  removed?: number
  /** Per term, the writers that proved they led it (absent: none). */
  leaders?: Record<string, string[]>
  /** Entries refused, since the logs began (absent: none). */
  refused?: number
  /** Per writer, where later leaders stated its earlier terms end: [stating term, length] (absent: none). */
  ends?: TermEndsJson
  /** Per writer, the terms of the entries applied from its log: [term, first block, last block] flat (absent: none). */
  runs?: Record<string, number[]>
}

interface Header extends CheckpointState {
  format: number
  writers: string[]
  /** How many slot lines, and how many characters they take (each ends with a newline). */
  slots: number
  slotChars: number
  versions: number
  /** SHA-256 of the bytes after the header line, hex. */
  digest: string
}

function isLeaders (value: unknown): value is Record<string, string[]> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) &&
    Object.entries(value).every(([term, writers]) => /^\d{1,15}$/.test(term) && Array.isArray(writers) && writers.every(w => typeof w === 'string'))
}

function isRuns (value: unknown): value is Record<string, number[]> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) &&
    Object.values(value).every(runs => Array.isArray(runs) && runs.length % 3 === 0 && runs.every(isCount))
}

const byKey = (a: [string, string], b: [string, string]): number => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0

/** Where the lines of a region start: `count` lines, each ending with a newline, or null when they do not. */
function lineStarts (text: string, from: number, to: number, count: number): Uint32Array | null {
  const starts = new Uint32Array(count + 1)
  let at = from
  for (let line = 0; line < count; line++) {
    starts[line] = at
    const end = text.indexOf('\n', at)
    if (end === -1 || end >= to) return null
    at = end + 1
  }
  if (at !== to) return null
  starts[count] = to
  return starts
}

/**
 * A checkpoint file as read: its header, and its lines decoded on demand. `decode` refuses (throws) a file
 * whose digest, header or line layout is wrong; a slot or version line out of shape throws when it is read.
 */
export class CheckpointFile {
  /** Slots decoded so far, by slot key (a key looked up and not found is not kept: any text could be asked for). */
  private readonly decoded = new Map<string, Slot>()

  private constructor (
    readonly state: CheckpointState,
    readonly writers: readonly string[],
    private readonly text: string,
    /** Starts of the slot lines, and one past the last (the version lines then start there). */
    private readonly slotStarts: Uint32Array,
    private readonly versionCount: number
  ) {}

  static decode (bytes: Buffer): CheckpointFile {
    const newline = bytes.indexOf(10)
    if (newline === -1) fail('header')
    let header: Partial<Header>
    try { header = JSON.parse(bytes.toString('utf8', 0, newline)) as Partial<Header> } catch { fail('header') }
    if (typeof header !== 'object' || header === null || header.format !== CHECKPOINT_FORMAT) fail('format')
    const { hash, applied, queue, removed, leaders, refused, ends, runs, writers, slots, slotChars, versions, digest } = header
    if (typeof hash !== 'string' || typeof applied !== 'object' || applied === null || !Array.isArray(queue) ||
      !Array.isArray(writers) || !writers.every(key => typeof key === 'string') || !isCount(slots) || !isCount(slotChars) ||
      !isCount(versions) || typeof digest !== 'string' || (removed !== undefined && !isCount(removed)) ||
      (refused !== undefined && !isCount(refused)) || (leaders !== undefined && !isLeaders(leaders)) ||
      (ends !== undefined && !isTermEndsJson(ends)) || (runs !== undefined && !isRuns(runs))) fail('header')
    if (createHash('sha256').update(bytes.subarray(newline + 1)).digest('hex') !== digest) fail('digest')
    const text = bytes.toString('utf8', newline + 1)
    const slotStarts = slotChars <= text.length ? lineStarts(text, 0, slotChars, slots) : null
    if (slotStarts === null || lineStarts(text, slotChars, text.length, versions) === null) fail('line layout')
    const state: CheckpointState = { hash, applied, queue, ...(removed !== undefined && removed > 0 ? { removed } : {}) }
    if (leaders !== undefined) state.leaders = leaders
    if (refused !== undefined && refused > 0) state.refused = refused
    if (ends !== undefined) state.ends = ends
    if (runs !== undefined) state.runs = runs
    const file = new CheckpointFile(state, writers, text, slotStarts, versions)
    for (let line = 1; line < slots; line++) if (file.keyAt(line - 1) >= file.keyAt(line)) fail('slot order')
    return file
  }

  get slotCount (): number {
    return this.slotStarts.length - 1
  }

  get versionLineCount (): number {
    return this.versionCount
  }

  /** The slot of a slot key (view.ts's slotKey), decoded on first use. */
  slot (slotKey: string): Slot | undefined {
    const cached = this.decoded.get(slotKey)
    if (cached !== undefined) return cached
    const key = JSON.stringify(slotKey)
    let low = 0
    let high = this.slotCount - 1
    while (low <= high) {
      const middle = (low + high) >>> 1
      const at = this.keyAt(middle)
      if (at < key) low = middle + 1
      else if (at > key) high = middle - 1
      else {
        const found = unpackSlot(this.text.slice(this.slotStarts[middle]! + key.length + 1, this.slotStarts[middle + 1]! - 1), this.writers)
        this.decoded.set(slotKey, found)
        return found
      }
    }
    return undefined
  }

  /** Every version line, decoded (each call decodes them again). */
  versions (): VersionLine[] {
    const from = this.slotStarts[this.slotCount]!
    if (this.versionCount === 0) return []
    return this.text.slice(from, this.text.length - 1).split('\n').map(line => {
      let packed: unknown
      try { packed = JSON.parse(line) } catch { fail('version line') }
      return unpackLine(packed, this.writers)
    })
  }

  /** The key of slot line `line`: its slot key as a JSON string. */
  keyAt (line: number): string {
    const start = this.slotStarts[line]!
    return this.text.slice(start, this.text.indexOf('\t', start))
  }

  /** Slot line `line` as written, without its newline. */
  lineAt (line: number): string {
    return this.text.slice(this.slotStarts[line]!, this.slotStarts[line + 1]! - 1)
  }

  /** The version lines as written, each ending with a newline. */
  get versionText (): string {
    return this.text.slice(this.slotStarts[this.slotCount]!)
  }
}

/**
 * A checkpoint's bytes: `base` (the file the view was read from, or null) with `changed` slots over its own,
 * and its version lines (when `copyBaseVersions`) followed by `versions`. Lines nothing changed are copied as
 * they are; the writer table keeps the base's places, so they still name the right writers.
 */
export function encodeCheckpoint (state: CheckpointState, changed: Iterable<[string, Slot]>, versions: readonly VersionLine[], base: CheckpointFile | null, copyBaseVersions: boolean): Buffer {
  const writers = new WriterTable(base?.writers ?? [])
  const updates: Array<[string, string]> = []
  for (const [key, slot] of changed) updates.push([JSON.stringify(key), packSlot(slot, writers)])
  updates.sort(byKey)
  const lines: string[] = []
  const baseCount = base?.slotCount ?? 0
  let next = 0
  for (let line = 0; line < baseCount; line++) {
    const key = base!.keyAt(line)
    while (next < updates.length && updates[next]![0] < key) { lines.push(updates[next]![0] + '\t' + updates[next]![1]); next++ }
    if (next < updates.length && updates[next]![0] === key) {
      lines.push(updates[next]![0] + '\t' + updates[next]![1])
      next++
    } else {
      lines.push(base!.lineAt(line))
    }
  }
  for (; next < updates.length; next++) lines.push(updates[next]![0] + '\t' + updates[next]![1])
  const slotText = lines.length === 0 ? '' : lines.join('\n') + '\n'
  const newVersions = versions.map(line => JSON.stringify(packLine(line, writers)))
  const versionText = (copyBaseVersions && base !== null ? base.versionText : '') + (newVersions.length === 0 ? '' : newVersions.join('\n') + '\n')
  const versionCount = (copyBaseVersions && base !== null ? base.versionLineCount : 0) + newVersions.length
  const body = Buffer.from(slotText + versionText, 'utf8')
  const header: Header = {
    format: CHECKPOINT_FORMAT, ...state, writers: writers.keys, slots: lines.length, slotChars: slotText.length,
    versions: versionCount, digest: createHash('sha256').update(body).digest('hex')
  }
  return Buffer.concat([Buffer.from(JSON.stringify(header) + '\n', 'utf8'), body])
}
