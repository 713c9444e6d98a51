/**
 * The entries of a writer log and their binary form: a small header (JSON) and an opaque payload (an
 * encrypted envelope). Decoding checks every length, so a damaged or hostile block is refused, never trusted.
 */
import { corrupt } from '../errors.js'
import type { RecordKind } from '../context/record.js'
import type { Version } from '../distribution/version.js'

const FORMAT = 1
export const MAX_HEADER_BYTES = 64 * 1024
export const MAX_ENTRY_BYTES = 16 * 1024 * 1024

export const ENTRY_TYPES = ['context'] as const
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
  envelope: Buffer
}

export type LogEntry = ContextEntry

export function encodeEntry (entry: LogEntry): Buffer {
  const { envelope, ...header } = entry
  const head = Buffer.from(JSON.stringify(header), 'utf8')
  if (head.length > MAX_HEADER_BYTES) throw corrupt(`an entry header for ${entry.address} is over ${MAX_HEADER_BYTES} bytes`)
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
  if (header.type !== 'context' || typeof header.address !== 'string' || !['file', 'directory', 'project'].includes(header.kind as string) ||
      typeof header.inherits !== 'boolean' || !isVersion(header.version)) {
    throw corrupt(`${where} has a malformed header`)
  }
  return { ...(header as unknown as Omit<ContextEntry, 'envelope'>), envelope: block.subarray(5 + headLength) }
}

const BATCH_FORMAT = 2
/** Entries packed into one log block: Hypercore's cost is per block (tree nodes, storage batch), so batches share it. */
export const MAX_ENTRIES_PER_BLOCK = 256
export const MAX_BLOCK_BYTES = 256 * 1024

/** Packs encoded entries into one block: a format byte, a count, then each entry with its length. */
export function encodeBlock (entries: readonly Buffer[]): Buffer {
  if (entries.length === 1) return entries[0]!
  const size = 1 + 4 + entries.reduce((sum, e) => sum + 4 + e.length, 0)
  const out = Buffer.allocUnsafe(size)
  out.writeUInt8(BATCH_FORMAT, 0)
  out.writeUInt32LE(entries.length, 1)
  let at = 5
  for (const entry of entries) {
    out.writeUInt32LE(entry.length, at)
    entry.copy(out, at + 4)
    at += 4 + entry.length
  }
  return out
}

/** The encoded entries of a block (a single-entry block is the entry itself). Throws CORRUPT on broken framing. */
export function splitBlock (block: Buffer, where = 'a log block'): Buffer[] {
  if (block.length < 5 || block.length > MAX_ENTRY_BYTES) throw corrupt(`${where} has an impossible size (${block.length} bytes)`)
  if (block.readUInt8(0) === FORMAT) return [block]
  if (block.readUInt8(0) !== BATCH_FORMAT) throw corrupt(`${where} has unknown format ${block.readUInt8(0)}`)
  const count = block.readUInt32LE(1)
  if (count === 0 || count > MAX_ENTRIES_PER_BLOCK) throw corrupt(`${where} claims ${count} entries`)
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
