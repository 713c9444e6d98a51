/**
 * The materialized view: the newest version of every address's records (generated and hand-written), held in memory
 * and checkpointed to a file beside the logs, with how many blocks of each writer log it has applied. A restart loads
 * the checkpoint and replays only the blocks appended since; the logs stay the only source of truth, so a lost or
 * damaged checkpoint costs a replay, never data. (A Hyperbee was used first: its per-put B-tree appends made applying
 * 10,000 entries take seconds.)
 */
import { systemClock } from '../clock.js'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { corrupt } from '../errors.js'
import { writeFileAtomic } from '../crypto/atomic-file.js'
import { applyVersion, versionKey } from '../distribution/version.js'
import type { LogEntry, TermEntry } from './log-entry.js'
import { CheckpointFile, encodeCheckpoint } from './checkpoint-codec.js'
import type { Pointer, QueueEvent, Slot, VersionLine } from './view-items.js'
import { TermEnds } from './term-ends.js'

// The coordinator still takes it from here.
export type { QueueEvent }

/**
 * Where a record comes from. An address holds one record of each origin, each with its own versions: a hand-written
 * record (`distribute`) is laid over the generated one (`generate`), so neither replaces the other.
 */
export type Origin = 'generated' | 'hand-written'

export const ORIGINS: readonly Origin[] = ['hand-written', 'generated']

export function originOf (entry: { generated?: boolean }): Origin {
  return entry.generated === true ? 'generated' : 'hand-written'
}

/** The key of an address's slot of one origin (a control character cannot be part of an address). */
export function slotKey (address: string, origin: Origin): string {
  return `${address}\u0000${origin === 'generated' ? 'g' : 'h'}`
}

/**
 * Who may write in a term: a writer's entries of a term are applied only after a term entry of that writer for that
 * term which `admit` accepts (the node checks the votes and the roster: src/node/term-evidence.ts). A view without a
 * rule applies every entry (a store opened by a test of the storage alone).
 */
export interface LeadershipRule {
  /** Why this term entry does not prove that its writer leads its term; null when it does. */
  admit: (writer: string, entry: TermEntry) => string | null
  /**
   * Why an entry of a proven leader breaks the cluster's policy (a forged policy, a write by a role it does not allow);
   * null when it does not. Entries are checked in each log's order, so one after a policy entry sees that policy.
   */
  authorise?: (writer: string, entry: LogEntry) => string | null
}

/** An entry this view did not apply, and why (the newest few are kept; all are counted). */
export interface Refusal { writer: string, seq: number, type: LogEntry['type'], term: number, reason: string }
export const KEPT_REFUSALS = 20

/** An entry of a writer log with where it is: null where it did not decode (it is skipped, and counted as applied). */
export interface PlacedEntry { seq: number, index: number, entry: LogEntry | null }

const NO_ENVELOPE = Buffer.alloc(0)

/** A checkpoint is written at most this often while entries arrive, and always at close. */
export const CHECKPOINT_INTERVAL_MS = 5_000

function slotDigest (key: string, pointer: Pointer): Buffer {
  return createHash('sha256').update(key).update('\u0000').update(versionKey(pointer.version)).digest()
}

function xorInto (target: Buffer, other: Buffer): void {
  for (let i = 0; i < target.length; i++) target[i] = target[i]! ^ other[i]!
}

export class ContextView {
  /** The checkpoint this view was loaded from: its slots are read from it as they are needed. */
  private base: CheckpointFile | null = null
  /** Slots (by slotKey) applied since the checkpoint was loaded (over the base's), or every slot without one. */
  private slots = new Map<string, Slot>()
  /** Slots applied since loading that the base does not have. */
  private addedSlots = 0
  /** Slots whose current version is a removal. */
  private removedSlots = 0
  /** Per writer, the blocks applied for good: what the checkpoint records, and where a restart replays from. */
  private appliedLengths = new Map<string, number>()
  /** Per writer, the blocks received (applied, or held in an unfinished write): where the next apply starts. */
  private readonly received = new Map<string, number>()
  /**
   * Per writer, the entries of a write of several (`batch`) received so far, its end not yet: applied together when
   * it comes, dropped when the writer goes on with anything else (it crashed half way through that write). Headers
   * only: the view never reads an envelope.
   */
  private readonly unfinished = new Map<string, { batch: number, from: number, entries: PlacedEntry[] }>()
  private hash: Buffer = Buffer.alloc(32)
  private dirty = false
  private lastCheckpoint = 0
  private checkpointing: Promise<void> = Promise.resolve()
  /** Every request, completion and decision entry applied, in the order applied (the queue and the decision graph are rebuilt from them). */
  private queue: QueueEvent[] = []
  /** Context versions applied, for `history` and the decision graph: since loading, until `versions()` adds the base's. */
  private versionLines: VersionLine[] = []
  private baseVersionsRead = true
  /** The checkpoint read had a line out of shape (fromBase). */
  private damaged = false
  /** Told of each such entry and version as it is applied. */
  readonly listeners = new Set<(event: QueueEvent | VersionLine) => void>()
  /** Per term, the writers whose term entry the leadership rule admitted (in the checkpoint). */
  private leaders = new Map<number, Set<string>>()
  /** Entries not applied: how many, and the newest few. */
  private refusedCount = 0
  private readonly refusalsKept: Refusal[] = []
  /** Told of each entry refused, as it is. */
  readonly refusalListeners = new Set<(refusal: Refusal) => void>()
  /**
   * Told once the view was rebuilt from the logs (a newly stated end covered entries it had applied): what listeners
   * were told of those entries no longer holds; queueEvents() and versions() hold what does.
   */
  readonly rebuildListeners = new Set<() => void>()
  /** Where later leaders stated each writer's earlier terms end (in the checkpoint; kept through a rebuild). */
  private ends = new TermEnds()
  /** Per writer, the terms of the entries applied from its log, as [term, first block, last block] flat. */
  private runs = new Map<string, number[]>()
  /** A newly stated end covers entries this view applied: it must be rebuilt from the logs. */
  private stale = false
  /**
   * Replays every log named from its start into this (reset) view: given by the store, which holds the logs. Without
   * it (a view fed by hand) a stale view is not rebuilt.
   */
  replayLogs: ((writers: readonly string[]) => Promise<void>) | null = null
  /** While rebuilding: per writer, the blocks listeners were already told of (entries below are not told again). */
  private told: Map<string, number> | null = null
  /** How many times this view was rebuilt since it was opened. */
  rebuilds = 0
  /** The rebuild under way, if any. */
  private rebuilding: Promise<void> | null = null
  /** The writers a rebuild that failed had to replay: the next one (at the next apply) replays them too. */
  private retryWriters: string[] = []
  /** ... and what its listeners had been told of before it. */
  private retryTold = new Map<string, number>()

  /**
   * `readOnly`: a reader's view, which another process may be writing beside: it never writes the checkpoint. `now`
   * times the checkpoints: the node's clock (the simulator's, in a simulation). `leadership`: who may write in a term.
   */
  constructor (
    private readonly checkpointFile: string,
    private readonly readOnly = false,
    private readonly now: () => number = systemClock.now,
    private readonly leadership?: LeadershipRule
  ) {}

  /** Loads the checkpoint; a missing or damaged one starts empty (the caller replays the logs). */
  async ready (): Promise<void> {
    if (!existsSync(this.checkpointFile)) return
    try {
      const base = CheckpointFile.decode(readFileSync(this.checkpointFile))
      const hash = Buffer.from(base.state.hash, 'hex')
      if (hash.length !== 32) throw new Error('bad hash')
      this.base = base
      this.queue = base.state.queue
      this.appliedLengths = new Map(Object.entries(base.state.applied))
      this.hash = hash
      this.removedSlots = base.state.removed ?? 0
      this.leaders = new Map(Object.entries(base.state.leaders ?? {}).map(([term, writers]) => [Number(term), new Set(writers)]))
      this.refusedCount = base.state.refused ?? 0
      this.ends = TermEnds.fromJSON(base.state.ends ?? {})
      this.runs = new Map(Object.entries(base.state.runs ?? {}))
      this.baseVersionsRead = base.versionLineCount === 0
    } catch {
      this.base = null
      this.queue = []
      this.appliedLengths = new Map()
      this.hash = Buffer.alloc(32)
      this.removedSlots = 0
      this.leaders = new Map()
      this.refusedCount = 0
      this.ends = new TermEnds()
      this.runs = new Map()
    }
  }

  async close (): Promise<void> {
    await this.checkpoint()
  }

  /** Writes the checkpoint now (if anything changed since the last one). */
  async checkpoint (): Promise<void> {
    this.checkpointing = this.checkpointing.then(async () => {
      // Mid-rebuild the view holds a part of the logs only, and names only the writers replayed so far.
      // A rebuild that failed leaves it stale: the checkpoint on disk (from before) stays, and a restart replays from it.
      if (!this.dirty || this.damaged || this.readOnly || this.told !== null || this.stale) return
      this.dirty = false
      this.lastCheckpoint = this.now()
      const state = {
        hash: this.hash.toString('hex'), applied: Object.fromEntries(this.appliedLengths), queue: this.queue,
        ...(this.removedSlots > 0 ? { removed: this.removedSlots } : {}),
        ...(this.leaders.size > 0 ? { leaders: Object.fromEntries([...this.leaders].map(([term, writers]) => [String(term), [...writers].sort()])) } : {}),
        ...(this.refusedCount > 0 ? { refused: this.refusedCount } : {}),
        ...(this.ends.size > 0 ? { ends: this.ends.toJSON() } : {}),
        ...(this.runs.size > 0 ? { runs: Object.fromEntries(this.runs) } : {})
      }
      await writeFileAtomic(this.checkpointFile, encodeCheckpoint(state, this.slots, this.versionLines, this.base, !this.baseVersionsRead), 0o600)
    })
    await this.checkpointing
  }

  /**
   * True when the checkpoint on disk holds this view as it is (nothing applied since the last one, and nothing that keeps
   * one from being written: a rebuild, a stale or damaged view, a read-only store).
   */
  get checkpointed (): boolean {
    return !this.dirty && !this.damaged && !this.readOnly && this.told === null && !this.stale && this.rebuilding === null
  }

  /** An order-independent digest of every slot's current version: equal on converged peers. */
  get viewHash (): string {
    return this.hash.toString('hex')
  }

  /** Records (an address's hand-written or generated one) with a current version that is not a removal. */
  get recordCount (): number {
    return (this.base?.slotCount ?? 0) + this.addedSlots - this.removedSlots
  }

  /** The versions of an address's record of one origin. */
  slot (address: string, origin: Origin): Slot | undefined {
    const key = slotKey(address, origin)
    const slot = this.slots.get(key)
    const base = this.base
    return slot !== undefined || base === null ? slot : this.fromBase(() => base.slot(key))
  }

  /**
   * Reads from the checkpoint. A line out of shape in a file whose digest held was written wrong: the checkpoint
   * is removed and never written again by this view, so the next open replays the logs.
   */
  private fromBase<T> (read: () => T): T {
    try {
      return read()
    } catch (err) {
      this.damaged = true
      rmSync(this.checkpointFile, { force: true })
      throw corrupt(`the view's checkpoint (${this.checkpointFile}) is damaged: it was removed, and the next command rebuilds the view from the logs (nothing stored is lost)`, err)
    }
  }

  /** How many blocks of a writer's log this view has applied. */
  applied (writer: string): number {
    return this.received.get(writer) ?? this.appliedLengths.get(writer) ?? 0
  }

  /**
   * How many blocks of a writer's log this view has settled: each entry below is applied (current, a kept conflict or
   * superseded) or refused. Not a write still waiting for its end; null while the view is stale or rebuilding, when
   * what it holds may change back.
   */
  settled (writer: string): number | null {
    if (this.stale || this.rebuilding !== null) return null
    return this.unfinished.get(writer)?.from ?? this.applied(writer)
  }

  /** Whether entry `index` of block `seq` of `writer`'s log is the current version or a kept conflict of its slot. */
  holds (writer: string, seq: number, index: number, address: string, origin: Origin): boolean {
    const slot = this.slot(address, origin)
    if (slot === undefined) return false
    const is = (pointer: Pointer): boolean => pointer.writer === writer && pointer.seq === seq && (pointer.index ?? 0) === index
    return is(slot.current) || slot.conflicts.some(is)
  }

  /**
   * Applies consecutive blocks of one writer's log, from the view's applied count for it. A refused entry (null) is
   * skipped, and the applied count still moves past it. Returns the addresses whose current version (of either origin) changed.
   */
  async apply (writer: string, given: readonly PlacedEntry[]): Promise<string[]> {
    // A rebuild that failed left the view in part: it is rebuilt before anything more is applied to it.
    if (this.stale && this.told === null && this.retryWriters.length > 0) await this.startRebuild()
    // A caller that read its blocks before a rebuild (the one that set it off included) may hand in blocks the replay
    // applied: skipped. While the rebuild runs, blocks past a gap are left to the replay (they are held, so it
    // reaches them), so each log still applies in order.
    const from = this.applied(writer)
    let entries = given
    if (entries.length > 0 && entries[0]!.seq < from) entries = entries.filter(placed => placed.seq >= from)
    if (this.told !== null && entries.length > 0 && entries[0]!.seq > from) return []
    const last = entries[entries.length - 1]
    if (last === undefined) return []
    const changed: string[] = []
    const told = this.told?.get(writer) ?? 0
    for (const { seq, index, entry } of this.whole(writer, entries)) {
      if (entry === null) continue
      const end = this.ends.endOf(writer, entry.version.term)
      if (end !== null && seq >= end.length) {
        this.refuse({ writer, seq, type: entry.type, term: entry.version.term, reason: `it lies past the end of term ${entry.version.term} in its log (block ${end.length}), which the leader of term ${end.statedIn} stated` }, true)
        continue
      }
      if (entry.type === 'term') {
        if (this.admitTerm(writer, seq, entry)) this.addRun(writer, entry.version.term, seq)
        continue
      }
      if (this.leadership !== undefined && this.leaders.get(entry.version.term)?.has(writer) !== true) {
        this.refuse({ writer, seq, type: entry.type, term: entry.version.term, reason: `its writer gave no evidence that it led term ${entry.version.term}` })
        continue
      }
      const unauthorised = this.leadership?.authorise?.(writer, entry) ?? null
      if (unauthorised !== null) {
        this.refuse({ writer, seq, type: entry.type, term: entry.version.term, reason: unauthorised })
        continue
      }
      this.addRun(writer, entry.version.term, seq)
      // Listeners heard of what a rebuild applies again before it: they are told only of what is new to them.
      const tell = seq >= told
      if (entry.type !== 'context') {
        const { envelope: _payload, ...header } = entry
        const event: QueueEvent = { writer, seq, index, entry: header as QueueEvent['entry'] }
        this.queue.push(event)
        if (tell) for (const listener of this.listeners) listener(event)
        continue
      }
      const line: VersionLine = [entry.address, versionKey(entry.version), entry.version.term, entry.version.hlc.wall, writer, entry.decision ?? null, entry.generated === true, entry.requester ?? null, entry.requesterRole ?? null]
      this.versionLines.push(line)
      if (tell) for (const listener of this.listeners) listener(line)
      const pointer: Pointer = { writer, seq, version: entry.version, kind: entry.kind, inherits: entry.inherits }
      if (index > 0) pointer.index = index
      if (entry.digest !== undefined) pointer.digest = entry.digest
      if (entry.generated === true) pointer.generated = true
      if (entry.removed === true) pointer.removed = true
      const origin = originOf(entry)
      const key = slotKey(entry.address, origin)
      const before = this.slot(entry.address, origin)
      const after = applyVersion(before, pointer)
      if (after === before) continue
      if (before === undefined) this.addedSlots++
      this.slots.set(key, after)
      if (before?.current !== after.current) {
        this.removedSlots += (after.current.removed === true ? 1 : 0) - (before?.current.removed === true ? 1 : 0)
        if (before !== undefined) xorInto(this.hash, slotDigest(key, before.current))
        xorInto(this.hash, slotDigest(key, after.current))
        changed.push(entry.address)
      }
    }
    const received = Math.max(this.received.get(writer) ?? 0, last.seq + 1)
    this.received.set(writer, received)
    // An unfinished write is replayed from its first block after a restart: the checkpoint stops before it.
    const upTo = this.unfinished.get(writer)?.from ?? received
    this.appliedLengths.set(writer, Math.max(this.appliedLengths.get(writer) ?? 0, upTo))
    this.dirty = true
    if (this.stale && this.told === null) await this.startRebuild()
    if (this.now() - this.lastCheckpoint >= CHECKPOINT_INTERVAL_MS) await this.checkpoint()
    return changed
  }

  /**
   * A writer's term entry: its writer may write in the term from here on, if the rule admits the evidence; the ends it
   * states are taken up. True when admitted.
   */
  private admitTerm (writer: string, seq: number, entry: TermEntry): boolean {
    if (this.leadership === undefined) return false
    const term = entry.version.term
    const problem = this.leadership.admit(writer, entry)
    if (problem !== null) {
      this.refuse({ writer, seq, type: 'term', term, reason: problem })
      return false
    }
    let writers = this.leaders.get(term)
    if (writers === undefined) this.leaders.set(term, writers = new Set())
    writers.add(writer)
    for (const [other, length] of Object.entries(entry.ends ?? {})) {
      // A leader states where others' earlier terms end, never its own: its own log is the one it goes on writing.
      if (other === writer || !this.ends.add(other, term, length)) continue
      if (this.appliedPast(other, term, length)) this.stale = true
    }
    return true
  }

  /** Notes that an entry of `term` at block `seq` of `writer`'s log was applied. */
  private addRun (writer: string, term: number, seq: number): void {
    let runs = this.runs.get(writer)
    if (runs === undefined) this.runs.set(writer, runs = [])
    const at = runs.length - 3
    if (at >= 0 && runs[at] === term) runs[at + 2] = Math.max(runs[at + 2]!, seq)
    else runs.push(term, seq, seq)
  }

  /** True when this view applied an entry of a term before `term` at or past block `length` of `writer`'s log. */
  private appliedPast (writer: string, term: number, length: number): boolean {
    const runs = this.runs.get(writer) ?? []
    for (let at = 0; at < runs.length; at += 3) if (runs[at]! < term && runs[at + 2]! >= length) return true
    return false
  }

  private async startRebuild (): Promise<void> {
    await (this.rebuilding = this.rebuild().finally(() => { this.rebuilding = null }))
  }

  /**
   * Resets the view to empty, keeping the ends it knows, and replays every log it had applied: the rebuilt view
   * applies nothing past an end, so its state is what a view that read the ends first holds, whatever the order the
   * entries came in. Repeated while the replay learns of another end that covers what it applied (each time one more).
   */
  private async rebuild (): Promise<void> {
    const replay = this.replayLogs
    if (replay === null) {
      this.stale = false
      return
    }
    this.rebuilds++
    let writers: string[] = []
    try {
      while (this.stale) {
        this.stale = false
        writers = [...new Set([...this.retryWriters, ...writers, ...this.appliedLengths.keys(), ...this.received.keys()])]
        const before = this.told ?? this.retryTold
        this.told = new Map(writers.map(writer => [writer, Math.max(before.get(writer) ?? 0, this.unfinished.get(writer)?.from ?? this.applied(writer))]))
        this.base = null
        this.slots = new Map()
        this.addedSlots = 0
        this.removedSlots = 0
        this.appliedLengths = new Map()
        this.received.clear()
        this.unfinished.clear()
        this.hash = Buffer.alloc(32)
        this.queue = []
        this.versionLines = []
        this.baseVersionsRead = true
        this.leaders = new Map()
        this.runs = new Map()
        this.refusedCount = 0
        await replay(writers)
      }
      this.retryWriters = []
      this.retryTold = new Map()
    } catch (err) {
      // A block that did not come, a store closing: the view stays marked stale, and the next apply rebuilds again.
      this.retryWriters = writers
      this.retryTold = this.told ?? new Map()
      this.stale = true
      throw err
    } finally {
      this.told = null
    }
    this.dirty = true
    for (const listener of this.rebuildListeners) listener()
  }

  /** `retracts`: refused for lying past an end, so in a rebuild, possibly an entry applied before it (told again). */
  private refuse (refusal: Refusal, retracts = false): void {
    this.refusedCount++
    if (this.told !== null && !retracts && refusal.seq < (this.told.get(refusal.writer) ?? 0)) return
    this.refusalsKept.push(refusal)
    if (this.refusalsKept.length > KEPT_REFUSALS) this.refusalsKept.shift()
    for (const listener of this.refusalListeners) listener(refusal)
  }

  /** Resolves once no rebuild is under way (a writer waits for it, so it reads whole state and its entries apply in order). */
  async idle (): Promise<void> {
    while (this.rebuilding !== null) await this.rebuilding
  }

  /** True when this writer proved (in its log) that it leads `term`; always true for a view without a leadership rule. */
  leads (writer: string, term: number): boolean {
    return this.leadership === undefined || this.leaders.get(term)?.has(writer) === true
  }

  /** The writers that proved they led each term, by term. */
  termLeaders (): Map<number, string[]> {
    return new Map([...this.leaders].map(([term, writers]) => [term, [...writers].sort()]))
  }

  /** The entries this view refused to apply: how many (since the logs began), and the newest few (since this open). */
  refusals (): { count: number, recent: Refusal[] } {
    return { count: this.refusedCount, recent: [...this.refusalsKept] }
  }

  /**
   * The entries to apply now, in log order: each entry of a write of several is held until its write's last entry
   * comes, then they all go; a write that another entry of its writer follows before its end never does.
   */
  private whole (writer: string, entries: readonly PlacedEntry[]): PlacedEntry[] {
    const ready: PlacedEntry[] = []
    for (const placed of entries) {
      const entry = placed.entry
      let open = this.unfinished.get(writer)
      if (entry === null || entry.type !== 'context' || entry.batch === undefined) {
        if (entry !== null) this.unfinished.delete(writer)
        ready.push(placed)
        continue
      }
      if (open !== undefined && open.batch !== entry.batch) open = undefined
      if (open === undefined) this.unfinished.set(writer, open = { batch: entry.batch, from: placed.seq, entries: [] })
      open.entries.push({ seq: placed.seq, index: placed.index, entry: { ...entry, envelope: NO_ENVELOPE } })
      if (entry.end === true) {
        ready.push(...open.entries)
        this.unfinished.delete(writer)
      }
    }
    return ready
  }

  /** Every queue and decision entry applied so far. */
  queueEvents (): readonly QueueEvent[] {
    return this.queue
  }

  /** Every context version applied so far. */
  versions (): readonly VersionLine[] {
    const base = this.base
    if (!this.baseVersionsRead && base !== null) {
      this.versionLines = [...this.fromBase(() => base.versions()), ...this.versionLines]
      this.baseVersionsRead = true
    }
    return this.versionLines
  }

  /** The writers whose logs this view has applied blocks of. */
  writers (): string[] {
    return [...this.appliedLengths.keys()]
  }
}
