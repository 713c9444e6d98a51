/**
 * Reads recorded with their address hashed (`auditHashReads`): HMAC-SHA-256 of the address keyed by a salt derived from
 * the cluster's digest key, which every member that may write holds. Such a member checks "was X read" by hashing X
 * itself; anyone holding only the audit log (a backup, an outsider) learns who read, as what, and when, not what.
 */
import { createHmac, hkdfSync } from 'node:crypto'

const READ_SALT_INFO = 'bzzz-ctx/audit-read-salt'

/** The salt of a cluster's hashed reads: bound to the cluster, so two clusters' hashes of one address differ. */
export function readSalt (digestKey: Buffer, cluster: string): Buffer {
  return Buffer.from(hkdfSync('sha256', digestKey, Buffer.from(cluster), READ_SALT_INFO, 32))
}

/** A hashed read's `addressHash`: hex. */
export function hashAddress (salt: Buffer, address: string): string {
  return createHmac('sha256', salt).update(address).digest('hex')
}
