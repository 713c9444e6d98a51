/**
 * The member roster: the node ids the admin has certified and, among them, the voters, signed by the admin with a
 * version that grows with each change. Votes are counted out of the voters, so every peer must count out of the same
 * list: the admin re-signs it at each invite, cancellation, promotion and demotion, the invite carries it, and peers
 * pass the newest valid one on to each other (a higher version replaces a lower one; a roster that is not signed by
 * this cluster's admin is refused). Each change adds or removes one member or one voter (Raft's single-server change),
 * which keeps any two majorities of consecutive voting sets overlapping; a certified node the roster does not hold is
 * refused at connect (`onRoster`). A few voters and many members (etcd's learners): elections and majorities stay
 * small however large the cluster grows.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { signMessage, verifySignature, type NodeIdentity } from '../crypto/identity.js'
import { writeFileAtomic } from '../crypto/atomic-file.js'
import { badInput, badUsage, corrupt, notFound } from '../errors.js'
import { KEY_HEX_PATTERN } from '../crypto/key-text.js'

/** Format 2 names the voters; format 1 (every member a voter) is still read; format 3 adds members' capacities. */
export const ROSTER_FORMAT = 2
const ROSTER_FORMAT_ALL_VOTE = 1
const ROSTER_FORMAT_CAPACITIES = 3
/** A member's declared capacity, relative to the others' (1 when the roster names none): see PlacementMember.weight. */
export const MAX_CAPACITY = 1_000
export const ROSTER_FILE = 'roster.json'
export const MAX_ROSTER_MEMBERS = 1_000
import { DEFAULT_MAX_VOTERS } from './voting-set.js'
export { DEFAULT_MAX_VOTERS, MAX_VOTERS_LIMIT, maxVotersProblem } from './voting-set.js'

export interface SignedRoster {
  format: number
  cluster: string
  version: number
  /** Node ids, sorted, unique. */
  members: string[]
  /** Format 2: the members that vote, sorted, unique, never empty. Absent in format 1, where every member votes. */
  voters?: string[]
  /**
   * Format 3: the members whose declared capacity is not 1 (`invite --capacity`), each a whole number up to
   * MAX_CAPACITY: a sharded cluster places shards on members in proportion to it. Signed, as every peer must place alike.
   */
  capacities?: Record<string, number>
  issuer: string
  signature: string
}

function payload (r: Omit<SignedRoster, 'signature'>): Buffer {
  if (r.format === ROSTER_FORMAT_ALL_VOTE) return Buffer.from(JSON.stringify(['bzzz-ctx/roster', r.format, r.cluster, r.version, r.members, r.issuer]))
  // The signature covers the voters: a member that could add itself to them could elect a leader.
  if (r.format === ROSTER_FORMAT) return Buffer.from(JSON.stringify(['bzzz-ctx/roster', r.format, r.cluster, r.version, r.members, r.voters, r.issuer]))
  // And the capacities, in member order: a member that could raise its own would draw shards to itself.
  const capacities = Object.entries(r.capacities ?? {}).sort(([a], [b]) => a < b ? -1 : 1)
  return Buffer.from(JSON.stringify(['bzzz-ctx/roster', r.format, r.cluster, r.version, r.members, r.voters, capacities, r.issuer]))
}

/**
 * A roster signed by the admin; `voters` default to every member. `capacities` (of members only, 1 left out) make it a
 * roster of format 3; without any it stays of format 2, which peers of before capacities read.
 */
export function issueRoster (admin: NodeIdentity, cluster: string, version: number, members: readonly string[], voters: readonly string[] = members, capacities: Readonly<Record<string, number>> = {}): SignedRoster {
  const sorted = [...new Set(members)].sort()
  const kept = Object.fromEntries(Object.entries(capacities).filter(([id, capacity]) => capacity !== 1 && sorted.includes(id)).sort(([a], [b]) => a < b ? -1 : 1))
  const unsigned: Omit<SignedRoster, 'signature'> = Object.keys(kept).length === 0
    ? { format: ROSTER_FORMAT, cluster, version, members: sorted, voters: [...new Set(voters)].sort(), issuer: admin.nodeId }
    : { format: ROSTER_FORMAT_CAPACITIES, cluster, version, members: sorted, voters: [...new Set(voters)].sort(), capacities: kept, issuer: admin.nodeId }
  return { ...unsigned, signature: signMessage(admin, payload(unsigned)).toString('hex') }
}

/** A member's declared capacity: the roster's, else 1. */
export function rosterCapacity (roster: SignedRoster | null, member: string): number {
  return roster?.capacities?.[member] ?? 1
}

/** Why a capacity is not one a roster may hold; null when it may. */
export function capacityProblem (value: unknown): string | null {
  return Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= MAX_CAPACITY ? null : `a capacity must be a whole number from 1 to ${MAX_CAPACITY}`
}

/** The members whose votes count: the named voters, or every member in a roster of format 1. */
export function rosterVoters (roster: SignedRoster): string[] {
  return roster.voters ?? roster.members
}

function sortedIds (list: unknown[], what: string): string | null {
  for (let i = 0; i < list.length; i++) {
    const m = list[i]
    if (typeof m !== 'string' || !KEY_HEX_PATTERN.test(m)) return `malformed ${what} id`
    if (i > 0 && (list[i - 1] as string) >= m) return `${what}s not sorted and unique`
  }
  return null
}

/** Why a value is not a valid roster of this cluster; null when it is. */
export function rosterProblem (value: unknown, expect: { cluster: string, adminKey: string }): string | null {
  if (typeof value !== 'object' || value === null) return 'not an object'
  const r = value as Record<string, unknown>
  if (r.format !== ROSTER_FORMAT && r.format !== ROSTER_FORMAT_ALL_VOTE && r.format !== ROSTER_FORMAT_CAPACITIES) return 'unknown roster format'
  if (r.cluster !== expect.cluster) return 'a roster of another cluster'
  if (r.issuer !== expect.adminKey) return 'not issued by this cluster\'s admin'
  if (!Number.isSafeInteger(r.version) || (r.version as number) < 1) return 'malformed version'
  if (!Array.isArray(r.members) || r.members.length === 0 || r.members.length > MAX_ROSTER_MEMBERS) return 'malformed members'
  const members = r.members as unknown[]
  const badMembers = sortedIds(members, 'member')
  if (badMembers !== null) return badMembers
  if (r.format === ROSTER_FORMAT_ALL_VOTE) {
    if (r.voters !== undefined) return 'a roster of format 1 names no voters'
  } else {
    if (!Array.isArray(r.voters) || r.voters.length === 0) return 'malformed voters'
    const badVoters = sortedIds(r.voters as unknown[], 'voter')
    if (badVoters !== null) return badVoters
    if (!(r.voters as string[]).every(v => members.includes(v))) return 'a voter is not a member'
  }
  if (r.format === ROSTER_FORMAT_CAPACITIES) {
    const capacities = r.capacities
    if (typeof capacities !== 'object' || capacities === null || Array.isArray(capacities) || Object.keys(capacities).length === 0) return 'malformed capacities'
    for (const [id, capacity] of Object.entries(capacities as Record<string, unknown>)) {
      if (!members.includes(id)) return 'a capacity of a node that is not a member'
      if (capacityProblem(capacity) !== null || capacity === 1) return 'malformed capacity'
    }
  } else if (r.capacities !== undefined) return `a roster of format ${String(r.format)} names no capacities`
  if (typeof r.signature !== 'string' || !/^[0-9a-f]{128}$/.test(r.signature)) return 'malformed signature'
  const roster = r as unknown as SignedRoster
  if (!verifySignature(roster.issuer, payload(roster), Buffer.from(roster.signature, 'hex'))) return 'the signature does not verify (forged or altered)'
  return null
}

/**
 * What identifies the roster file saved in a home as it is now (its inode, size and time of change; null when there is
 * none): a running daemon reads and verifies it again only when this changed (a signature check and every member's id
 * each gossip tick grew with the roster: at 1,000 peers, a thousand of them a tick in the simulator).
 */
export function rosterFileStamp (home: string): string | null {
  try {
    const stat = statSync(join(home, ROSTER_FILE), { bigint: true })
    return `${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`
  } catch {
    return null
  }
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
 * The roster with one more member, signed as the next version: an invite adds its node (redeemed or not), as a voter
 * while the voting set holds fewer than `maxVoters`, else as a member that does not vote. One change at a time keeps a
 * majority of the old voters and one of the new overlapping.
 */
export function rosterWith (admin: NodeIdentity, roster: SignedRoster, node: string, maxVoters = DEFAULT_MAX_VOTERS, capacity = 1): SignedRoster {
  if (roster.members.includes(node)) throw badInput(`node ${node.slice(0, 16)} is on the roster already`)
  if (roster.members.length >= MAX_ROSTER_MEMBERS) throw badInput(`the roster holds ${MAX_ROSTER_MEMBERS} members, as many as it may`)
  const problem = capacityProblem(capacity)
  if (problem !== null) throw badInput(`--capacity: ${problem.replace('a capacity must be', 'must be')}, not ${capacity}`)
  const voters = rosterVoters(roster)
  return issueRoster(admin, roster.cluster, roster.version + 1, [...roster.members, node], voters.length < maxVoters ? [...voters, node] : voters, { ...roster.capacities, [node]: capacity })
}

/**
 * The roster with one member fewer, signed as the next version (a cancelled invite's node; later a revoked member),
 * and so one voter fewer when it voted. The admin stays: it alone signs rosters, so a roster without it could never
 * change again; and the last voter stays, or no leader could ever be elected.
 */
export function rosterWithout (admin: NodeIdentity, roster: SignedRoster, node: string): SignedRoster {
  if (!roster.members.includes(node)) throw badInput(`node ${node.slice(0, 16)} is not on the roster`)
  if (node === roster.issuer) throw badUsage('the admin cannot be taken off the roster: it is the one that signs it')
  const voters = rosterVoters(roster)
  if (voters.length === 1 && voters[0] === node) throw badInput(`node ${node.slice(0, 16)} is the only voter: promote another member first (\`bzzz-ctx elect promote --node ID\`)`)
  return issueRoster(admin, roster.cluster, roster.version + 1, roster.members.filter(m => m !== node), voters.filter(v => v !== node), roster.capacities)
}

/**
 * The member a node id (or a unique prefix of at least 8 hex digits, as `elect status` shows them) names; NOT_FOUND
 * when no member matches, BAD_INPUT when several do.
 */
export function rosterMember (roster: SignedRoster, id: string): string {
  const wanted = id.toLowerCase()
  if (!/^[0-9a-f]{8,64}$/.test(wanted)) throw badInput(`"${id.slice(0, 70)}" is not a node id (hex, at least 8 digits: see \`bzzz-ctx elect status\`)`)
  const found = roster.members.filter(m => m.startsWith(wanted))
  if (found.length === 0) throw notFound(`node ${wanted.slice(0, 16)} is not a member of this cluster's roster: see \`bzzz-ctx elect status\``)
  if (found.length > 1) throw badInput(`${wanted} names ${found.length} members: give more of the id`)
  return found[0]!
}

/**
 * The roster with one more voter, signed as the next version. At most `maxVoters` + 1 voters: one above the setting
 * is the step between two odd sets when a voter is replaced (promote the new one, then demote the old).
 */
export function rosterPromoted (admin: NodeIdentity, roster: SignedRoster, node: string, maxVoters = DEFAULT_MAX_VOTERS): SignedRoster {
  if (!roster.members.includes(node)) throw notFound(`node ${node.slice(0, 16)} is not a member of this cluster's roster: invite it first`)
  const voters = rosterVoters(roster)
  if (voters.includes(node)) throw badInput(`node ${node.slice(0, 16)} votes already`)
  if (voters.length > maxVoters) {
    throw badInput(`the voting set holds ${voters.length} voters, above the cluster's ${maxVoters}: demote one first (\`bzzz-ctx elect demote --node ID\`)`)
  }
  return issueRoster(admin, roster.cluster, roster.version + 1, roster.members, [...voters, node], roster.capacities)
}

/**
 * The roster with one voter fewer, signed as the next version; refused when it would leave the voting set even (a tie
 * could split it, and it tolerates no more failures than the odd set below it) or empty.
 */
export function rosterDemoted (admin: NodeIdentity, roster: SignedRoster, node: string): SignedRoster {
  if (!roster.members.includes(node)) throw notFound(`node ${node.slice(0, 16)} is not a member of this cluster's roster`)
  const voters = rosterVoters(roster)
  if (!voters.includes(node)) throw badInput(`node ${node.slice(0, 16)} does not vote`)
  const left = voters.length - 1
  if (left === 0) throw badInput(`node ${node.slice(0, 16)} is the only voter: promote another member first`)
  if (left % 2 === 0) {
    throw badInput(`demoting node ${node.slice(0, 16)} would leave ${left} voters, an even set: promote another member first, or demote from an even set`)
  }
  return issueRoster(admin, roster.cluster, roster.version + 1, roster.members, voters.filter(v => v !== node), roster.capacities)
}

/**
 * Whether a certified node may take part: it must be on the signed roster (an invite cancelled or a member removed
 * is not, though its certificate still verifies). A cluster from before rosters (none held) admits every certified node.
 */
export function onRoster (roster: SignedRoster | null, node: string): boolean {
  return roster === null || roster.members.includes(node)
}

/** The members: the signed roster's, else (a cluster from before rosters) the admin and this peer. */
export function rosterMembers (roster: SignedRoster | null, adminKey: string, self: string): string[] {
  if (roster !== null) return roster.members
  return [...new Set([adminKey, self])].sort()
}

/** The voters votes are counted out of: the signed roster's, else (a cluster from before rosters) the admin and this peer. */
export function rosterVotersOf (roster: SignedRoster | null, adminKey: string, self: string): string[] {
  if (roster !== null) return rosterVoters(roster)
  return [...new Set([adminKey, self])].sort()
}
