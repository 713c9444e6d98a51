/** The bridge from the context store to the crypto module: seal for the cluster's roles, open with this peer's keys. */
import { accessDenied, isBzzzError } from '../errors.js'
import { decodeEnvelope, encodeEnvelope } from '../crypto/envelope-codec.js'
import { envelopeRecipients, openSections, sealSections, sectionReaders } from '../crypto/envelope.js'
import type { AccessLevel } from '../crypto/levels.js'
import type { Keyring } from '../crypto/keyring.js'
import { keyedDigest, type LocalSecret } from '../crypto/local-secret.js'
import type { RoleDirectory } from '../crypto/role-directory.js'
import type { SectionCrypto } from '../storage/sealing.js'

/** `directory`: the cluster's roles now (a rotation replaces them while the store is open). */
export function sectionCrypto (keyring: Keyring, directory: () => RoleDirectory, local: LocalSecret): SectionCrypto {
  return {
    seal: (sections, recipients, ad) => encodeEnvelope(sealSections({ sections, recipients, directory: directory(), writer: keyring.identity.box, ad })),
    open: (envelope, role, ad) => {
      if (!keyring.hasRole(role)) throw accessDenied(`this peer holds no key for role "${role}": retrieve as a role this peer holds (${keyring.roles().join(', ') || 'none'}), or ask an admin to grant it`)
      const decoded = decodeEnvelope(envelope)
      const opened = openSections(decoded, role, keyring.lookup, ad)
      return { opened, withheld: decoded.sections.map(section => section.level).filter(level => !opened.has(level)) }
    },
    // The cluster's digest key when this peer holds it (every peer that may write does), so every leader's digests agree.
    digest: plaintext => keyring.digestKey !== null ? keyedDigest(plaintext, keyring.digestKey) : local.keyedDigest(plaintext),
    openHeld: (envelope, ad) => {
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
