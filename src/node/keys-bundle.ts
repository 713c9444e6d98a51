/**
 * A change of the cluster's role keys, as the admin makes it and every peer takes it up: the new role directory with
 * the admin's signature, and a grant of each new epoch key to each member that keeps the role, sealed to that member's
 * node key. The leader writes it into its log (a `keys` entry); each peer adopts the directory (new records are sealed
 * to the new epochs from then on) and opens the grants addressed to it. A member left out of the grants (a revoked one)
 * keeps the epochs it had and opens nothing written to the new ones.
 */
import type { NodeIdentity } from '../crypto/identity.js'
import { KEY_HEX_PATTERN } from '../crypto/key-text.js'
import { RoleDirectory, type RoleDirectoryEntry } from '../crypto/role-directory.js'
import { parseSealedRoleKey, rotateRole, sealRoleKeyToNode, type RoleKeyPair, type SealedRoleKey } from '../crypto/role-keys.js'
import { badInput } from '../errors.js'
import { rolesSignatureProblem, signRoles, type RolesSignature } from './signed-roles.js'

export const KEYS_BUNDLE_FORMAT = 1
export const MAX_GRANTS = 10_000

export interface KeyGrant extends SealedRoleKey {
  /** The member it is sealed to (node id). */
  node: string
}

export interface KeysBundle {
  format: number
  /** What the admin did: rotated these roles, or revoked a node (and rotated every role it held). */
  change: { op: 'rotate' | 'revoke', roles: string[], node?: string }
  roles: RoleDirectoryEntry[]
  rolesSignature: RolesSignature
  grants: KeyGrant[]
}

/**
 * The bundle of a rotation of `roles`: a new epoch of each, the directory signed at the next version, and a grant of
 * each new key to each of `holders(role)` (the admin included: it takes its own key up as every peer does).
 */
export function rotationBundle (
  admin: NodeIdentity, cluster: string, current: { roles: RoleDirectoryEntry[], rolesSignature: RolesSignature },
  roles: readonly string[], holders: (role: string) => readonly string[], change: KeysBundle['change']
): { bundle: KeysBundle, keys: RoleKeyPair[] } {
  let directory = RoleDirectory.fromJSON(current.roles)
  const keys: RoleKeyPair[] = []
  const grants: KeyGrant[] = []
  for (const role of new Set(roles)) {
    const rotated = rotateRole(directory, role)
    directory = rotated.directory
    keys.push(rotated.key)
    for (const node of new Set([admin.nodeId, ...holders(role)])) grants.push({ node, ...sealRoleKeyToNode(rotated.key, node) })
  }
  const entries = directory.toJSON()
  return { bundle: { format: KEYS_BUNDLE_FORMAT, change, roles: entries, rolesSignature: signRoles(admin, cluster, current.rolesSignature.version + 1, entries), grants }, keys }
}

/** The role each roster member is known to hold: null when the admin never learnt it (see keys-admin's memberRoles). */
export type MemberRoles = ReadonlyMap<string, string | null>

/**
 * Who is given a change's new epochs (the pure rule `keys rotate` and `keys revoke` share): the members known to hold
 * each role, those `leaving` left out (a revoked node never receives a key of the epochs that shut it out). A member
 * whose role is unknown is given nothing and named, so the admin can re-grant it.
 */
export function grantPlan (members: MemberRoles, leaving: readonly string[] = []): { holders: (role: string) => string[], unknownRole: string[] } {
  const staying = [...members].filter(([node]) => !leaving.includes(node))
  return {
    holders: role => staying.filter(([, held]) => held === role).map(([node]) => node),
    unknownRole: staying.filter(([, role]) => role === null).map(([node]) => node)
  }
}

/** The roles a revocation rotates: the node's own, or every role when it is the admin's or not known. */
export function revokedRoles (role: string | null, all: readonly string[]): string[] {
  return role === null || role === 'admin' ? [...all] : [role]
}

/** Why a value is not a keys bundle of this cluster's admin; null when it is. */
export function keysBundleProblem (value: unknown, trust: { cluster: string, adminKey: string }): string | null {
  if (typeof value !== 'object' || value === null) return 'not an object'
  const b = value as Partial<KeysBundle>
  if (b.format !== KEYS_BUNDLE_FORMAT) return 'an unknown format'
  const change = b.change
  if (typeof change !== 'object' || change === null || !['rotate', 'revoke'].includes(change.op) || !Array.isArray(change.roles) ||
      !change.roles.every(r => typeof r === 'string') || (change.node !== undefined && (typeof change.node !== 'string' || !KEY_HEX_PATTERN.test(change.node)))) return 'a malformed change'
  if (!Array.isArray(b.roles)) return 'no roles'
  let directory: RoleDirectory
  try {
    directory = RoleDirectory.fromJSON(b.roles)
  } catch (err) {
    return `its roles are malformed (${(err as Error).message})`
  }
  const signed = rolesSignatureProblem(b.roles, b.rolesSignature, trust)
  if (signed !== null) return signed
  if (!Array.isArray(b.grants) || b.grants.length > MAX_GRANTS) return 'malformed grants'
  for (const grant of b.grants as unknown[]) {
    const node = (grant as Partial<KeyGrant>)?.node
    if (typeof node !== 'string' || !KEY_HEX_PATTERN.test(node)) return 'a grant without a valid node'
    let sealed: SealedRoleKey
    try {
      sealed = parseSealedRoleKey({ ...(grant as object), node: undefined })
    } catch (err) {
      return `a malformed grant (${(err as Error).message})`
    }
    // A grant is the admin's only if its key is the one the signed directory publishes for that role and epoch.
    const entry = directory.get(sealed.role)
    if (entry === undefined || entry.epoch !== sealed.epoch || entry.publicKey !== sealed.publicKey) return `a grant of role "${sealed.role}" epoch ${sealed.epoch} that the signed roles do not publish`
  }
  return null
}

export function parseKeysBundle (text: string, trust: { cluster: string, adminKey: string }): KeysBundle {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw badInput('a keys bundle that is not JSON')
  }
  const problem = keysBundleProblem(value, trust)
  if (problem !== null) throw badInput(`a keys bundle that is not the admin's: ${problem}`)
  return value as KeysBundle
}
