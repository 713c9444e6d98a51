/**
 * The logs a store holds: this peer's writer log and the replicas of every other writer's, in one Corestore. It
 * downloads and applies other writers' logs to the view, catches the view up with this peer's own log at open, and
 * reads entries back (decoded once, in a small cache: siblings share blocks). A damaged remote entry is skipped and
 * counted, never applied.
 */
import type Corestore from 'corestore'
import HypercoreClass from 'hypercore'
import type Hypercore from 'hypercore'
import { createHash } from 'node:crypto'
import type { Clock, TimerHandle } from '../clock.js'
import { Lru } from '../lru.js'
import { KEY_HEX_PATTERN } from '../crypto/key-text.js'
import type { Hlc } from '../distribution/hlc.js'
import { corrupt, notFound, unavailable } from '../errors.js'
import { versionKey } from '../distribution/version.js'
import { decodeEntry, splitBlock, splitPayloadBlock, type ContextEntry, type LogEntry } from './log-entry.js'
import { originOf, type ContextView, type Origin, type PlacedEntry } from './view.js'

export const BLOCK_CACHE_MAX = 256
/** How many blocks are applied to the view at a time. */
export const APPLY_CHUNK_BLOCKS = 512
/** How long a download of another writer's log may take. */
export const DOWNLOAD_TIMEOUT_MS = 30_000
/**
 * How long a download waits for the payloads its new entries point into before it asks the view which it needs: those
 * of superseded versions may have been cleared by every peer (see StoreLogs.downloadRemote).
 */
export const PAYLOAD_RANGE_WAIT_MS = 2_000
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
  /**
   * Writes pack their payloads by shard (a sharded cluster's, see StoreWriterHost.shardPayloads): a writer's pointers then
   * go back within a write, so the payloads blocks new entries point into are found by reading every new header.
   */
  shardPayloads?: boolean
}

/** `work`, or nothing once `signal` aborts (what `work` does is left to run). */
async function untilAborted (work: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) { await work; return }
  let stop = (): void => {}
  const stopped = new Promise<void>(resolve => { stop = resolve })
  signal.addEventListener('abort', stop, { once: true })
  try {
    await Promise.race([work, stopped])
  } finally {
    signal.removeEventListener('abort', stop)
  }
}

/** The block cache's key of block `seq` of `core`. */
function blockKey (core: Hypercore, seq: number): string {
  return `${core.key!.toString('hex')}:${seq}`
}

/** An entry whose envelope is in a payloads block: where it is in its log, and what decides whether it may be cleared. */
interface PointingEntry {
  seq: number
  index: number
  address: string
  origin: Origin
  /** Its version's wall time (ms). */
  wall: number
}

/**
 * The namespace of a payloads core's signer: the writer signs it with its log's key pair, so anyone who knows a writer
 * derives the key of its payloads core, and the signatures of the two never stand for each other.
 */
const PAYLOADS_NAMESPACE = createHash('sha256').update('bzzz-ctx payloads core').digest()

/** The key of the payloads core of a writer whose log is signed by `signer` (the public key its manifest names). */
export function payloadsKeyOf (signer: Buffer): Buffer {
  return HypercoreClass.key({ version: 1, signers: [{ publicKey: signer, namespace: PAYLOADS_NAMESPACE }] })
}

export class StoreLogs {
  /** This peer's writer log. */
  readonly own: Hypercore
  /** This peer's payloads core, once opened (openPayloads). */
  private payloadsCore: Hypercore | null = null
  /** The logs of other writers, opened as their heads become known. */
  private readonly remote = new Map<string, Hypercore>()
  /** The payloads cores of other writers, opened as their logs name them. */
  private readonly remotePayloads = new Map<string, Hypercore>()
  /** The download of each of those, from a block on and as it grows (see followPayloads). */
  private readonly following = new Map<string, { destroy: () => void }>()
  /**
   * How far each other writer's log is held with the payloads its entries point at: what this peer says it holds (a
   * write counts as held only with its envelopes, so an acknowledgement means they are on a majority of voters too).
   */
  private readonly complete = new Map<string, number>()
  /** Per writer, the payloads blocks its log points into and the entries pointing into each, read up to `upTo` (for clearPayloads). */
  private readonly pointing = new Map<string, { upTo: number, blocks: Map<number, PointingEntry[]> }>()
  private readonly blocks = new Lru<string, LogEntry[]>(BLOCK_CACHE_MAX)
  private readonly payloadBlocks = new Lru<string, Buffer[]>(BLOCK_CACHE_MAX)
  /**
   * Whose payloads this peer downloads as they come: every address's (null: full replication, or a voter, which must hold
   * every payload a later leader may need), or those this says are placed on it (a member of a sharded cluster, which
   * fetches any other when it is read, see payloadOf).
   */
  private placed: ((address: string) => boolean) | null = null
  /**
   * Told of the address of each record a read needs a payloads block of that this peer does not hold, before it waits for
   * its peers to send it (a member of a sharded cluster dials a holder when no linked peer is one).
   */
  onMissingPayload: ((address: string) => void) | null = null
  /** Remote blocks that failed to decode or claimed another writer: skipped, and counted. */
  rejectedEntries = 0

  constructor (private readonly corestore: Corestore, private readonly host: StoreLogsHost) {
    this.own = corestore.get({ name: 'log' })
  }

  /** This peer's payloads core: the envelopes of its writes' records but the first of each (see PayloadPointer). */
  get ownPayloads (): Hypercore {
    if (this.payloadsCore === null) throw new Error('the payloads core is opened after the log (openPayloads)')
    return this.payloadsCore
  }

  /** Opens this peer's payloads core, signed with its log's key pair in its own namespace (see payloadsKeyOf). */
  async openPayloads (): Promise<void> {
    await this.own.ready()
    const keyPair = this.own.keyPair!
    const core = this.corestore.get({ keyPair, manifest: { version: 1, signers: [{ publicKey: keyPair.publicKey, namespace: PAYLOADS_NAMESPACE }] } })
    await core.ready()
    if (!core.key!.equals(payloadsKeyOf(keyPair.publicKey))) throw new Error('the payloads core does not have the key its writer\'s peers derive')
    this.payloadsCore = core
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
   * True when the view has applied every block an open would apply (catchUp): this peer's log and each log the view
   * applied from are held no further than applied. Then opening the store again gives the view it has now.
   */
  caughtUp (): boolean {
    const { view } = this.host
    if (view.applied(this.writer) !== this.own.length) return false
    for (const writer of view.writers()) {
      if (writer === this.writer) continue
      const core = this.remote.get(writer)
      // A log the view applied and this peer never opened here: an open reads how much of it is held; so must this.
      if (core === undefined || !core.opened || core.contiguousLength !== view.applied(writer)) return false
    }
    return true
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

  /**
   * Downloads another writer's log up to `length` blocks (one pipelined range) and applies it to the view, then fetches
   * the payloads its new entries point at that the view needs; returns how far the log is now held with them: what this
   * peer says it holds.
   */
  async downloadRemote (writer: string, length: number, timeoutMs = DOWNLOAD_TIMEOUT_MS, signal?: AbortSignal): Promise<number> {
    const core = await this.logOf(writer)
    // Its payloads core is followed from now on (see payloadsCoreOf), so they come with the headers; known once the log
    // has come from a peer, which, for a writer's first download here, is after its first blocks.
    if (length > 0 && core.manifest !== null) await this.payloadsCoreOf(writer)
    if (core.contiguousLength < length) {
      // Given up on (no connected peer holds the rest any more): what arrived is held, and the caller applies it.
      await this.downloadWithin(core, { start: core.contiguousLength, end: length }, timeoutMs, signal, `downloading log ${writer.slice(0, 12)} timed out`)
    }
    const held = core.contiguousLength
    const before = Math.min(held, this.complete.get(writer) ?? 0)
    if (held === before) return held
    let complete = held
    // A member of a sharded cluster holds the payloads placed on it, of the entries its view needs, and no others; a peer
    // that holds them all asks its view only when those the new entries point into do not come in time.
    if (this.placed !== null || !await this.spanHeld(writer, before, held, signal)) {
      await this.applyRemote(writer, held)
      complete = await this.heldWithPayloads(writer, before, held, { timeoutMs, ...(signal !== undefined ? { signal } : {}) })
    }
    this.complete.set(writer, complete)
    return complete
  }

  /**
   * Whether the payloads blocks that blocks `from` to `to` of `writer`'s log point into are here, downloaded in one
   * pipelined range (a peer that keeps up needs them all, and says it holds the log once they are, before its view
   * applies it) within PAYLOAD_RANGE_WAIT_MS. False when some do not come in time: perhaps payloads of superseded
   * versions that its peers cleared (this peer joined late), which no one will send; the view, once it holds the new
   * entries, says which are needed.
   */
  private async spanHeld (writer: string, from: number, to: number, signal: AbortSignal | undefined): Promise<boolean> {
    const span = await this.pointedSpan(writer, from, to)
    if (span === null) return true
    const range = span.core.download({ start: span.first, end: span.last + 1 })
    try {
      return await this.doneWithin(range.done(), PAYLOAD_RANGE_WAIT_MS, signal)
    } finally {
      range.destroy()
    }
  }

  /**
   * The first and last payloads blocks that blocks `from` to `to` of `writer`'s log point into, and the payloads core;
   * null when they point at none. A writer's pointers never go back (it appends payloads in the order of its entries),
   * so a block read from each end finds them, not a read of every block; but within a write packed by shard they do,
   * and every header is read.
   */
  private async pointedSpan (writer: string, from: number, to: number): Promise<{ core: Hypercore, first: number, last: number } | null> {
    const core = await this.logOf(writer)
    const pointerIn = async (seq: number, last: boolean): Promise<ContextEntry | undefined> => {
      const entries: LogEntry[] = await this.readBlock(core, seq).catch(() => [])
      const pointing = entries.filter((entry): entry is ContextEntry => entry.type === 'context' && entry.payload !== undefined)
      return last ? pointing.at(-1) : pointing[0]
    }
    if (this.host.shardPayloads === true) {
      // Packed by shard: within a write the pointers go back, so every new header is read (they are decoded once, for
      // the view's apply next).
      let low = Infinity
      let high = -1
      for (let seq = from; seq < to; seq++) {
        const entries: LogEntry[] = await this.readBlock(core, seq).catch(() => [])
        for (const entry of entries) {
          if (entry.type !== 'context' || entry.payload === undefined) continue
          low = Math.min(low, entry.payload.block)
          high = Math.max(high, entry.payload.block)
        }
      }
      return high < 0 ? null : { core: await this.payloadsCoreOf(writer), first: low, last: high }
    }
    let first: ContextEntry | undefined
    let at = from
    for (; at < to && first === undefined; at++) first = await pointerIn(at, false)
    if (first === undefined) return null
    let last: ContextEntry | undefined
    for (let seq = to - 1; seq >= at - 1 && last === undefined; seq--) last = await pointerIn(seq, true)
    return { core: await this.payloadsCoreOf(writer), first: first.payload!.block, last: Math.max(first.payload!.block, last?.payload!.block ?? 0) }
  }

  /** Whether `work` settles fulfilled within `ms` of the store's clock (false on a rejection, or once `signal` aborts). */
  private async doneWithin (work: Promise<unknown>, ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted === true) return false
    return await this.within(untilAborted(work, signal), ms, '').then(() => signal?.aborted !== true, () => false)
  }

  /** Downloads `range` of `core`, or UNAVAILABLE after `timeoutMs`; an abort of `signal` stops the wait at once. */
  private async downloadWithin (core: Hypercore, range: { start?: number, end?: number, blocks?: number[] }, timeoutMs: number, signal: AbortSignal | undefined, message: string): Promise<void> {
    if (signal?.aborted === true) return
    const download = core.download(range)
    try {
      await this.within(untilAborted(download.done(), signal), timeoutMs, message)
    } finally {
      download.destroy()
    }
  }

  /**
   * At open, how far `writer`'s log is held here with the payloads the view needs: the whole of it when every payloads
   * block it points into is (two block reads), else as the view says (a read of every block).
   */
  private async heldAtOpen (writer: string): Promise<number> {
    const held = (await this.logOf(writer)).contiguousLength
    if (this.placed !== null) return await this.heldWithPayloads(writer, 0, held)
    const span = await this.pointedSpan(writer, 0, held)
    if (span === null || span.core.contiguousLength > span.last) return held
    return await this.heldWithPayloads(writer, 0, held)
  }

  /**
   * How far blocks `from` to `to` of `writer`'s log are held here with the payloads the view needs of them, knowing
   * that the first `from` are (fetching those not held first, when `fetch` says how). The view needs the envelope of a
   * current version or a kept conflict, and of any entry it has not settled (a write whose end has not come, or while
   * it rebuilds); never that of a superseded version, which a peer may have cleared (see `clearPayloads`), so a peer
   * that joins after the retention waits for nothing no one holds.
   */
  private async heldWithPayloads (writer: string, from: number, to: number, fetch?: { timeoutMs: number, signal?: AbortSignal }): Promise<number> {
    const core = await this.logOf(writer)
    const { view } = this.host
    const settled = view.settled(writer)
    // Each payloads block needed, with the first block of the log that needs it.
    const needs = new Map<number, number>()
    let payloads: Hypercore | undefined
    for (let seq = from; seq < to; seq++) {
      // A block that does not decode points at nothing the view holds (it refused the block).
      const entries = await this.readBlock(core, seq).catch(() => null)
      for (const [index, entry] of (entries ?? []).entries()) {
        if (entry.type !== 'context' || entry.payload === undefined) continue
        if (this.placed !== null && !this.placed(entry.address)) continue
        if (settled !== null && seq < settled && !view.holds(writer, seq, index, entry.address, originOf(entry))) continue
        payloads ??= await this.payloadsCoreOf(writer)
        if (!needs.has(entry.payload.block)) needs.set(entry.payload.block, seq)
      }
    }
    if (payloads === undefined) return to
    const missing: number[] = []
    for (const block of needs.keys()) if (!await payloads.has(block)) missing.push(block)
    if (missing.length > 0 && fetch !== undefined) {
      // What did not come in time (no peer holds it, or a writer pointed where nothing is) leaves the log held up to the
      // first entry that needs it; the next download asks again.
      await this.downloadWithin(payloads, { blocks: missing }, fetch.timeoutMs, fetch.signal, `downloading the payloads of log ${writer.slice(0, 12)} timed out`).catch(() => {})
    }
    let held = to
    for (const block of missing) if (!await payloads.has(block)) held = Math.min(held, needs.get(block)!)
    return held
  }

  /**
   * Clears the payloads blocks held here (of this peer's own writes and of other writers') whose every envelope is of a
   * version the view no longer holds, superseded, and older than `retentionMs` at `nowMs`. Hypercore frees the blocks
   * and keeps its Merkle tree; the headers stay in the log, so `history` still shows every version. A version is read
   * only while it is current or a kept conflict, and a peer that downloads a log never asks for a superseded one's
   * payload (heldWithPayloads). Returns the blocks and envelopes cleared.
   */
  async clearPayloads (retentionMs: number, nowMs: number): Promise<{ blocks: number, envelopes: number }> {
    const { view } = this.host
    let blocks = 0
    let envelopes = 0
    for (const writer of [this.writer, ...this.remotePayloads.keys()]) {
      const settled = view.settled(writer)
      if (settled === null) continue
      const core = writer === this.writer ? this.ownPayloads : this.remotePayloads.get(writer)!
      const pointing = await this.pointingInto(writer, settled)
      const clearable: number[] = []
      for (const [block, entries] of pointing) {
        if (entries.some(e => e.seq >= settled || nowMs - e.wall < retentionMs || view.holds(writer, e.seq, e.index, e.address, e.origin))) continue
        if (await core.has(block)) clearable.push(block)
        else pointing.delete(block)
      }
      clearable.sort((a, b) => a - b)
      for (let i = 0; i < clearable.length;) {
        let end = i + 1
        while (end < clearable.length && clearable[end] === clearable[end - 1]! + 1) end++
        await core.clear(clearable[i]!, clearable[end - 1]! + 1)
        i = end
      }
      for (const block of clearable) {
        envelopes += pointing.get(block)!.length
        pointing.delete(block)
        this.payloadBlocks.delete(`${core.key!.toString('hex')}:${block}`)
      }
      blocks += clearable.length
      // A replica's download follows its writer's payloads core from past what it cleared: it would fetch them again.
      if (core !== this.ownPayloads && clearable.length > 0) {
        this.following.get(writer)?.destroy()
        this.following.set(writer, core.download({ start: clearable.at(-1)! + 1, end: -1 }))
      }
    }
    return { blocks, envelopes }
  }

  /** The payloads blocks `writer`'s log points into below block `upTo`, and the entries pointing into each (read once). */
  private async pointingInto (writer: string, upTo: number): Promise<Map<number, PointingEntry[]>> {
    let known = this.pointing.get(writer)
    if (known === undefined) this.pointing.set(writer, known = { upTo: 0, blocks: new Map() })
    const core = await this.logOf(writer)
    for (; known.upTo < Math.min(upTo, core === this.own ? core.length : core.contiguousLength); known.upTo++) {
      const seq = known.upTo
      const entries = await this.readBlock(core, seq).catch(() => null)
      for (const [index, entry] of (entries ?? []).entries()) {
        if (entry.type !== 'context' || entry.payload === undefined) continue
        let into = known.blocks.get(entry.payload.block)
        if (into === undefined) known.blocks.set(entry.payload.block, into = [])
        into.push({ seq, index, address: entry.address, origin: originOf(entry), wall: entry.version.hlc.wall })
      }
    }
    return known.blocks
  }

  /**
   * Which payloads this peer downloads as they come (see `placed`): from now on, and, for what it already holds of every
   * other writer's log, counted again under the new rule (fetching what it now lacks, when `fetch` says how long it may
   * wait) before its heads say so. A peer that becomes a voter follows every payloads core again; one that stops holding
   * all of them stops following.
   */
  async setPlaced (placed: ((address: string) => boolean) | null, fetch?: { timeoutMs: number, signal?: AbortSignal }): Promise<void> {
    const wasFull = this.placed === null
    this.placed = placed
    if (placed !== null && wasFull) {
      for (const follow of this.following.values()) follow.destroy()
      this.following.clear()
    }
    if (placed === null && !wasFull) {
      for (const [writer, core] of this.remotePayloads) this.following.set(writer, core.download({ start: core.length, end: -1 }))
    }
    for (const writer of this.remote.keys()) {
      const held = (await this.logOf(writer)).contiguousLength
      const complete = placed === null && fetch === undefined ? await this.heldAtOpen(writer) : await this.heldWithPayloads(writer, 0, held, fetch)
      if (this.placed === placed) this.complete.set(writer, complete)
    }
  }

  /**
   * How many payloads blocks of other writers this peer holds, of how many they have (what sharded replication saves);
   * with `bytes`, also the bytes of those held (each read: blocks packed by shard are smaller, so only bytes compare
   * full and sharded replication).
   */
  async heldPayloadBlocks (options: { bytes?: boolean } = {}): Promise<{ held: number, of: number, bytes?: number }> {
    let held = 0
    let of = 0
    let bytes = 0
    for (const [writer, log] of this.remote) {
      if (log.manifest === null || log.contiguousLength === 0) continue
      const core = await this.payloadsCoreOf(writer)
      of += core.length
      for (let block = 0; block < core.length; block++) {
        if (!await core.has(block)) continue
        held++
        if (options.bytes === true) bytes += (await core.get(block, { wait: false }))?.length ?? 0
      }
    }
    return options.bytes === true ? { held, of, bytes } : { held, of }
  }

  /** `writer`'s payloads core: this peer's own, or a replica opened with the key derived from its log's (payloadsKeyOf). */
  private async payloadsCoreOf (writer: string): Promise<Hypercore> {
    if (writer === this.writer) return this.ownPayloads
    let core = this.remotePayloads.get(writer)
    const opening = core === undefined
    if (core === undefined) {
      // Its log's manifest names the key that signs it: known once the log has come from a peer (a log whose entries
      // are here has).
      const signer = (await this.logOf(writer)).manifest?.signers[0]?.publicKey
      if (signer === undefined) throw unavailable(`log ${writer.slice(0, 12)} has not come from a peer yet: its payloads core is not known`)
      core = this.remotePayloads.get(writer) ?? this.corestore.get({ key: payloadsKeyOf(signer) })
      this.remotePayloads.set(writer, core)
    }
    await core.ready()
    // Downloaded as it grows, beside the log: the payloads a new write points into are on their way with its headers,
    // not asked for after them. From the blocks this peer has not seen yet: below them, what it cleared stays cleared
    // (what it needs of them a download fetches, see downloadRemote).
    if (opening && this.placed === null) this.following.set(writer, core.download({ start: core.length, end: -1 }))
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
        // Decoded once: a download decodes its new blocks to find their payloads, and a retrieve reads them back.
        const cached = this.blocks.get(blockKey(core, seq))
        if (cached !== undefined && cached.every(entry => entry.version.writer === writer)) {
          blocks++
          entries.push(...cached.map((entry, index) => ({ seq, index, entry })))
          continue
        }
        // A block on its way waits on the store's clock, not on Hypercore's own (real) timer.
        const block = await core.has(seq) ? await core.get(seq) : await this.within(core.get(seq), timeoutMs, `block ${seq} of log ${writer.slice(0, 12)} did not come in time`)
        if (block === null) break
        blocks++
        const placed = this.decodeTolerantly(block, seq, writer)
        if (placed.every(p => p.entry !== null)) this.blocks.set(blockKey(core, seq), placed.map(p => p.entry!))
        entries.push(...placed)
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
      // A sharded cluster's peer counts what it holds once its node knows the placement (setPlaced): a member would read
      // every header here, for a command that never gossips.
      if (this.host.shardPayloads !== true) this.complete.set(writer, await this.heldAtOpen(writer))
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
    const core = await this.payloadsCoreOf(writer)
    const key = `${core.key!.toString('hex')}:${block}`
    let envelopes = this.payloadBlocks.get(key)
    if (envelopes === undefined) {
      const where = `block ${block} of the payloads of log ${writer.slice(0, 12)}`
      const held = core === this.ownPayloads || await core.has(block)
      if (!held) this.onMissingPayload?.(entry.address)
      const data = held
        ? await core.get(block, { wait: false })
        : await this.within(core.get(block), BLOCK_WAIT_MS, `${where} did not come in time`)
      if (data === null) {
        // Only a payload of a superseded version is ever cleared (clearPayloads); the view may have made it current again
        // (a rebuild that dropped the write that superseded it).
        if (block < core.length) throw notFound(`the envelope of ${entry.address} at version ${versionKey(entry.version)} was cleared (a superseded version, past the retention); its header is still in its history`)
        throw corrupt(`${where} is missing`)
      }
      envelopes = splitPayloadBlock(data, where)
      this.payloadBlocks.set(key, envelopes)
    }
    const envelope = envelopes[index]
    if (envelope === undefined) throw corrupt(`the record of ${entry.address} points at envelope ${index} of payloads block ${block}, which holds ${envelopes.length}`)
    return envelope
  }

  /** The entries of a block this peer holds, decoded once and kept in a small cache (siblings share blocks). */
  private async readBlock (core: Hypercore, seq: number): Promise<LogEntry[]> {
    const key = blockKey(core, seq)
    const cached = this.blocks.get(key)
    if (cached !== undefined) return cached
    const block = await core.get(seq, { wait: false })
    if (block === null) throw corrupt(`block ${seq} of log ${core.key?.toString('hex').slice(0, 12) ?? '?'} is missing`)
    const entries = splitBlock(block, `block ${seq} of the log`).map((part, i) => decodeEntry(part, `entry ${i} of block ${seq} of the log`))
    this.blocks.set(key, entries)
    return entries
  }
}
