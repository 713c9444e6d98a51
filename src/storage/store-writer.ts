/**
 * The store's writer: it appends records as new versions (each child stored as what differs from its resolved parent,
 * each sealed for its recipients, unchanged ones not written again) and queue and decision entries, one write at a
 * time, stamping each with this writer's hybrid logical clock, and applies what it appended to the view.
 */
import type Hypercore from 'hypercore'
import { contentOf, diffAgainstParent, mergeLayers, type Content } from '../context/merge.js'
import type { ContextRecord } from '../context/record.js'
import { plainSections, sectionTexts, type PlainSection } from '../context/sections.js'
import type { AccessLevel } from '../crypto/levels.js'
import { ZERO_HLC, tickHlc, type Hlc } from '../distribution/hlc.js'
import { versionKey, type Version } from '../distribution/version.js'
import { parentChain } from '../ucxl/address.js'
import { shardOf } from '../distribution/placement.js'
import { encodeBlock, encodeEntry, encodePayloadBlock, packBlocks, type CompletionEntry, type ContextEntry, type DecisionEntry, type KeysEntry, type LogEntry, type PolicyEntry, type RecordSource, type RequestEntry, type TermEntry } from './log-entry.js'
import { notLeader } from '../errors.js'
import { associatedData, payloadAssociatedData, type RecordSealer, type SectionCrypto } from './sealing.js'
import { ORIGINS, originOf, type ContextView, type Origin } from './view.js'
import type { Slot } from './view-items.js'

/** The longest a write keeps the event loop before it lets timers and I/O run (a fraction of an election timeout). */
export const WRITE_SLICE_MS = 20

/**
 * A write appends its entries whenever this many encoded bytes are pending, so its memory is bounded by the chunk and
 * not by the tree: holding a whole generate of /usr/include (68 MB sealed) until one append held each entry three
 * times over (entry, encoded, block, and the storage's batch) and took the process to 670 MB.
 */
export const APPEND_CHUNK_BYTES = 8 * 1024 * 1024
/** What a chunk counts for an entry's header before it is encoded (a chunk's size need not be exact). */
const HEADER_BYTES_ESTIMATE = 256
const NO_ENVELOPE = Buffer.alloc(0)

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
  /**
   * What generated records were made from: the commit (when the tree is a git work tree) and each address's content
   * hash. A record whose source changed is written again even when its content did not, so its source stays true.
   */
  sources?: { commit?: string, hashes: ReadonlyMap<string, string> }
  /** Who asked for hand-written records, stamped on each so every peer checks it against the policy named (ContextEntry). */
  asked?: { requester: string, role: string, policyVersion: number }
}

/** A record's current version read back to be sealed again to its roles' current epochs (StoreWriter.reseal). */
export interface ResealItem {
  address: string
  origin: Origin
  /** The key of the version it was read from. */
  from: string
  /** That version's entry: its header is kept. */
  entry: ContextEntry
  sections: PlainSection[]
  recipients: string[]
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
  /**
   * Each address appended (a new version or a removal) and its entry's encoded bytes: the generations of a batch, written
   * together, each report their own.
   */
  appended: ReadonlyMap<string, number>
}

/** A queue or decision entry as its writer gives it: the store stamps the version and seals the payload. */
export type QueueEntryInput =
  Omit<RequestEntry, 'version' | 'envelope'> | Omit<CompletionEntry, 'version' | 'envelope'> | Omit<DecisionEntry, 'version' | 'envelope'> |
  Omit<KeysEntry, 'version' | 'envelope'> | Omit<PolicyEntry, 'version' | 'envelope'>

/**
 * How a queue or decision entry is stamped: its term and time, and its payload, either sealed here (at a level for
 * recipients) or already `sealed` by whoever holds the plaintext (a requester's files, which the leader never sees).
 */
export interface QueueAppendOptions {
  term: number
  nowMs: number
  payload?: { plaintext: Buffer, level: AccessLevel, recipients: readonly string[] }
  sealed?: Buffer
}

/** A record of a write batch: what is stored of it, its parent's resolved content, and its own once merged. */
interface BatchLayer {
  stored: ContextRecord
  parent: Content
  resolved?: Content
  /** The resolved content as JSON: what a child's stored difference is made against (see WriteMemo). */
  resolvedKey?: string
}

/**
 * What writing a record gave, kept with the record object (a generate's records are the same objects from one run to
 * the next when their inputs did not change: buildRecordsFrom): written again against the same resolved parent, for the
 * same recipients and source, it is stored the same, and its digest is the same, so an unchanged record is known
 * without making its sections again.
 */
interface WriteMemo {
  parentKey: string
  recipients: string
  hash: string | undefined
  stored: ContextRecord
  digest: string
}

/** What a writer shows for leading a term: the leader's node and the term entry's evidence (see TermEntry). */
export interface TermProof { leader: string, evidence: Buffer }

export interface StoreWriterHost {
  /** This peer's writer log. */
  log: Hypercore
  /** This peer's payloads core: the envelopes of a write's records but its first (see PayloadPointer). */
  payloads: Hypercore
  /**
   * A sharded cluster's: a write's payloads are packed by the shard of their address (shardOf), each shard's blocks apart,
   * so that a member holding a shard downloads its blocks only. Absent: packed in the order of the entries.
   */
  shardPayloads?: boolean
  view: ContextView
  crypto: SectionCrypto
  /** Times the write's slices: a simulated write takes no simulated time, so it yields nowhere a replay could differ. */
  now: () => number
  /**
   * The evidence that this peer leads `term`, for its log `writer`; null when it has none (it does not lead the term).
   * Absent: a store that writes without terms being checked (the view has no leadership rule either).
   */
  termProof?: (term: number, writer: string) => TermProof | null
  /**
   * Where earlier terms end in the other writers' logs, as this writer states them in its term entry for `term`
   * (TermEntry's `ends`); null while it cannot say (it has not caught up in that term).
   */
  termEnds?: (term: number) => Record<string, number> | null
  /** The view applied entries, and these addresses changed. */
  onApplied: (changed: readonly string[]) => void
}

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

/** A queue entry waiting for the writer, and its caller's promise. */
interface PendingQueueEntry {
  entry: QueueEntryInput
  options: QueueAppendOptions
  resolve: () => void
  reject: (err: unknown) => void
}

export class StoreWriter {
  private hlc: Hlc = ZERO_HLC
  /** The term whose term entry this writer wrote with the ends of earlier terms (0: none since it opened). */
  private endsStatedIn = 0
  /** The term of the newest entry this writer appended, or was cleared to append (0: none known). */
  private newestTerm = 0
  /** Writes run one at a time: each reads the current versions it builds on. */
  private writing: Promise<unknown> = Promise.resolve()
  /**
   * The queue entries whose append is the last work queued, not started yet: an entry given now joins them (see
   * appendQueueEntry). Null once other work is queued after them, or once their append starts.
   */
  private openGroup: PendingQueueEntry[] | null = null
  /** By record object: see WriteMemo. */
  private readonly memos = new WeakMap<ContextRecord, WriteMemo>()

  constructor (private readonly host: StoreWriterHost) {}

  /** This peer's writer id: the key of its log (known once the log is ready). */
  private get writer (): string {
    return this.host.log.key!.toString('hex')
  }

  /** Takes up the clock and the term from the newest entry of this writer's log (at open). */
  resume (newest: { hlc: Hlc, term: number }): void {
    this.hlc = newest.hlc
    this.newestTerm = Math.max(this.newestTerm, newest.term)
  }

  /**
   * The term of the newest entry in this writer's log, or of one it is about to append (0: none known). A writer's terms
   * never fall along its log, so every entry up to its length is of this term or an earlier one: an acknowledgement
   * counts only heads that peers sent while in this term or earlier (src/distribution/acks.ts).
   */
  get writtenTerm (): number {
    return this.newestTerm
  }

  /** The term whose term entry this writer wrote with the ends of earlier terms (0: none since it opened). */
  get statedEndsIn (): number {
    return this.endsStatedIn
  }

  /** Resolves once every write queued before it is done. */
  async settled (): Promise<void> {
    await this.queued(async () => {})
  }

  private async queued<T> (work: () => Promise<T>): Promise<T> {
    // Work queued after a group of queue entries keeps its place after them: no later entry joins that group.
    this.openGroup = null
    const run = this.writing.then(async () => {
      await this.host.view.idle()
      return await work()
    })
    this.writing = run.catch(() => {})
    return await run
  }

  /**
   * Appends a request (its payload sealed at `level` for the recipients), a completion or a decision entry, in the order
   * of writes, and applies it to the view. Entries given one after another while the writer is busy, with no other write
   * queued between them, go together in the order given, in one append (a block each) when it gets to them: a hundred
   * requests accepted at once, or a batch's completions, cost a few appends and flushes rather than one each.
   */
  async appendQueueEntry (entry: QueueEntryInput, options: QueueAppendOptions): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const pending = { entry, options, resolve, reject }
      if (this.openGroup !== null) { this.openGroup.push(pending); return }
      const group = [pending]
      this.queued(async () => await this.appendQueueEntries(group)).catch(() => {})
      this.openGroup = group
    })
  }

  /** Appends a group of queue entries, in order: those of one term in chunks of about APPEND_CHUNK_BYTES, each a block. */
  private async appendQueueEntries (waiting: PendingQueueEntry[]): Promise<void> {
    const { host } = this
    if (this.openGroup === waiting) this.openGroup = null
    let chunk: Array<{ pending: PendingQueueEntry, full: LogEntry, block: Buffer }> = []
    let chunkBytes = 0
    const flush = async (): Promise<void> => {
      const appending = chunk
      chunk = []
      chunkBytes = 0
      if (appending.length === 0) return
      try {
        const seq = host.log.length
        // Packed as records are (a block of up to MAX_ENTRIES_PER_BLOCK, headers deflated together): a hundred requests
        // accepted together, or a batch's completions, are a block or two for every peer to fetch, verify and store.
        const packed = packBlocks(appending.map(item => item.block))
        await host.log.append(packed.map(encodeBlock))
        const positions = packed.flatMap((group, b) => group.map((_, index) => ({ seq: seq + b, index })))
        host.onApplied(await host.view.apply(this.writer, appending.map((item, i) => ({ ...positions[i]!, entry: item.full }))))
      } catch (err) {
        for (const item of appending) item.pending.reject(err)
        return
      }
      for (const item of appending) item.pending.resolve()
    }
    for (const pending of waiting) {
      const { entry, options } = pending
      // A term's entries follow its term entry: a change of term appends what came before first.
      if (chunk.length > 0 && (chunk[0]!.full.version.term !== options.term || chunkBytes >= APPEND_CHUNK_BYTES)) await flush()
      try {
        await this.enterTerm(options.term, options.nowMs)
        this.hlc = tickHlc(this.hlc, options.nowMs)
        const version: Version = { term: options.term, hlc: this.hlc, writer: this.writer, vv: {} }
        const payload = options.payload
        const envelope = payload === undefined
          ? options.sealed ?? Buffer.alloc(0)
          : host.crypto.seal([{ level: payload.level, plaintext: payload.plaintext }], [...new Set(payload.recipients)].sort(), payloadAssociatedData(entry.type, 'id' in entry ? entry.id : '', version))
        const full = { ...entry, version, envelope } as LogEntry
        const block = encodeEntry(full)
        chunk.push({ pending, full, block })
        chunkBytes += block.length
      } catch (err) {
        pending.reject(err)
      }
    }
    await flush()
  }

  /**
   * Before this writer's first entry of a term, the term entry that proves it leads the term: every peer's view applies
   * the writer's entries of the term only after it. Without the evidence nothing of the term is written.
   */
  private async enterTerm (term: number, nowMs: number): Promise<void> {
    await this.proveTerm(term, nowMs)
    // Cleared to write in `term`: set before the entries are appended, so that no reader sees the log's new length
    // with an older term.
    this.newestTerm = Math.max(this.newestTerm, term)
  }

  private async proveTerm (term: number, nowMs: number): Promise<void> {
    const { host } = this
    const writer = this.writer
    if (host.termProof === undefined) return
    const entered = host.view.leads(writer, term)
    if (entered && this.endsStatedIn >= term) return
    const ends = host.termEnds?.(term) ?? null
    // Once in the term, a second term entry is written only to state the ends (a write came before the catch-up did).
    if (entered && ends === null) return
    const proof = host.termProof(term, writer)
    if (proof === null) {
      if (entered) return
      throw notLeader(`this peer does not lead term ${term}: it holds no votes that elected it then`)
    }
    this.hlc = tickHlc(this.hlc, nowMs)
    const entry: TermEntry = {
      type: 'term', address: '', leader: proof.leader, ...(ends !== null ? { ends } : {}),
      version: { term, hlc: this.hlc, writer, vv: {} }, envelope: proof.evidence
    }
    const seq = host.log.length
    await host.log.append(encodeEntry(entry))
    await host.view.apply(writer, [{ seq, index: 0, entry }])
    await host.view.idle()
    // Its own view refusing it is a bug of the evidence, not of the input: nothing of the term may follow.
    if (!host.view.leads(writer, term)) throw notLeader(`this peer's evidence for term ${term} was refused: ${host.view.refusals().recent.at(-1)?.reason ?? 'no reason given'}`)
    if (ends !== null) this.endsStatedIn = term
  }

  /**
   * Writes this writer's term entry for `term` now, with the ends of earlier terms when its proof holds them (a new
   * leader that caught up), unless it already did: so the ends reach every peer without waiting for a first write.
   */
  async enter (term: number, nowMs: number): Promise<void> {
    await this.queued(async () => { await this.enterTerm(term, nowMs) })
  }

  /**
   * Writes records as new versions: each child stored as what differs from its resolved parent, each sealed for
   * the recipients, appended in chunks of about APPEND_CHUNK_BYTES (memory stays bounded by a chunk). The entries of
   * one write are marked as one batch, which every view applies whole once its last entry is there: a crash between
   * chunks leaves entries that no view ever applies, and the write, not acknowledged, is run again.
   */
  async write (records: readonly ContextRecord[], options: WriteOptions): Promise<WriteResult> {
    return await this.queued(async () => await this.writeNow(records, options))
  }

  private async writeNow (records: readonly ContextRecord[], options: WriteOptions): Promise<WriteResult> {
    const { host } = this
    const { view } = host
    const writer = this.writer
    await this.enterTerm(options.term, options.nowMs)
    const origin = originOf(options)
    const batch = new Map<string, BatchLayer>()
    const recipients = [...new Set(options.recipients)].sort()
    const recipientsKey = recipients.join('\n')
    const appender = this.batchAppender()
    let sealer: RecordSealer | undefined
    let written = 0
    let unchanged = 0
    let slice = host.now()
    try {
      for (const record of byDepth(records)) {
        // Sealing thousands of records takes seconds: a daemon's heartbeats and replies must still go out meanwhile, or
        // its followers elect another leader, which writes the batch again, and so on.
        if (host.now() - slice >= WRITE_SLICE_MS) {
          await new Promise(resolve => setImmediate(resolve))
          slice = host.now()
        }
        const { content: parent, key: parentKey } = this.parentInBatch(record.address, batch)
        const hash = options.sources?.hashes.get(record.address)
        const source: RecordSource | undefined = hash === undefined ? undefined : options.sources?.commit === undefined ? { hash } : { commit: options.sources.commit, hash }
        const slot = view.slot(record.address, origin)
        const memo = this.memos.get(record)
        const remembered = memo !== undefined && memo.parentKey === parentKey && memo.recipients === recipientsKey && memo.hash === hash
        const stored = remembered ? memo.stored : diffAgainstParent(record, parent)
        batch.set(record.address, { stored, parent })
        // Unchanged content is not written again, unless the write links it to a decision: that link is the news. Whoever
        // wrote the current version: every writer keys its digests with the cluster's digest key (a digest under another
        // key, a home's from before it, simply differs, and the record is written).
        const same = (digest: string): boolean => options.decision === undefined && slot !== undefined && slot.current.digest === digest && slot.conflicts.length === 0
        if (remembered && same(memo.digest)) {
          unchanged++
          continue
        }
        const texts = sectionTexts(stored)
        // The commit is left out: a record its new commit did not change keeps the commit it was first made at.
        const digested: unknown[] = [recipients, stored.inherits ?? true, texts.map(s => [s.level, s.text])]
        if (hash !== undefined) digested.push(hash)
        const digest = host.crypto.digest(Buffer.from(JSON.stringify(digested)))
        this.memos.set(record, { parentKey, recipients: recipientsKey, hash, stored, digest })
        if (same(digest)) {
          unchanged++
          continue
        }
        this.hlc = tickHlc(this.hlc, options.nowMs)
        const version: Version = { term: options.term, hlc: this.hlc, writer, vv: this.nextVectorOf(record.address, slot) }
        // Sealed with the write's keys: the first record written carries them (it is the write's first entry, which the
        // others name by their `batch`).
        sealer ??= host.crypto.writeKeys(recipients)
        const envelope = sealer.seal(plainSections(texts), associatedData(record.address, version), written === 0)
        const entry: ContextEntry = { type: 'context', address: record.address, kind: record.kind, inherits: stored.inherits ?? true, version, digest, envelope }
        if (options.decision !== undefined) entry.decision = options.decision
        if (options.asked !== undefined) Object.assign(entry, { requester: options.asked.requester, requesterRole: options.asked.role, policyVersion: options.asked.policyVersion })
        if (options.generated === true) {
          entry.generated = true
          if (source !== undefined) entry.source = source
        }
        await appender.add(entry)
        written++
      }
    } finally {
      // The write's keys are forgotten once its records are sealed (or it failed).
      sealer?.wipe()
    }
    let removed = 0
    for (const address of options.remove ?? []) {
      const slot = view.slot(address, 'generated')
      if (slot === undefined || slot.current.removed === true || batch.has(address)) continue
      this.hlc = tickHlc(this.hlc, options.nowMs)
      const version: Version = { term: options.term, hlc: this.hlc, writer, vv: this.nextVectorOf(address, slot) }
      await appender.add({ type: 'context', address, kind: slot.current.kind, inherits: true, version, generated: true, removed: true, envelope: Buffer.alloc(0) })
      removed++
    }
    const { bytes, appended } = await appender.finish()
    return { written, unchanged, bytes, removed, appended }
  }

  /**
   * Appends context entries as one batch, in chunks of about APPEND_CHUNK_BYTES (memory stays bounded by a chunk), and
   * applies each chunk to the view. The entries are marked as one (`batch`, the seq of its first block; `end` on its
   * last), so a view applies all of it or none: the newest entry is held back until the next one shows it is not the
   * last. `finish` appends the rest and gives the bytes appended.
   */
  private batchAppender (): { add: (entry: ContextEntry) => Promise<void>, finish: () => Promise<{ bytes: number, appended: Map<string, number> }> } {
    const { host } = this
    const { log, payloads, view } = host
    const writer = this.writer
    let entries: ContextEntry[] = []
    let pendingBytes = 0
    let bytes = 0
    let flushed = false
    let pushed = 0
    const appended = new Map<string, number>()
    const flush = async (): Promise<void> => {
      if (entries.length === 0) return
      const chunk = entries
      entries = []
      pendingBytes = 0
      const beforePayloads = payloads.byteLength
      // The envelopes of the write's records but its first go to the payloads core, before the headers that point at
      // them: a peer that holds a header never waits for a payload its writer does not hold yet.
      const outOfLine = chunk.filter(entry => entry.payload !== undefined)
      if (outOfLine.length > 0) {
        const first = payloads.length
        const blocks: Buffer[][] = []
        for (const group of host.shardPayloads === true ? byShard(outOfLine) : [outOfLine]) {
          let next = 0
          for (const block of packBlocks(group.map(entry => entry.envelope))) {
            for (let index = 0; index < block.length; index++) {
              const entry = group[next++]!
              entry.payload = { block: first + blocks.length, index }
              entry.envelope = NO_ENVELOPE
            }
            blocks.push(block)
          }
        }
        await payloads.append(blocks.map(encodePayloadBlock))
      }
      const encoded = chunk.map(entry => {
        const block = encodeEntry(entry)
        appended.set(entry.address, (appended.get(entry.address) ?? 0) + block.length)
        return block
      })
      const before = log.byteLength
      const start = log.length
      // The write's first entry is where its records find the write's keys (`batch`): nothing else may come before it.
      if (!flushed && start !== batchId) throw new Error(`the write's first block would be ${start}, not ${batchId}: another append came between`)
      flushed = true
      const packed = packBlocks(encoded)
      await log.append(packed.map(encodeBlock))
      bytes += log.byteLength - before + payloads.byteLength - beforePayloads
      const applied: Array<{ seq: number, index: number, entry: ContextEntry }> = []
      let next = 0
      for (const [b, block] of packed.entries()) for (let index = 0; index < block.length; index++) applied.push({ seq: start + b, index, entry: chunk[next++]! })
      host.onApplied(await view.apply(writer, applied))
    }
    const push = async (entry: ContextEntry): Promise<void> => {
      // The write's first entry keeps its envelope, which carries the write's keys; a removal has none to move.
      if (pushed > 0 && entry.envelope.length > 0) {
        appended.set(entry.address, entry.envelope.length)
        entry.payload = { block: 0, index: 0 }
      }
      pushed++
      entries.push(entry)
      pendingBytes += entry.envelope.length + HEADER_BYTES_ESTIMATE
      if (pendingBytes >= APPEND_CHUNK_BYTES) await flush()
    }
    const batchId = log.length
    let held = null as ContextEntry | null
    let count = 0
    return {
      add: async entry => {
        if (held !== null) {
          held.batch = batchId
          await push(held)
        }
        held = entry
        count++
      },
      finish: async () => {
        if (held !== null) {
          if (count > 1) { held.batch = batchId; held.end = true }
          await push(held)
        }
        await flush()
        return { bytes, appended }
      }
    }
  }

  /**
   * Writes records again as they are, each sealed to its roles' current epochs (see ContextStore.reseal): a new version
   * of the same content and header, superseding the current one. An item whose current version is no longer the one it
   * was read from (written or removed since) is left: what replaced it was sealed after the keys changed.
   */
  async reseal (items: readonly ResealItem[], options: { term: number, nowMs: number }): Promise<{ written: number, changed: number, bytes: number }> {
    return await this.queued(async () => {
      const { host } = this
      await this.enterTerm(options.term, options.nowMs)
      const appender = this.batchAppender()
      let written = 0
      let changed = 0
      let slice = host.now()
      for (const item of items) {
        if (host.now() - slice >= WRITE_SLICE_MS) {
          await new Promise(resolve => setImmediate(resolve))
          slice = host.now()
        }
        const slot = host.view.slot(item.address, item.origin)
        if (slot === undefined || slot.current.removed === true || versionKey(slot.current.version) !== item.from) {
          changed++
          continue
        }
        const { entry: old } = item
        this.hlc = tickHlc(this.hlc, options.nowMs)
        const version: Version = { term: options.term, hlc: this.hlc, writer: this.writer, vv: this.nextVectorOf(item.address, slot) }
        const envelope = host.crypto.seal(item.sections, item.recipients, associatedData(item.address, version))
        const entry: ContextEntry = { type: 'context', address: item.address, kind: old.kind, inherits: old.inherits, version, envelope }
        // The digest is of the same sections for the same recipients: a later write of that content is still unchanged.
        if (old.digest !== undefined) entry.digest = old.digest
        if (old.generated === true) {
          entry.generated = true
          if (old.source !== undefined) entry.source = old.source
        }
        await appender.add(entry)
        written++
      }
      return { written, changed, bytes: (await appender.finish()).bytes }
    })
  }

  /**
   * The vector of a new version of an address's record of one origin (`slot`): it supersedes that record's current
   * version, and this writer's count in it is one more than in any version of the address the view keeps, of either
   * origin, current or concurrent. So a version key (writer and count) names one version of the address: a count taken
   * from the current version alone could repeat that of one of this writer's versions that lost a tiebreak, and
   * the view drops a version whose key it holds.
   */
  private nextVectorOf (address: string, slot: Slot | undefined): Version['vv'] {
    const { view } = this.host
    const writer = this.writer
    let count = 0
    for (const origin of ORIGINS) {
      const held = view.slot(address, origin)
      if (held === undefined) continue
      for (const pointer of [held.current, ...held.conflicts]) count = Math.max(count, pointer.version.vv[writer] ?? 0)
    }
    return { ...(slot?.current.version.vv ?? {}), [writer]: count + 1 }
  }

  /**
   * The resolved content of the nearest ancestor written in this batch. It is merged when first asked for: most
   * records (files) are nobody's parent.
   */
  private parentInBatch (address: string, batch: Map<string, BatchLayer>): { content: Content, key: string } {
    for (const ancestor of parentChain(address).slice(1)) {
      const layer = batch.get(ancestor)
      if (layer === undefined) continue
      const content = (layer.resolved ??= mergeLayers([{ address: ancestor, content: contentOf(layer.stored) }, { address: '', content: layer.parent }]).content)
      return { content, key: (layer.resolvedKey ??= JSON.stringify(content)) }
    }
    return { content: {}, key: '{}' }
  }
}

/** Entries grouped by the shard of their address, in shard order (each group in the order of its entries). */
function byShard (entries: readonly ContextEntry[]): ContextEntry[][] {
  const groups = new Map<number, ContextEntry[]>()
  for (const entry of entries) {
    const shard = shardOf(entry.address)
    let group = groups.get(shard)
    if (group === undefined) groups.set(shard, group = [])
    group.push(entry)
  }
  return [...groups].sort(([a], [b]) => a - b).map(([, group]) => group)
}
