/**
 * The admin's side of the cluster's keys, and what `keys ls` shows: which epochs each role has, who was given each, and
 * which this peer holds. A rotation gives the new epoch of a role to the members the admin knows to hold it (the roster's
 * members whose certified role it is, as met: `members.json`), and to the admin.
 */
import { accessDenied, badInput, badUsage, notFound } from '../errors.js'
import { KnownMembers } from './known-members.js'
import { loadRoster, rosterVoters, rosterWithout, writeRoster } from './roster.js'
import { readInvites } from './invite.js'
import { majorityOf } from '../election/election.js'
import { randomBytes } from 'node:crypto'
import { digestHolders, grantPlan, keysBundleProblem, revokedRoles, rotationBundle, type KeysBundle } from './keys-bundle.js'
import { covers } from '../crypto/levels.js'
import { WRITER_CLEARANCE_MIN } from '../leader/write-policy.js'
import type { LocalPeer } from './local-peer.js'
import { homePaths, readConfig } from './home.js'
import { checkSignedRoles } from './signed-roles.js'
import { DIGEST_KEY_BYTES, Keyring } from '../crypto/keyring.js'
import { RoleDirectory } from '../crypto/role-directory.js'

export interface KeysEpochRow {
  epoch: number
  /** The members given this epoch's key, as far as this peer knows (every member of the role, for the first epoch). */
  holders: string[]
  /** This peer holds it. */
  held: boolean
}

export interface KeysRoleRow {
  role: string
  clearance: string
  /** The epoch new records are sealed to. */
  epoch: number
  epochs: KeysEpochRow[]
}

export interface KeysReport {
  node: string
  rolesVersion: number
  roles: KeysRoleRow[]
}

export interface RotateReport {
  roles: Array<{ role: string, epoch: number, granted: string[] }>
  rolesVersion: number
  /** Members of the roster whose role this peer has never learnt: given nothing (they ask the admin to re-grant). */
  unknownRole: string[]
  /** The cluster's new digest key (a revocation's): its id and the writers given it. */
  digest?: { id: string, granted: string[] }
}

type KeysPeer = Pick<LocalPeer, 'config' | 'keyring' | 'directory' | 'home' | 'store'>
/** What planning a change needs of a home: no store (a running daemon holds it). */
export type KeysHome = Pick<LocalPeer, 'config' | 'keyring' | 'directory' | 'home'>

/** A home's keys, config and roles, without its store. */
export async function openKeysHome (home: string): Promise<KeysHome> {
  const config = readConfig(home)
  // A new directory is signed from this one: it must be the admin's own, not one changed in the file.
  checkSignedRoles(homePaths(home).config, config)
  const keyring = await Keyring.load(home)
  return { home, config, keyring, directory: RoleDirectory.fromJSON(config.roles) }
}

/** The roster's members and the role each is known to hold (null when never met), this peer's own included. */
function memberRoles (peer: KeysHome): Map<string, string | null> {
  const { config } = peer
  const roster = loadRoster(peer.home, { cluster: config.cluster.id, adminKey: config.cluster.adminKey })
  const known = new KnownMembers(peer.home, () => {})
  // The admin knows each invited node's role from its invites (met or not); any peer, the roles of those it met.
  const invited = new Map(config.nodeId === config.cluster.adminKey ? readInvites(peer.home).map(r => [r.node, r.role]) : [])
  const members = roster?.members ?? [config.nodeId]
  return new Map(members.map(node => [node, node === config.nodeId ? config.role : node === config.cluster.adminKey ? 'admin' : known.role(node) ?? invited.get(node) ?? null]))
}

/** The keys changes the log holds, oldest first (each the admin's; one that does not verify is left out). */
async function keysChanges (peer: KeysPeer): Promise<KeysBundle[]> {
  const trust = { cluster: peer.config.cluster.id, adminKey: peer.config.cluster.adminKey }
  const bundles: KeysBundle[] = []
  for (const event of peer.store.queueEvents()) {
    if (event.entry.type !== 'keys') continue
    try {
      const value = JSON.parse((await peer.store.envelopeOf(event)).toString('utf8')) as unknown
      if (keysBundleProblem(value, trust) === null) bundles.push(value as KeysBundle)
    } catch {}
  }
  return bundles.sort((a, b) => a.rolesSignature.version - b.rolesSignature.version)
}

export async function keysReport (peer: KeysPeer): Promise<KeysReport> {
  const roles = memberRoles(peer)
  const grants = new Map<string, Set<string>>()
  for (const bundle of await keysChanges(peer)) {
    for (const grant of bundle.grants) {
      const key = `${grant.role}\u0000${grant.epoch}`
      if (!grants.has(key)) grants.set(key, new Set())
      grants.get(key)!.add(grant.node)
    }
  }
  const admin = peer.config.cluster.adminKey
  return {
    node: peer.config.nodeId,
    rolesVersion: peer.config.rolesSignature.version,
    roles: peer.directory.names().map(name => {
      const entry = peer.directory.get(name)!
      const epochs: KeysEpochRow[] = []
      for (let epoch = 1; epoch <= entry.epoch; epoch++) {
        const given = grants.get(`${name}\u0000${epoch}`)
        const holders = epoch === 1 && given === undefined
          ? [...roles].filter(([node, role]) => role === name || node === admin).map(([node]) => node)
          : [...(given ?? [])]
        epochs.push({ epoch, holders: holders.sort(), held: peer.keyring.roleKeyPair(name, epoch) !== undefined })
      }
      return { role: name, clearance: entry.clearance, epoch: entry.epoch, epochs }
    })
  }
}

/** The bundle of a rotation of `roles`, made by the admin; refused for any other peer, or for an unknown role. */
export function planRotation (peer: KeysHome, roles: readonly string[], change: KeysBundle['change'], leaving: readonly string[] = [], rotateDigest = false): { bundle: KeysBundle, report: RotateReport } {
  const { config } = peer
  if (config.nodeId !== config.cluster.adminKey) throw accessDenied('only the cluster\'s admin (the peer that created it) changes its keys: run `bzzz-ctx keys` on that peer')
  for (const role of roles) {
    if (!peer.directory.has(role)) throw badInput(`unknown role "${role.slice(0, 40)}": this cluster's roles are ${peer.directory.names().join(', ')}`)
  }
  const members = memberRoles(peer)
  const { holders, unknownRole } = grantPlan(members, leaving)
  const mayWrite = (role: string): boolean => peer.directory.has(role) && covers(peer.directory.get(role)!.clearance, WRITER_CLEARANCE_MIN)
  const digest = rotateDigest ? { key: randomBytes(DIGEST_KEY_BYTES), holders: digestHolders(members, leaving, mayWrite) } : undefined
  const { bundle } = rotationBundle(peer.keyring.identity, config.cluster.id, config, roles, holders, change, digest)
  const report: RotateReport = {
    rolesVersion: bundle.rolesSignature.version,
    roles: [...new Set(roles)].map(role => ({ role, epoch: bundle.roles.find(r => r.name === role)!.epoch, granted: bundle.grants.filter(g => g.role === role).map(g => g.node) })),
    unknownRole,
    ...(bundle.digest !== undefined ? { digest: { id: bundle.digest.id, granted: bundle.digest.grants.map(g => g.node) } } : {})
  }
  return { bundle, report }
}

export interface RevokeReport extends RotateReport {
  node: string
  /** The role it was certified for, as this admin knows it (null: never learnt, so every role was rotated). */
  role: string | null
  roster: { version: number, voters: number, majority: number }
}

/**
 * Revokes a member, in one step: the roster signed again without it (members refuse its certificate from then on and
 * drop its connections: src/node/cluster/members.ts), and a new epoch of every role it held, granted to every other
 * holder, so nothing written from now on opens with the keys it kept. The roster is saved in this (the admin's) home,
 * where its daemon picks it up and passes it on; the keys change goes through the leader (`publish`).
 */
export async function planRevocation (peer: KeysHome, node: string): Promise<{ bundle: KeysBundle, report: RevokeReport }> {
  const { config } = peer
  if (config.nodeId !== config.cluster.adminKey) throw accessDenied('only the cluster\'s admin (the peer that created it) revokes members: run `bzzz-ctx keys revoke` on that peer')
  if (node === config.nodeId) throw badUsage('the admin cannot revoke itself: it signs the roster and every key change')
  const trust = { cluster: config.cluster.id, adminKey: config.cluster.adminKey }
  const before = loadRoster(peer.home, trust)
  if (before === null || !before.members.includes(node)) throw notFound(`node ${node.slice(0, 16)} is not a member of this cluster's roster: see \`bzzz-ctx elect status\` or \`bzzz-ctx invite ls\``)
  const role = memberRoles(peer).get(node) ?? null
  const roles = revokedRoles(role, peer.directory.names())
  // The digest key too: every writer holds it, and the revoked one would otherwise confirm guesses of what is written
  // after (a record's digest) and read the audit's hashed reads.
  const { bundle, report } = planRotation(peer, roles, { op: 'revoke', roles, node }, [node], true)
  const roster = rosterWithout(peer.keyring.identity, before, node)
  // The roster first: once its daemon passes it on, the node is refused, even if it leads now (it could otherwise refuse
  // to write the keys change that shuts it out).
  await writeRoster(peer.home, roster)
  return { bundle, report: { ...report, node, role, roster: { version: roster.version, voters: rosterVoters(roster).length, majority: majorityOf(rosterVoters(roster).length) } } }
}
