/**
 * The entries of a writer log and their binary form: a small header (JSON) and an opaque payload (an
 * encrypted envelope). Decoding checks every length, so a damaged or hostile block is refused, never trusted.
 */
import zlib from 'node:zlib'
import { badInput, corrupt } from '../errors.js'
import { printable } from '../text.js'
import type { RecordKind } from '../context/record.js'
import type { Version } from '../distribution/version.js'
import { DECISION_ID, isPriority, MAX_DECISION_LINKS, REQUEST_ID_PATTERN, type CompletionStatus, type Priority } from './vocabulary.js'
import { KEY_HEX_PATTERN } from '../crypto/key-text.js'

const FORMAT = 1
export const MAX_HEADER_BYTES = 64 * 1024
export const MAX_ENTRY_BYTES = 16 * 1024 * 1024

export const ENTRY_TYPES = ['context', 'request', 'completion', 'decision', 'term', 'keys', 'policy'] as const
export type EntryType = typeof ENTRY_TYPES[number]

/** A version of one address's context: the header is plaintext structure, the envelope holds every section. */
export interface ContextEntry {
  type: 'context'
  address: string
  kind: RecordKind
  inherits: boolean
  version: Version
  /** The writer's keyed digest of the plaintext, so an unchanged record is not written again. Opaque to others. */
  digest?: string
  /** The decision that caused this version, if any. */
  decision?: string
  /** Written by `generate` (not by hand, with `distribute`): a later generate of a folder may remove it. */
  generated?: true
  /**
   * A removal (a tombstone): `generate` found the file or folder gone. The address reads as absent until a newer
   * version is written; the envelope is empty.
   */
  removed?: true
  /**
   * The write this entry is part of, when the write has several: the sequence number of its first block. A reader's
   * view applies the entries of a write together, once it meets the one marked `end`; a write whose end never came
   * (its writer crashed half way) is never applied. A write of one entry carries neither.
   */
  batch?: number
  /** The last entry of its write (with `batch`). */
  end?: true
  /** What a generated version was made from, so any peer can tell whether a working tree still matches it. */
  source?: RecordSource
  /**
   * A hand-written version a member asked for (`distribute`): its node, its role and the cluster policy's version the
   * leader checked it against, so every peer checks it again (absent from entries written before policies).
   */
  requester?: string
  requesterRole?: string
  policyVersion?: number
  /**
   * Where the envelope is when it is not in this entry (which then carries an empty one): entry `index` of block `block`
   * of its writer's payloads core (see PayloadPointer). Entries written before the payloads core carry their envelope.
   */
  payload?: PayloadPointer
  envelope: Buffer
}

/**
 * A record's envelope in its writer's payloads core (whose key anyone derives from the writer's, see payloadsKeyOf):
 * the headers every peer must hold (to route, resolve and show `history`) are in the writer log, the envelopes, which
 * only a reader of the record needs, in a second core of the same writer. Hypercore's signed Merkle tree authenticates the block, and the envelope's associated data binds it to
 * its address and version, so a pointer needs no hash of its own.
 */
export interface PayloadPointer {
  block: number
  index: number
}

/**
 * The source of a generated record: the git commit checked out when there was one, and the sha256 of the file's
 * bytes (of a folder's files and their hashes). Plain like the address: a member that may open none of the record
 * still learns whether its own copy of the file is the one described.
 */
export interface RecordSource {
  commit?: string
  hash: string
}

const SHA256_HEX = /^[0-9a-f]{64}$/
/** A git object id: SHA-1, or SHA-256 in a repository that uses it. */
const COMMIT_HEX = /^[0-9a-f]{40}([0-9a-f]{24})?$/

function isRecordSource (v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const source = v as Record<string, unknown>
  if (Object.keys(source).some(key => key !== 'commit' && key !== 'hash')) return false
  return typeof source.hash === 'string' && SHA256_HEX.test(source.hash) &&
    (source.commit === undefined || (typeof source.commit === 'string' && COMMIT_HEX.test(source.commit)))
}

/**
 * A generation request the leader accepted: appended (and acknowledged) before the requester is told it is
 * accepted, so a new leader finds it in the logs. The envelope holds the files to analyse, compressed and sealed by
 * the requester for `readers` only (src/leader/request-readers.ts): the roles that may read every context generated
 * from them. An entry without `readers` (older) was sealed by its leader at `internal` for every role.
 */
export interface RequestEntry {
  type: 'request'
  /** The requester's id for it; a retry reuses it. */
  id: string
  /** The address the request generates (its dedup key). */
  address: string
  project: string
  /** The path to analyse, relative to the files' root. */
  path: string
  priority: Priority
  requester: string
  roles?: string[]
  /** The roles the files are sealed for: only a peer holding one of them may run the request. */
  readers?: string[]
  /** Remove what a generate wrote below the path and no longer finds (`generate --prune`). */
  prune?: true
  /** One of the requests a tree too large for one was sent in (absent: the request carries the whole tree). */
  part?: RequestPart
  /** The requester's role and the policy version the leader checked the request against (absent: older entries). */
  requesterRole?: string
  policyVersion?: number
  acceptedAt: number
  version: Version
  envelope: Buffer
}

/**
 * A request's place among those one generation was sent in: `group` names them all, `index` counts from 0 and the
 * last (`count - 1`) is sent last, once every other was accepted; its run generates the files of all of them.
 */
export interface RequestPart {
  group: string
  index: number
  count: number
}

/** The most requests one generation is sent in. */
export const MAX_REQUEST_PARTS = 4_096

/** Why a request's `part` is malformed, or null. */
export function requestPartProblem (v: unknown): string | null {
  if (typeof v !== 'object' || v === null) return 'a malformed request part'
  const { group, index, count } = v as Record<string, unknown>
  if (typeof group !== 'string' || !REQUEST_ID_PATTERN.test(group)) return 'a malformed request group'
  if (!isCount(count) || (count as number) < 2 || (count as number) > MAX_REQUEST_PARTS || !isCount(index) || (index as number) >= (count as number)) return 'a malformed request part'
  return null
}

/** What came of a request: appended by the leader that finished it. */
export interface CompletionEntry {
  type: 'completion'
  id: string
  address: string
  status: CompletionStatus
  at: number
  error?: string
  /** The request that superseded this one. */
  by?: string
  report?: CompletionReport
  version: Version
  envelope: Buffer
}

export interface CompletionReport {
  files: number
  records: number
  written: number
  unchanged: number
  /** Addresses removed (absent from a completion written before removals existed). */
  removed?: number
  /** Addresses not found again but kept, without --prune (absent likewise). */
  stale?: number
  bytes: number
  skipped: number
  ms: number
  /** How many peers held the records when the completion was written, and how many were required. */
  acknowledged?: { holders: number, required: number }
}

/**
 * A decision (src/temporal): its id, title and links are structure, readable by every member like an address; its
 * rationale is sealed at `level` for the cluster's roles, so a role below that level can open nothing of it.
 */
export interface DecisionEntry {
  type: 'decision'
  id: string
  /** The first address it affects (every entry names one). */
  address: string
  title: string
  affects: string[]
  influencedBy: string[]
  supersedes: string[]
  /** The role of the peer that decided. */
  author: string
  level: string
  /** The cluster policy's version the leader checked it against (absent: older entries). */
  policyVersion?: number
  at: number
  version: Version
  envelope: Buffer
}

/**
 * The start of a leader's term in its own log, before anything it writes in that term: the evidence that it won the
 * term (the envelope: the signed roster it was elected from, a majority of its voters' signed votes, and its own
 * signature binding this log to its node; unsealed JSON, see src/node/term-evidence.ts). A peer applies a writer's
 * entries of a term only after such an entry of that writer for that term that its leadership rule admits.
 */
export interface TermEntry {
  type: 'term'
  /** None: every entry names an address, this one the empty one. */
  address: ''
  /** The node that leads (its id, hex); the term is the version's. */
  leader: string
  /**
   * Where earlier terms end: for each other writer's log, the length this leader held of it once it had caught up with
   * a majority. A view refuses an entry of that log at or past that length of a term before this one (see view.ts):
   * what a former leader appended after it lost the term (cut off, or offline), never acknowledged. Absent: no ends
   * stated (older entries, a catch-up that did not finish, or a cluster whose acknowledgements need no majority).
   */
  ends?: Record<string, number>
  version: Version
  envelope: Buffer
}

/** A term entry names at most this many ends (a writer key and a length each: about 80 bytes of header). */
export const MAX_TERM_ENDS = 512

/**
 * A change of the cluster's keys the admin made (a rotation, a revocation), written by the leader: the envelope is the
 * admin-signed bundle (unsealed JSON, src/node/keys-bundle.ts): the new role directory and each member's grant of a new
 * epoch key, sealed to that member's node key. Every peer adopts the directory and opens the grants addressed to it.
 */
export interface KeysEntry {
  type: 'keys'
  address: ''
  /** The version of the role directory it carries (the admin's signature's). */
  rolesVersion: number
  version: Version
  envelope: Buffer
}

/**
 * A cluster policy the admin signed (who may generate, distribute and decide, and up to which level), written by the
 * leader: the signed document is in the header, so every peer checks it and takes it up as the entry is applied, before
 * the entries after it are checked against it (src/node/cluster-policy.ts).
 */
export interface PolicyEntry {
  type: 'policy'
  address: ''
  /** The policy's version (the admin's signature's). */
  policyVersion: number
  document: Record<string, unknown>
  version: Version
  envelope: Buffer
}

export type QueueEntry = RequestEntry | CompletionEntry
export type LogEntry = ContextEntry | QueueEntry | DecisionEntry | TermEntry | KeysEntry | PolicyEntry

/** The optional stamps of who asked for an entry, as a header carries them: absent, or well formed. */
function stampProblem (h: Record<string, unknown>): boolean {
  return (h.requesterRole !== undefined && (typeof h.requesterRole !== 'string' || h.requesterRole.length > 64)) ||
    (h.policyVersion !== undefined && !isCount(h.policyVersion))
}

const isIdList = (v: unknown): boolean => Array.isArray(v) && v.length <= MAX_DECISION_LINKS && v.every(x => typeof x === 'string' && DECISION_ID.test(x))


function isEnds (v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const ends = Object.entries(v)
  return ends.length <= MAX_TERM_ENDS && ends.every(([writer, length]) => KEY_HEX_PATTERN.test(writer) && isCount(length))
}

function isPayloadPointer (v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const pointer = v as Record<string, unknown>
  return Object.keys(pointer).length === 2 && isCount(pointer.block) && isCount(pointer.index) && (pointer.index as number) < MAX_ENTRIES_PER_BLOCK
}

function isCount (v: unknown): boolean {
  return Number.isSafeInteger(v) && (v as number) >= 0
}

/** Why a decoded header is not a valid entry header; null when it is. */
function headerProblem (h: Record<string, unknown>): string | null {
  if (!isVersion(h.version)) return 'a malformed version'
  if (typeof h.address !== 'string') return 'no address'
  switch (h.type) {
    case 'context':
      if (h.generated !== undefined && h.generated !== true) return 'a malformed context header'
      if (h.removed !== undefined && h.removed !== true) return 'a malformed context header'
      if (h.batch !== undefined && !isCount(h.batch)) return 'a malformed context header'
      if (h.end !== undefined && (h.end !== true || h.batch === undefined)) return 'a malformed context header'
      if (h.source !== undefined && (h.generated !== true || !isRecordSource(h.source))) return 'a malformed context source'
      if (h.payload !== undefined && (!isPayloadPointer(h.payload) || h.batch === undefined || h.removed === true)) return 'a malformed payload pointer'
      if (stampProblem(h) || (h.requester !== undefined && (typeof h.requester !== 'string' || !KEY_HEX_PATTERN.test(h.requester)))) return 'a malformed context requester'
      return ['file', 'directory', 'project'].includes(h.kind as string) && typeof h.inherits === 'boolean' ? null : 'a malformed context header'
    case 'request':
      if (typeof h.id !== 'string' || !REQUEST_ID_PATTERN.test(h.id)) return 'a malformed request id'
      if (typeof h.project !== 'string' || typeof h.path !== 'string' || !isPriority(h.priority)) return 'a malformed request'
      if (typeof h.requester !== 'string' || !KEY_HEX_PATTERN.test(h.requester) || !isCount(h.acceptedAt)) return 'a malformed request'
      if (h.roles !== undefined && (!Array.isArray(h.roles) || !h.roles.every(r => typeof r === 'string'))) return 'malformed request roles'
      if (h.readers !== undefined && (!Array.isArray(h.readers) || h.readers.length === 0 || !h.readers.every(r => typeof r === 'string'))) return 'malformed request readers'
      if (h.prune !== undefined && h.prune !== true) return 'a malformed request'
      if (h.part !== undefined) { const problem = requestPartProblem(h.part); if (problem !== null) return problem }
      if (stampProblem(h)) return 'a malformed request requester'
      return null
    case 'completion': {
      if (typeof h.id !== 'string' || !REQUEST_ID_PATTERN.test(h.id)) return 'a malformed completion id'
      if (!['completed', 'failed', 'superseded'].includes(h.status as string) || !isCount(h.at)) return 'a malformed completion'
      if (h.error !== undefined && typeof h.error !== 'string') return 'a malformed completion error'
      if (h.by !== undefined && (typeof h.by !== 'string' || !REQUEST_ID_PATTERN.test(h.by))) return 'a malformed completion'
      const r = h.report as Record<string, unknown> | undefined
      if (r !== undefined && (typeof r !== 'object' || r === null || !['files', 'records', 'written', 'unchanged', 'bytes', 'skipped', 'ms'].every(k => isCount(r[k])) || (r.removed !== undefined && !isCount(r.removed)) || (r.stale !== undefined && !isCount(r.stale)))) return 'a malformed completion report'
      const acked = r?.acknowledged as Record<string, unknown> | undefined
      if (acked !== undefined && (typeof acked !== 'object' || acked === null || !isCount(acked.holders) || !isCount(acked.required))) return 'a malformed completion report'
      return null
    }
    case 'decision':
      if (typeof h.id !== 'string' || !DECISION_ID.test(h.id)) return 'a malformed decision id'
      if (typeof h.title !== 'string' || h.title.length === 0 || h.title.length > 500 || typeof h.author !== 'string' || typeof h.level !== 'string' || !isCount(h.at)) return 'a malformed decision'
      if (!Array.isArray(h.affects) || h.affects.length === 0 || h.affects.length > MAX_DECISION_LINKS || !h.affects.every(a => typeof a === 'string')) return 'malformed decision addresses'
      if (!isIdList(h.influencedBy) || !isIdList(h.supersedes)) return 'malformed decision links'
      if (stampProblem(h)) return 'a malformed decision policy version'
      return null
    case 'keys':
      return h.address === '' && Number.isSafeInteger(h.rolesVersion) && (h.rolesVersion as number) >= 1 ? null : 'a malformed keys entry'
    case 'policy':
      return h.address === '' && Number.isSafeInteger(h.policyVersion) && (h.policyVersion as number) >= 1 &&
        typeof h.document === 'object' && h.document !== null && !Array.isArray(h.document) ? null : 'a malformed policy entry'
    case 'term':
      if (h.ends !== undefined && !isEnds(h.ends)) return 'malformed ends of earlier terms'
      return h.address === '' && typeof h.leader === 'string' && KEY_HEX_PATTERN.test(h.leader) ? null : 'a malformed term entry'
    default:
      return 'an unknown entry type'
  }
}

export function encodeEntry (entry: LogEntry): Buffer {
  const { envelope, ...header } = entry
  const head = Buffer.from(JSON.stringify(header), 'utf8')
  // Only what is written can be too large (a reader refuses such a block as corrupt): the writer's input.
  if (head.length > MAX_HEADER_BYTES) throw badInput(`the entry for ${printable(entry.address)} is too large: its header is ${head.length} bytes, over ${MAX_HEADER_BYTES}`)
  const out = Buffer.allocUnsafe(1 + 4 + head.length + envelope.length)
  out.writeUInt8(FORMAT, 0)
  out.writeUInt32LE(head.length, 1)
  head.copy(out, 5)
  envelope.copy(out, 5 + head.length)
  return out
}

function isVersion (v: unknown): v is Version {
  if (typeof v !== 'object' || v === null) return false
  const x = v as Record<string, unknown>
  const hlc = x.hlc as Record<string, unknown> | undefined
  return Number.isInteger(x.term) && typeof x.writer === 'string' && typeof hlc === 'object' && hlc !== null &&
    Number.isFinite(hlc.wall) && Number.isInteger(hlc.logical) && typeof x.vv === 'object' && x.vv !== null &&
    Object.values(x.vv).every(n => Number.isInteger(n) && (n as number) > 0)
}

export function decodeEntry (block: Buffer, where = 'a log entry'): LogEntry {
  if (block.length < 5 || block.length > MAX_ENTRY_BYTES) throw corrupt(`${where} has an impossible size (${block.length} bytes)`)
  if (block.readUInt8(0) !== FORMAT) throw corrupt(`${where} has unknown format ${block.readUInt8(0)}`)
  const headLength = block.readUInt32LE(1)
  if (headLength > MAX_HEADER_BYTES || 5 + headLength > block.length) throw corrupt(`${where} has a header that overruns it`)
  let header: Record<string, unknown>
  try {
    header = JSON.parse(block.subarray(5, 5 + headLength).toString('utf8')) as Record<string, unknown>
  } catch (err) {
    throw corrupt(`${where} has a header that is not JSON`, err)
  }
  if (typeof header !== 'object' || header === null) throw corrupt(`${where} has a malformed header`)
  const problem = headerProblem(header)
  if (problem !== null) throw corrupt(`${where} has a malformed header (${problem})`)
  const envelope = block.subarray(5 + headLength)
  if (header.payload !== undefined && envelope.length > 0) throw corrupt(`${where} has both an envelope and a pointer to one`)
  return { ...(header as unknown as Omit<LogEntry, 'envelope'>), envelope } as LogEntry
}

/** Entries packed into one block, each whole: what blocks of several entries were before format 3. */
const BATCH_FORMAT = 2
/**
 * Entries packed into one block, their headers deflated together: a block's headers repeat the writer's key (twice in
 * each version), the project's path and the field names, so together they shrink to a fifth. Only headers, which every
 * member reads anyway; the envelopes are ciphertext, which does not compress, and stay as they are.
 */
const PACKED_FORMAT = 3
/** Entries packed into one block: Hypercore's cost is per block (tree nodes, storage batch), so batches share it. */
export const MAX_ENTRIES_PER_BLOCK = 256
export const MAX_BLOCK_BYTES = 256 * 1024
/** zlib's fastest level: on a block's headers it gives within 10% of level 6 at a third of the time. */
const HEADER_DEFLATE_LEVEL = 1

/**
 * Packs encoded entries into one block: a format byte, a count, the entries' headers (each with its length) deflated
 * together, then each entry's envelope with its length.
 */
export function encodeBlock (entries: readonly Buffer[]): Buffer {
  if (entries.length === 1) return entries[0]!
  const heads: Buffer[] = []
  const envelopes: Buffer[] = []
  for (const entry of entries) {
    const headLength = entry.readUInt32LE(1)
    heads.push(entry.subarray(1, 5 + headLength))
    envelopes.push(entry.subarray(5 + headLength))
  }
  const packed = zlib.deflateRawSync(Buffer.concat(heads), { level: HEADER_DEFLATE_LEVEL })
  const size = 1 + 4 + 4 + packed.length + envelopes.reduce((sum, e) => sum + 4 + e.length, 0)
  const out = Buffer.allocUnsafe(size)
  out.writeUInt8(PACKED_FORMAT, 0)
  out.writeUInt32LE(entries.length, 1)
  out.writeUInt32LE(packed.length, 5)
  packed.copy(out, 9)
  writeFramed(out, 9 + packed.length, envelopes)
  return out
}

/** Writes each of `parts` into `out` from `at` on, after its length (4 bytes): the framing of a block's envelopes. */
function writeFramed (out: Buffer, at: number, parts: readonly Buffer[]): void {
  for (const part of parts) {
    out.writeUInt32LE(part.length, at)
    part.copy(out, at + 4)
    at += 4 + part.length
  }
}

/** The encoded entries of a block (a single-entry block is the entry itself). Throws CORRUPT on broken framing. */
export function splitBlock (block: Buffer, where = 'a log block'): Buffer[] {
  if (block.length < 5 || block.length > MAX_ENTRY_BYTES) throw corrupt(`${where} has an impossible size (${block.length} bytes)`)
  const format = block.readUInt8(0)
  if (format === FORMAT) return [block]
  if (format !== BATCH_FORMAT && format !== PACKED_FORMAT) throw corrupt(`${where} has unknown format ${format}`)
  const count = block.readUInt32LE(1)
  if (count === 0 || count > MAX_ENTRIES_PER_BLOCK) throw corrupt(`${where} claims ${count} entries`)
  return format === BATCH_FORMAT ? splitBatch(block, count, where) : splitPacked(block, count, where)
}

function splitBatch (block: Buffer, count: number, where: string): Buffer[] {
  const parts: Buffer[] = []
  let at = 5
  for (let i = 0; i < count; i++) {
    if (at + 4 > block.length) throw corrupt(`${where} ends inside entry ${i}`)
    const length = block.readUInt32LE(at)
    if (at + 4 + length > block.length) throw corrupt(`${where} has entry ${i} overrunning it`)
    parts.push(block.subarray(at + 4, at + 4 + length))
    at += 4 + length
  }
  if (at !== block.length) throw corrupt(`${where} has bytes after its last entry`)
  return parts
}

/** The entries of a packed block, each rebuilt in the single-entry form decodeEntry reads. */
function splitPacked (block: Buffer, count: number, where: string): Buffer[] {
  if (block.length < 9) throw corrupt(`${where} ends inside its header`)
  const packedLength = block.readUInt32LE(5)
  if (9 + packedLength > block.length) throw corrupt(`${where} has headers overrunning it`)
  let heads: Buffer
  try {
    // Each header is at most MAX_HEADER_BYTES: a bound on what a small hostile block may inflate to.
    heads = zlib.inflateRawSync(block.subarray(9, 9 + packedLength), { maxOutputLength: count * (4 + MAX_HEADER_BYTES) })
  } catch (err) {
    throw corrupt(`${where} has headers that do not inflate`, err)
  }
  const parts: Buffer[] = []
  let head = 0
  let at = 9 + packedLength
  for (let i = 0; i < count; i++) {
    if (head + 4 > heads.length) throw corrupt(`${where} ends inside the header of entry ${i}`)
    const headLength = heads.readUInt32LE(head)
    if (headLength > MAX_HEADER_BYTES || head + 4 + headLength > heads.length) throw corrupt(`${where} has header ${i} overrunning it`)
    if (at + 4 > block.length) throw corrupt(`${where} ends inside entry ${i}`)
    const envelopeLength = block.readUInt32LE(at)
    if (at + 4 + envelopeLength > block.length) throw corrupt(`${where} has entry ${i} overrunning it`)
    const part = Buffer.allocUnsafe(5 + headLength + envelopeLength)
    part.writeUInt8(FORMAT, 0)
    heads.copy(part, 1, head, head + 4 + headLength)
    block.copy(part, 5 + headLength, at + 4, at + 4 + envelopeLength)
    parts.push(part)
    head += 4 + headLength
    at += 4 + envelopeLength
  }
  if (head !== heads.length || at !== block.length) throw corrupt(`${where} has bytes after its last entry`)
  return parts
}

/** Groups encoded entries into blocks of at most MAX_ENTRIES_PER_BLOCK entries and about MAX_BLOCK_BYTES. */
export function packBlocks (entries: readonly Buffer[]): Buffer[][] {
  const blocks: Buffer[][] = []
  let current: Buffer[] = []
  let bytes = 0
  for (const entry of entries) {
    if (current.length > 0 && (current.length >= MAX_ENTRIES_PER_BLOCK || bytes + entry.length > MAX_BLOCK_BYTES)) {
      blocks.push(current)
      current = []
      bytes = 0
    }
    current.push(entry)
    bytes += entry.length
  }
  if (current.length > 0) blocks.push(current)
  return blocks
}

/**
 * Envelopes packed into one block of a payloads core: the batch framing (a format byte, a count, each envelope with its
 * length), even for one, so that an envelope is never taken for the framing.
 */
export function encodePayloadBlock (envelopes: readonly Buffer[]): Buffer {
  const out = Buffer.allocUnsafe(5 + envelopes.reduce((sum, e) => sum + 4 + e.length, 0))
  out.writeUInt8(BATCH_FORMAT, 0)
  out.writeUInt32LE(envelopes.length, 1)
  writeFramed(out, 5, envelopes)
  return out
}

/** The envelopes of a block of a payloads core. Throws CORRUPT on broken framing. */
export function splitPayloadBlock (block: Buffer, where = 'a payloads block'): Buffer[] {
  if (block.length < 5 || block.length > MAX_ENTRY_BYTES) throw corrupt(`${where} has an impossible size (${block.length} bytes)`)
  if (block.readUInt8(0) !== BATCH_FORMAT) throw corrupt(`${where} has unknown format ${block.readUInt8(0)}`)
  const count = block.readUInt32LE(1)
  if (count === 0 || count > MAX_ENTRIES_PER_BLOCK) throw corrupt(`${where} claims ${count} envelopes`)
  return splitBatch(block, count, where)
}
