/** The bridge from the context store to the crypto module: seal for the cluster's roles, open with this peer's keys. */
import { accessDenied, isBzzzError } from '../errors.js'
import { corrupt } from '../errors.js'
import { decodeEnvelope, decodeRecordEnvelope, encodeEnvelope, encodeRecordEnvelope, envelopeVersionOf } from '../crypto/envelope-codec.js'
import { envelopeRecipients, openSections, sealSections, sectionReaders } from '../crypto/envelope.js'
import { keysetReaders, openRecordSections, WRITE_ENVELOPE_VERSION, WriteKeys, type RecordEnvelope, type WriteKeyset } from '../crypto/write-keys.js'
import { levelRank, type AccessLevel } from '../crypto/levels.js'
import type { Keyring } from '../crypto/keyring.js'
import { keyedDigest, type LocalSecret } from '../crypto/local-secret.js'
import type { RoleDirectory } from '../crypto/role-directory.js'
import type { SectionCrypto } from '../storage/sealing.js'

/** A version 3 envelope and the keyset it is opened with: its own, or that of its write's first record. */
function recordAndKeyset (envelope: Buffer, keyset: Buffer | undefined): { record: RecordEnvelope, keys: WriteKeyset } {
  const record = decodeRecordEnvelope(envelope)
  const keys = record.keyset ?? (keyset === undefined ? undefined : decodeRecordEnvelope(keyset).keyset)
  if (keys === undefined) throw corrupt('a record sealed with its write\'s keys came without them: its write\'s first record does not carry them')
  return { record, keys }
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
      if (envelopeVersionOf(envelope) === WRITE_ENVELOPE_VERSION) {
        const { record, keys } = recordAndKeyset(envelope, keyset)
        const opened = openRecordSections(record, keys, role, keyring.lookup, ad)
        return { opened, withheld: record.sections.map(section => section.level).filter(level => !opened.has(level)) }
      }
      const decoded = decodeEnvelope(envelope)
      const opened = openSections(decoded, role, keyring.lookup, ad)
      return { opened, withheld: decoded.sections.map(section => section.level).filter(level => !opened.has(level)) }
    },
    // The cluster's digest key when this peer holds it (every peer that may write does), so every leader's digests agree.
    digest: plaintext => keyring.digestKey !== null ? keyedDigest(plaintext, keyring.digestKey) : local.keyedDigest(plaintext),
    openHeld: (envelope, ad, keyset) => {
      if (envelopeVersionOf(envelope) === WRITE_ENVELOPE_VERSION) {
        const { record, keys } = recordAndKeyset(envelope, keyset)
        // As version 2 lists them: the roles that read a section of this record (a recipient whose clearance is below
        // all of it holds nothing of it).
        const sealedTo = keys.wraps.filter(wrap => record.sections.some(s => levelRank(s.level) <= levelRank(wrap.level))).map(({ role, epoch }) => ({ role, epoch }))
        const opened = new Map<AccessLevel, Buffer>()
        for (const { role } of sealedTo) {
          if (!keyring.hasRole(role)) continue
          try {
            for (const [level, plaintext] of openRecordSections(record, keys, role, keyring.lookup, ad)) opened.set(level, plaintext)
          } catch (err) {
            if (!isBzzzError(err) || err.code !== 'ACCESS_DENIED') throw err
          }
        }
        const unopened = record.sections.filter(s => !opened.has(s.level)).map(s => ({ level: s.level, roles: keysetReaders(keys, s.level) }))
        return { opened, sealedTo, unopened }
      }
      const decoded = decodeEnvelope(envelope)
      const sealedTo = envelopeRecipients(decoded)
      const opened = new Map<AccessLevel, Buffer>()
      for (const { role } of sealedTo) {
        if (!keyring.hasRole(role)) continue
        // A role has one epoch per envelope: its key for that epoch opens all of the role's sections, or none.
        try {
          for (const [level, plaintext] of openSections(decoded, role, keyring.lookup, ad)) opened.set(level, plaintext)
        } catch (err) {
          if (!isBzzzError(err) || err.code !== 'ACCESS_DENIED') throw err
        }
      }
      const unopened = decoded.sections.filter(s => !opened.has(s.level)).map(s => ({ level: s.level, roles: sectionReaders(decoded, s.level) }))
      return { opened, sealedTo, unopened }
    }
  }
}
