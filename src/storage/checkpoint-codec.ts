/**
 * The checkpoint's compact form. Every slot and version line names writers by their 64-character key, up to
 * four times a slot: written out, that made a checkpoint of 37,000 addresses 28 MB of JSON, read whole by
 * every command that opens the store. Here each writer key is written once, in a table, and named by its
 * place in it; versions and pointers are arrays rather than objects. The same view is about a third of the
 * size and parses about three times as fast. `unpack` refuses (throws) anything out of shape, so a damaged
 * checkpoint costs a replay, never a wrong view.
 */
import type { Version } from '../distribution/version.js'
import type { RecordKind } from '../context/record.js'
import type { Pointer, Slot, VersionLine } from './view.js'

/** [term, wall, logical, writer, [writer, count, writer, count, ...]] */
type PackedVersion = [number, number, number, number, number[]]
/** [writer, seq, index (0: none), version, kind, inherits (0 | 1), digest | null] */
type PackedPointer = [number, number, number, PackedVersion, RecordKind, number, string | null]
/** [address, current, conflicts] */
type PackedSlot = [string, PackedPointer, PackedPointer[]]
/** [address, version writer, version count, term, wall, log writer, decision] */
type PackedLine = [string, number, number, number, number, number, string | null]

export interface PackedView {
  writers: string[]
  slots: PackedSlot[]
  versions: PackedLine[]
}

const KINDS: ReadonlySet<string> = new Set(['file', 'directory', 'project'])

class WriterTable {
  readonly keys: string[] = []
  private readonly index = new Map<string, number>()
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
  return [writers.of(pointer.writer), pointer.seq, pointer.index ?? 0, packVersion(pointer.version, writers), pointer.kind, pointer.inherits ? 1 : 0, pointer.digest ?? null]
}

export function pack (slots: Iterable<[string, Slot]>, versions: readonly VersionLine[]): PackedView {
  const writers = new WriterTable()
  const packedSlots: PackedSlot[] = []
  for (const [address, slot] of slots) packedSlots.push([address, packPointer(slot.current, writers), slot.conflicts.map(pointer => packPointer(pointer, writers))])
  const packedLines: PackedLine[] = versions.map(([address, key, term, wall, writer, decision]) => {
    const colon = key.lastIndexOf(':')
    return [address, writers.of(key.slice(0, colon)), Number(key.slice(colon + 1)), term, wall, writers.of(writer), decision]
  })
  return { writers: writers.keys, slots: packedSlots, versions: packedLines }
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
  const [writer, seq, index, version, kind, inherits, digest] = packed as unknown[]
  if (!isCount(seq) || !isCount(index) || typeof kind !== 'string' || !KINDS.has(kind) || (inherits !== 0 && inherits !== 1) || (digest !== null && typeof digest !== 'string')) fail('pointer')
  const pointer: Pointer = { writer: writerAt(writers, writer), seq, version: unpackVersion(version, writers), kind: kind as RecordKind, inherits: inherits === 1 }
  if (index > 0) pointer.index = index
  if (digest !== null) pointer.digest = digest
  return pointer
}

export function unpack (packed: unknown): { slots: Array<[string, Slot]>, versions: VersionLine[] } {
  if (typeof packed !== 'object' || packed === null) fail('view')
  const { writers, slots, versions } = packed as Partial<PackedView>
  if (!Array.isArray(writers) || !writers.every(key => typeof key === 'string') || !Array.isArray(slots) || !Array.isArray(versions)) fail('view')
  const outSlots = slots.map((slot): [string, Slot] => {
    if (!Array.isArray(slot) || slot.length !== 3 || typeof slot[0] !== 'string' || !Array.isArray(slot[2])) fail('slot')
    return [slot[0], { current: unpackPointer(slot[1], writers), conflicts: slot[2].map(pointer => unpackPointer(pointer, writers)) }]
  })
  const outLines = versions.map((line): VersionLine => {
    if (!Array.isArray(line) || line.length !== 7) fail('version line')
    const [address, keyWriter, count, term, wall, writer, decision] = line as unknown[]
    if (typeof address !== 'string' || !isCount(count) || !isCount(term) || !isCount(wall) || (decision !== null && typeof decision !== 'string')) fail('version line')
    return [address, `${writerAt(writers, keyWriter)}:${count}`, term, wall, writerAt(writers, writer), decision]
  })
  return { slots: outSlots, versions: outLines }
}
