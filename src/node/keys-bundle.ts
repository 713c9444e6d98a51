/**
 * A change of the cluster's role keys, as the admin makes it and every peer takes it up: the new role directory with
 * the admin's signature, and a grant of each new epoch key to each member that keeps the role, sealed to that member's
 * node key. The leader writes it into its log (a `keys` entry); each peer adopts the directory (new records are sealed
 * to the new epochs from then on) and opens the grants addressed to it. A member left out of the grants (a revoked one)
 * keeps the epochs it had and opens nothing written to the new ones.
 */
import { signMessage, verifySignature, type NodeIdentity } from '../crypto/identity.js'
import { KEY_HEX_PATTERN } from '../crypto/key-text.js'
import { DIGEST_KEY_BYTES, digestKeyId } from '../crypto/keyring.js'
import { RoleDirectory, type RoleDirectoryEntry } from '../crypto/role-directory.js'
import { parseSealedRoleKey, rotateRole, sealRoleKeyToNode, sealSecretToNode, type RoleKeyPair, type SealedRoleKey } from '../crypto/role-keys.js'
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
  /**
   * A new cluster digest key (a revocation's: the revoked writer kept the old one), sealed to each writer that stays.
   * `id` is digestKeyId of the key and `signature` the admin's over it and this bundle's roles version.
   */
  digest?: { id: string, signature: string, grants: Array<{ node: string, sealed: string }> }
}

function digestPayload (cluster: string, rolesVersion: number, id: string): Buffer {
  return Buffer.from(JSON.stringify(['bzzz-ctx/digest-key', cluster, rolesVersion, id]))
}

/**
 * The bundle of a rotation of `roles`: a new epoch of each, the directory signed at the next version, and a grant of
 * each new key to each of `holders(role)` (the admin included: it takes its own key up as every peer does).
 */
export function rotationBundle (
  admin: NodeIdentity, cluster: string, current: { roles: RoleDirectoryEntry[], rolesSignature: RolesSignature },
  roles: readonly string[], holders: (role: string) => readonly string[], change: KeysBundle['change'],
  digest?: { key: Buffer, holders: readonly string[] }
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
  const version = current.rolesSignature.version + 1
  const bundle: KeysBundle = { format: KEYS_BUNDLE_FORMAT, change, roles: entries, rolesSignature: signRoles(admin, cluster, version, entries), grants }
  if (digest !== undefined) {
    const id = digestKeyId(digest.key)
    bundle.digest = {
      id,
      signature: signMessage(admin, digestPayload(cluster, version, id)).toString('hex'),
      grants: [...new Set([admin.nodeId, ...digest.holders])].map(node => ({ node, sealed: sealSecretToNode(digest.key, node) }))
    }
  }
  return { bundle, keys }
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

/**
 * Who is given a revocation's new digest key: the members that stay and may write (`mayWrite` of their role: the rule
 * an invite follows), whose digests must keep agreeing. A reader is never given it (it would confirm guesses).
 */
export function digestHolders (members: MemberRoles, leaving: readonly string[], mayWrite: (role: string) => boolean): string[] {
  return [...members].filter(([node, role]) => !leaving.includes(node) && role !== null && mayWrite(role)).map(([node]) => node)
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
  if (b.digest !== undefined) {
    const d = b.digest as Partial<NonNullable<KeysBundle['digest']>>
    if (typeof d !== 'object' || d === null || typeof d.id !== 'string' || !/^[0-9a-f]{32}$/.test(d.id) ||
        typeof d.signature !== 'string' || !/^[0-9a-f]{128}$/.test(d.signature) || !Array.isArray(d.grants) || d.grants.length > MAX_GRANTS) return 'a malformed digest key'
    const sealedLength = Math.ceil((DIGEST_KEY_BYTES + 48) / 3) * 4
    for (const grant of d.grants as unknown[]) {
      const { node, sealed } = (grant ?? {}) as { node?: unknown, sealed?: unknown }
      if (typeof node !== 'string' || !KEY_HEX_PATTERN.test(node) || typeof sealed !== 'string' || sealed.length !== sealedLength) return 'a malformed digest key grant'
    }
    if (!verifySignature(trust.adminKey, digestPayload(trust.cluster, b.rolesSignature!.version, d.id), Buffer.from(d.signature, 'hex'))) return 'a digest key the admin did not sign'
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
