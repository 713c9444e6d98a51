/** Strict text forms of keys in JSON files: lower-case hex for public keys, canonical base64 for secret ones. */
import { badInput } from '../errors.js'

const HEX_PATTERN = /^(?:[0-9a-f]{2})*$/
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/
/** A 32-byte public key in hex: a node id (its signing key), a cluster topic, a role's epoch key. */
export const KEY_HEX_PATTERN = /^[0-9a-f]{64}$/

/** Decodes `bytes` bytes of lower-case hex; throws BAD_INPUT naming `what` otherwise. */
export function parseHexKey (value: unknown, bytes: number, what: string): Buffer {
  if (typeof value !== 'string' || value.length !== bytes * 2 || !HEX_PATTERN.test(value)) {
    throw badInput(`${what} is not ${bytes} bytes of lower-case hex`)
  }
  return Buffer.from(value, 'hex')
}

/**
 * Decodes `bytes` bytes of canonical base64; throws BAD_INPUT naming `what` otherwise.
 * Node's decoder skips stray characters silently, so the text is checked by re-encoding it.
 */
export function parseBase64Key (value: unknown, bytes: number, what: string): Buffer {
  if (typeof value !== 'string' || !BASE64_PATTERN.test(value)) {
    throw badInput(`${what} is not base64`)
  }
  const decoded = Buffer.from(value, 'base64')
  if (decoded.length !== bytes || decoded.toString('base64') !== value) {
    throw badInput(`${what} is not ${bytes} bytes of base64`)
  }
  return decoded
}

/** Parses a positive integer epoch (1 to 2^32 - 1). */
export function parseEpoch (value: unknown, what: string): number {
  if (!isEpoch(value)) throw badInput(`${what} is not an epoch (an integer from 1 to ${MAX_EPOCH})`)
  return value
}

export const MAX_EPOCH = 0xffffffff

export function isEpoch (value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_EPOCH
}

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
