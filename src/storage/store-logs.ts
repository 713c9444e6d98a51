/**
 * The logs a store holds: this peer's writer log and the replicas of every other writer's, in one Corestore. It
 * downloads and applies other writers' logs to the view, catches the view up with this peer's own log at open, and
 * reads entries back (decoded once, in a small cache: siblings share blocks). A damaged remote entry is skipped and
 * counted, never applied.
 */
import type Corestore from 'corestore'
import type Hypercore from 'hypercore'
import type { Clock, TimerHandle } from '../clock.js'
import { Lru } from '../lru.js'
import { KEY_HEX_PATTERN } from '../crypto/key-text.js'
import type { Hlc } from '../distribution/hlc.js'
import { corrupt, unavailable } from '../errors.js'
import { decodeEntry, splitBlock, splitPayloadBlock, type ContextEntry, type LogEntry } from './log-entry.js'
import type { ContextView, PlacedEntry } from './view.js'

export const BLOCK_CACHE_MAX = 256
/** How many blocks are applied to the view at a time. */
export const APPLY_CHUNK_BLOCKS = 512
/** How long a download of another writer's log may take. */
export const DOWNLOAD_TIMEOUT_MS = 30_000
/** How long applying another writer's log waits for each block still on its way. */
export const BLOCK_WAIT_MS = 10_000


export interface StoreLogsHost {
  /** The store's folder, for messages. */
  dir: string
  view: ContextView
  /** Times the waits for other writers' blocks (the simulator's virtual clock, or the wall clock). */
  clock: Clock
  /** The view applied entries, and these addresses changed. */
  onApplied: (changed: readonly string[]) => void
}

export class StoreLogs {
  /** This peer's writer log. */
  readonly own: Hypercore
  /** This peer's payloads core: the envelopes of its writes' records but the first of each (see PayloadPointer). */
  readonly ownPayloads: Hypercore
  /** The logs of other writers, opened as their heads become known. */
  private readonly remote = new Map<string, Hypercore>()
  /** The payloads cores of other writers, opened as their logs name them. */
  private readonly remotePayloads = new Map<string, Hypercore>()
  /**
   * How far each other writer's log is held with the payloads its entries point at: what this peer says it holds (a
   * write counts as held only with its envelopes, so an acknowledgement means they are on a majority of voters too).
   */
  private readonly complete = new Map<string, number>()
  private readonly blocks = new Lru<string, LogEntry[]>(BLOCK_CACHE_MAX)
  private readonly payloadBlocks = new Lru<string, Buffer[]>(BLOCK_CACHE_MAX)
  /** Remote blocks that failed to decode or claimed another writer: skipped, and counted. */
  rejectedEntries = 0

  constructor (private readonly corestore: Corestore, private readonly host: StoreLogsHost) {
    this.own = corestore.get({ name: 'log' })
    this.ownPayloads = corestore.get({ name: 'payloads' })
  }

  /** This peer's writer id: the key of its log. */
  get writer (): string {
    return this.own.key!.toString('hex')
  }

  /** The log of a writer: this peer's own, or another's (opened, and so replicated, from now on). */
  async logOf (writer: string): Promise<Hypercore> {
    if (writer === this.writer) return this.own
    let core = this.remote.get(writer)
    if (core === undefined) {
      if (!KEY_HEX_PATTERN.test(writer)) throw corrupt(`not a writer key: ${writer.slice(0, 80)}`)
      core = this.corestore.get({ key: Buffer.from(writer, 'hex') })
      this.remote.set(writer, core)
    }
    await core.ready()
    return core
  }

  /**
   * Every log this peer holds and how many blocks of each it holds from the start, with the payloads they point at:
   * what it gossips.
   */
  heads (): Array<{ writer: string, length: number }> {
    const heads = [{ writer: this.writer, length: this.own.length }]
    for (const [writer, core] of this.remote) heads.push({ writer, length: Math.min(core.contiguousLength, this.complete.get(writer) ?? 0) })
    return heads
  }

  /**
   * The Merkle tree hash of a writer's log at `length` blocks, hex: what a head announces, and what a member's head is
   * compared with. Only of blocks held here (Hypercore would otherwise wait to download them).
   */
  async treeHash (writer: string, length: number): Promise<string> {
    const core = await this.logOf(writer)
    const held = core === this.own ? core.length : core.contiguousLength
    if (length > held) throw unavailable(`log ${writer.slice(0, 12)} is held to ${held} blocks here, not ${length}`)
    return (await core.treeHash(length)).toString('hex')
  }

  /** Downloads another writer's log up to `length` blocks, in one pipelined range; returns the length now held. */
  async downloadRemote (writer: string, length: number, timeoutMs = DOWNLOAD_TIMEOUT_MS, signal?: AbortSignal): Promise<number> {
    const core = await this.logOf(writer)
    if (core.contiguousLength < length && signal?.aborted !== true) {
      const range = core.download({ start: core.contiguousLength, end: length })
      let stop = (): void => {}
      const stopped = new Promise<void>(resolve => { stop = resolve })
      signal?.addEventListener('abort', stop, { once: true })
      try {
        // Given up on (no connected peer holds the rest any more): what arrived is held, and the caller applies it.
        await this.within(Promise.race([range.done(), stopped]), timeoutMs, `downloading log ${writer.slice(0, 12)} timed out`)
      } finally {
        signal?.removeEventListener('abort', stop)
        range.destroy()
      }
    }
    const held = core.contiguousLength
    const before = Math.min(held, this.complete.get(writer) ?? 0)
    if (held === before) return held
    // Then the payloads the new entries point at, up to the last one (a writer appends them before the entries).
    const needed = await this.payloadsNeeded(writer, held, before)
    if (needed !== null && needed.core.contiguousLength < needed.length && signal?.aborted !== true) {
      const range = needed.core.download({ start: needed.core.contiguousLength, end: needed.length })
      let stop = (): void => {}
      const stopped = new Promise<void>(resolve => { stop = resolve })
      signal?.addEventListener('abort', stop, { once: true })
      try {
        await this.within(Promise.race([range.done(), stopped]), timeoutMs, `downloading the payloads of log ${writer.slice(0, 12)} timed out`)
      } finally {
        signal?.removeEventListener('abort', stop)
        range.destroy()
      }
    }
    const complete = await this.heldWithPayloads(writer, held, before)
    this.complete.set(writer, complete)
    return complete
  }

  /**
   * The payloads core `writer`'s log points into from block `from` up to `length`, and how many of its blocks the last
   * of those pointers needs (the block it is in: `seq`); null when they point at none. A read back from the end: the
   * writer appends payloads in the order of its entries.
   */
  private async payloadsNeeded (writer: string, length: number, from: number): Promise<{ core: Hypercore, length: number, seq: number } | null> {
    const core = await this.logOf(writer)
    for (let seq = length - 1; seq >= from; seq--) {
      const entries = await this.readBlock(core, seq).catch(() => null)
      const pointed = entries?.findLast((entry): entry is ContextEntry => entry.type === 'context' && entry.payload !== undefined)
      if (pointed === undefined || pointed === null) continue
      return { core: await this.payloadsCoreOf(writer, pointed), length: pointed.payload!.block + 1, seq }
    }
    return null
  }

  /**
   * How many of the first `length` blocks of `writer`'s log are held here with every payload they point at, knowing
   * that the first `from` are.
   */
  private async heldWithPayloads (writer: string, length: number, from: number): Promise<number> {
    let upTo = length
    while (upTo > from) {
      const needed = await this.payloadsNeeded(writer, upTo, from)
      if (needed === null || needed.core.contiguousLength >= needed.length) return upTo
      // Block `seq` points past what is held: the prefix before it may be whole.
      upTo = needed.seq
    }
    return from
  }

  /** The payloads core the write of `entry` (a record of `writer`'s log with a payload pointer) names in its first entry. */
  private async payloadsCoreOf (writer: string, entry: ContextEntry): Promise<Hypercore> {
    if (writer === this.writer) return this.ownPayloads
    let core = this.remotePayloads.get(writer)
    if (core === undefined) {
      const first = (await this.readBlock(await this.logOf(writer), entry.batch!))[0]
      if (first === undefined || first.type !== 'context' || first.batch !== entry.batch || first.payloads === undefined) {
        throw corrupt(`the write of ${entry.address} in log ${writer.slice(0, 12)} does not name the payloads core its records point into`)
      }
      core = this.remotePayloads.get(writer)
      if (core === undefined) {
        core = this.corestore.get({ key: Buffer.from(first.payloads, 'hex') })
        this.remotePayloads.set(writer, core)
      }
      await core.ready()
      if (core.key!.toString('hex') !== first.payloads) throw corrupt(`log ${writer.slice(0, 12)} names two payloads cores`)
    }
    await core.ready()
    return core
  }

  /**
   * Applies another writer's log to the view up to `length` blocks (waiting for blocks still on their way, at most
   * `timeoutMs` each), from the view's checkpoint for it. Returns the addresses whose current version changed.
   */
  async applyRemote (writer: string, length: number, timeoutMs = BLOCK_WAIT_MS): Promise<string[]> {
    const core = await this.logOf(writer)
    const upTo = Math.max(length, core.contiguousLength)
    const changed: string[] = []
    for (let start = this.host.view.applied(writer); start < upTo; start += APPLY_CHUNK_BLOCKS) {
      const end = Math.min(upTo, start + APPLY_CHUNK_BLOCKS)
      const entries: PlacedEntry[] = []
      let blocks = 0
      for (let seq = start; seq < end; seq++) {
        // A block on its way waits on the store's clock, not on Hypercore's own (real) timer.
        const block = await core.has(seq) ? await core.get(seq) : await this.within(core.get(seq), timeoutMs, `block ${seq} of log ${writer.slice(0, 12)} did not come in time`)
        if (block === null) break
        blocks++
        entries.push(...this.decodeTolerantly(block, seq, writer))
      }
      if (entries.length === 0) break
      const applied = await this.host.view.apply(writer, entries)
      changed.push(...applied)
      this.host.onApplied(applied)
      if (blocks < end - start) break
    }
    return changed
  }

  /** `work`, or UNAVAILABLE after `ms` of the store's clock. */
  private async within<T> (work: Promise<T>, ms: number, message: string): Promise<T> {
    const { clock } = this.host
    let timer: TimerHandle | undefined
    try {
      return await Promise.race([work, new Promise<never>((_resolve, reject) => { timer = clock.setTimeout(() => { reject(unavailable(message)) }, ms) })])
    } finally {
      if (timer !== undefined) clock.clearTimeout(timer)
    }
  }

  /**
   * At open: applies whatever this peer's log holds beyond the view's checkpoint (after a crash between append and
   * apply), and the other writers' logs the view knows. Returns the clock of the newest entry of this peer's log, to
   * take up from (null when it has none). An entry this reader refuses is skipped and counted, as in another writer's
   * log: the rest of the home stays usable.
   */
  async catchUp (): Promise<{ hlc: Hlc, term: number } | null> {
    const { view, dir } = this.host
    // Every log the view applied blocks of still holds them here (they were stored before they were applied). One that
    // does not lost them with its database: appending to this peer's own would write other entries under the same
    // sequence numbers (a fork, which the view never shows); with the whole database lost, this peer's log comes back
    // under a new key, and the view still points into the old one (every retrieve would fail on a missing block).
    for (const writer of new Set([this.writer, ...view.writers()])) {
      const own = writer === this.writer
      const held = own ? this.own.length : (await this.logOf(writer)).contiguousLength
      const applied = view.applied(writer)
      if (held >= applied) continue
      throw corrupt(`the store at ${dir} is damaged: ${own ? 'this peer\'s log holds' : 'it holds'} ${held} of the ${applied} entries ${own ? '' : `of log ${writer.slice(0, 12)} `}its view was built from (was store/db deleted or damaged?)${own ? ', and writing to it would fork the log' : ''}. Move the home aside and init a new one (in a cluster, join with a new invite)`)
    }
    for (let start = view.applied(this.writer); start < this.own.length; start += APPLY_CHUNK_BLOCKS) {
      const end = Math.min(this.own.length, start + APPLY_CHUNK_BLOCKS)
      const entries: PlacedEntry[] = []
      for (let seq = start; seq < end; seq++) {
        const block = await this.own.get(seq, { wait: false })
        if (block === null) throw corrupt(`block ${seq} of this peer's log is missing`)
        entries.push(...this.decodeTolerantly(block, seq, this.writer))
      }
      this.host.onApplied(await view.apply(this.writer, entries))
    }
    let newest: { hlc: Hlc, term: number } | null = null
    for (let seq = this.own.length - 1; seq >= 0 && newest === null; seq--) {
      const block = await this.own.get(seq, { wait: false })
      const entry = block === null ? undefined : this.decodeTolerantly(block, seq, this.writer, false).findLast(e => e.entry !== null)?.entry
      if (entry != null) newest = { hlc: entry.version.hlc, term: entry.version.term }
    }
    for (const writer of view.writers()) {
      if (writer === this.writer) continue
      await this.applyRemote(writer, 0)
      this.complete.set(writer, await this.heldWithPayloads(writer, (await this.logOf(writer)).contiguousLength, 0))
    }
    return newest
  }

  /**
   * The entries of a block of `writer`'s log, each null where it does not decode (or claims another writer): a
   * damaged entry is skipped and counted (when `count`), never applied, and the applied count still moves past it.
   */
  private decodeTolerantly (block: Buffer, seq: number, writer: string, count = true): PlacedEntry[] {
    const where = `block ${seq} of log ${writer.slice(0, 12)}`
    let parts: Buffer[]
    try {
      parts = splitBlock(block, where)
    } catch {
      if (count) this.rejectedEntries++
      return [{ seq, index: 0, entry: null }]
    }
    return parts.map((part, index) => {
      try {
        const entry = decodeEntry(part, `entry ${index} of ${where}`)
        if (entry.version.writer !== writer) throw corrupt('an entry that claims another writer')
        return { seq, index, entry }
      } catch {
        if (count) this.rejectedEntries++
        return { seq, index, entry: null }
      }
    })
  }

  /**
   * An entry this peer holds: entry `index` of block `seq` of `writer`'s log, with its envelope (from the writer's
   * payloads core when the entry points there).
   */
  async entryAt (writer: string, seq: number, index = 0): Promise<LogEntry> {
    const entry = (await this.readBlock(await this.logOf(writer), seq))[index]
    if (entry === undefined) throw corrupt(`block ${seq} of the log has no entry ${index}`)
    if (entry.type !== 'context' || entry.payload === undefined) return entry
    return { ...entry, envelope: await this.payloadOf(writer, entry) }
  }

  /** The envelope a record points at in its writer's payloads core (waited for, on the store's clock, if on its way). */
  private async payloadOf (writer: string, entry: ContextEntry): Promise<Buffer> {
    const { block, index } = entry.payload!
    const core = await this.payloadsCoreOf(writer, entry)
    const key = `${core.key!.toString('hex')}:${block}`
    let envelopes = this.payloadBlocks.get(key)
    if (envelopes === undefined) {
      const where = `block ${block} of the payloads of log ${writer.slice(0, 12)}`
      const data = core === this.ownPayloads || await core.has(block)
        ? await core.get(block, { wait: false })
        : await this.within(core.get(block), BLOCK_WAIT_MS, `${where} did not come in time`)
      if (data === null) throw corrupt(`${where} is missing`)
      envelopes = splitPayloadBlock(data, where)
      this.payloadBlocks.set(key, envelopes)
    }
    const envelope = envelopes[index]
    if (envelope === undefined) throw corrupt(`the record of ${entry.address} points at envelope ${index} of payloads block ${block}, which holds ${envelopes.length}`)
    return envelope
  }

  /** The entries of a block this peer holds, decoded once and kept in a small cache (siblings share blocks). */
  private async readBlock (core: Hypercore, seq: number): Promise<LogEntry[]> {
    const key = `${core.key!.toString('hex')}:${seq}`
    const cached = this.blocks.get(key)
    if (cached !== undefined) return cached
    const block = await core.get(seq, { wait: false })
    if (block === null) throw corrupt(`block ${seq} of log ${core.key?.toString('hex').slice(0, 12) ?? '?'} is missing`)
    const entries = splitBlock(block, `block ${seq} of the log`).map((part, i) => decodeEntry(part, `entry ${i} of block ${seq} of the log`))
    this.blocks.set(key, entries)
    return entries
  }
}
