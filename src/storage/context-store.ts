/**
 * The context store of one peer, the front of its parts: the logs (this peer's writer log and the replicas of the
 * others', `store-logs.ts`), the writer (`store-writer.ts`), the reader and its caches (`store-reader.ts`), and the
 * materialized view they share (`view.ts`). It opens and closes them, and guards the store's folder: one writer at a
 * time (readers share it), never a copy of another's. Plaintext never reaches the disk: records are sealed before they
 * are appended, and opened only in memory for a role whose key this peer holds.
 */
import { systemClock, type Clock } from '../clock.js'
import { join } from 'node:path'
import { existsSync, readFileSync } from 'node:fs'
import { writeFileAtomic } from '../crypto/atomic-file.js'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import CoreStorage from 'hypercore-storage'
import { discoveryKey } from 'hypercore-crypto'
import type { ContextRecord, RecordKind } from '../context/record.js'
import { DEFAULT_RESOLVE_DEPTH } from '../context/resolve.js'
import type { AccessLevel } from '../crypto/levels.js'
import { corrupt, fileAccessError, isBzzzError } from '../errors.js'
import { retriedWithin } from '../settle.js'
import { pruneInfoLogs } from './info-logs.js'
import { forgetStoreStamp, writeStoreStamp } from './store-stamp.js'
import { forgetHolder, readHolder, recordHolder, storeInUse } from './store-holder.js'
import { whileMade } from './store-creation.js'
import { bind, bindingOf, copiedStore, damagedMarker, probeBinding, refuseUnprovenStore, storeExists } from './store-identity.js'
import { StoreLogs } from './store-logs.js'
import { StoreReader, type GeneratedRecordSource, type ResealLeft, type Retrieved } from './store-reader.js'
import { StoreWriter, type QueueAppendOptions, type QueueEntryInput, type TermProof, type WriteOptions, type WriteResult } from './store-writer.js'
import type { SectionCrypto } from './sealing.js'
import { ContextView, type LeadershipRule, type Origin, type Refusal } from './view.js'
import type { QueueEvent, VersionLine } from './view-items.js'

export type { GeneratedRecordSource, ResealLeft, Retrieved } from './store-reader.js'
export type { TermProof, WriteOptions, WriteResult } from './store-writer.js'
export type { LeadershipRule, Refusal } from './view.js'
export type { SectionCrypto } from './sealing.js'

/**
 * RocksDB's memtable size for a store. RocksDB preallocates its write-ahead log at 1.1 times it while the store is
 * open: at hypercore-storage's 64 MiB each open store took 75 MB of disk, and a simulation of 100 peers 7.5 GB (in
 * /tmp, which may be memory). At 8 MiB an open store takes 13 MB.
 */
export const STORE_WRITE_BUFFER_BYTES = 8 * 1024 * 1024

export interface StoreOpenOptions {
  /** Open an existing store without its lock, for reading only (a store not yet made is made, with the lock). */
  readOnly?: boolean
  /** How long a writer waits for another process to let the store go (default STORE_LOCK_WAIT_MS). */
  lockWaitMs?: number
  /** Times the view's checkpoints (default the wall clock; the simulator passes its own). */
  clock?: Clock
  /**
   * Who may write in a term: the view applies a writer's entries of a term only after its term entry is admitted, and
   * this peer's writes of a term begin with its own (`termProof`). Absent: every entry applies (a test of storage alone).
   */
  leadership?: StoreLeadership
  /** A sharded cluster's store: writes pack their payloads by shard (see StoreWriterHost.shardPayloads). */
  shardPayloads?: boolean
}

export interface StoreLeadership extends LeadershipRule {
  termProof: (term: number, writer: string) => TermProof | null
  /** See StoreWriterHost.termEnds. */
  termEnds?: (term: number) => Record<string, number> | null
}

/**
 * How long a writer waits for the store's lock: enough for the commands that hold it briefly (a distribute, a
 * decide, a first read of a home) to finish; a generate of a large tree takes longer, and is then named.
 */
export const STORE_LOCK_WAIT_MS = 5_000

/** The name of this peer's audit core in its Corestore (the writer log is 'log'). */
export const AUDIT_CORE_NAME = 'audit'
/** Beside the store's database: the audit core's key, written by the writer that made it, for readers to open it by. */
export const AUDIT_KEY_FILE = 'audit.key'

/** The error Corestore's storage gives when another process holds the store's lock (it has no code). */
function isStoreLocked (err: unknown): boolean {
  return /could not be locked|lock hold by current process|LOCK: Resource temporarily unavailable/i.test(String((err as Error)?.message ?? ''))
}

/** Records per write of a reseal: a write of the leader's waits at most one chunk. */
export const RESEAL_CHUNK_RECORDS = 1_000

export interface ResealResult {
  /** Current records (not removals) looked at. */
  records: number
  /** Of those, sealed to a past epoch. */
  stale: number
  /** Written again, sealed to the current epochs. */
  resealed: number
  /** Written or removed by another write while the reseal ran: what replaced them was sealed to the current epochs. */
  changed: number
  /** Stale records this peer could not open whole, so left as they were. */
  unopened: number
  /** Those, by the level and roles of a section this peer cannot open. */
  left: ResealLeft[]
  bytes: number
}

export class ContextStore {
  readonly dir: string
  private readonly corestore: Corestore
  private readonly coreStorage: CoreStorage
  private readonly view: ContextView
  private readonly logs: StoreLogs
  private readonly writes: StoreWriter
  private readonly reads: StoreReader
  private closeStarted = false

  private constructor (dir: string, crypto: SectionCrypto, readonly readOnly: boolean, clock: Clock, leadership: StoreLeadership | undefined, shardPayloads = false) {
    this.dir = dir
    this.coreStorage = new CoreStorage(dir, { writeBufferSize: STORE_WRITE_BUFFER_BYTES, readOnly })
    this.corestore = new Corestore(this.coreStorage, { readOnly })
    this.view = new ContextView(join(dir, 'view.checkpoint'), readOnly, clock.now, leadership)
    const onApplied = (changed: readonly string[]): void => this.reads.invalidate(changed)
    this.logs = new StoreLogs(this.corestore, { dir, view: this.view, clock, onApplied, shardPayloads })
    const logs = this.logs
    this.writes = new StoreWriter({ log: this.logs.own, get payloads () { return logs.ownPayloads }, shardPayloads, view: this.view, crypto, now: clock.now, onApplied, ...(leadership !== undefined ? { termProof: leadership.termProof } : {}), ...(leadership?.termEnds !== undefined ? { termEnds: leadership.termEnds } : {}) })
    this.reads = new StoreReader({ view: this.view, crypto, entryAt: async (writer, seq, index) => await this.logs.entryAt(writer, seq, index) })
    // A rebuild replays every log the view had applied, and this peer's own, from its start (see ContextView.rebuild).
    this.view.replayLogs = async writers => {
      for (const writer of new Set([this.logs.writer, ...writers])) await this.logs.applyRemote(writer, 0)
    }
    this.view.rebuildListeners.add(() => { this.reads.invalidateAll() })
  }

  /**
   * Opens a store. `readOnly` (for commands that only read) opens an existing database without its lock, so any
   * number of readers share it, with each other and with the one process that writes. A writer waits a few seconds
   * for the lock, then says which process holds it.
   */
  static async open (dir: string, crypto: SectionCrypto, options: StoreOpenOptions = {}): Promise<ContextStore> {
    let readOnly = false
    const waitMs = options.lockWaitMs ?? STORE_LOCK_WAIT_MS
    const deadline = Date.now() + waitMs
    const attempt = async (): Promise<ContextStore> => {
      readOnly = options.readOnly === true && storeExists(dir)
      const open = async (): Promise<ContextStore> => {
        if (!readOnly) {
          await refuseUnprovenStore(dir)
          // From now on this writer may change the store: the view hash it was closed with no longer stands for it.
          forgetStoreStamp(dir)
        }
        return await ContextStore.openOnce(dir, crypto, readOnly, options.clock ?? systemClock, options.leadership, options.shardPayloads === true)
      }
      // A read-only open touches no marker; a writer's waits while another process is still writing it.
      return readOnly ? await open() : await whileMade(dir, deadline, open)
    }
    // Worth another try: a lock another process holds, or a read-only open of a store another process is still making
    // (its database exists before its column families and its log do).
    const passing = (err: unknown): boolean => !isBzzzError(err) &&
      (isStoreLocked(err) ? readHolder(dir)?.pid !== process.pid : readOnly)
    try {
      return await retriedWithin(attempt, passing, waitMs)
    } catch (err) {
      if (isBzzzError(err)) throw err
      if ((err as { code?: unknown }).code === 'DEVICE_FILE') {
        // The marker no longer matches its file: the store was copied, or the marker changed by hand. The binding tells.
        const binding = await probeBinding(dir).catch(() => 'unbound')
        throw binding === 'own' ? damagedMarker(dir, err) : copiedStore(dir, err)
      }
      if (isStoreLocked(err)) throw storeInUse(dir, readHolder(dir))
      throw fileAccessError(err) ?? corrupt(`the store at ${dir} cannot be opened (${(err as Error).message})`, err)
    }
  }

  private static async openOnce (dir: string, crypto: SectionCrypto, readOnly: boolean, clock: Clock, leadership: StoreLeadership | undefined, shardPayloads: boolean): Promise<ContextStore> {
    const store = new ContextStore(dir, crypto, readOnly, clock, leadership, shardPayloads)
    try {
      // The checkpoint is read before the database, so it never claims blocks the database does not show yet: a reader
      // beside a writer that appended and checkpointed in between would take its log for one that lost entries.
      await store.view.ready()
      await store.corestore.ready()
      const log = store.logs.own
      await log.ready()
      await store.logs.openPayloads()
      const binding = await bindingOf(log, dir)
      if (binding === 'copy') throw copiedStore(dir)
      if (!readOnly) {
        if (binding === 'unbound') await bind(log, dir)
        await recordHolder(dir)
      }
      const newest = await store.logs.catchUp()
      if (newest !== null) store.writes.resume(newest)
    } catch (err) {
      if (!readOnly) forgetHolder(dir)
      await store.corestore.close().catch(() => {})
      throw err
    }
    return store
  }

  async close (): Promise<void> {
    this.closeStarted = true
    await this.view.close()
    if (!this.readOnly) forgetHolder(this.dir)
    // Closed with its view as an open would make it again (asked of the logs while they are open, just before they
    // close): the next command may know the view hash without opening the store.
    const caughtUp = !this.readOnly && this.view.checkpointed && this.logs.caughtUp()
    await this.corestore.close()
    if (!this.readOnly) pruneInfoLogs(join(this.dir, 'db'))
    if (caughtUp && this.view.checkpointed) writeStoreStamp(this.dir, this.view.viewHash)
  }

  /** Replicates every log this store holds over a connection (after the peer proved it is a member). */
  /** The Corestore itself, for hypercore-stats to watch (src/node/metrics.ts): every read and write goes through this class. */
  get coresForStats (): Corestore {
    return this.corestore
  }

  /** True once the store is closing or closed: a readiness probe's first question. */
  get closed (): boolean {
    return this.closeStarted
  }

  replicate (connection: NodeJS.ReadWriteStream): NodeJS.ReadWriteStream {
    return this.corestore.replicate(connection)
  }

  /**
   * This peer's audit core (src/audit), a second core of the same Corestore, so replicated over the same connections;
   * null when the store is open read-only and has none yet (a reader may not create it).
   */
  async auditCore (): Promise<Hypercore | null> {
    // A reader never makes it, and opens it only once its writer has said it exists (its key in AUDIT_KEY_FILE): a
    // read-only store refuses the write a new core needs, and a missing one failed outside any try ("Batch was not
    // applied", then "No Hypercore is stored here", from the core's own opening) when ten readers opened a fresh home.
    const keyFile = join(this.dir, AUDIT_KEY_FILE)
    if (this.readOnly) {
      let key: Buffer
      try {
        key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'hex')
      } catch {
        return null
      }
      // Its database may predate the core (a reader's view of RocksDB is the one it opened): then it is not there yet.
      if (key.length !== 32 || !(await this.coreStorage.hasCore(discoveryKey(key)))) return null
      const core = this.corestore.get({ key })
      await core.ready()
      return core
    }
    const core = this.corestore.get({ name: AUDIT_CORE_NAME })
    await core.ready()
    if (!existsSync(keyFile)) await writeFileAtomic(keyFile, core.key!.toString('hex') + '\n', 0o600)
    return core
  }

  /** Another peer's core by its key (a member's audit core), replicated from now on. */
  coreByKey (key: Buffer): Hypercore {
    return this.corestore.get({ key })
  }

  /** Every log this peer holds and how many blocks of each it holds from the start: what it gossips. */
  heads (): Array<{ writer: string, length: number }> {
    return this.logs.heads()
  }

  /** The tree hash of a writer's log at `length` blocks held here, hex (see StoreLogs.treeHash). */
  async treeHash (writer: string, length: number): Promise<string> {
    return await this.logs.treeHash(writer, length)
  }

  /** Downloads another writer's log up to `length` blocks, in one pipelined range; returns the length now held. */
  async downloadRemote (writer: string, length: number, timeoutMs?: number, signal?: AbortSignal): Promise<number> {
    return await this.logs.downloadRemote(writer, length, timeoutMs, signal)
  }

  /** Applies another writer's log to the view up to `length` blocks; returns the addresses whose current version changed. */
  async applyRemote (writer: string, length: number, timeoutMs?: number): Promise<string[]> {
    return await this.logs.applyRemote(writer, length, timeoutMs)
  }

  /** This peer's writer id: the key of its log. */
  get writer (): string {
    return this.logs.writer
  }

  get logLength (): number {
    return this.logs.own.length
  }

  /** The term of the newest entry of this peer's log (see StoreWriter.writtenTerm). */
  get writtenTerm (): number {
    return this.writes.writtenTerm
  }

  /** The term in which this peer's log last stated where earlier terms end (0: none since it opened). */
  get statedEndsIn (): number {
    return this.writes.statedEndsIn
  }

  /**
   * Clears the payloads of superseded versions older than `retentionMs` at `nowMs` (see StoreLogs.clearPayloads): the
   * store keeps their headers, so `history` shows every version, and every current version reads as before. A read-only
   * store clears nothing.
   */
  async clearPayloads (retentionMs: number, nowMs: number): Promise<{ blocks: number, envelopes: number }> {
    if (this.readOnly) return { blocks: 0, envelopes: 0 }
    return await this.logs.clearPayloads(retentionMs, nowMs)
  }

  /**
   * Which addresses' payloads this peer downloads as they come: all (null; full replication, or a voter), or those
   * `placed` says (a member of a sharded cluster, which fetches any other when a read needs it). See StoreLogs.setPlaced.
   */
  async placePayloads (placed: ((address: string) => boolean) | null, fetch?: { timeoutMs: number, signal?: AbortSignal }): Promise<void> {
    await this.logs.setPlaced(placed, fetch)
  }

  /** Tells `hook` of each record a read needs a payload of that this peer does not hold (see StoreLogs.onMissingPayload). */
  onMissingPayload (hook: ((address: string) => void) | null): void {
    this.logs.onMissingPayload = hook
  }

  /** How many payloads blocks of other writers this peer holds, of how many they have (and, asked, their bytes). */
  async heldPayloadBlocks (options: { bytes?: boolean } = {}): Promise<{ held: number, of: number, bytes?: number }> {
    return await this.logs.heldPayloadBlocks(options)
  }

  /** The bytes of this peer's log and of its payloads core. */
  get logBytes (): number {
    return this.logs.own.byteLength + this.logs.ownPayloads.byteLength
  }

  get viewHash (): string {
    return this.view.viewHash
  }

  /** Remote blocks that failed to decode or claimed another writer: skipped, and counted. */
  get rejectedEntries (): number {
    return this.logs.rejectedEntries
  }

  /** Entries that decoded but were not applied (a term's writer that gave no evidence of leading it): counted, the newest kept. */
  refusals (): { count: number, recent: Refusal[] } {
    return this.view.refusals()
  }

  /** Tells `listener` of each entry refused from now on. */
  onRefusal (listener: (refusal: Refusal) => void): void {
    this.view.refusalListeners.add(listener)
  }

  /**
   * Tells `listener` each time the view is rebuilt from the logs (a later leader stated an end that covered entries it
   * had applied): entries listeners were told of may be gone; queueEvents() and versions() say what holds. Returns the
   * unsubscribe.
   */
  onRebuilt (listener: () => void): () => void {
    this.view.rebuildListeners.add(listener)
    return () => { this.view.rebuildListeners.delete(listener) }
  }

  /** How many times the view was rebuilt since the store was opened. */
  get viewRebuilds (): number {
    return this.view.rebuilds
  }

  /** The writers that proved they led each term (their term entries were admitted), by term. */
  termLeaders (): Map<number, string[]> {
    return this.view.termLeaders()
  }

  /** How many records (an address's hand-written or generated one) hold a current version that is not a removal. */
  get recordCount (): number {
    return this.view.recordCount
  }

  /** Every request, completion and decision entry in the view. */
  queueEvents (): readonly QueueEvent[] {
    return this.view.queueEvents()
  }

  /** Every context version applied so far. */
  versions (): readonly VersionLine[] {
    return this.view.versions()
  }

  /** Tells `listener` of each queue or decision entry and each context version as it is applied; returns the unsubscribe. */
  subscribe (listener: (event: QueueEvent | VersionLine) => void): () => void {
    this.view.listeners.add(listener)
    return () => { this.view.listeners.delete(listener) }
  }

  /** See StoreReader.slotsOf. */
  slotsOf (address: string): Array<{ origin: Origin, current: string, conflicts: string[], removed: boolean }> {
    return this.reads.slotsOf(address)
  }

  /** Writes this peer's term entry for `term` now, stating the ends of earlier terms if it can (see StoreWriter.enter). */
  async enterTerm (term: number, nowMs: number): Promise<void> {
    await this.writes.enter(term, nowMs)
  }

  /** Appends a request, completion or decision entry and applies it to the view (see StoreWriter.appendQueueEntry). */
  async appendQueueEntry (entry: QueueEntryInput, options: QueueAppendOptions): Promise<void> {
    await this.writes.appendQueueEntry(entry, options)
  }

  /** The envelope of a queue entry as it is in the log (a `keys` entry's is the admin's bundle, unsealed). */
  async envelopeOf (event: QueueEvent): Promise<Buffer> {
    return (await this.logs.entryAt(event.writer, event.seq, event.index)).envelope
  }

  /** The sealed payload of a request or decision entry, opened with `role`'s key (see StoreReader.sealedPayload). */
  async sealedPayload (event: QueueEvent, role: string, level?: AccessLevel): Promise<Buffer> {
    return await this.reads.sealedPayload(event, role, level)
  }

  /** Writes records as new versions (see StoreWriter.write). */
  async write (records: readonly ContextRecord[], options: WriteOptions): Promise<WriteResult> {
    return await this.writes.write(records, options)
  }

  /**
   * Seals the current version of every record sealed to a past epoch (`stale`) again, to its roles' current epochs: a
   * new version with the same content, written in chunks of RESEAL_CHUNK_RECORDS (other writes go between them). It
   * starts once the writes under way are done (one may have sealed to the old epochs), and reads each record back with
   * the role keys this peer holds: a record with a section none of them opens is left, and counted under `left`.
   * Removals, and versions concurrent with the current one, are left as they are.
   */
  async reseal (stale: (role: string, epoch: number) => boolean, options: { term: number, now: () => number }): Promise<ResealResult> {
    await this.writes.settled()
    const { records, items, unopened, left } = await this.reads.staleRecords(stale)
    const result: ResealResult = { records, stale: items.length + unopened, resealed: 0, changed: 0, unopened, left, bytes: 0 }
    for (let at = 0; at < items.length; at += RESEAL_CHUNK_RECORDS) {
      const done = await this.writes.reseal(items.slice(at, at + RESEAL_CHUNK_RECORDS), { term: options.term, nowMs: options.now() })
      result.resealed += done.written
      result.changed += done.changed
      result.bytes += done.bytes
    }
    return result
  }

  /** The context of `address` as `role` may read it, merged with its ancestors up to `depth` levels. */
  async retrieve (address: string, role: string, depth = DEFAULT_RESOLVE_DEPTH): Promise<Retrieved> {
    return await this.reads.retrieve(address, role, depth)
  }

  /** See StoreReader.liveAddresses. */
  liveAddresses (under?: string): Array<{ address: string, kind: RecordKind }> {
    return this.reads.liveAddresses(under)
  }

  /** See StoreReader.generatedSources. */
  async generatedSources (under: string): Promise<GeneratedRecordSource[]> {
    return await this.reads.generatedSources(under)
  }

  /** See StoreReader.generatedUnder. */
  generatedUnder (address: string, produced?: ReadonlySet<string>): string[] {
    return this.reads.generatedUnder(address, produced)
  }
}
