/** The bridge from the context store to the crypto module: seal for the cluster's roles, open with this peer's keys. */
import { accessDenied, corrupt, isBzzzError } from '../errors.js'
import { decodeEnvelope, decodeRecordEnvelope, encodeEnvelope, encodeRecordEnvelope, envelopeVersionOf } from '../crypto/envelope-codec.js'
import { envelopeRecipients, openSections, sealSections, sectionReaders, type RoleKeyLookup } from '../crypto/envelope.js'
import { keysetReaders, openRecordSections, WRITE_ENVELOPE_VERSION, WriteKeys } from '../crypto/write-keys.js'
import { levelRank, type AccessLevel } from '../crypto/levels.js'
import type { Keyring } from '../crypto/keyring.js'
import { keyedDigest, type LocalSecret } from '../crypto/local-secret.js'
import type { RoleDirectory } from '../crypto/role-directory.js'
import type { SectionCrypto } from '../storage/sealing.js'

/** An envelope of any version, decoded: its levels, the role epochs it is sealed to, and how a role opens it. */
export interface Sealed {
  levels: AccessLevel[]
  /** The roles that read a section of it (a recipient whose clearance is below all of it holds nothing of it). */
  sealedTo: Array<{ role: string, epoch: number }>
  open: (role: string) => Map<AccessLevel, Buffer>
  /** The roles that can open the section at a level. */
  readers: (level: AccessLevel) => string[]
}

/**
 * Decodes an envelope: versions 1 and 2 carry their own keys; version 3 is opened with its write's keyset, its own or,
 * given in `keyset`, the envelope of its write's first record.
 */
export function decodeSealed (envelope: Buffer, keyset: Buffer | undefined, lookup: RoleKeyLookup, ad: Buffer): Sealed {
  if (envelopeVersionOf(envelope) !== WRITE_ENVELOPE_VERSION) {
    const decoded = decodeEnvelope(envelope)
    return {
      levels: decoded.sections.map(section => section.level),
      sealedTo: envelopeRecipients(decoded),
      open: role => openSections(decoded, role, lookup, ad),
      readers: level => sectionReaders(decoded, level)
    }
  }
  const record = decodeRecordEnvelope(envelope)
  const keys = record.keyset ?? (keyset === undefined ? undefined : decodeRecordEnvelope(keyset).keyset)
  if (keys === undefined) throw corrupt('a record sealed with its write\'s keys came without them: its write\'s first record does not carry them')
  return {
    levels: record.sections.map(section => section.level),
    sealedTo: keys.wraps.filter(wrap => record.sections.some(s => levelRank(s.level) <= levelRank(wrap.level))).map(({ role, epoch }) => ({ role, epoch })),
    open: role => openRecordSections(record, keys, role, lookup, ad),
    readers: level => keysetReaders(keys, level)
  }
}

/** `directory`: the cluster's roles now (a rotation replaces them while the store is open). */
export function sectionCrypto (keyring: Keyring, directory: () => RoleDirectory, local: LocalSecret): SectionCrypto {
  return {
    seal: (sections, recipients, ad) => encodeEnvelope(sealSections({ sections, recipients, directory: directory(), writer: keyring.identity.box, ad })),
    writeKeys: recipients => {
      const keys = new WriteKeys({ recipients, directory: directory(), writer: keyring.identity.box })
      return { seal: (sections, ad, inline) => encodeRecordEnvelope(keys.seal(sections, ad, inline)), wipe: () => { keys.wipe() } }
    },
    open: (envelope, role, ad, keyset) => {
      if (!keyring.hasRole(role)) throw accessDenied(`this peer holds no key for role "${role}": retrieve as a role this peer holds (${keyring.roles().join(', ') || 'none'}), or ask an admin to grant it`)
      const sealed = decodeSealed(envelope, keyset, keyring.lookup, ad)
      const opened = sealed.open(role)
      return { opened, withheld: sealed.levels.filter(level => !opened.has(level)) }
    },
    // The cluster's digest key when this peer holds it (every peer that may write does), so every leader's digests agree.
    digest: plaintext => keyring.digestKey !== null ? keyedDigest(plaintext, keyring.digestKey) : local.keyedDigest(plaintext),
    openHeld: (envelope, ad, keyset) => {
      const sealed = decodeSealed(envelope, keyset, keyring.lookup, ad)
      const opened = new Map<AccessLevel, Buffer>()
      for (const { role } of sealed.sealedTo) {
        if (!keyring.hasRole(role)) continue
        // A role has one epoch per envelope: its key for that epoch opens all of the role's sections, or none.
        try {
          for (const [level, plaintext] of sealed.open(role)) opened.set(level, plaintext)
        } catch (err) {
          if (!isBzzzError(err) || err.code !== 'ACCESS_DENIED') throw err
        }
      }
      const unopened = sealed.levels.filter(level => !opened.has(level)).map(level => ({ level, roles: sealed.readers(level) }))
      return { opened, sealedTo: sealed.sealedTo, unopened }
    }
  }
}
