/**
 * The envelope of a context record: each section sealed with its own data key, the data key wrapped for
 * every recipient role whose clearance covers the section's level. Sealing needs only the roles' public keys.
 */
import sodium from 'sodium-native'
import { accessDenied, badInput, corrupt } from '../errors.js'
import { ACCESS_LEVELS, covers, isAccessLevel, levelRank } from './levels.js'
import type { AccessLevel } from './levels.js'
import type { BoxKeyPair } from './identity.js'
import type { RoleDirectory } from './role-directory.js'
import { RandomPool } from './random-pool.js'
import { SharedKeyCache } from './shared-key-cache.js'
import type { SharedKeyFor } from './shared-key-cache.js'

export const ENVELOPE_VERSION = 1
export const NONCE_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
export const DATA_KEY_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES
export const TAG_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES
export const WRAPPED_KEY_BYTES = DATA_KEY_BYTES + TAG_BYTES

/** A section before sealing: its level and its plaintext. */
export interface PlainSection {
  level: AccessLevel
  plaintext: Buffer
}

/** The data key of a section, encrypted for one role epoch. */
export interface EnvelopeWrap {
  role: string
  epoch: number
  wrappedKey: Buffer
}

export interface EnvelopeSection {
  level: AccessLevel
  /** One nonce for the section's ciphertext and for all its wraps (see sealSections). */
  nonce: Buffer
  ciphertext: Buffer
  wraps: EnvelopeWrap[]
}

export interface Envelope {
  version: typeof ENVELOPE_VERSION
  /** The writer's X25519 public key: a reader agrees on the wrap key with it. */
  writerPublicKey: Buffer
  /** At most one section per level, in level order. */
  sections: EnvelopeSection[]
}

/** The keypair of a role for an epoch, when this peer holds it. */
export type RoleKeyLookup = (role: string, epoch: number) => BoxKeyPair | undefined

export interface SealOptions {
  sections: readonly PlainSection[]
  /** Role names the record is distributed to; each must be in the directory. */
  recipients: readonly string[]
  /** Clearances and current epoch public keys of the roles. */
  directory: RoleDirectory
  /** The writer's box keypair (its own, never a role's). */
  writer: BoxKeyPair
  /** Bound into every AEAD: the record's address and version, so a sealed section cannot be replayed elsewhere. */
  ad: Buffer
  cache?: SharedKeyCache
}

/** The cache used when a call passes none: its keys are named by both keypairs, so sharing it is safe. */
export const defaultSharedKeyCache = new SharedKeyCache()

const randomPool = new RandomPool()
const AD_DOMAIN = Buffer.from('bzzz-ctx envelope\0', 'latin1')
const PURPOSE_DATA = 0x44 // 'D'
const PURPOSE_WRAP = 0x57 // 'W'

/**
 * Seals the sections for the recipient roles. A role gets a wrap for a section only if its clearance covers
 * the section's level; a section that no recipient may read is left out. Sections come out in level order.
 *
 * One random 192-bit nonce per section serves its ciphertext and all its wraps: an XChaCha20-Poly1305
 * (key, nonce) pair must never repeat, and here every key under that nonce is different (a fresh data key;
 * one wrap key per recipient role, and the directory refuses two roles with one public key). Per-wrap
 * nonces would add 24 bytes per wrap and buy nothing.
 */
export function sealSections (options: SealOptions): Envelope {
  const { directory, writer, ad } = options
  const cache = options.cache ?? defaultSharedKeyCache
  const sections = checkPlainSections(options.sections)
  const recipients = [...new Set(options.recipients)].map((role) => {
    const entry = directory.get(role)
    const publicKey = directory.publicKey(role)
    if (entry === undefined || publicKey === undefined) {
      throw badInput(`unknown recipient role "${role}": the cluster has ${directory.names().join(', ')}`)
    }
    return { role, clearance: entry.clearance, epoch: entry.epoch, publicKey }
  })

  const readable = sections.filter(section => recipients.some(r => covers(r.clearance, section.level)))
  const mask = levelMask(readable.map(section => section.level))
  const wrapKeyFor: SharedKeyFor = cache.writer(writer)
  const wrapKeys = new Map<string, Buffer>()

  const random = randomPool.bytes(readable.length * (NONCE_BYTES + DATA_KEY_BYTES))
  const sealed = readable.map((section, i): EnvelopeSection => {
    const at = i * (NONCE_BYTES + DATA_KEY_BYTES)
    const nonce = Buffer.from(random.subarray(at, at + NONCE_BYTES))
    const dataKey = random.subarray(at + NONCE_BYTES, at + NONCE_BYTES + DATA_KEY_BYTES)
    // Not zero-filled: the AEAD writes every byte of both (and small ones come from Node's pool, not an allocation each).
    const ciphertext = Buffer.allocUnsafe(section.plaintext.length + TAG_BYTES)
    sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(ciphertext, section.plaintext, sectionAd(PURPOSE_DATA, section.level, mask, ad), null, nonce, dataKey)
    const wrapAd = sectionAd(PURPOSE_WRAP, section.level, mask, ad)
    const wraps: EnvelopeWrap[] = []
    const wrapped = Buffer.allocUnsafe(recipients.length * WRAPPED_KEY_BYTES)
    for (const recipient of recipients) {
      if (!covers(recipient.clearance, section.level)) continue
      let wrapKey = wrapKeys.get(recipient.role)
      if (wrapKey === undefined) {
        wrapKey = wrapKeyFor(recipient.publicKey)
        wrapKeys.set(recipient.role, wrapKey)
      }
      const wrappedKey = wrapped.subarray(wraps.length * WRAPPED_KEY_BYTES, (wraps.length + 1) * WRAPPED_KEY_BYTES)
      sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(wrappedKey, dataKey, wrapAd, null, nonce, wrapKey)
      wraps.push({ role: recipient.role, epoch: recipient.epoch, wrappedKey })
    }
    return { level: section.level, nonce, ciphertext, wraps }
  })
  sodium.sodium_memzero(random)
  return { version: ENVELOPE_VERSION, writerPublicKey: Buffer.from(writer.publicKey), sections: sealed }
}

/**
 * Opens the sections this role can read. A section with no wrap for the role is absent from the result;
 * a wrap or a ciphertext that fails to authenticate (a tampered envelope, or the wrong AD) is CORRUPT;
 * a wrap for a role epoch whose key this peer lacks is ACCESS_DENIED.
 */
export function openSections (
  envelope: Envelope,
  role: string,
  lookup: RoleKeyLookup,
  ad: Buffer,
  cache: SharedKeyCache = defaultSharedKeyCache
): Map<AccessLevel, Buffer> {
  if (envelope.version !== ENVELOPE_VERSION) throw corrupt(`envelope version ${String(envelope.version)} is not supported`)
  const mask = levelMask(envelope.sections.map(section => section.level))
  const unwrapKeyFor = new Map<number, SharedKeyFor>()
  const opened = new Map<AccessLevel, Buffer>()
  for (const section of envelope.sections) {
    const wrap = section.wraps.find(candidate => candidate.role === role)
    if (wrap === undefined) continue
    checkSectionSizes(section, wrap)

    let keyFor = unwrapKeyFor.get(wrap.epoch)
    if (keyFor === undefined) {
      const roleKey = lookup(role, wrap.epoch)
      if (roleKey === undefined) {
        throw accessDenied(`this peer holds no key for role "${role}" epoch ${wrap.epoch}: ask an admin to grant it`)
      }
      keyFor = cache.reader(roleKey)
      unwrapKeyFor.set(wrap.epoch, keyFor)
    }
    const wrapKey = keyFor(envelope.writerPublicKey)

    const dataKey = Buffer.alloc(DATA_KEY_BYTES)
    try {
      sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(dataKey, null, wrap.wrappedKey, sectionAd(PURPOSE_WRAP, section.level, mask, ad), section.nonce, wrapKey)
    } catch (err) {
      throw corrupt(`the ${section.level} section's key for role "${role}" epoch ${wrap.epoch} fails to authenticate: the envelope is damaged or belongs to another record`, err)
    }
    const plaintext = Buffer.alloc(section.ciphertext.length - TAG_BYTES)
    try {
      sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(plaintext, null, section.ciphertext, sectionAd(PURPOSE_DATA, section.level, mask, ad), section.nonce, dataKey)
    } catch (err) {
      throw corrupt(`the ${section.level} section fails to authenticate: the envelope is damaged or belongs to another record`, err)
    } finally {
      sodium.sodium_memzero(dataKey)
    }
    opened.set(section.level, plaintext)
  }
  return opened
}

/** The (role, epoch) pairs that hold at least one wrap, in order of first appearance. */
export function envelopeRecipients (envelope: Envelope): Array<{ role: string, epoch: number }> {
  const seen = new Map<string, number>()
  for (const section of envelope.sections) {
    for (const wrap of section.wraps) if (!seen.has(wrap.role)) seen.set(wrap.role, wrap.epoch)
  }
  return [...seen].map(([role, epoch]) => ({ role, epoch }))
}

function checkPlainSections (sections: readonly PlainSection[]): PlainSection[] {
  const seen = new Set<AccessLevel>()
  for (const section of sections) {
    if (!isAccessLevel(section.level)) throw badInput(`unknown section level "${String(section.level)}": use one of ${ACCESS_LEVELS.join(', ')}`)
    if (seen.has(section.level)) throw badInput(`two sections have level ${section.level}: merge them into one`)
    seen.add(section.level)
  }
  return [...sections].sort((a, b) => levelRank(a.level) - levelRank(b.level))
}

/** The sizes sodium asserts on, checked first so a malformed in-memory envelope is CORRUPT, not an assertion. */
function checkSectionSizes (section: EnvelopeSection, wrap: EnvelopeWrap): void {
  if (section.nonce.length !== NONCE_BYTES || wrap.wrappedKey.length !== WRAPPED_KEY_BYTES || section.ciphertext.length < TAG_BYTES) {
    throw corrupt(`the ${String(section.level)} section of the envelope has a malformed nonce, key wrap or ciphertext`)
  }
}

/**
 * A bit per level present. Bound into every AEAD so that dropping a whole section from an envelope makes
 * the remaining ones fail to authenticate rather than quietly vanish.
 */
function levelMask (levels: readonly AccessLevel[]): number {
  let mask = 0
  for (const level of levels) {
    const bit = isAccessLevel(level) ? 1 << levelRank(level) : 0
    if (bit === 0 || (mask & bit) !== 0) throw corrupt('the envelope has an unknown or repeated section level')
    mask |= bit
  }
  return mask
}

/** The AEAD associated data: a domain, the purpose (data or wrap), the format version, the level, the level mask, then the caller's AD. */
function sectionAd (purpose: number, level: AccessLevel, mask: number, ad: Buffer): Buffer {
  const header = Buffer.from([purpose, ENVELOPE_VERSION, levelRank(level), mask])
  return Buffer.concat([AD_DOMAIN, header, ad])
}

