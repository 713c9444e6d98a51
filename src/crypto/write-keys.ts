/**
 * Version 3 of a context record's envelope: the keys of a write, shared by its records. A write (the records one
 * `generate` or `distribute` appends together, all for the same recipients) makes one key per access level, chained
 * down the levels as version 2 chains a record's (a level's key derives the key of the level below it, never above),
 * and wraps for each recipient role the key of its clearance's level, once: the write's keyset. Each section of each
 * record is sealed with a key of its own, derived from its level's write key and the record's additional data (its
 * address and version), so no two sections share a key and the nonce can be fixed.
 *
 * Version 2 spent, per record, its writer's public key, a role table, a random nonce per section and a wrap per role
 * (about 520 bytes over the plaintext for 6 roles); version 3 spends about 20 per section, and the keyset once per
 * write, in the envelope of the write's first record (`inline`). A role reads the same sections it would in version 2:
 * its clearance's key gives the keys of the levels it covers, and nothing above.
 */
import sodium from 'sodium-native'
import { accessDenied, badInput, corrupt } from '../errors.js'
import { ACCESS_LEVELS, levelRank } from './levels.js'
import type { AccessLevel } from './levels.js'
import type { BoxKeyPair } from './identity.js'
import type { RoleDirectory } from './role-directory.js'
import { RandomPool } from './random-pool.js'
import { defaultSharedKeyCache, DATA_KEY_BYTES, NONCE_BYTES, TAG_BYTES, WRAPPED_KEY_BYTES, type PlainSection, type RoleKeyLookup } from './envelope.js'
import type { SharedKeyCache } from './shared-key-cache.js'
import { decodeSectionText, encodeSectionText } from './section-codec.js'

export const WRITE_ENVELOPE_VERSION = 3

/** One recipient's wrap of the write key of its clearance's level. */
export interface KeysetWrap {
  role: string
  epoch: number
  level: AccessLevel
  wrappedKey: Buffer
}

/** The keys of a write, wrapped for its recipients. */
export interface WriteKeyset {
  /** The writer's X25519 public key: a reader agrees on the wrap key with it. */
  writerPublicKey: Buffer
  /** One random nonce for every wrap of the keyset (each wrap is under another role's key). */
  nonce: Buffer
  wraps: KeysetWrap[]
}

/** A record's envelope in version 3: its sections, and the write's keyset when it is the write's first record. */
export interface RecordEnvelope {
  version: typeof WRITE_ENVELOPE_VERSION
  keyset?: WriteKeyset
  /** At most one section per level, in level order. */
  sections: Array<{ level: AccessLevel, ciphertext: Buffer }>
}

const randomPool = new RandomPool()
const AD_DOMAIN = Buffer.from('bzzz-ctx envelope\0', 'latin1')
const WRAP_DOMAIN = Buffer.from('bzzz-ctx write keyset\0', 'latin1')
const LEVEL_DOMAIN = Buffer.from('bzzz-ctx write level key\0', 'latin1')
const RECORD_DOMAIN = Buffer.from('bzzz-ctx record key\0', 'latin1')
const PURPOSE_DATA = 0x44 // 'D', as in version 2's section AD
/** Every section key is used once (it is derived from the record's AD), so the nonce is fixed. */
const FIXED_NONCE = Buffer.alloc(NONCE_BYTES)

/** The key of `level` from the write key of the level above it (one-way: a keyed BLAKE2b). */
function keyBelow (key: Buffer, rank: number): Buffer {
  const out = Buffer.alloc(DATA_KEY_BYTES)
  sodium.crypto_generichash(out, Buffer.concat([LEVEL_DOMAIN, Buffer.from([rank + 1, rank])]), key)
  return out
}

/** The key of one record's section at `rank`, from the write key of that level and the record's AD. */
function recordKey (levelKey: Buffer, rank: number, ad: Buffer): Buffer {
  const out = Buffer.alloc(DATA_KEY_BYTES)
  sodium.crypto_generichash(out, Buffer.concat([RECORD_DOMAIN, Buffer.from([rank]), ad]), levelKey)
  return out
}

function wrapAd (wrap: { role: string, epoch: number, level: AccessLevel }): Buffer {
  return Buffer.concat([WRAP_DOMAIN, Buffer.from([WRITE_ENVELOPE_VERSION, levelRank(wrap.level)]), Buffer.from(`${wrap.role}\u0000${wrap.epoch}`, 'latin1')])
}

function sectionAd (level: AccessLevel, mask: number, ad: Buffer): Buffer {
  return Buffer.concat([AD_DOMAIN, Buffer.from([PURPOSE_DATA, WRITE_ENVELOPE_VERSION, levelRank(level), mask]), ad])
}

function levelMask (levels: readonly AccessLevel[]): number {
  let mask = 0
  for (const level of levels) {
    const rank = levelRank(level)
    if (rank < 0 || (mask & (1 << rank)) !== 0) throw corrupt('the envelope has an unknown or repeated section level')
    mask |= 1 << rank
  }
  return mask
}

/**
 * The keys of one write for `recipients`: seal each of its records with `seal`, the first with `inline` (its envelope
 * carries the keyset), then `wipe`. Sealing needs only the roles' public keys.
 */
export class WriteKeys {
  readonly keyset: WriteKeyset
  /** The write key of each level a recipient reads, by rank (the levels above every clearance have none). */
  private readonly levelKeys: Buffer[]

  constructor (options: { recipients: readonly string[], directory: RoleDirectory, writer: BoxKeyPair, cache?: SharedKeyCache }) {
    const { directory, writer } = options
    const recipients = [...new Set(options.recipients)].map(role => {
      const entry = directory.get(role)
      const publicKey = directory.publicKey(role)
      if (entry === undefined || publicKey === undefined) throw badInput(`unknown recipient role "${role}": the cluster has ${directory.names().join(', ')}`)
      return { role, level: entry.clearance, epoch: entry.epoch, publicKey }
    })
    if (recipients.length === 0) throw badInput('a write needs at least one recipient role')
    const top = Math.max(...recipients.map(r => levelRank(r.level)))
    const random = randomPool.bytes(DATA_KEY_BYTES + NONCE_BYTES)
    this.levelKeys = new Array<Buffer>(top + 1)
    this.levelKeys[top] = Buffer.from(random.subarray(0, DATA_KEY_BYTES))
    for (let rank = top - 1; rank >= 0; rank--) this.levelKeys[rank] = keyBelow(this.levelKeys[rank + 1]!, rank)
    const nonce = Buffer.from(random.subarray(DATA_KEY_BYTES))
    sodium.sodium_memzero(random)
    const keyFor = (options.cache ?? defaultSharedKeyCache).writer(writer)
    const wrapped = Buffer.allocUnsafe(recipients.length * WRAPPED_KEY_BYTES)
    const wraps = recipients.map((recipient, i): KeysetWrap => {
      const wrappedKey = wrapped.subarray(i * WRAPPED_KEY_BYTES, (i + 1) * WRAPPED_KEY_BYTES)
      const wrap = { role: recipient.role, epoch: recipient.epoch, level: recipient.level }
      sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(wrappedKey, this.levelKeys[levelRank(recipient.level)]!, wrapAd(wrap), null, nonce, keyFor(recipient.publicKey))
      return { ...wrap, wrappedKey }
    })
    this.keyset = { writerPublicKey: Buffer.from(writer.publicKey), nonce, wraps }
  }

  /** The sections a recipient may read, each sealed with its own key; a section no recipient reads is left out. */
  seal (plain: readonly PlainSection[], ad: Buffer, inline: boolean): RecordEnvelope {
    const sections = [...plain].sort((a, b) => levelRank(a.level) - levelRank(b.level))
    if (sections.some(s => levelRank(s.level) < 0)) throw badInput(`unknown section level: use one of ${ACCESS_LEVELS.join(', ')}`)
    const readable = sections.filter(s => this.levelKeys[levelRank(s.level)] !== undefined)
    const mask = levelMask(readable.map(s => s.level))
    const sealed = readable.map(section => {
      const rank = levelRank(section.level)
      const key = recordKey(this.levelKeys[rank]!, rank, ad)
      const plaintext = encodeSectionText(section.plaintext, true)
      const ciphertext = Buffer.allocUnsafe(plaintext.length + TAG_BYTES)
      sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(ciphertext, plaintext, sectionAd(section.level, mask, ad), null, FIXED_NONCE, key)
      sodium.sodium_memzero(key)
      return { level: section.level, ciphertext }
    })
    return { version: WRITE_ENVELOPE_VERSION, ...(inline ? { keyset: this.keyset } : {}), sections: sealed }
  }

  wipe (): void {
    for (const key of this.levelKeys) if (key !== undefined) sodium.sodium_memzero(key)
  }
}

/** The one wrap of `role` in a keyset, or undefined; two wraps for one role are refused as CORRUPT. */
function wrapOf (keyset: WriteKeyset, role: string): KeysetWrap | undefined {
  const found = keyset.wraps.filter(wrap => wrap.role === role)
  if (found.length > 1) throw corrupt(`the write's keyset wraps a key for role "${role}" twice`)
  return found[0]
}

/**
 * Opens the sections of a version 3 envelope that `role` reads, with the write's keyset (the record's own, or its
 * write's first record's). A section above the role's clearance is absent from the result; a wrap or ciphertext that
 * fails to authenticate is CORRUPT; a wrap for a role epoch whose key this peer lacks is ACCESS_DENIED.
 */
export function openRecordSections (envelope: RecordEnvelope, keyset: WriteKeyset, role: string, lookup: RoleKeyLookup, ad: Buffer, cache: SharedKeyCache = defaultSharedKeyCache): Map<AccessLevel, Buffer> {
  const opened = new Map<AccessLevel, Buffer>()
  const wrap = wrapOf(keyset, role)
  if (wrap === undefined) return opened
  const top = levelRank(wrap.level)
  const mask = levelMask(envelope.sections.map(s => s.level))
  if (!envelope.sections.some(s => levelRank(s.level) <= top)) return opened
  const roleKey = lookup(role, wrap.epoch)
  if (roleKey === undefined) throw accessDenied(`this peer holds no key for role "${role}" epoch ${wrap.epoch}: ask an admin to grant it`)
  if (wrap.wrappedKey.length !== WRAPPED_KEY_BYTES || keyset.nonce.length !== NONCE_BYTES) throw corrupt('the write\'s keyset has a malformed wrap')
  let key: Buffer = Buffer.alloc(DATA_KEY_BYTES)
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(key, null, wrap.wrappedKey, wrapAd(wrap), keyset.nonce, cache.reader(roleKey)(keyset.writerPublicKey))
  } catch (err) {
    throw corrupt(`the write key for role "${role}" epoch ${wrap.epoch} fails to authenticate: the keyset is damaged or not this record's`, err)
  }
  try {
    // Down the chain from the role's level, opening each section on the way.
    for (let rank = top; rank >= 0; rank--) {
      if (rank < top) {
        const below = keyBelow(key, rank)
        sodium.sodium_memzero(key)
        key = below
      }
      const section = envelope.sections.find(s => levelRank(s.level) === rank)
      if (section === undefined) continue
      if (section.ciphertext.length < TAG_BYTES) throw corrupt(`the ${section.level} section of the envelope is shorter than its tag`)
      const sectionKey = recordKey(key, rank, ad)
      const plaintext = Buffer.alloc(section.ciphertext.length - TAG_BYTES)
      try {
        sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(plaintext, null, section.ciphertext, sectionAd(section.level, mask, ad), FIXED_NONCE, sectionKey)
      } catch (err) {
        throw corrupt(`the ${section.level} section fails to authenticate: the envelope is damaged or belongs to another record`, err)
      } finally {
        sodium.sodium_memzero(sectionKey)
      }
      opened.set(section.level, decodeSectionText(plaintext, section.level))
    }
  } finally {
    sodium.sodium_memzero(key)
  }
  // In level order.
  return new Map([...opened].sort((a, b) => levelRank(a[0]) - levelRank(b[0])))
}

/** The roles that can open the section at `level`: those whose wrap is at or above it. */
export function keysetReaders (keyset: WriteKeyset, level: AccessLevel): string[] {
  return keyset.wraps.filter(wrap => levelRank(wrap.level) >= levelRank(level)).map(wrap => wrap.role)
}
