/**
 * The member roster: the node ids the admin has certified, signed by the admin with a version that grows with each
 * change. Votes are counted out of it, so every peer must count out of the same list: the admin re-signs it at each
 * invite and cancellation, the invite carries it, and peers pass the newest valid one on to each other (a higher
 * version replaces a lower one; a roster that is not signed by this cluster's admin is refused). Each change adds or
 * removes one member (Raft's one-member-at-a-time change), which keeps any two majorities of consecutive rosters
 * overlapping; a certified node the roster does not hold is refused at connect (`onRoster`).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { signMessage, verifySignature, type NodeIdentity } from '../crypto/identity.js'
import { writeFileAtomic } from '../crypto/atomic-file.js'
import { badInput, badUsage, corrupt } from '../errors.js'
import { KEY_HEX_PATTERN } from '../crypto/key-text.js'

export const ROSTER_FORMAT = 1
export const ROSTER_FILE = 'roster.json'
export const MAX_ROSTER_MEMBERS = 1_000

export interface SignedRoster {
  format: number
  cluster: string
  version: number
  /** Node ids, sorted, unique. */
  members: string[]
  issuer: string
  signature: string
}

function payload (r: Omit<SignedRoster, 'signature'>): Buffer {
  return Buffer.from(JSON.stringify(['bzzz-ctx/roster', r.format, r.cluster, r.version, r.members, r.issuer]))
}

export function issueRoster (admin: NodeIdentity, cluster: string, version: number, members: readonly string[]): SignedRoster {
  const unsigned = { format: ROSTER_FORMAT, cluster, version, members: [...new Set(members)].sort(), issuer: admin.nodeId }
  return { ...unsigned, signature: signMessage(admin, payload(unsigned)).toString('hex') }
}

/** Why a value is not a valid roster of this cluster; null when it is. */
export function rosterProblem (value: unknown, expect: { cluster: string, adminKey: string }): string | null {
  if (typeof value !== 'object' || value === null) return 'not an object'
  const r = value as Record<string, unknown>
  if (r.format !== ROSTER_FORMAT) return 'unknown roster format'
  if (r.cluster !== expect.cluster) return 'a roster of another cluster'
  if (r.issuer !== expect.adminKey) return 'not issued by this cluster\'s admin'
  if (!Number.isSafeInteger(r.version) || (r.version as number) < 1) return 'malformed version'
  if (!Array.isArray(r.members) || r.members.length === 0 || r.members.length > MAX_ROSTER_MEMBERS) return 'malformed members'
  const members = r.members as unknown[]
  for (let i = 0; i < members.length; i++) {
    const m = members[i]
    if (typeof m !== 'string' || !KEY_HEX_PATTERN.test(m)) return 'malformed member id'
    if (i > 0 && (members[i - 1] as string) >= m) return 'members not sorted and unique'
  }
  if (typeof r.signature !== 'string' || !/^[0-9a-f]{128}$/.test(r.signature)) return 'malformed signature'
  const roster = r as unknown as SignedRoster
  if (!verifySignature(roster.issuer, payload(roster), Buffer.from(roster.signature, 'hex'))) return 'the signature does not verify (forged or altered)'
  return null
}

/** The roster saved in a home, if it is there and valid (a running daemon's look for a newer one: see loadRoster). */
export function readRoster (home: string, expect: { cluster: string, adminKey: string }): SignedRoster | null {
  try {
    return loadRoster(home, expect)
  } catch {
    return null
  }
}

/**
 * The roster saved in a home for a decision taken on it alone (whether this peer may write without its leader, the
 * next roster an invite signs): null when there is none, and a damaged one refused, never read as "no roster". Read
 * as none, it would make one of several members its own leader, and an invite would re-sign the roster without the
 * members invited before.
 */
export function loadRoster (home: string, expect: { cluster: string, adminKey: string }): SignedRoster | null {
  const file = join(home, ROSTER_FILE)
  if (!existsSync(file)) return null
  let problem: string | null
  let value: unknown
  try {
    value = JSON.parse(readFileSync(file, 'utf8')) as unknown
    problem = rosterProblem(value, expect)
  } catch (err) {
    problem = (err as Error).message
  }
  if (problem !== null) throw corrupt(`the roster ${file} is damaged (${problem}): restore it from a backup, or copy roster.json from another member's home (the admin signed it; the newest is the one with the highest version)`)
  return value as SignedRoster
}

export async function writeRoster (home: string, roster: SignedRoster): Promise<void> {
  await writeFileAtomic(join(home, ROSTER_FILE), JSON.stringify(roster) + '\n', 0o600)
}

/**
 * The roster with one more member, signed as the next version: an invite adds its node (a voter from then on,
 * redeemed or not). Adding one at a time is what keeps a majority of the old roster and one of the new overlapping.
 */
export function rosterWith (admin: NodeIdentity, roster: SignedRoster, node: string): SignedRoster {
  if (roster.members.includes(node)) throw badInput(`node ${node.slice(0, 16)} is on the roster already`)
  if (roster.members.length >= MAX_ROSTER_MEMBERS) throw badInput(`the roster holds ${MAX_ROSTER_MEMBERS} members, as many as it may`)
  return issueRoster(admin, roster.cluster, roster.version + 1, [...roster.members, node])
}

/**
 * The roster with one member fewer, signed as the next version (a cancelled invite's node; later a revoked member).
 * The admin stays: it alone signs rosters, so a roster without it could never change again.
 */
export function rosterWithout (admin: NodeIdentity, roster: SignedRoster, node: string): SignedRoster {
  if (!roster.members.includes(node)) throw badInput(`node ${node.slice(0, 16)} is not on the roster`)
  if (node === roster.issuer) throw badUsage('the admin cannot be taken off the roster: it is the one that signs it')
  return issueRoster(admin, roster.cluster, roster.version + 1, roster.members.filter(m => m !== node))
}

/**
 * Whether a certified node may take part: it must be on the signed roster (an invite cancelled or a member removed
 * is not, though its certificate still verifies). A cluster from before rosters (none held) admits every certified node.
 */
export function onRoster (roster: SignedRoster | null, node: string): boolean {
  return roster === null || roster.members.includes(node)
}

/** The members votes are counted out of: the signed roster, else (a cluster from before rosters) the admin and this peer. */
export function rosterMembers (roster: SignedRoster | null, adminKey: string, self: string): string[] {
  if (roster !== null) return roster.members
  return [...new Set([adminKey, self])].sort()
}
