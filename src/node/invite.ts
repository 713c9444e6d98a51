/**
 * Invites: the admin makes a new member's whole credential (a node identity, its certificate, its role's keys
 * sealed to it, and what it must know of the cluster), and the new peer makes its home from it with no network.
 * An invite is therefore a secret, like a private key: whoever holds it can join as that member until it expires.
 */
import { systemClock } from '../clock.js'
import { existsSync, readFileSync } from 'node:fs'
import { generateIdentity, identityFromJSON, identityToJSON, signMessage, verifySignature, type NodeIdentityJSON } from '../crypto/identity.js'
import { ensurePrivateDir } from '../crypto/atomic-file.js'
import { Keyring } from '../crypto/keyring.js'
import { parseSealedRoleKey, sealRoleKey, type SealedRoleKey } from '../crypto/role-keys.js'
import type { RoleDirectoryEntry } from '../crypto/role-directory.js'
import { accessDenied, badInput, badUsage, isBzzzError } from '../errors.js'
import { certificateProblem, issueCertificate, type Certificate } from '../net/certificate.js'
import { issueRoster, loadRoster, rosterProblem, writeRoster, type SignedRoster } from './roster.js'
import { majorityOf } from '../election/election.js'
import { checkSignedRoles, rolesSignatureProblem, type RolesSignature } from './signed-roles.js'
import { CONFIG_FORMAT, homeExists, homePaths, readConfig, roleEntry, writeConfig, type ClusterInfo, type PeerConfig } from './home.js'

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
  bootstrap?: string[]
  project?: string
  identity: NodeIdentityJSON
  certificate: Certificate
  roleKeys: SealedRoleKey[]
  /** The member roster including the new member (absent in invites from before rosters). */
  roster?: SignedRoster
  /** Redeem before this (ms since the epoch). */
  expiresAt: number
}

export interface InviteReport {
  invite: string
  node: string
  role: string
  expiresAt: string
  /** The roster's voters now, this invite's node among them (redeemed or not), and how many elect a leader. */
  voters: number
  majority: number
}

/** Makes an invite for a new member with `role`. Only the admin, who holds every role's keys, can. */
export async function createInvite (home: string, role: string, options: { ttlMs?: number, nowMs?: number } = {}): Promise<InviteReport> {
  const config = readConfig(home)
  checkSignedRoles(homePaths(home).config, config)
  roleEntry(config, role)
  const keyring = await Keyring.load(home)
  if (keyring.nodeId !== config.cluster.adminKey) throw accessDenied('only the cluster\'s admin (the peer that created it) can invite: run `bzzz-ctx invite` on that peer')
  if (!keyring.hasRole(role)) throw accessDenied(`this peer holds no key for role "${role}" and cannot give it`)
  const now = options.nowMs ?? systemClock.now()
  const ttl = options.ttlMs ?? DEFAULT_INVITE_TTL_MS
  const identity = generateIdentity()
  const certificate = issueCertificate(keyring.identity, { cluster: config.cluster.id, node: identity.nodeId, role, issuedAt: now, expiresAt: null })
  const roleKeys = keyring.epochs(role).map(epoch => sealRoleKey(keyring.roleKeyPair(role, epoch)!, identity.box.publicKey))
  // The roster grows by this member now: votes are counted out of it from the moment the invite exists.
  const before = loadRoster(home, { cluster: config.cluster.id, adminKey: config.cluster.adminKey }) ?? issueRoster(keyring.identity, config.cluster.id, 1, [keyring.nodeId])
  const roster = issueRoster(keyring.identity, config.cluster.id, before.version + 1, [...before.members, identity.nodeId])
  await writeRoster(home, roster)
  const body: InviteBody = {
    format: 1, cluster: config.cluster, roles: config.roles, rolesSignature: config.rolesSignature, replicationFactor: config.replicationFactor,
    identity: identityToJSON(identity), certificate, roleKeys, roster, expiresAt: now + ttl
  }
  if (config.bootstrap !== undefined) body.bootstrap = config.bootstrap
  if (config.project !== undefined) body.project = config.project
  const bytes = Buffer.from(JSON.stringify(body))
  const signature = signMessage(keyring.identity, invitePayload(bytes))
  const voters = roster.members.length
  return {
    invite: `${INVITE_PREFIX}${bytes.toString('base64url')}.${signature.toString('base64url')}`, node: identity.nodeId, role,
    expiresAt: new Date(body.expiresAt).toISOString(), voters, majority: majorityOf(voters)
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
  await keyring.save()
  const config: PeerConfig = {
    format: CONFIG_FORMAT, cluster: body.cluster, certificate: body.certificate, nodeId: identity.nodeId, role: body.certificate.role,
    roles: body.roles, rolesSignature: body.rolesSignature, replicationFactor: body.replicationFactor, createdAt: new Date(nowMs).toISOString()
  }
  if (body.bootstrap !== undefined) config.bootstrap = body.bootstrap
  if (body.project !== undefined) config.project = body.project
  await writeConfig(home, config)
  if (body.roster !== undefined) await writeRoster(home, body.roster)
  return { home, nodeId: identity.nodeId, cluster: body.cluster.name, role: body.certificate.role, rolesHeld: keyring.roles() }
}
