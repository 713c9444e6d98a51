/**
 * The materialized view: the newest version of every address, held in memory and checkpointed to a file beside the
 * logs, with how many blocks of each writer log it has applied. A restart loads the checkpoint and replays only the
 * blocks appended since; the logs stay the only source of truth, so a lost or damaged checkpoint costs a replay,
 * never data. (A Hyperbee was used first: its per-put B-tree appends made applying 10,000 entries take seconds.)
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { writeFileAtomic } from '../crypto/atomic-file.js'
import { applyVersion, versionKey, type Version, type VersionSlot } from '../distribution/version.js'
import type { RecordKind } from '../context/record.js'
import type { CompletionEntry, DecisionEntry, LogEntry, RequestEntry } from './log-entry.js'
import { pack, unpack, type PackedView } from './checkpoint-codec.js'

/** Where a version is stored: which writer log, which block. */
export interface Pointer {
  writer: string
  /** The block, and the entry's place in it (blocks hold batches of entries). */
  seq: number
  index?: number
  version: Version
  kind: RecordKind
  inherits: boolean
  digest?: string
}

export type Slot = VersionSlot<Pointer>

/** A request, completion or decision entry as the view keeps it: its header, and where its payload is. */
export interface QueueEvent {
  writer: string
  seq: number
  index: number
  entry: Omit<RequestEntry, 'envelope'> | Omit<CompletionEntry, 'envelope'> | Omit<DecisionEntry, 'envelope'>
}

/** One version of an address as the history keeps it: [address, version key, term, wall ms, writer, decision]. */
export type VersionLine = [string, string, number, number, string, string | null]

/** 4: slots and version lines packed with a table of writers (checkpoint-codec.ts). An older checkpoint is replayed. */
const CHECKPOINT_FORMAT = 4
/** A checkpoint is written at most this often while entries arrive, and always at close. */
export const CHECKPOINT_INTERVAL_MS = 5_000

function slotDigest (address: string, pointer: Pointer): Buffer {
  return createHash('sha256').update(address).update('\u0000').update(versionKey(pointer.version)).digest()
}

function xorInto (target: Buffer, other: Buffer): void {
  for (let i = 0; i < target.length; i++) target[i] = target[i]! ^ other[i]!
}

interface Checkpoint {
  format: number
  hash: string
  applied: Record<string, number>
  view: PackedView
  queue: QueueEvent[]
}

export class ContextView {
  private slots = new Map<string, Slot>()
  private appliedLengths = new Map<string, number>()
  private hash: Buffer = Buffer.alloc(32)
  private dirty = false
  private lastCheckpoint = 0
  private checkpointing: Promise<void> = Promise.resolve()
  /** Every request, completion and decision entry applied, in the order applied (the queue and the decision graph are rebuilt from them). */
  private queue: QueueEvent[] = []
  /** Every context version applied, for `history` and the decision graph. */
  private versionLines: VersionLine[] = []
  /** Told of each such entry and version as it is applied. */
  readonly listeners = new Set<(event: QueueEvent | VersionLine) => void>()

  constructor (private readonly checkpointFile: string) {}

  /** Loads the checkpoint; a missing or damaged one starts empty (the caller replays the logs). */
  async ready (): Promise<void> {
    if (!existsSync(this.checkpointFile)) return
    try {
      const checkpoint = JSON.parse(readFileSync(this.checkpointFile, 'utf8')) as Checkpoint
      if (checkpoint.format !== CHECKPOINT_FORMAT || !Array.isArray(checkpoint.queue)) throw new Error('unknown format')
      const { slots, versions } = unpack(checkpoint.view)
      this.slots = new Map(slots)
      this.queue = checkpoint.queue
      this.versionLines = versions
      this.appliedLengths = new Map(Object.entries(checkpoint.applied))
      this.hash = Buffer.from(checkpoint.hash, 'hex')
      if (this.hash.length !== 32) throw new Error('bad hash')
    } catch {
      this.slots = new Map()
      this.queue = []
      this.versionLines = []
      this.appliedLengths = new Map()
      this.hash = Buffer.alloc(32)
    }
  }

  async close (): Promise<void> {
    await this.checkpoint()
  }

  /** Writes the checkpoint now (if anything changed since the last one). */
  async checkpoint (): Promise<void> {
    this.checkpointing = this.checkpointing.then(async () => {
      if (!this.dirty) return
      this.dirty = false
      this.lastCheckpoint = Date.now()
      const checkpoint: Checkpoint = { format: CHECKPOINT_FORMAT, hash: this.hash.toString('hex'), applied: Object.fromEntries(this.appliedLengths), view: pack(this.slots, this.versionLines), queue: this.queue }
      await writeFileAtomic(this.checkpointFile, JSON.stringify(checkpoint), 0o600)
    })
    await this.checkpointing
  }

  /** An order-independent digest of every address's current version: equal on converged peers. */
  get viewHash (): string {
    return this.hash.toString('hex')
  }

  get addressCount (): number {
    return this.slots.size
  }

  slot (address: string): Slot | undefined {
    return this.slots.get(address)
  }

  /** How many blocks of a writer's log this view has applied. */
  applied (writer: string): number {
    return this.appliedLengths.get(writer) ?? 0
  }

  /**
   * Applies consecutive blocks of one writer's log, from the view's applied count for it. A refused entry (null) is
   * skipped, and the applied count still moves past it. Returns the addresses whose current version changed.
   */
  async apply (writer: string, entries: ReadonlyArray<{ seq: number, index: number, entry: LogEntry | null }>): Promise<string[]> {
    const last = entries[entries.length - 1]
    if (last === undefined) return []
    const changed: string[] = []
    for (const { seq, index, entry } of entries) {
      if (entry === null) continue
      if (entry.type !== 'context') {
        const { envelope: _payload, ...header } = entry
        const event: QueueEvent = { writer, seq, index, entry: header as QueueEvent['entry'] }
        this.queue.push(event)
        for (const listener of this.listeners) listener(event)
        continue
      }
      const line: VersionLine = [entry.address, versionKey(entry.version), entry.version.term, entry.version.hlc.wall, writer, entry.decision ?? null]
      this.versionLines.push(line)
      for (const listener of this.listeners) listener(line)
      const pointer: Pointer = { writer, seq, version: entry.version, kind: entry.kind, inherits: entry.inherits }
      if (index > 0) pointer.index = index
      if (entry.digest !== undefined) pointer.digest = entry.digest
      const before = this.slots.get(entry.address)
      const after = applyVersion(before, pointer)
      if (after === before) continue
      this.slots.set(entry.address, after)
      if (before?.current !== after.current) {
        if (before !== undefined) xorInto(this.hash, slotDigest(entry.address, before.current))
        xorInto(this.hash, slotDigest(entry.address, after.current))
        changed.push(entry.address)
      }
    }
    this.appliedLengths.set(writer, Math.max(this.appliedLengths.get(writer) ?? 0, last.seq + 1))
    this.dirty = true
    if (Date.now() - this.lastCheckpoint >= CHECKPOINT_INTERVAL_MS) await this.checkpoint()
    return changed
  }

  /** Every queue and decision entry applied so far. */
  queueEvents (): readonly QueueEvent[] {
    return this.queue
  }

  /** Every context version applied so far. */
  versions (): readonly VersionLine[] {
    return this.versionLines
  }

  /** The writers whose logs this view has applied blocks of. */
  writers (): string[] {
    return [...this.appliedLengths.keys()]
  }
}
