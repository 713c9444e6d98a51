/**
 * Invites: the admin makes a new member's whole credential (a node identity, its certificate, its role's keys
 * sealed to it, and what it must know of the cluster), and the new peer makes its home from it with no network.
 * An invite is therefore a secret, like a private key: whoever holds it can join as that member until it expires.
 */
import { systemClock } from '../clock.js'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateIdentity, identityFromJSON, identityToJSON, signMessage, verifySignature, type NodeIdentity, type NodeIdentityJSON } from '../crypto/identity.js'
import { ensurePrivateDir, writeFileAtomic } from '../crypto/atomic-file.js'
import { Keyring } from '../crypto/keyring.js'
import { parseSealedRoleKey, sealRoleKey, type SealedRoleKey } from '../crypto/role-keys.js'
import type { RoleDirectoryEntry } from '../crypto/role-directory.js'
import { accessDenied, badInput, badUsage, corrupt, isBzzzError, notFound } from '../errors.js'
import { certificateProblem, issueCertificate, type Certificate } from '../net/certificate.js'
import { DEFAULT_MAX_VOTERS, issueRoster, loadRoster, rosterCapacity, rosterProblem, rosterVoters, rosterWith, rosterWithout, writeRoster, type SignedRoster } from './roster.js'
import { KnownMembers } from './known-members.js'
import { majorityOf } from '../election/election.js'
import { checkSignedRoles, rolesSignatureProblem, type RolesSignature } from './signed-roles.js'
import { covers } from '../crypto/levels.js'
import { WRITER_CLEARANCE_MIN } from '../leader/write-policy.js'
import { CONFIG_FORMAT, REPLICATIONS, homeExists, homePaths, readConfig, roleEntry, writeConfig, type ClusterInfo, type PeerConfig, type Replication } from './home.js'

export const INVITE_PREFIX = 'bzzz1:'
/**
 * An invite is `bzzz1:` + base64url(body JSON) + `.` + base64url(the admin's Ed25519 signature over this
 * context and the body's bytes). Every field is signed: the expiry, the cluster and its topic, the roles and
 * their public keys, the replication factor. The certificate and roster inside carry their own signatures too.
 */
const INVITE_SIGNATURE_CONTEXT = 'bzzz-ctx/invite\u0000'
export const DEFAULT_INVITE_TTL_MS = 7 * 24 * 3600 * 1000
/** An invite carries the roster (64 hex characters a member): this bounds it at many thousands of members. */
const MAX_INVITE_CHARS = 4 * 1024 * 1024

interface InviteBody {
  format: 1
  cluster: ClusterInfo
  roles: RoleDirectoryEntry[]
  rolesSignature: RolesSignature
  replicationFactor: number
  /** Absent: full (see PeerConfig.replication). */
  replication?: Replication
  bootstrap?: string[]
  project?: string
  identity: NodeIdentityJSON
  certificate: Certificate
  roleKeys: SealedRoleKey[]
  /** The cluster's digest key sealed to the new member (a role that may write only; see Keyring.digestKey). */
  digestKey?: string
  /** The member roster including the new member (absent in invites from before rosters). */
  roster?: SignedRoster
  /** Redeem before this (ms since the epoch). */
  expiresAt: number
}

export interface InviteReport {
  invite: string
  /** The invite's id in the admin's invites file: what `invite cancel` takes. */
  id: string
  node: string
  role: string
  expiresAt: string
  /**
   * The roster's version with this invite's node, its voters (that node among them while the voting set was not full,
   * redeemed or not), how many elect a leader, and whether this node votes.
   */
  rosterVersion: number
  voters: number
  voter: boolean
  majority: number
  /** The new member's declared capacity in the roster (see SignedRoster.capacities). */
  capacity: number
}

/** Makes an invite for a new member with `role`. Only the admin, who holds every role's keys, can. */
export async function createInvite (home: string, role: string, options: { ttlMs?: number, nowMs?: number, identity?: NodeIdentity, capacity?: number } = {}): Promise<InviteReport> {
  const config = readConfig(home)
  checkSignedRoles(homePaths(home).config, config)
  roleEntry(config, role)
  const keyring = await Keyring.load(home)
  if (keyring.nodeId !== config.cluster.adminKey) throw accessDenied('only the cluster\'s admin (the peer that created it) can invite: run `bzzz-ctx invite` on that peer')
  if (!keyring.hasRole(role)) throw accessDenied(`this peer holds no key for role "${role}" and cannot give it`)
  const now = options.nowMs ?? systemClock.now()
  const ttl = options.ttlMs ?? DEFAULT_INVITE_TTL_MS
  // The simulator gives an identity from its seed; everyone else a fresh one.
  const identity = options.identity ?? generateIdentity()
  const certificate = issueCertificate(keyring.identity, { cluster: config.cluster.id, node: identity.nodeId, role, issuedAt: now, expiresAt: null })
  const roleKeys = keyring.epochs(role).map(epoch => sealRoleKey(keyring.roleKeyPair(role, epoch)!, identity.box.publicKey))
  // The roster grows by this member now: votes are counted out of it from the moment the invite exists.
  const before = loadRoster(home, { cluster: config.cluster.id, adminKey: config.cluster.adminKey }) ?? issueRoster(keyring.identity, config.cluster.id, 1, [keyring.nodeId])
  const invites = readInvites(home)
  const roster = rosterWith(keyring.identity, before, identity.nodeId, config.maxVoters ?? DEFAULT_MAX_VOTERS, options.capacity ?? 1)
  await writeRoster(home, roster)
  const record: InviteRecord = { id: newInviteId(invites), node: identity.nodeId, role, createdAt: now, expiresAt: now + ttl, rosterVersion: roster.version }
  await writeInvites(home, [...invites, record])
  const body: InviteBody = {
    format: 1, cluster: config.cluster, roles: config.roles, rolesSignature: config.rolesSignature, replicationFactor: config.replicationFactor,
    identity: identityToJSON(identity), certificate, roleKeys, roster, expiresAt: now + ttl
  }
  // Only a role that may write needs it: the digests it gives would let a reader confirm a guess of sealed content.
  const digestKey = covers(roleEntry(config, role).clearance, WRITER_CLEARANCE_MIN) ? keyring.sealDigestKeyTo(identity.box.publicKey) : null
  if (digestKey !== null) body.digestKey = digestKey
  if (config.bootstrap !== undefined) body.bootstrap = config.bootstrap
  if (config.replication !== undefined) body.replication = config.replication
  if (config.project !== undefined) body.project = config.project
  const bytes = Buffer.from(JSON.stringify(body))
  const signature = signMessage(keyring.identity, invitePayload(bytes))
  const voters = rosterVoters(roster).length
  return {
    invite: `${INVITE_PREFIX}${bytes.toString('base64url')}.${signature.toString('base64url')}`, id: record.id, node: identity.nodeId, role,
    expiresAt: new Date(body.expiresAt).toISOString(), rosterVersion: roster.version, voters, majority: majorityOf(voters),
    voter: rosterVoters(roster).includes(identity.nodeId), capacity: rosterCapacity(roster, identity.nodeId)
  }
}

function invitePayload (body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(INVITE_SIGNATURE_CONTEXT), body])
}

/** The invite text from the argument itself or from the file it names. */
export function readInviteArgument (argument: string): string {
  const text = argument.startsWith(INVITE_PREFIX) ? argument : existsSync(argument) ? readFileSync(argument, 'utf8').trim() : argument
  if (!text.startsWith(INVITE_PREFIX)) throw badInput('the invite is neither an invite (bzzz1:...) nor a file holding one')
  return text
}

function decodeInvite (text: string, nowMs: number): InviteBody {
  if (text.length > MAX_INVITE_CHARS) throw badInput('the invite is too long to be one')
  const [encodedBody, encodedSignature, ...rest] = text.slice(INVITE_PREFIX.length).split('.')
  if (encodedSignature === undefined || rest.length > 0) throw badInput('the invite is damaged or not signed (an invite of an older bzzz-ctx has no signature): ask the admin for a new one')
  const bytes = Buffer.from(encodedBody!, 'base64url')
  let body: InviteBody
  try {
    body = JSON.parse(bytes.toString('utf8')) as InviteBody
  } catch {
    throw badInput('the invite is damaged (it does not decode): ask the admin for a new one')
  }
  if (typeof body !== 'object' || body === null || body.format !== 1 || typeof body.cluster !== 'object' || body.cluster === null ||
      !Array.isArray(body.roles) || !Array.isArray(body.roleKeys) || !Number.isSafeInteger(body.expiresAt) || !Number.isInteger(body.replicationFactor)) {
    throw badInput('the invite is damaged (fields are missing): ask the admin for a new one')
  }
  const adminKey = String(body.cluster.adminKey)
  if (!verifySignature(adminKey, invitePayload(bytes), Buffer.from(encodedSignature, 'base64url'))) {
    throw badInput('the invite is damaged or altered (its signature does not verify): ask the admin for a new one')
  }
  if (body.expiresAt <= nowMs) throw badInput(`the invite expired on ${new Date(body.expiresAt).toISOString()}: ask the admin for a new one`)
  const problem = certificateProblem(body.certificate, { cluster: String(body.cluster.id), adminKey, node: body.identity?.nodeId, nowMs })
  if (problem !== null) throw badInput(`the invite's certificate is not valid (${problem}): ask the admin for a new one`)
  const rolesIssue = rolesSignatureProblem(body.roles, body.rolesSignature, { cluster: String(body.cluster.id), adminKey })
  if (rolesIssue !== null) throw badInput(`the invite's roles are not valid (${rolesIssue}): ask the admin for a new one`)
  if (body.roster !== undefined) {
    const rosterIssue = rosterProblem(body.roster, { cluster: String(body.cluster.id), adminKey: String(body.cluster.adminKey) })
    if (rosterIssue !== null) throw badInput(`the invite's member roster is not valid (${rosterIssue}): ask the admin for a new one`)
  }
  return body
}

export interface JoinReport {
  home: string
  nodeId: string
  cluster: string
  role: string
  rolesHeld: string[]
}

/** Makes a home from an invite. */
export async function redeemInvite (home: string, text: string, nowMs = systemClock.now()): Promise<JoinReport> {
  const body = decodeInvite(text, nowMs)
  if (homeExists(home)) throw badUsage(`a bzzz-ctx home already exists at ${home}: join into another with --home`)
  let identity
  try {
    identity = identityFromJSON(body.identity)
  } catch (err) {
    throw badInput(`the invite's identity is damaged (${isBzzzError(err) ? err.message : String(err)}): ask the admin for a new one`)
  }
  await ensurePrivateDir(home)
  const keyring = await Keyring.create(home, identity)
  for (const sealed of body.roleKeys) keyring.addSealedRoleKey(parseSealedRoleKey(sealed))
  if (body.digestKey !== undefined) {
    try {
      keyring.openDigestKey(body.digestKey)
    } catch (err) {
      throw badInput(`the invite's digest key is damaged (${isBzzzError(err) ? err.message : String(err)}): ask the admin for a new one`)
    }
  }
  await keyring.save()
  const config: PeerConfig = {
    format: CONFIG_FORMAT, cluster: body.cluster, certificate: body.certificate, nodeId: identity.nodeId, role: body.certificate.role,
    roles: body.roles, rolesSignature: body.rolesSignature, replicationFactor: body.replicationFactor, createdAt: new Date(nowMs).toISOString()
  }
  if (body.bootstrap !== undefined) config.bootstrap = body.bootstrap
  if (body.replication !== undefined) {
    if (!REPLICATIONS.includes(body.replication)) throw badInput('the invite is damaged (its replication is neither full nor sharded): ask the admin for a new one')
    config.replication = body.replication
  }
  if (body.project !== undefined) config.project = body.project
  await writeConfig(home, config)
  if (body.roster !== undefined) await writeRoster(home, body.roster)
  // The new peer's audit log starts with how it came in: into which cluster, as what, on which roster.
  const { LocalPeer } = await import('./local-peer.js')
  const peer = await LocalPeer.open(home)
  try {
    await peer.audit.recordNow('join', { subject: identity.nodeId, subjectRole: config.role, redeemed: true, cluster: body.cluster.id, rosterVersion: body.roster?.version ?? null, inviteExpiresAt: body.expiresAt })
  } finally {
    await peer.close()
  }
  return { home, nodeId: identity.nodeId, cluster: body.cluster.name, role: body.certificate.role, rolesHeld: keyring.roles() }
}

/** The admin's record of the invites it made (mode 0600, replaced atomically), for `invite ls` and `invite cancel`. */
export const INVITES_FILE = 'invites.json'
const INVITES_FORMAT = 1
const INVITE_ID_PATTERN = /^[0-9a-f]{8}$/
/** The invites file keeps this many (the oldest go first): a record of thousands is no use to a person. */
export const MAX_INVITE_RECORDS = 1_000

interface InviteRecord {
  id: string
  node: string
  role: string
  /** ms since the epoch, as the other times here. */
  createdAt: number
  expiresAt: number
  /** The roster version the invite added its node in. */
  rosterVersion: number
  cancelledAt?: number
}

export type InviteState = 'pending' | 'redeemed' | 'expired' | 'cancelled'

export interface InviteListing {
  id: string
  role: string
  node: string
  createdAt: string
  expiresAt: string
  state: InviteState
  cancelledAt?: string
  /** Whether its node is a voter on the roster this home holds: a pending or expired invite still is until cancelled. */
  voter: boolean
}

function newInviteId (records: readonly InviteRecord[]): string {
  for (;;) {
    const id = randomBytes(4).toString('hex')
    if (!records.some(r => r.id === id)) return id
  }
}

function isInviteRecord (value: unknown): value is InviteRecord {
  const r = value as Partial<InviteRecord> | null
  return typeof r === 'object' && r !== null && typeof r.id === 'string' && INVITE_ID_PATTERN.test(r.id) &&
    typeof r.node === 'string' && typeof r.role === 'string' && Number.isSafeInteger(r.createdAt) &&
    Number.isSafeInteger(r.expiresAt) && Number.isSafeInteger(r.rosterVersion) &&
    (r.cancelledAt === undefined || Number.isSafeInteger(r.cancelledAt))
}

/** The invites this home made; none before the first (or in a home from before the file). A damaged file is refused. */
export function readInvites (home: string): InviteRecord[] {
  const file = join(home, INVITES_FILE)
  if (!existsSync(file)) return []
  let value: { format?: unknown, invites?: unknown } | null
  try {
    value = JSON.parse(readFileSync(file, 'utf8')) as typeof value
  } catch {
    value = null
  }
  if (value?.format !== INVITES_FORMAT || !Array.isArray(value.invites) || !value.invites.every(isInviteRecord)) {
    throw corrupt(`the invites file ${file} is damaged: restore it from a backup, or move it aside (the roster, not this file, says who may vote)`)
  }
  return value.invites
}

async function writeInvites (home: string, records: readonly InviteRecord[]): Promise<void> {
  const kept = records.slice(-MAX_INVITE_RECORDS)
  await writeFileAtomic(join(home, INVITES_FILE), JSON.stringify({ format: INVITES_FORMAT, invites: kept }, null, 1) + '\n', 0o600)
}

/**
 * An invite's state. Redeemed means seen: the admin's daemon has met its node (the admin's members file says so).
 * Redemption itself is offline and tells nobody, so an invite redeemed by a peer the admin has not met yet is still
 * pending here; cancelling it takes that peer off the roster just the same.
 */
function stateOf (record: InviteRecord, met: KnownMembers, nowMs: number): InviteState {
  if (record.cancelledAt !== undefined) return 'cancelled'
  if (met.role(record.node) !== undefined) return 'redeemed'
  return record.expiresAt <= nowMs ? 'expired' : 'pending'
}

function adminTrust (home: string): { trust: { cluster: string, adminKey: string } } {
  const config = readConfig(home)
  if (config.nodeId !== config.cluster.adminKey) throw accessDenied('only the cluster\'s admin (the peer that created it) keeps invites: run this on that peer')
  return { trust: { cluster: config.cluster.id, adminKey: config.cluster.adminKey } }
}

/** The admin's invites, oldest first, each with its state now. */
export function listInvites (home: string, nowMs = systemClock.now()): InviteListing[] {
  const { trust } = adminTrust(home)
  const roster = loadRoster(home, trust)
  const met = new KnownMembers(home, () => {})
  return readInvites(home).map(record => {
    const listing: InviteListing = {
      id: record.id, role: record.role, node: record.node, createdAt: new Date(record.createdAt).toISOString(),
      expiresAt: new Date(record.expiresAt).toISOString(), state: stateOf(record, met, nowMs), voter: roster !== null && rosterVoters(roster).includes(record.node)
    }
    if (record.cancelledAt !== undefined) listing.cancelledAt = new Date(record.cancelledAt).toISOString()
    return listing
  })
}

export interface CancelReport {
  id: string
  node: string
  role: string
  /** The roster signed without the node: its version, voters and the majority that elects a leader now. */
  roster: { version: number, voters: number, majority: number }
}

/**
 * Cancels an invite that has not been seen redeemed: the roster is re-signed without its node (the next version), so
 * its certificate no longer counts: members that hold the new roster refuse it at connect, and its vote is gone.
 * A redeemed invite's node is a member: taking it off is revocation, which also rotates the keys it holds.
 */
export async function cancelInvite (home: string, id: string, nowMs = systemClock.now()): Promise<CancelReport> {
  const { trust } = adminTrust(home)
  const records = readInvites(home)
  const record = records.find(r => r.id === id)
  if (record === undefined) throw notFound(`no invite ${id} in this admin's invites: see \`bzzz-ctx invite ls\``)
  const state = stateOf(record, new KnownMembers(home, () => {}), nowMs)
  if (state === 'cancelled') throw badInput(`invite ${id} was cancelled already, on ${new Date(record.cancelledAt!).toISOString()}`)
  if (state === 'redeemed') {
    throw badInput(`invite ${id} was redeemed (the admin's daemon has met node ${record.node.slice(0, 16)}): to take a member off, revoke it with \`bzzz-ctx keys revoke --node ${record.node}\``)
  }
  const keyring = await Keyring.load(home)
  const before = loadRoster(home, trust)
  let roster = before
  // A node already off the roster (a roster changed by hand, or removed otherwise) needs no new version.
  if (before !== null && before.members.includes(record.node)) {
    roster = rosterWithout(keyring.identity, before, record.node)
    await writeRoster(home, roster)
  }
  await writeInvites(home, records.map(r => r.id === id ? { ...r, cancelledAt: nowMs } : r))
  const voters = roster === null ? 1 : rosterVoters(roster).length
  return {
    id, node: record.node, role: record.role,
    roster: { version: roster?.version ?? 0, voters, majority: majorityOf(voters) }
  }
}
