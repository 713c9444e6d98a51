/**
 * The admin's signature over the cluster's role directory (each role's clearance, epoch and epoch public key). A writer
 * seals every section to the public keys it finds there, so a key changed in one home (by hand, by a tool, by someone
 * who could write the file) would make every record that peer writes unreadable to that role, or readable to whoever
 * holds the key put in its place. Every home keeps the signature beside the roles, and a config whose roles do not
 * verify against the cluster's admin key is refused as damaged before anything is sealed with them.
 */
import { signMessage, verifySignature, type NodeIdentity } from '../crypto/identity.js'
import type { RoleDirectoryEntry } from '../crypto/role-directory.js'
import { corrupt } from '../errors.js'

export const ROLES_SIGNATURE_FORMAT = 1

/** The signature's record in a config: the issuer is the cluster's admin (`cluster.adminKey`). */
export interface RolesSignature {
  format: number
  /** Grows with each change of the directory (a rotation), so the newest signed one can replace an older one. */
  version: number
  signature: string
}

/** The exact bytes the admin signs: the roles in name order, each field in a fixed order. */
function payload (cluster: string, version: number, roles: readonly RoleDirectoryEntry[]): Buffer {
  const entries = [...roles].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    .map(role => [role.name, role.clearance, role.epoch, role.publicKey])
  return Buffer.from(JSON.stringify(['bzzz-ctx/roles', ROLES_SIGNATURE_FORMAT, cluster, version, entries]))
}

export function signRoles (admin: NodeIdentity, cluster: string, version: number, roles: readonly RoleDirectoryEntry[]): RolesSignature {
  return { format: ROLES_SIGNATURE_FORMAT, version, signature: signMessage(admin, payload(cluster, version, roles)).toString('hex') }
}

/** Why these roles are not the ones the admin signed; null when they are. */
export function rolesSignatureProblem (roles: readonly RoleDirectoryEntry[], signed: unknown, expect: { cluster: string, adminKey: string }): string | null {
  if (typeof signed !== 'object' || signed === null) return 'the roles carry no signature of the admin'
  const s = signed as Record<string, unknown>
  if (s.format !== ROLES_SIGNATURE_FORMAT) return 'the roles\' signature has an unknown format'
  if (!Number.isSafeInteger(s.version) || (s.version as number) < 1) return 'the roles\' signature has a malformed version'
  if (typeof s.signature !== 'string' || !/^[0-9a-f]{128}$/.test(s.signature)) return 'the roles\' signature is malformed'
  if (!verifySignature(expect.adminKey, payload(expect.cluster, s.version as number, roles), Buffer.from(s.signature, 'hex'))) {
    return 'the roles are not the ones the cluster\'s admin signed (a key, clearance or epoch was changed)'
  }
  return null
}

/**
 * Refuses, as damaged, a config whose roles its cluster's admin did not sign: called wherever keys are used (a peer's
 * open, an invite), before anything is sealed to them. (`readConfig` checks only the shape: a command that reads the
 * config alone, --help or a call to the daemon, does not load the crypto.)
 */
export function checkSignedRoles (configFile: string, config: { roles: readonly RoleDirectoryEntry[], rolesSignature?: unknown, cluster: { id: string, adminKey: string } }): void {
  const problem = rolesSignatureProblem(config.roles, config.rolesSignature, { cluster: config.cluster.id, adminKey: config.cluster.adminKey })
  if (problem !== null) throw corrupt(`the config ${configFile} is damaged (${problem}): restore it, or run \`bzzz-ctx init\` in a new home`)
}
