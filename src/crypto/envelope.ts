/**
 * The envelope of a context record: each section (one per access level) sealed with its own data key. In version 2 the
 * data keys form a one-way chain down the levels (a level's key derives the key of the level below it, never above), so
 * a recipient role gets one wrap, of the key of the highest level its clearance covers; its plaintext is deflated when
 * that pays (section-codec.ts). Version 1 (one wrap per section and role, stored plaintext) still opens. Sealing needs
 * only the roles' public keys.
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
import { decodeSectionText, encodeSectionText } from './section-codec.js'

/** The version sealSections writes. */
export const ENVELOPE_VERSION = 2
/** The versions that open: 1, each section's key wrapped for each reader, stored plaintext; 2, chained keys. */
export const ENVELOPE_VERSIONS = [1, 2] as const
export type EnvelopeVersion = typeof ENVELOPE_VERSIONS[number]
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
  /** Version 1: every role that reads the section. Version 2: the roles whose highest readable level it is. */
  wraps: EnvelopeWrap[]
}

export interface Envelope {
  version: EnvelopeVersion
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
  /** false for plaintexts that are compressed already (a request's packed files): deflating them again buys nothing. */
  compress?: boolean
}

/** The cache used when a call passes none: its keys are named by both keypairs, so sharing it is safe. */
export const defaultSharedKeyCache = new SharedKeyCache()

const randomPool = new RandomPool()
const AD_DOMAIN = Buffer.from('bzzz-ctx envelope\0', 'latin1')
const PURPOSE_DATA = 0x44 // 'D'
const PURPOSE_WRAP = 0x57 // 'W'

/**
 * Seals the sections for the recipient roles. A role can open a section only if its clearance covers the section's
 * level; a section that no recipient may read is left out. Sections come out in level order.
 *
 * The key of the highest section is random; each lower section's key is derived from the one above it (levelKeyBelow),
 * and each recipient gets one wrap, at the highest section its clearance covers. So a record for six roles carries six
 * wraps, not one per section and reader, and a role still cannot reach a key above its clearance: the chain runs down
 * only. One random 192-bit nonce per section serves its ciphertext and its wraps: an XChaCha20-Poly1305 (key, nonce)
 * pair must never repeat, and here every key under that nonce is different (a fresh data key; one wrap key per
 * recipient role, and the directory refuses two roles with one public key).
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

  const random = randomPool.bytes(readable.length * NONCE_BYTES + DATA_KEY_BYTES)
  const dataKeys = chainKeys(random.subarray(readable.length * NONCE_BYTES), readable.map(section => section.level))
  const sealed = readable.map((section, i): EnvelopeSection => {
    const nonce = Buffer.from(random.subarray(i * NONCE_BYTES, (i + 1) * NONCE_BYTES))
    const dataKey = dataKeys[i]!
    const plaintext = encodeSectionText(section.plaintext, options.compress !== false)
    // Not zero-filled: the AEAD writes every byte of both (and small ones come from Node's pool, not an allocation each).
    const ciphertext = Buffer.allocUnsafe(plaintext.length + TAG_BYTES)
    sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(ciphertext, plaintext, sectionAd(PURPOSE_DATA, ENVELOPE_VERSION, section.level, mask, ad), null, nonce, dataKey)
    const wrapAd = sectionAd(PURPOSE_WRAP, ENVELOPE_VERSION, section.level, mask, ad)
    const above = readable[i + 1]?.level
    // The roles whose highest readable section this is: they cover it, and not the next one up.
    const readers = recipients.filter(r => covers(r.clearance, section.level) && (above === undefined || !covers(r.clearance, above)))
    const wrapped = Buffer.allocUnsafe(readers.length * WRAPPED_KEY_BYTES)
    const wraps = readers.map((recipient, j): EnvelopeWrap => {
      const wrappedKey = wrapped.subarray(j * WRAPPED_KEY_BYTES, (j + 1) * WRAPPED_KEY_BYTES)
      sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(wrappedKey, dataKey, wrapAd, null, nonce, wrapKeyFor(recipient.publicKey))
      return { role: recipient.role, epoch: recipient.epoch, wrappedKey }
    })
    return { level: section.level, nonce, ciphertext, wraps }
  })
  for (const key of dataKeys) sodium.sodium_memzero(key)
  sodium.sodium_memzero(random)
  return { version: ENVELOPE_VERSION, writerPublicKey: Buffer.from(writer.publicKey), sections: sealed }
}

/**
 * The data keys of sections at `levels` (ascending): the last is `top`, each other derived from the one above it. A
 * keyed BLAKE2b is one-way, so a key gives the keys below it and nothing of those above.
 */
function chainKeys (top: Uint8Array, levels: readonly AccessLevel[]): Buffer[] {
  const keys: Buffer[] = new Array<Buffer>(levels.length)
  for (let i = levels.length - 1; i >= 0; i--) {
    const above = keys[i + 1]
    keys[i] = above === undefined ? Buffer.from(top) : levelKeyBelow(above, levels[i + 1]!, levels[i]!)
  }
  return keys
}

const KEY_DOMAIN = Buffer.from('bzzz-ctx level key\0', 'latin1')

/** The key of the section at `level` from the key of the section at `above`, the next level present in the envelope. */
function levelKeyBelow (key: Buffer, above: AccessLevel, level: AccessLevel): Buffer {
  const out = Buffer.alloc(DATA_KEY_BYTES)
  sodium.crypto_generichash(out, Buffer.concat([KEY_DOMAIN, Buffer.from([levelRank(above), levelRank(level)])]), key)
  return out
}

/**
 * Opens the sections this role can read. A section with no key for the role is absent from the result;
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
  if (!isEnvelopeVersion(envelope.version)) throw corrupt(`envelope version ${String(envelope.version)} is not supported`)
  const version = envelope.version
  const mask = levelMask(envelope.sections.map(section => section.level))
  const unwrapKeyFor = new Map<number, SharedKeyFor>()
  const opened = new Map<AccessLevel, Buffer>()
  const unwrap = (section: EnvelopeSection, wrap: EnvelopeWrap): Buffer => {
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
    const dataKey = Buffer.alloc(DATA_KEY_BYTES)
    try {
      sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(dataKey, null, wrap.wrappedKey, sectionAd(PURPOSE_WRAP, version, section.level, mask, ad), section.nonce, keyFor(envelope.writerPublicKey))
    } catch (err) {
      throw corrupt(`the ${section.level} section's key for role "${role}" epoch ${wrap.epoch} fails to authenticate: the envelope is damaged or belongs to another record`, err)
    }
    return dataKey
  }
  const decrypt = (section: EnvelopeSection, dataKey: Buffer): Buffer => {
    if (section.nonce.length !== NONCE_BYTES || section.ciphertext.length < TAG_BYTES) throw corrupt(`the ${String(section.level)} section of the envelope has a malformed nonce or ciphertext`)
    const plaintext = Buffer.alloc(section.ciphertext.length - TAG_BYTES)
    try {
      sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(plaintext, null, section.ciphertext, sectionAd(PURPOSE_DATA, version, section.level, mask, ad), section.nonce, dataKey)
    } catch (err) {
      throw corrupt(`the ${section.level} section fails to authenticate: the envelope is damaged or belongs to another record`, err)
    }
    return version === 1 ? plaintext : decodeSectionText(plaintext, section.level)
  }

  if (version === 1) {
    for (const section of envelope.sections) {
      const wrap = section.wraps.find(candidate => candidate.role === role)
      if (wrap === undefined) continue
      const dataKey = unwrap(section, wrap)
      try {
        opened.set(section.level, decrypt(section, dataKey))
      } finally {
        sodium.sodium_memzero(dataKey)
      }
    }
    return opened
  }

  // Version 2: the role's one wrap opens the highest section it reads; the chain gives the ones below.
  const top = topSectionOf(envelope, role)
  if (top === -1) return opened
  const topSection = envelope.sections[top]!
  let dataKey = unwrap(topSection, topSection.wraps.find(candidate => candidate.role === role)!)
  const plaintexts: Buffer[] = []
  try {
    for (let i = top; i >= 0; i--) {
      const section = envelope.sections[i]!
      if (i < top) {
        const below = levelKeyBelow(dataKey, envelope.sections[i + 1]!.level, section.level)
        sodium.sodium_memzero(dataKey)
        dataKey = below
      }
      plaintexts[i] = decrypt(section, dataKey)
    }
  } finally {
    sodium.sodium_memzero(dataKey)
  }
  // In level order, as version 1 gives them.
  plaintexts.forEach((plaintext, i) => opened.set(envelope.sections[i]!.level, plaintext))
  return opened
}

/**
 * The index of the one section of a version 2 envelope that holds the role's wrap, or -1. Two wraps for one role would
 * let a tampered envelope offer it two paths to one key: refused as CORRUPT.
 */
function topSectionOf (envelope: Envelope, role: string): number {
  let top = -1
  envelope.sections.forEach((section, i) => {
    if (!section.wraps.some(wrap => wrap.role === role)) return
    if (top !== -1) throw corrupt(`the envelope wraps a key for role "${role}" twice`)
    top = i
  })
  if (top !== -1 && envelope.sections.some((section, i) => i > 0 && levelRank(section.level) <= levelRank(envelope.sections[i - 1]!.level))) {
    throw corrupt('the envelope\'s sections are not in level order')
  }
  return top
}

/** The roles that can open the section at `level`: those wrapped at it and, in version 2, at any section above it. */
export function sectionReaders (envelope: Envelope, level: AccessLevel): string[] {
  const at = envelope.sections.findIndex(section => section.level === level)
  if (at === -1) return []
  const holding = envelope.version === 1 ? [envelope.sections[at]!] : envelope.sections.slice(at)
  return holding.flatMap(section => section.wraps.map(wrap => wrap.role))
}

function isEnvelopeVersion (version: unknown): version is EnvelopeVersion {
  return (ENVELOPE_VERSIONS as readonly unknown[]).includes(version)
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
function sectionAd (purpose: number, version: EnvelopeVersion, level: AccessLevel, mask: number, ad: Buffer): Buffer {
  const header = Buffer.from([purpose, version, levelRank(level), mask])
  return Buffer.concat([AD_DOMAIN, header, ad])
}

