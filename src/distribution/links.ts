/**
 * Who links with whom (issue 22's partial mesh), pure: worked out from the roster alone, so both ends of a link agree
 * on it without a message, and every peer of a cluster draws the same graph.
 *
 * While every member votes (a cluster of up to five peers, by default) it is the full mesh it always was. Once the
 * roster names members that do not vote, it is two tiers:
 * - every voter links with every other voter, and every member links with every voter: the leader (a voter) reaches
 *   each peer directly for its heartbeats, the calls to it and its log, as etcd's learners stream from their leader;
 * - each member also links with MEMBER_NEIGHBOURS other members, drawn by rendezvous hashing (placement.ts) on its own
 *   id, so heads, logs and records a member holds also spread member to member; a member that joins or leaves moves only
 *   the links that named it.
 * A member's links are bounded by the voters and a few neighbours (about 5 + 2 x 2, whatever N is); a voter's grow with
 * the members: it is a hub. A link exists when either end names the other (`dial`): a voter dials only voters, and
 * members dial it.
 */
import { Placement } from './placement.js'

/** Other members each member dials, besides every voter. */
export const MEMBER_NEIGHBOURS = 2

/** The links one peer keeps. */
export interface LinkView {
  /** The peers this one dials: it accepts any member that dials it. */
  readonly dial: readonly string[]
  /** True for a voter: it announces itself on the cluster's topic, where members find it. */
  readonly hub: boolean
}

/** What of a roster the links are worked out from. */
export interface LinkRoster {
  readonly members: readonly string[]
  /** The voters; undefined: every member (a roster of format 1). */
  readonly voters?: readonly string[]
}

/** True while every member votes: the full mesh. */
function fullMesh (roster: LinkRoster, voters: ReadonlySet<string>): boolean {
  return roster.members.every(m => voters.has(m))
}

/** The peers `self` dials under `roster`, or null for the full mesh (every member votes). */
export function linkView (self: string, roster: LinkRoster, neighbours = MEMBER_NEIGHBOURS): LinkView | null {
  const voters = roster.voters ?? roster.members
  if (fullMesh(roster, new Set(voters))) return null
  const otherVoters = voters.filter(v => v !== self)
  if (voters.includes(self)) return { dial: otherVoters, hub: true }
  const others = roster.members.filter(m => m !== self && !voters.includes(m))
  const picked = others.length === 0 || neighbours < 1 ? [] : new Placement(others.map(id => ({ id }))).holders(`bzzz-ctx/links/${self}`, neighbours)
  return { dial: [...otherVoters, ...picked.sort()], hub: false }
}

/** Every peer's links under `roster`, both ends of each (a view is worked out once per member). */
export function linkGraph (roster: LinkRoster, neighbours = MEMBER_NEIGHBOURS): Map<string, Set<string>> {
  const graph = new Map(roster.members.map(m => [m, new Set<string>()]))
  for (const a of roster.members) {
    const view = linkView(a, roster, neighbours)
    for (const b of view === null ? roster.members : view.dial) {
      if (a === b || !graph.has(b)) continue
      graph.get(a)!.add(b)
      graph.get(b)!.add(a)
    }
  }
  return graph
}

/** True when `a` and `b` are linked under `roster`: either dials the other (symmetric). */
export function linked (a: string, b: string, roster: LinkRoster, neighbours = MEMBER_NEIGHBOURS): boolean {
  if (a === b) return false
  const dials = (x: string, y: string): boolean => {
    const view = linkView(x, roster, neighbours)
    return view === null || view.dial.includes(y)
  }
  return dials(a, b) || dials(b, a)
}

/** The peers `self` is linked with under `roster`, sorted (what a test waits for, where it waited for a full mesh). */
export function linkedPeers (self: string, roster: LinkRoster, neighbours = MEMBER_NEIGHBOURS): string[] {
  return [...(linkGraph(roster, neighbours).get(self) ?? [])].sort()
}

/**
 * Whom a peer's audit head goes to, among the peers it is `connected` with: each of them witnesses it (downloads the
 * audit core, checks it, co-signs it; src/audit/audit-log.ts). In the full mesh, all of them. In two tiers, those of its
 * own tier: a voter's head goes to the other voters, a member's to the members it is linked with (to the voters when
 * the roster names no other member). Otherwise each voter would download and co-sign every member's core, and every
 * member every voter's, which grows by a checkpoint per member it co-signs: N squared blocks every witness interval.
 */
export function auditWitnesses (self: string, connected: readonly string[], roster: LinkRoster): string[] {
  const voters = new Set(roster.voters ?? roster.members)
  if (fullMesh(roster, voters)) return [...connected]
  const alone = !voters.has(self) && roster.members.every(m => m === self || voters.has(m))
  return connected.filter(peer => alone ? voters.has(peer) : voters.has(peer) === voters.has(self))
}

/** Hops from the nearest of `targets` to each peer of `graph` (breadth first); a peer none reaches is absent. */
export function hopsFrom (targets: string | readonly string[], graph: ReadonlyMap<string, ReadonlySet<string>>): Map<string, number> {
  let frontier = typeof targets === 'string' ? [targets] : [...targets]
  const hops = new Map(frontier.map(target => [target, 0]))
  for (let distance = 1; frontier.length > 0; distance++) {
    const next: string[] = []
    for (const peer of frontier) {
      for (const neighbour of graph.get(peer) ?? []) {
        if (hops.has(neighbour)) continue
        hops.set(neighbour, distance)
        next.push(neighbour)
      }
    }
    frontier = next
  }
  return hops
}

/**
 * Where a call for `target` (the leader; null when the caller knows none, and `hops` counts from the voters) goes next
 * from a peer linked now with `connected`, when it has passed through `visited` (its origin first): to `target` when
 * linked with it; else to the linked peer closest to `target` in the roster's link graph (`hops`, from hopsFrom), ties
 * broken by id so that every run of a seed picks the same; null when every linked peer has carried it already. A peer the
 * graph does not reach is tried last: the roster may be newer there.
 */
export function relayNextHop (target: string | null, visited: readonly string[], connected: Iterable<string>, hops: ReadonlyMap<string, number>): string | null {
  let best: string | null = null
  let bestHops = Infinity
  for (const peer of connected) {
    if (peer === target) return target
    if (visited.includes(peer)) continue
    const distance = hops.get(peer) ?? Number.MAX_SAFE_INTEGER
    if (best === null || distance < bestHops || (distance === bestHops && peer < best)) {
      best = peer
      bestHops = distance
    }
  }
  return best
}
