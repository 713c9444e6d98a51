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
