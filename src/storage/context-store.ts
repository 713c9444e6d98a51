/**
 * The context store of one peer: its writer log (Hypercore, in a Corestore under the home), the materialized
 * view, and the caches in front of them. Plaintext never reaches the disk: records are sealed before they are
 * appended, and opened only in memory for a role whose key this peer holds.
 */
import { systemClock, type Clock } from '../clock.js'
import { join } from 'node:path'
import Corestore from 'corestore'
import CoreStorage from 'hypercore-storage'
import type Hypercore from 'hypercore'
import { Lru } from '../lru.js'
import { contentOf, diffAgainstParent, mergeLayers, type Content } from '../context/merge.js'
import type { ContextRecord } from '../context/record.js'
import { resolveContext, DEFAULT_RESOLVE_DEPTH, type ReadableLayer, type Resolution } from '../context/resolve.js'
import { joinSections, plainSections, sectionTexts, type PlainSection } from '../context/sections.js'
import type { AccessLevel } from '../crypto/levels.js'
import { ZERO_HLC, tickHlc, type Hlc } from '../distribution/hlc.js'
import { versionKey, type Version } from '../distribution/version.js'
import { accessDenied, corrupt, fileAccessError, isBzzzError, notFound, unavailable } from '../errors.js'
import { retriedWithin } from '../settle.js'
import { forgetHolder, readHolder, recordHolder, storeInUse } from './store-holder.js'
import { bind, bindingOf, copiedStore, damagedMarker, probeBinding, refuseUnprovenStore, storeExists } from './store-identity.js'
import { parentChain, parseAddress } from '../ucxl/address.js'
import { decodeEntry, encodeBlock, encodeEntry, packBlocks, splitBlock, type CompletionEntry, type ContextEntry, type DecisionEntry, type LogEntry, type RequestEntry } from './log-entry.js'
import { ContextView, ORIGINS, originOf, type Origin } from './view.js'
import type { Pointer, QueueEvent, Slot, VersionLine } from './view-items.js'

/** What the store needs from the crypto layer: sealing for recipients, opening for one role, a keyed digest. */
export interface SectionCrypto {
  seal (sections: readonly PlainSection[], recipients: readonly string[], ad: Buffer): Buffer
  /**
   * The sections `role` can open (`opened`, empty when none) and the levels of those it cannot (`withheld`).
   * Throws ACCESS_DENIED when this peer holds no key for the role.
   */
  open (envelope: Buffer, role: string, ad: Buffer): { opened: Map<AccessLevel, Buffer>, withheld: AccessLevel[] }
  digest (plaintext: Buffer): string
}

/** A record of a write batch: what is stored of it, its parent's resolved content, and its own once merged. */
interface BatchLayer {
  stored: ContextRecord
  parent: Content
  resolved?: Content
}

export const RESOLVED_CACHE_MAX = 50_000
export const LAYER_CACHE_MAX = 50_000
export const BLOCK_CACHE_MAX = 256
/**
 * RocksDB's memtable size for a store. RocksDB preallocates its write-ahead log at 1.1 times it while the store is
 * open: at hypercore-storage's 64 MiB each open store took 75 MB of disk, and a simulation of 100 peers 7.5 GB (in
 * /tmp, which may be memory). At 8 MiB an open store takes 13 MB.
 */
export const STORE_WRITE_BUFFER_BYTES = 8 * 1024 * 1024

export interface WriteOptions {
  term: number
  recipients: readonly string[]
  nowMs: number
  decision?: string
  /**
   * The records come from `generate`: they are the generated records of their addresses (else the hand-written ones,
   * laid over them), and a later generate of their folder may remove them.
   */
  generated?: boolean
  /**
   * Addresses to remove in the same append (their files or folders are gone): each one's current version is replaced
   * by a removal, if a generate wrote it; one written by hand, or removed already, is left as it is.
   */
  remove?: readonly string[]
}

export interface WriteResult {
  /** Records appended as new versions. */
  written: number
  /** Records whose content and recipients had not changed, so nothing was appended. */
  unchanged: number
  /** Bytes appended to the log. */
  bytes: number
  /** Addresses removed (WriteOptions.remove). */
  removed: number
}

export interface Retrieved extends Resolution {
  role: string
  version: Version
}

/** The additional data bound into every section's encryption: a block cannot be replayed under another address or version. */
export function associatedData (address: string, version: Version): Buffer {
  return Buffer.from(`bzzz-ctx/1\u0000${address}\u0000${versionKey(version)}`)
}

/** The additional data of a request's or decision's sealed payload: bound to its type, id and version. */
export function payloadAssociatedData (type: string, id: string, version: Version): Buffer {
  return Buffer.from(`bzzz-ctx/queue/1\u0000${type}\u0000${id}\u0000${versionKey(version)}`)
}

/** Parents first: the project, then directories by depth, then files; so each child is diffed against a resolved parent. */
/** Records parents first: the project, then by depth, directories before files at one depth (a stable sort). */
function byDepth (records: readonly ContextRecord[]): ContextRecord[] {
  const depth = (record: ContextRecord): number => {
    if (record.kind === 'project') return -1
    let slashes = 1
    for (let at = record.address.indexOf('/'); at !== -1; at = record.address.indexOf('/', at + 1)) slashes++
    return slashes
  }
  const keyed = records.map((record) => ({ record, depth: depth(record) }))
  keyed.sort((a, b) => a.depth - b.depth || (a.record.kind === b.record.kind ? 0 : a.record.kind === 'directory' ? -1 : 1))
  return keyed.map(({ record }) => record)
}

export interface StoreOpenOptions {
  /** Open an existing store without its lock, for reading only (a store not yet made is made, with the lock). */
  readOnly?: boolean
  /** How long a writer waits for another process to let the store go (default STORE_LOCK_WAIT_MS). */
  lockWaitMs?: number
  /** Times the view's checkpoints (default the wall clock; the simulator passes its own). */
  clock?: Clock
}

/**
 * How long a writer waits for the store's lock: enough for the commands that hold it briefly (a distribute, a
 * decide, a first read of a home) to finish; a generate of a large tree takes longer, and is then named.
 */
export const STORE_LOCK_WAIT_MS = 5_000

/** The error Corestore's storage gives when another process holds the store's lock (it has no code). */
function isStoreLocked (err: unknown): boolean {
  return /could not be locked|lock hold by current process|LOCK: Resource temporarily unavailable/i.test(String((err as Error)?.message ?? ''))
}

/** The longest a write keeps the event loop before it lets timers and I/O run (a fraction of an election timeout). */
export const WRITE_SLICE_MS = 20

/**
 * A write appends its entries whenever this many encoded bytes are pending, so its memory is bounded by the chunk and
 * not by the tree: holding a whole generate of /usr/include (68 MB sealed) until one append held each entry three
 * times over (entry, encoded, block, and the storage's batch) and took the process to 670 MB.
 */
export const APPEND_CHUNK_BYTES = 8 * 1024 * 1024

export class ContextStore {
  readonly dir: string
  private readonly corestore: Corestore
  private readonly log: Hypercore
  private readonly view: ContextView
  private readonly crypto: SectionCrypto
  private hlc: Hlc = ZERO_HLC
  /** The logs of other writers, opened as their heads become known. */
  private readonly remoteLogs = new Map<string, Hypercore>()
  /** Remote blocks that failed to decode or claimed another writer: skipped, and counted. */
  rejectedEntries = 0
  private readonly resolved = new Lru<string, Retrieved>(RESOLVED_CACHE_MAX)
  /** The layers of an address as a role reads them (hand-written first), by role and address. */
  private readonly layers = new Lru<string, readonly ReadableLayer[]>(LAYER_CACHE_MAX)
  private readonly blocks = new Lru<string, LogEntry[]>(BLOCK_CACHE_MAX)

  private constructor (dir: string, crypto: SectionCrypto, readonly readOnly: boolean, clock: Clock) {
    this.dir = dir
    this.crypto = crypto
    this.corestore = new Corestore(new CoreStorage(dir, { writeBufferSize: STORE_WRITE_BUFFER_BYTES, readOnly }), { readOnly })
    this.log = this.corestore.get({ name: 'log' })
    this.view = new ContextView(join(dir, 'view.checkpoint'), readOnly, clock.now)
  }

  /**
   * Opens a store. `readOnly` (for commands that only read) opens an existing database without its lock, so any
   * number of readers share it, with each other and with the one process that writes. A writer waits a few seconds
   * for the lock, then says which process holds it.
   */
  static async open (dir: string, crypto: SectionCrypto, options: StoreOpenOptions = {}): Promise<ContextStore> {
    let readOnly = false
    const attempt = async (): Promise<ContextStore> => {
      readOnly = options.readOnly === true && storeExists(dir)
      if (!readOnly) await refuseUnprovenStore(dir)
      return await ContextStore.openOnce(dir, crypto, readOnly, options.clock ?? systemClock)
    }
    // Worth another try: a lock another process holds, or a read-only open of a store another process is still making
    // (its database exists before its column families and its log do).
    const passing = (err: unknown): boolean => !isBzzzError(err) &&
      (isStoreLocked(err) ? readHolder(dir)?.pid !== process.pid : readOnly)
    try {
      return await retriedWithin(attempt, passing, options.lockWaitMs ?? STORE_LOCK_WAIT_MS)
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

  private static async openOnce (dir: string, crypto: SectionCrypto, readOnly: boolean, clock: Clock): Promise<ContextStore> {
    const store = new ContextStore(dir, crypto, readOnly, clock)
    try {
      // The checkpoint is read before the database, so it never claims blocks the database does not show yet: a reader
      // beside a writer that appended and checkpointed in between would take its log for one that lost entries.
      await store.view.ready()
      await store.corestore.ready()
      await store.log.ready()
      const binding = await bindingOf(store.log, dir)
      if (binding === 'copy') throw copiedStore(dir)
      if (!readOnly) {
        if (binding === 'unbound') await bind(store.log, dir)
        await recordHolder(dir)
      }
      await store.catchUp()
      for (const writer of store.view.writers()) if (writer !== store.writer) await store.applyRemote(writer, 0)
    } catch (err) {
      if (!readOnly) forgetHolder(dir)
      await store.corestore.close().catch(() => {})
      throw err
    }
    return store
  }

  async close (): Promise<void> {
    await this.view.close()
    if (!this.readOnly) forgetHolder(this.dir)
    await this.corestore.close()
  }

  /** Replicates every log this store holds over a connection (after the peer proved it is a member). */
  replicate (connection: NodeJS.ReadWriteStream): NodeJS.ReadWriteStream {
    return this.corestore.replicate(connection)
  }

  /** The log of a writer: this peer's own, or another's (opened, and so replicated, from now on). */
  async logOf (writer: string): Promise<Hypercore> {
    if (writer === this.writer) return this.log
    let core = this.remoteLogs.get(writer)
    if (core === undefined) {
      if (!/^[0-9a-f]{64}$/.test(writer)) throw corrupt(`not a writer key: ${writer.slice(0, 80)}`)
      core = this.corestore.get({ key: Buffer.from(writer, 'hex') })
      this.remoteLogs.set(writer, core)
    }
    await core.ready()
    return core
  }

  /** Every log this peer holds and how many blocks of each it holds from the start: what it gossips. */
  heads (): Array<{ writer: string, length: number }> {
    const heads = [{ writer: this.writer, length: this.log.length }]
    for (const [writer, core] of this.remoteLogs) heads.push({ writer, length: core.contiguousLength })
    return heads
  }

  /** Downloads another writer's log up to `length` blocks, in one pipelined range; returns the length now held. */
  async downloadRemote (writer: string, length: number, timeoutMs = 30_000): Promise<number> {
    const core = await this.logOf(writer)
    if (core.contiguousLength < length) {
      const range = core.download({ start: core.contiguousLength, end: length })
      let timer: NodeJS.Timeout | undefined
      try {
        await Promise.race([range.done(), new Promise((_resolve, reject) => { timer = setTimeout(() => reject(unavailable(`downloading log ${writer.slice(0, 12)} timed out`)), timeoutMs) })])
      } finally {
        clearTimeout(timer)
        range.destroy()
      }
    }
    return core.contiguousLength
  }

  /**
   * Applies another writer's log to the view up to `length` blocks (waiting for blocks still on their way, at most
   * `timeoutMs` each), from the view's checkpoint for it. Returns the addresses whose current version changed.
   */
  async applyRemote (writer: string, length: number, timeoutMs = 10_000): Promise<string[]> {
    const core = await this.logOf(writer)
    const from = this.view.applied(writer)
    const upTo = Math.max(length, core.contiguousLength)
    const changed: string[] = []
    const CHUNK = 512
    for (let start = from; start < upTo; start += CHUNK) {
      const end = Math.min(upTo, start + CHUNK)
      const entries: Array<{ seq: number, index: number, entry: LogEntry | null }> = []
      let blocks = 0
      for (let seq = start; seq < end; seq++) {
        const block = await core.get(seq, { timeout: timeoutMs })
        if (block === null) break
        blocks++
        entries.push(...this.decodeTolerantly(block, seq, writer))
      }
      if (entries.length === 0) break
      const applied = await this.view.apply(writer, entries)
      changed.push(...applied)
      this.invalidate(applied)
      if (blocks < end - start) break
    }
    return changed
  }

  /** This peer's writer id: the key of its log. */
  get writer (): string {
    return this.log.key!.toString('hex')
  }

  get logLength (): number {
    return this.log.length
  }

  get logBytes (): number {
    return this.log.byteLength
  }

  get viewHash (): string {
    return this.view.viewHash
  }

  /**
   * Applies whatever the log holds beyond the view's checkpoint (after a crash between append and apply), and
   * takes up the clock from the newest entry. An entry this reader refuses is skipped and counted, as in another
   * writer's log: the rest of the home stays usable.
   */
  private async catchUp (): Promise<void> {
    // Every log the view applied blocks of still holds them here (they were stored before they were applied). One that
    // does not lost them with its database: appending to this peer's own would write other entries under the same
    // sequence numbers (a fork, which the view never shows); with the whole database lost, this peer's log comes back
    // under a new key, and the view still points into the old one (every retrieve would fail on a missing block).
    for (const writer of new Set([this.writer, ...this.view.writers()])) {
      const own = writer === this.writer
      const held = own ? this.log.length : (await this.logOf(writer)).contiguousLength
      const applied = this.view.applied(writer)
      if (held >= applied) continue
      throw corrupt(`the store at ${this.dir} is damaged: ${own ? 'this peer\'s log holds' : 'it holds'} ${held} of the ${applied} entries ${own ? '' : `of log ${writer.slice(0, 12)} `}its view was built from (was store/db deleted or damaged?)${own ? ', and writing to it would fork the log' : ''}. Move the home aside and init a new one (in a cluster, join with a new invite)`)
    }
    const from = this.view.applied(this.writer)
    const CHUNK = 512
    for (let start = from; start < this.log.length; start += CHUNK) {
      const end = Math.min(this.log.length, start + CHUNK)
      const entries: Array<{ seq: number, index: number, entry: LogEntry | null }> = []
      for (let seq = start; seq < end; seq++) {
        const block = await this.log.get(seq, { wait: false })
        if (block === null) throw corrupt(`block ${seq} of this peer's log is missing`)
        entries.push(...this.decodeTolerantly(block, seq, this.writer))
      }
      this.invalidate(await this.view.apply(this.writer, entries))
    }
    for (let seq = this.log.length - 1; seq >= 0; seq--) {
      const block = await this.log.get(seq, { wait: false })
      const newest = block === null ? undefined : this.decodeTolerantly(block, seq, this.writer, false).findLast(e => e.entry !== null)?.entry
      if (newest != null) { this.hlc = newest.version.hlc; break }
    }
  }

  /**
   * The entries of a block of `writer`'s log, each null where it does not decode (or claims another writer): a
   * damaged entry is skipped and counted (when `count`), never applied, and the applied count still moves past it.
   */
  private decodeTolerantly (block: Buffer, seq: number, writer: string, count = true): Array<{ seq: number, index: number, entry: LogEntry | null }> {
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

  private async readEntry (core: Hypercore, seq: number, index = 0): Promise<LogEntry> {
    const entry = (await this.readBlock(core, seq))[index]
    if (entry === undefined) throw corrupt(`block ${seq} of the log has no entry ${index}`)
    return entry
  }

  /** Every request and completion entry in the view, and a listener told of each new one. */
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

  /**
   * Per origin an address has a record of (hand-written first), its current version and the concurrent ones the merge
   * kept; `removed` when the current one is a removal.
   */
  slotsOf (address: string): Array<{ origin: Origin, current: string, conflicts: string[], removed: boolean }> {
    const found: Array<{ origin: Origin, current: string, conflicts: string[], removed: boolean }> = []
    for (const origin of ORIGINS) {
      const slot = this.view.slot(address, origin)
      if (slot !== undefined) found.push({ origin, current: versionKey(slot.current.version), conflicts: slot.conflicts.map(c => versionKey(c.version)), removed: slot.current.removed === true })
    }
    return found
  }

  /**
   * Appends a request (its payload sealed at `level` for the recipients) or a completion entry, in the order of
   * writes, and applies it to the view.
   */
  async appendQueueEntry (entry: Omit<RequestEntry, 'version' | 'envelope'> | Omit<CompletionEntry, 'version' | 'envelope'> | Omit<DecisionEntry, 'version' | 'envelope'>, options: { term: number, nowMs: number, payload?: { plaintext: Buffer, level: AccessLevel, recipients: readonly string[] } }): Promise<void> {
    const run = this.writing.then(async () => {
      this.hlc = tickHlc(this.hlc, options.nowMs)
      const version: Version = { term: options.term, hlc: this.hlc, writer: this.writer, vv: {} }
      const payload = options.payload
      const envelope = payload === undefined
        ? Buffer.alloc(0)
        : this.crypto.seal([{ level: payload.level, plaintext: payload.plaintext }], [...new Set(payload.recipients)].sort(), payloadAssociatedData(entry.type, entry.id, version))
      const full = { ...entry, version, envelope } as LogEntry
      const seq = this.log.length
      await this.log.append(encodeEntry(full))
      this.invalidate(await this.view.apply(this.writer, [{ seq, index: 0, entry: full }]))
    })
    this.writing = run.catch(() => {})
    await run
  }

  /** The sealed payload of a request or decision entry, opened with `role`'s key; ACCESS_DENIED when this peer cannot. */
  async sealedPayload (event: QueueEvent, role: string, level: AccessLevel): Promise<Buffer> {
    const entry = await this.readEntry(await this.logOf(event.writer), event.seq, event.index)
    if (entry.type !== 'request' && entry.type !== 'decision') throw corrupt(`block ${event.seq} of log ${event.writer.slice(0, 12)} holds no payload`)
    const plaintext = this.crypto.open(entry.envelope, role, payloadAssociatedData(entry.type, entry.id, entry.version)).opened.get(level)
    if (plaintext === undefined) throw accessDenied(`role ${role} cannot open ${entry.type} ${entry.id}`)
    return plaintext
  }

  /**
   * Writes records as new versions: each child stored as what differs from its resolved parent, each sealed for
   * the recipients, appended in chunks of about APPEND_CHUNK_BYTES and each chunk applied to the view as it lands.
   * A crash between chunks leaves the first ones written: each is a whole version, and the write was not
   * acknowledged, so it is run again (what is unchanged is not written twice). Replication hands blocks over one by
   * one anyway, so a peer could always see part of a write.
   */
  async write (records: readonly ContextRecord[], options: WriteOptions): Promise<WriteResult> {
    // Writes run one at a time: each reads the current versions it builds on.
    const run = this.writing.then(() => this.writeNow(records, options))
    this.writing = run.catch(() => {})
    return await run
  }

  private writing: Promise<unknown> = Promise.resolve()

  private async writeNow (records: readonly ContextRecord[], options: WriteOptions): Promise<WriteResult> {
    const origin = originOf(options)
    const sorted = byDepth(records)
    const batch = new Map<string, BatchLayer>()
    const recipients = [...new Set(options.recipients)].sort()
    let encoded: Buffer[] = []
    let entries: ContextEntry[] = []
    let pendingBytes = 0
    let written = 0
    let bytes = 0
    const flush = async (): Promise<void> => {
      if (encoded.length === 0) return
      const before = this.log.byteLength
      const start = this.log.length
      const packed = packBlocks(encoded)
      const chunk = entries
      encoded = []
      entries = []
      pendingBytes = 0
      await this.log.append(packed.map(encodeBlock))
      bytes += this.log.byteLength - before
      const applied: Array<{ seq: number, index: number, entry: ContextEntry }> = []
      let next = 0
      for (const [b, block] of packed.entries()) for (let index = 0; index < block.length; index++) applied.push({ seq: start + b, index, entry: chunk[next++]! })
      this.invalidate(await this.view.apply(this.writer, applied))
    }
    const add = async (entry: ContextEntry): Promise<void> => {
      const block = encodeEntry(entry)
      entries.push(entry)
      encoded.push(block)
      pendingBytes += block.length
      if (pendingBytes >= APPEND_CHUNK_BYTES) await flush()
    }
    let unchanged = 0
    let slice = performance.now()
    for (const record of sorted) {
      // Sealing thousands of records takes seconds: a daemon's heartbeats and replies must still go out meanwhile, or
      // its followers elect another leader, which writes the batch again, and so on.
      if (performance.now() - slice >= WRITE_SLICE_MS) {
        await new Promise(resolve => setImmediate(resolve))
        slice = performance.now()
      }
      const parent = this.parentInBatch(record.address, batch)
      const stored = diffAgainstParent(record, parent)
      batch.set(record.address, { stored, parent })
      const texts = sectionTexts(stored)
      const digest = this.crypto.digest(Buffer.from(JSON.stringify([recipients, stored.inherits ?? true, texts.map(s => [s.level, s.text])])))
      const slot = this.view.slot(record.address, origin)
      // Unchanged content is not written again, unless the write links it to a decision: that link is the news.
      if (options.decision === undefined && slot !== undefined && slot.current.writer === this.writer && slot.current.digest === digest && slot.conflicts.length === 0) {
        unchanged++
        continue
      }
      this.hlc = tickHlc(this.hlc, options.nowMs)
      const version: Version = { term: options.term, hlc: this.hlc, writer: this.writer, vv: this.nextVectorOf(record.address, slot) }
      const envelope = this.crypto.seal(plainSections(texts), recipients, associatedData(record.address, version))
      const entry: ContextEntry = { type: 'context', address: record.address, kind: record.kind, inherits: stored.inherits ?? true, version, digest, envelope }
      if (options.decision !== undefined) entry.decision = options.decision
      if (options.generated === true) entry.generated = true
      await add(entry)
      written++
    }
    let removed = 0
    for (const address of options.remove ?? []) {
      const slot = this.view.slot(address, 'generated')
      if (slot === undefined || slot.current.removed === true || batch.has(address)) continue
      this.hlc = tickHlc(this.hlc, options.nowMs)
      const version: Version = { term: options.term, hlc: this.hlc, writer: this.writer, vv: this.nextVectorOf(address, slot) }
      await add({ type: 'context', address, kind: slot.current.kind, inherits: true, version, generated: true, removed: true, envelope: Buffer.alloc(0) })
      removed++
    }
    await flush()
    return { written, unchanged, bytes, removed }
  }

  /**
   * The vector of a new version of an address's record of one origin (`slot`): it supersedes that record's current
   * version, and this writer's count in it is one more than in any version of the address the view keeps, of either
   * origin, current or concurrent. So a version key (writer and count) names one version of the address: a count taken
   * from the current version alone could repeat that of one of this writer's versions that lost a tiebreak, and
   * the view drops a version whose key it holds.
   */
  private nextVectorOf (address: string, slot: Slot | undefined): Version['vv'] {
    let count = 0
    for (const origin of ORIGINS) {
      const held = this.view.slot(address, origin)
      if (held === undefined) continue
      for (const pointer of [held.current, ...held.conflicts]) count = Math.max(count, pointer.version.vv[this.writer] ?? 0)
    }
    return { ...(slot?.current.version.vv ?? {}), [this.writer]: count + 1 }
  }

  /**
   * The resolved content of the nearest ancestor written in this batch. It is merged when first asked for: most
   * records (files) are nobody's parent.
   */
  private parentInBatch (address: string, batch: Map<string, BatchLayer>): Content {
    for (const ancestor of parentChain(address).slice(1)) {
      const layer = batch.get(ancestor)
      if (layer !== undefined) return (layer.resolved ??= mergeLayers([{ address: ancestor, content: contentOf(layer.stored) }, { address: '', content: layer.parent }]).content)
    }
    return {}
  }

  /** Drops cached resolutions that used a changed address (a change to a directory reaches its descendants). */
  private invalidate (changed: readonly string[]): void {
    if (changed.length === 0) return
    const set = new Set(changed)
    for (const [key, value] of this.resolved.entries()) {
      if (value.resolvedFrom.some(a => set.has(a)) || set.has(value.address)) this.resolved.delete(key)
      else if (changed.some(a => value.address.startsWith(a.endsWith('/') ? a : a + '/'))) this.resolved.delete(key)
    }
    for (const key of this.layers.keys()) {
      if (set.has(key.slice(key.indexOf('\u0000') + 1))) this.layers.delete(key)
    }
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
      const current = this.view.slot(address, origin)?.current
      if (current !== undefined && current.removed !== true) live.push(current)
    }
    return live
  }

  private async openLayer (address: string, pointer: Pointer, role: string): Promise<ReadableLayer> {
    const entry = await this.readEntry(await this.logOf(pointer.writer), pointer.seq, pointer.index ?? 0)
    if (entry.type !== 'context') throw corrupt(`the view points ${address} at an entry that is not a context`)
    const { opened, withheld } = this.crypto.open(entry.envelope, role, associatedData(address, entry.version))
    const layer: ReadableLayer = { address, kind: entry.kind, inherits: entry.inherits, content: opened.size === 0 ? {} : joinSections(opened, address) }
    if (withheld.length > 0) layer.withheld = withheld
    if (opened.size === 0) layer.readable = false
    if (pointer.generated !== true) layer.handWritten = true
    return layer
  }

  /** The context of `address` as `role` may read it, merged with its ancestors up to `depth` levels. */
  async retrieve (address: string, role: string, depth = DEFAULT_RESOLVE_DEPTH): Promise<Retrieved> {
    const key = `${role}\u0000${depth}\u0000${address}`
    const hit = this.resolved.get(key)
    if (hit !== undefined) return hit
    const own = await this.readableLayers(address, role)
    if (own.length === 0 && this.view.slot(address, 'generated')?.current.removed === true) {
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
  private lookAlike (address: string, limit = 3): string | null {
    const { project, segments } = parseAddress(address)
    if (segments.length === 0) return null
    const tail = '/' + segments.join('/')
    const here: string[] = []
    const elsewhere: string[] = []
    const seen = new Set<string>()
    for (const [candidate] of this.view.versions()) {
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
   * The addresses at or below `address`, other than those in `produced`, with a generated record that is not removed: what a generate of that folder may remove when it no longer finds them. Only those not
   * produced are looked up: decoding every slot of a large view cost a third of a second (37,000 addresses).
   */
  generatedUnder (address: string, produced: ReadonlySet<string> = new Set()): string[] {
    const prefix = address.endsWith('/') ? address : address + '/'
    const found: string[] = []
    const seen = new Set<string>()
    for (const [candidate] of this.view.versions()) {
      if (seen.has(candidate) || produced.has(candidate) || (candidate !== address && !candidate.startsWith(prefix))) continue
      seen.add(candidate)
      const current = this.view.slot(candidate, 'generated')?.current
      if (current !== undefined && current.removed !== true) found.push(candidate)
    }
    return found
  }

  /** How many records (an address's hand-written or generated one) hold a current version that is not a removal. */
  get recordCount (): number {
    return this.view.recordCount
  }
}
