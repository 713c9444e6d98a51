/**
 * The materialized view: the newest version of every address, kept in a local Hyperbee beside the logs with a
 * checkpoint per writer log, so a restart replays only what was appended since, never the whole log.
 */
import { createHash } from 'node:crypto'
import Hyperbee from 'hyperbee'
import type Hypercore from 'hypercore'
import { LRUCache } from 'lru-cache'
import { applyVersion, versionKey, type Version, type VersionSlot } from '../distribution/version.js'
import type { RecordKind } from '../context/record.js'
import type { LogEntry } from './log-entry.js'

/** Where a version is stored: which writer log, which block. */
export interface Pointer {
  writer: string
  seq: number
  version: Version
  kind: RecordKind
  inherits: boolean
  digest?: string
}

export type Slot = VersionSlot<Pointer>

const ADDRESS = 'a\u0000'
const APPLIED = 'w\u0000'
const META_HASH = 'm\u0000hash'
const META_COUNT = 'm\u0000count'
const SLOT_CACHE_MAX = 200_000
const ZERO_HASH = Buffer.alloc(32).toString('hex')

function slotDigest (address: string, pointer: Pointer): Buffer {
  return createHash('sha256').update(address).update('\u0000').update(versionKey(pointer.version)).digest()
}

function xorInto (target: Buffer, other: Buffer): void {
  for (let i = 0; i < target.length; i++) target[i] = target[i]! ^ other[i]!
}

export interface AppliedEntry {
  seq: number
  entry: LogEntry
}

export class ContextView {
  private readonly bee: Hyperbee<unknown>
  private readonly slots = new LRUCache<string, Slot | 'none'>({ max: SLOT_CACHE_MAX })
  private hash: Buffer = Buffer.from(ZERO_HASH, 'hex')
  private count = 0

  constructor (core: Hypercore) {
    this.bee = new Hyperbee(core, { keyEncoding: 'utf-8', valueEncoding: 'json' })
  }

  async ready (): Promise<void> {
    await this.bee.ready()
    const stored = await this.bee.get(META_HASH)
    if (stored !== null) this.hash = Buffer.from(stored.value as string, 'hex')
    const count = await this.bee.get(META_COUNT)
    if (count !== null) this.count = count.value as number
  }

  /** How many addresses hold a version: kept with the view, so asking costs nothing. */
  get addressCount (): number {
    return this.count
  }

  async close (): Promise<void> {
    await this.bee.close()
  }

  /** An order-independent digest of every address's current version: equal on converged peers. */
  get viewHash (): string {
    return this.hash.toString('hex')
  }

  async slot (address: string): Promise<Slot | undefined> {
    const cached = this.slots.get(address)
    if (cached !== undefined) return cached === 'none' ? undefined : cached
    const entry = await this.bee.get(ADDRESS + address)
    const slot = entry === null ? undefined : entry.value as Slot
    this.slots.set(address, slot ?? 'none')
    return slot
  }

  /** Loads the slots of many addresses at once, through one snapshot (a get per address would open a session each). */
  async prefetch (addresses: readonly string[]): Promise<void> {
    const missing = addresses.filter(a => !this.slots.has(a))
    if (missing.length < 8) return
    const snapshot = this.bee.snapshot()
    try {
      for (const address of missing) {
        const entry = await snapshot.get(ADDRESS + address)
        this.slots.set(address, entry === null ? 'none' : entry.value as Slot)
      }
    } finally {
      await snapshot.close()
    }
  }

  /** How many blocks of a writer's log this view has applied. */
  async applied (writer: string): Promise<number> {
    const entry = await this.bee.get(APPLIED + writer)
    return entry === null ? 0 : entry.value as number
  }

  /**
   * Applies consecutive blocks of one writer's log, starting at the view's checkpoint for it, atomically with the
   * new checkpoint. Returns the addresses whose current version changed.
   */
  async apply (writer: string, entries: readonly AppliedEntry[]): Promise<string[]> {
    if (entries.length === 0) return []
    const batch = this.bee.batch()
    const pending = new Map<string, Slot>()
    const changed: string[] = []
    const hash = Buffer.from(this.hash)
    let count = this.count
    await this.prefetch(entries.map(e => e.entry.address))
    for (const { seq, entry } of entries) {
      const pointer: Pointer = { writer, seq, version: entry.version, kind: entry.kind, inherits: entry.inherits }
      if (entry.digest !== undefined) pointer.digest = entry.digest
      const before = pending.get(entry.address) ?? await this.slot(entry.address)
      const after = applyVersion(before, pointer)
      if (after === before) continue
      pending.set(entry.address, after)
      if (before === undefined) count++
      if (before?.current !== after.current) {
        if (before !== undefined) xorInto(hash, slotDigest(entry.address, before.current))
        xorInto(hash, slotDigest(entry.address, after.current))
        changed.push(entry.address)
      }
    }
    for (const [address, slot] of pending) await batch.put(ADDRESS + address, slot)
    await batch.put(APPLIED + writer, entries[entries.length - 1]!.seq + 1)
    await batch.put(META_HASH, hash.toString('hex'))
    await batch.put(META_COUNT, count)
    await batch.flush()
    for (const [address, slot] of pending) this.slots.set(address, slot)
    this.hash = hash
    this.count = count
    return changed
  }

  /** Applies blocks of which some were refused (null): those are skipped, and the checkpoint moves past them all. */
  async applyWithGaps (writer: string, entries: ReadonlyArray<{ seq: number, entry: LogEntry | null }>): Promise<string[]> {
    const good = entries.filter((e): e is AppliedEntry => e.entry !== null)
    const last = entries[entries.length - 1]
    if (last === undefined) return []
    if (good.length === 0 || good[good.length - 1]!.seq !== last.seq) {
      // Carry the checkpoint to the last block, even a refused one.
      const changed = await this.apply(writer, good)
      await this.bee.put(APPLIED + writer, last.seq + 1)
      return changed
    }
    return await this.apply(writer, good)
  }

  /** The writers whose logs this view has applied blocks of. */
  async * writers (): AsyncGenerator<string> {
    for await (const entry of this.bee.createReadStream({ gte: APPLIED, lt: APPLIED + '\uffff' })) yield entry.key.slice(APPLIED.length)
  }

  /** Every address and its slot, in address order, optionally under a prefix. */
  async * entries (prefix = ''): AsyncGenerator<[string, Slot]> {
    const gte = ADDRESS + prefix
    for await (const entry of this.bee.createReadStream({ gte, lt: gte + '\uffff' })) {
      yield [entry.key.slice(ADDRESS.length), entry.value as Slot]
    }
  }
}
