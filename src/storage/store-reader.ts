/**
 * The store's reader: the context of an address as a role may read it (its records opened with that role's key,
 * merged with its ancestors'), sealed payloads of queue and decision entries, and look-ups over the view, with the
 * caches in front of them, which the writer and replication invalidate through `invalidate`.
 */
import { Lru } from '../lru.js'
import type { RecordKind } from '../context/record.js'
import { joinSections } from '../context/sections.js'
import { resolveContext, DEFAULT_RESOLVE_DEPTH, type ReadableLayer, type Resolution } from '../context/resolve.js'
import type { AccessLevel } from '../crypto/levels.js'
import { versionKey, type Version } from '../distribution/version.js'
import { accessDenied, corrupt, notFound } from '../errors.js'
import { parseAddress } from '../ucxl/address.js'
import type { LogEntry, RecordSource } from './log-entry.js'
import type { ResealItem } from './store-writer.js'
import { associatedData, payloadAssociatedData, requestFilesAssociatedData, type SectionCrypto } from './sealing.js'
import { needsKeyset } from '../crypto/envelope-codec.js'
import { ORIGINS, type ContextView, type Origin } from './view.js'
import type { Pointer, QueueEvent } from './view-items.js'

export const RESOLVED_CACHE_MAX = 50_000
export const LAYER_CACHE_MAX = 50_000
/** How many addresses a look-alike hint names at most. */
export const LOOK_ALIKES_MAX = 3

export interface Retrieved extends Resolution {
  role: string
  version: Version
}

export interface StoreReaderHost {
  view: ContextView
  crypto: SectionCrypto
  /** An entry this peer holds: entry `index` of block `seq` of `writer`'s log. */
  entryAt: (writer: string, seq: number, index?: number) => Promise<LogEntry>
}

/**
 * Whether `address` lies below one of `folders` (each ending in '/'): its prefixes that end at a '/' are looked up, so a
 * cached resolution costs its depth, not the number of addresses changed (a catch-up applies thousands at once).
 */
export function underAny (address: string, folders: ReadonlySet<string>): boolean {
  for (let at = address.indexOf('/'); at !== -1; at = address.indexOf('/', at + 1)) {
    if (folders.has(address.slice(0, at + 1))) return true
  }
  return false
}

export class StoreReader {
  private readonly resolved = new Lru<string, Retrieved>(RESOLVED_CACHE_MAX)
  /** The layers of an address as a role reads them (hand-written first), by role and address. */
  private readonly layers = new Lru<string, readonly ReadableLayer[]>(LAYER_CACHE_MAX)

  constructor (private readonly host: StoreReaderHost) {}

  /** Drops every cached resolution (the view was rebuilt: any address may have changed). */
  invalidateAll (): void {
    this.resolved.clear()
    this.layers.clear()
  }

  /** Drops cached resolutions that used a changed address (a change to a directory reaches its descendants). */
  invalidate (changed: readonly string[]): void {
    if (changed.length === 0 || (this.resolved.size === 0 && this.layers.size === 0)) return
    const set = new Set(changed)
    const folders = new Set(changed.map(a => a.endsWith('/') ? a : a + '/'))
    for (const [key, value] of this.resolved.entries()) {
      if (value.resolvedFrom.some(a => set.has(a)) || set.has(value.address) || underAny(value.address, folders)) this.resolved.delete(key)
    }
    for (const key of this.layers.keys()) {
      if (set.has(key.slice(key.indexOf('\u0000') + 1))) this.layers.delete(key)
    }
  }

  /**
   * The sealed payload of a request or decision entry, opened with `role`'s key; ACCESS_DENIED when this peer cannot.
   * A request's files sealed by their requester (with `readers`) are one section, bound to the request, not its version.
   */
  async sealedPayload (event: QueueEvent, role: string, level?: AccessLevel): Promise<Buffer> {
    const entry = await this.host.entryAt(event.writer, event.seq, event.index)
    if (entry.type !== 'request' && entry.type !== 'decision') throw corrupt(`block ${event.seq} of log ${event.writer.slice(0, 12)} holds no payload`)
    const bySender = entry.type === 'request' && entry.readers !== undefined
    const ad = bySender ? requestFilesAssociatedData(entry) : payloadAssociatedData(entry.type, entry.id, entry.version)
    const opened = this.host.crypto.open(entry.envelope, role, ad).opened
    const plaintext = level === undefined ? opened.values().next().value : opened.get(level)
    if (plaintext === undefined) throw accessDenied(`role ${role} cannot open ${entry.type} ${entry.id}`)
    return plaintext
  }

  /**
   * Per origin an address has a record of (hand-written first), its current version and the concurrent ones the merge
   * kept; `removed` when the current one is a removal.
   */
  slotsOf (address: string): Array<{ origin: Origin, current: string, conflicts: string[], removed: boolean }> {
    const found: Array<{ origin: Origin, current: string, conflicts: string[], removed: boolean }> = []
    for (const origin of ORIGINS) {
      const slot = this.host.view.slot(address, origin)
      if (slot !== undefined) found.push({ origin, current: versionKey(slot.current.version), conflicts: slot.conflicts.map(c => versionKey(c.version)), removed: slot.current.removed === true })
    }
    return found
  }

  /**
   * The records stored at an address as `role` may read them, the hand-written one first (`readable: false` on one it
   * opens none of); none when there are none.
   */
  private async readableLayers (address: string, role: string): Promise<readonly ReadableLayer[]> {
    const key = role + '\u0000' + address
    const cached = this.layers.get(key)
    if (cached !== undefined) return cached
    const layers: ReadableLayer[] = []
    for (const current of this.liveRecords(address)) layers.push(await this.openLayer(address, current, role))
    this.layers.set(key, layers)
    return layers
  }

  /** The current versions of an address's records that are not removals, hand-written first (a removed one reads as absent: its descendants resolve past it). */
  private liveRecords (address: string): Pointer[] {
    const live: Pointer[] = []
    for (const origin of ORIGINS) {
      const current = this.host.view.slot(address, origin)?.current
      if (current !== undefined && current.removed !== true) live.push(current)
    }
    return live
  }

  private async openLayer (address: string, pointer: Pointer, role: string): Promise<ReadableLayer> {
    const entry = await this.host.entryAt(pointer.writer, pointer.seq, pointer.index ?? 0)
    if (entry.type !== 'context') throw corrupt(`the view points ${address} at an entry that is not a context`)
    const { opened, withheld } = this.host.crypto.open(entry.envelope, role, associatedData(address, entry.version), await this.keysetOf(pointer.writer, entry))
    const layer: ReadableLayer = { address, kind: entry.kind, inherits: entry.inherits, content: opened.size === 0 ? {} : joinSections(opened, address) }
    if (withheld.length > 0) layer.withheld = withheld
    if (opened.size === 0) layer.readable = false
    if (pointer.generated !== true) layer.handWritten = true
    return layer
  }

  /**
   * For a record sealed with its write's keys that does not carry them, the envelope of its write's first record (the
   * first entry of the write's first block), which does; undefined for any other.
   */
  private async keysetOf (writer: string, entry: LogEntry): Promise<Buffer | undefined> {
    if (entry.type !== 'context' || !needsKeyset(entry.envelope)) return undefined
    if (entry.batch === undefined) throw corrupt(`a record of ${entry.address} sealed with its write's keys is not part of a write that carries them`)
    const first = await this.host.entryAt(writer, entry.batch, 0)
    if (first.type !== 'context' || first.batch !== entry.batch) throw corrupt(`the first entry of the write of ${entry.address} is not one of its records`)
    return first.envelope
  }

  /** The context of `address` as `role` may read it, merged with its ancestors up to `depth` levels. */
  async retrieve (address: string, role: string, depth = DEFAULT_RESOLVE_DEPTH): Promise<Retrieved> {
    const key = `${role}\u0000${depth}\u0000${address}`
    const hit = this.resolved.get(key)
    if (hit !== undefined) return hit
    const own = await this.readableLayers(address, role)
    if (own.length === 0 && this.host.view.slot(address, 'generated')?.current.removed === true) {
      throw notFound(`no context for ${address}: it was removed when its folder was generated again without it (bzzz-ctx history shows its versions)`)
    }
    if (own.length > 0 && own.every(layer => layer.readable === false)) {
      throw accessDenied(`role ${role} may not read ${address}: it was not distributed to ${role}, or ${role}'s clearance covers none of it`)
    }
    if (own.length === 0) throw notFound(`no context for ${address}: ${this.lookAlike(address) ?? 'run `bzzz-ctx generate` on it first'}`)
    const resolution = await resolveContext(address, depth, a => this.readableLayers(a, role))
    // The version shown is that of the address's most specific record the role reads: the hand-written one, if any.
    const top = this.liveRecords(address)[own.findIndex(layer => layer.readable !== false)]!
    const retrieved: Retrieved = { ...resolution, role, version: top.version }
    this.resolved.set(key, retrieved)
    return retrieved
  }

  /**
   * For an address with no record: the addresses with one that it may have been meant as, said as a hint (null when
   * there are none). A generate addresses files from the git work tree that holds them, so `src/a.py` of a folder deep
   * in a repository is `ucxl://p/deep/folder/src/a.py`; and the same path may be in another project. Decodes every
   * version line: only asked when a retrieve fails.
   */
  private lookAlike (address: string, limit = LOOK_ALIKES_MAX): string | null {
    const { project, segments } = parseAddress(address)
    if (segments.length === 0) return null
    const tail = '/' + segments.join('/')
    const here: string[] = []
    const elsewhere: string[] = []
    const seen = new Set<string>()
    for (const [candidate] of this.host.view.versions()) {
      if (seen.has(candidate) || !candidate.endsWith(tail) || candidate === address) continue
      seen.add(candidate)
      if (this.liveRecords(candidate).length === 0) continue
      const other = parseAddress(candidate)
      if (other.project === project) here.push(candidate)
      else if (other.segments.length === segments.length) elsewhere.push(candidate)
    }
    const found = (here.length > 0 ? here : elsewhere).sort((a, b) => a.length - b.length || (a < b ? -1 : 1))
    if (found.length === 0) return null
    const shown = found.slice(0, limit).join(', ') + (found.length > limit ? ` (or ${found.length - limit} more)` : '')
    return here.length > 0
      ? `did you mean ${shown}? (a generate addresses files from the root of the git work tree that holds them, or from --root)`
      : `did you mean ${shown}, in another project?`
  }

  /**
   * The current versions (not removals) sealed to an epoch `stale` says is past, read back to be sealed again: those
   * this peer opens whole (every section, with any role key it holds) as items, the others counted under `left` by the
   * level of a section it cannot open and the roles that section is sealed to. `records`: the current records looked at.
   */
  async staleRecords (stale: (role: string, epoch: number) => boolean): Promise<{ records: number, items: ResealItem[], unopened: number, left: ResealLeft[] }> {
    const items: ResealItem[] = []
    const left = new Map<string, ResealLeft>()
    let records = 0
    let unopenedRecords = 0
    const seen = new Set<string>()
    for (const [address] of this.host.view.versions()) {
      if (seen.has(address)) continue
      seen.add(address)
      for (const origin of ORIGINS) {
        const current = this.host.view.slot(address, origin)?.current
        if (current === undefined || current.removed === true) continue
        records++
        const entry = await this.host.entryAt(current.writer, current.seq, current.index ?? 0)
        if (entry.type !== 'context') throw corrupt(`the view points ${address} at an entry that is not a context`)
        const { opened, sealedTo, unopened } = this.host.crypto.openHeld(entry.envelope, associatedData(address, entry.version), await this.keysetOf(current.writer, entry))
        if (!sealedTo.some(({ role, epoch }) => stale(role, epoch))) continue
        if (unopened.length > 0) {
          unopenedRecords++
          for (const { level, roles } of unopened) {
            const key = `${level}\u0000${roles.join(',')}`
            const row = left.get(key) ?? { level, roles, records: 0 }
            row.records++
            left.set(key, row)
          }
          continue
        }
        const sections = [...opened].map(([level, plaintext]) => ({ level, plaintext }))
        items.push({ address, origin, from: versionKey(current.version), entry, sections, recipients: sealedTo.map(r => r.role).sort() })
      }
    }
    return { records, items, unopened: unopenedRecords, left: [...left.values()] }
  }

  /**
   * Every address at or below `under` (every address when undefined) with a record that is not removed, and its kind:
   * what the agents' catalog (search, overview, references) walks. Sorted, so pages of it are stable.
   */
  liveAddresses (under?: string): Array<{ address: string, kind: RecordKind }> {
    const prefix = under === undefined ? '' : under.endsWith('/') ? under : under + '/'
    const found: Array<{ address: string, kind: RecordKind }> = []
    const seen = new Set<string>()
    for (const [candidate] of this.host.view.versions()) {
      if (seen.has(candidate) || (under !== undefined && candidate !== under && !candidate.startsWith(prefix))) continue
      seen.add(candidate)
      const live = this.liveRecords(candidate)
      if (live.length > 0) found.push({ address: candidate, kind: live[0]!.kind })
    }
    return found.sort((a, b) => a.address < b.address ? -1 : a.address > b.address ? 1 : 0)
  }

  /**
   * The addresses at or below `address`, other than those in `produced`, with a generated record that is not removed:
   * what a generate of that folder may remove when it no longer finds them. Only those not produced are looked up:
   * decoding every slot of a large view cost a third of a second (37,000 addresses).
   */
  generatedUnder (address: string, produced: ReadonlySet<string> = new Set()): string[] {
    const prefix = address.endsWith('/') ? address : address + '/'
    const found: string[] = []
    const seen = new Set<string>()
    for (const [candidate] of this.host.view.versions()) {
      if (seen.has(candidate) || produced.has(candidate) || (candidate !== address && !candidate.startsWith(prefix))) continue
      seen.add(candidate)
      const current = this.host.view.slot(candidate, 'generated')?.current
      if (current !== undefined && current.removed !== true) found.push(candidate)
    }
    return found
  }

  /**
   * The generated records at or below `under` that are not removed: kind, when written (the version's wall time) and
   * the source the header names (absent on a record written before sources were kept). Reads each header from the log.
   */
  async generatedSources (under: string): Promise<GeneratedRecordSource[]> {
    const found: GeneratedRecordSource[] = []
    for (const address of this.generatedUnder(under)) {
      const current = this.host.view.slot(address, 'generated')!.current
      const entry = await this.host.entryAt(current.writer, current.seq, current.index)
      const item: GeneratedRecordSource = { address, kind: current.kind, writtenAt: current.version.hlc.wall }
      if (entry.type === 'context' && entry.source !== undefined) item.source = entry.source
      found.push(item)
    }
    return found.sort((a, b) => a.address < b.address ? -1 : a.address > b.address ? 1 : 0)
  }
}

/** Records a reseal left as they were: this many had a section at `level`, sealed to `roles`, that the peer cannot open
 * (a record with several such sections is counted under each). */
export interface ResealLeft {
  level: AccessLevel
  roles: string[]
  records: number
}

export interface GeneratedRecordSource {
  address: string
  kind: RecordKind
  /** The wall-clock ms of the version's hybrid clock. */
  writtenAt: number
  source?: RecordSource
}
