/**
 * What the store needs of the crypto layer (sealing for recipients, opening for one role, a keyed digest), and the
 * additional data each sealed thing is bound to, so a sealed block cannot be replayed under another address or version.
 */
import type { PlainSection } from '../context/sections.js'
import type { AccessLevel } from '../crypto/levels.js'
import { versionKey, type Version } from '../distribution/version.js'

export interface SectionCrypto {
  /** An envelope of version 2, with its own keys: a request's or decision's payload, a record sealed again. */
  seal (sections: readonly PlainSection[], recipients: readonly string[], ad: Buffer): Buffer
  /** The keys of one write of records for `recipients`: each record's envelope is version 3 (crypto/write-keys.ts). */
  writeKeys (recipients: readonly string[]): RecordSealer
  /**
   * The sections `role` can open (`opened`, empty when none) and the levels of those it cannot (`withheld`).
   * Throws ACCESS_DENIED when this peer holds no key for the role. `keyset`: for a version 3 envelope that does not
   * carry its write's keyset (envelope-codec.ts's needsKeyset), the envelope of the write's first record, which does.
   */
  open (envelope: Buffer, role: string, ad: Buffer, keyset?: Buffer): { opened: Map<AccessLevel, Buffer>, withheld: AccessLevel[] }
  digest (plaintext: Buffer): string
  /**
   * Every section this peer can open with any role key it holds (a reseal must re-encrypt all of a record's sections or
   * none), the role epochs the envelope is sealed to, and, per section it cannot open, its level and the roles it is
   * sealed to.
   */
  openHeld (envelope: Buffer, ad: Buffer, keyset?: Buffer): HeldSections
}

/** Seals the records of one write with the write's keys; the first record sealed carries them (`inline`). */
export interface RecordSealer {
  seal (sections: readonly PlainSection[], ad: Buffer, inline: boolean): Buffer
  /** Forgets the write's keys. */
  wipe (): void
}

export interface HeldSections {
  opened: Map<AccessLevel, Buffer>
  sealedTo: Array<{ role: string, epoch: number }>
  unopened: Array<{ level: AccessLevel, roles: string[] }>
}

/** The additional data bound into every section's encryption: a block cannot be replayed under another address or version. */
export function associatedData (address: string, version: Version): Buffer {
  return Buffer.from(`bzzz-ctx/1\u0000${address}\u0000${versionKey(version)}`)
}

/**
 * The additional data of a request's files as its requester seals them (before any leader stamps a version): bound to
 * the request's id and what it generates, so a leader can neither read them nor pass them off under another request.
 */
export function requestFilesAssociatedData (request: { id: string, address: string, project: string, path: string }): Buffer {
  return Buffer.from(`bzzz-ctx/request/2\u0000${request.id}\u0000${request.address}\u0000${request.project}\u0000${request.path}`)
}

/** The additional data of a request's or decision's sealed payload: bound to its type, id and version. */
export function payloadAssociatedData (type: string, id: string, version: Version): Buffer {
  return Buffer.from(`bzzz-ctx/queue/1\u0000${type}\u0000${id}\u0000${versionKey(version)}`)
}
