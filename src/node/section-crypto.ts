/** The bridge from the context store to the crypto module: seal for the cluster's roles, open with this peer's keys. */
import { accessDenied } from '../errors.js'
import { decodeEnvelope, encodeEnvelope } from '../crypto/envelope-codec.js'
import { openSections, sealSections } from '../crypto/envelope.js'
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
    digest: plaintext => keyring.digestKey !== null ? keyedDigest(plaintext, keyring.digestKey) : local.keyedDigest(plaintext)
  }
}
