/**
 * Who links with whom (issue 22's partial mesh), pure: worked out from the roster alone, so both ends of a link agree
 * on it without a message, and every peer of a cluster draws the same graph.
 *
 * While every member votes (a cluster of up to five peers, by default) it is the full mesh it always was. Once the
 * roster names members that do not vote:
 * - every voter links with every other voter;
 * - each voter takes `gateways` members (VOTER_GATEWAYS), drawn by rendezvous hashing (placement.ts) on its id: they
 *   dial it. While the members are no more than that, every member is a gateway of every voter: the leader (a voter)
 *   reaches each peer directly, as etcd's learners stream from their leader. Past it, a voter's links stay bounded
 *   (the other voters and its gateways), and a member that is no voter's gateway reaches the voters through members:
 *   its calls to the leader are relayed (src/node/relayed-call.ts), the leader's name comes with its peers' heads
 *   (the election's leader hint), and logs and records spread member to member;
 * - each member also dials MEMBER_NEIGHBOURS other members, drawn by rendezvous hashing on its own id, and, once the
 *   voters' links are bounded, its successor on a ring of the members ordered by a hash of their ids: the ring keeps
 *   the members connected whatever the draws, the draws keep the hops between them few. A member that joins or leaves
 *   moves only the links that named it.
 * A member's links are bounded by its gateways' voters, a few neighbours and the ring (about 2 x (2 + 1) + 5 x 8 / N);
 * a voter's by the other voters and its gateways. A link exists when either end names the other (`dial`): a voter
 * dials only voters, and members dial it.
 *
 * Replication `sharded` (placement.ts) adds, once the voters' links are bounded, a chain per shard: the members that
 * hold a shard, in the order of their scores, each dial the one before, and the first a voter (one of the shard's
 * holders if it is one, else a voter drawn by rendezvous hashing on the shard): the leader's payloads reach each holder
 * down its chain, from a voter that holds every one. A voter takes at most SHARDS / voters chain heads, whatever N; a
 * member a link per shard placed on it (about 3 x 256 / N). A member that reads a record of a shard it holds no copy of
 * and no linked peer holds dials a holder for the read (ClusterNode's visits); a voter of a sharded cluster refuses no
 * member for that.
 */
import { createHash } from 'node:crypto'
import { Lru } from '../lru.js'
import { Placement, shardHolders } from './placement.js'

/** Other members each member dials, besides the voters it is a gateway of. */
export const MEMBER_NEIGHBOURS = 2
/** Members each voter takes as gateways (they dial it): past this many members, a voter's links stop growing. */
export const VOTER_GATEWAYS = 8

/** The links one peer keeps. */
export interface LinkView {
  /** The peers this one dials: it accepts any member that dials it. */
  readonly dial: readonly string[]
  /** True for a voter: it announces itself on the cluster's topic, where members find it. */
  readonly hub: boolean
  /**
   * Peers of the roster this one is linked with neither way that discovery would still bring it: voters a member is no
   * gateway of (they announce on the topic), members that are no gateway of a voter. The transport refuses them.
   */
  readonly refuse: ReadonlySet<string>
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

/**
 * The link options of a cluster: each voter takes `voterGateways`; sharded replication adds its holders' chains, placed
 * as the payloads are (the members weighted by their declared capacity, `replicationFactor` holders a shard).
 */
export function clusterLinkOptions (config: { replication?: 'full' | 'sharded' | undefined, replicationFactor: number }, voterGateways = VOTER_GATEWAYS, weight?: (member: string) => number): LinkOptions {
  return {
    gateways: voterGateways,
    ...(config.replication === 'sharded' ? { shards: { factor: config.replicationFactor, ...(weight !== undefined ? { weight } : {}) } } : {})
  }
}

/** How a sharded cluster's payloads are placed (placement.ts): what its holders' chains are drawn from. */
export interface ShardLinks {
  /** Holders a shard. */
  factor: number
  /** A member's declared capacity (default 1). */
  weight?: (member: string) => number
}

/** How many links the graph gives. */
export interface LinkOptions {
  /** Other members each member dials by rendezvous hashing (default MEMBER_NEIGHBOURS). */
  neighbours?: number
  /** Members each voter takes as gateways (default VOTER_GATEWAYS); Infinity: every member dials every voter. */
  gateways?: number
  /** Replication is sharded: each shard's holders are chained to a voter, once the voters' links are bounded. */
  shards?: ShardLinks
}

/** The tiers of a roster that names members that do not vote, worked out once for every view of it. */
interface Tiers {
  voters: readonly string[]
  voterSet: ReadonlySet<string>
  /** The members that do not vote, in roster order. */
  members: readonly string[]
  placement: Placement | null
  neighbours: number
  /** Each voter's gateways; null: every member is a gateway of every voter. */
  gateways: ReadonlyMap<string, ReadonlySet<string>> | null
  /** Each member's successor on the ring, once the voters' links are bounded. */
  ring: ReadonlyMap<string, string> | null
  /** The peers each member dials up its shards' chains (sharded, once the voters' links are bounded). */
  chains: ReadonlyMap<string, ReadonlySet<string>> | null
  /** Sharded replication: a voter refuses no member (a member dials a shard's holder to read). */
  sharded: boolean
}

/** The tiers of `roster`, or null for the full mesh (every member votes). */
function tiersOf (roster: LinkRoster, options: LinkOptions = {}): Tiers | null {
  const voters = roster.voters ?? roster.members
  const voterSet = new Set(voters)
  if (fullMesh(roster, voterSet)) return null
  const members = roster.members.filter(m => !voterSet.has(m))
  const neighbours = options.neighbours ?? MEMBER_NEIGHBOURS
  const bound = options.gateways ?? VOTER_GATEWAYS
  const placement = members.length > 1 ? new Placement(members.map(id => ({ id }))) : null
  let gateways: Map<string, Set<string>> | null = null
  let ring: Map<string, string> | null = null
  if (placement !== null && members.length > bound) {
    gateways = new Map(voters.map(v => [v, new Set(placement.holders(`bzzz-ctx/links/gateways/${v}`, bound))]))
    const order = members.map(id => ({ id, at: createHash('sha256').update(`bzzz-ctx/links/ring\u0000${id}`).digest('hex') }))
      .sort((a, b) => a.at < b.at ? -1 : a.at > b.at ? 1 : 0)
    ring = new Map(order.map((m, i) => [m.id, order[(i + 1) % order.length]!.id]))
  }
  const chains = gateways !== null && options.shards !== undefined ? shardChains(roster.members, voters, voterSet, options.shards) : null
  return { voters, voterSet, members, placement, neighbours, gateways, ring, chains, sharded: options.shards !== undefined }
}

/**
 * The voters in the order a shard turns to them (rendezvous hashing on the shard), the first `count`: the first is where
 * the shard's chain starts when none of its holders votes; a read that finds no holder of the shard visits them last.
 */
export function shardSources (voters: readonly string[]): (shard: number, count?: number) => string[] {
  const placement = new Placement(voters.map(id => ({ id })))
  return (shard, count = voters.length) => placement.holders(`bzzz-ctx/links/shard/${shard}`, count)
}

/**
 * The holders' chains of a sharded cluster: for each shard, its holders (placed as its payloads are, over every member)
 * that do not vote, in the order of their scores, each dial the one before it; the first dials the shard's first holder
 * that votes, or else a voter drawn by rendezvous hashing on the shard.
 */
function shardChains (members: readonly string[], voters: readonly string[], voterSet: ReadonlySet<string>, shards: ShardLinks): Map<string, Set<string>> {
  const placed = shardHolders(members.map(id => ({ id, weight: shards.weight?.(id) ?? 1 })), shards.factor)
  const sources = shardSources(voters)
  const chains = new Map<string, Set<string>>()
  for (const [shard, held] of placed.entries()) {
    let up = held.find(h => voterSet.has(h)) ?? sources(shard, 1)[0]!
    for (const holder of held) {
      if (voterSet.has(holder)) continue
      let dials = chains.get(holder)
      if (dials === undefined) chains.set(holder, dials = new Set())
      dials.add(up)
      up = holder
    }
  }
  return chains
}

function viewIn (self: string, tiers: Tiers): LinkView {
  const { voters, voterSet, members, placement, gateways, ring, chains, neighbours } = tiers
  const otherVoters = voters.filter(v => v !== self)
  if (voterSet.has(self)) {
    const mine = gateways?.get(self)
    // A voter of a sharded cluster holds every payload: any member may dial it to read one.
    return { dial: otherVoters, hub: true, refuse: new Set(mine === undefined || tiers.sharded ? [] : members.filter(m => !mine.has(m))) }
  }
  const chained = chains?.get(self) ?? new Set<string>()
  const mine = gateways === null ? otherVoters : otherVoters.filter(v => gateways.get(v)!.has(self) || chained.has(v))
  // The draw among the other members: the same ranking as among all of them, this one left out.
  const picked = placement === null || neighbours < 1 ? [] : placement.holders(`bzzz-ctx/links/${self}`, neighbours + 1).filter(m => m !== self).slice(0, neighbours)
  const successor = ring?.get(self)
  const others = new Set(picked)
  if (successor !== undefined && successor !== self) others.add(successor)
  for (const peer of chained) if (!voterSet.has(peer)) others.add(peer)
  return { dial: [...mine, ...[...others].sort()], hub: false, refuse: new Set(otherVoters.filter(v => !mine.includes(v))) }
}

/**
 * The links of one roster, worked out as they are asked for and kept: the tiers once, each peer's view once, the whole
 * graph once. A peer holds one for the roster it holds (ClusterNode): what its links are, which of its links the roster
 * no longer gives, where a relayed call goes.
 */
export class LinkPlan {
  private readonly tiers: Tiers | null
  private readonly views = new Map<string, LinkView>()
  private whole: Map<string, Set<string>> | null = null
  private readonly hops = new Map<string, Map<string, number>>()
  /** The roster's members. */
  readonly listed: ReadonlySet<string>

  constructor (readonly roster: LinkRoster, options: LinkOptions = {}) {
    this.tiers = tiersOf(roster, options)
    this.listed = new Set(roster.members)
  }

  /** The peers `self` dials, or null for the full mesh (every member votes). */
  view (self: string): LinkView | null {
    if (this.tiers === null) return null
    let view = this.views.get(self)
    if (view === undefined) this.views.set(self, view = viewIn(self, this.tiers))
    return view
  }

  /** True when `a` and `b` are linked: either dials the other (symmetric). */
  linked (a: string, b: string): boolean {
    if (a === b) return false
    if (this.tiers === null) return true
    return this.view(a)!.dial.includes(b) || this.view(b)!.dial.includes(a)
  }

  /** Hops from the nearest of `targets` to each peer of the graph (hopsFrom), worked out once per targets. */
  hopsFrom (targets: string | readonly string[]): ReadonlyMap<string, number> {
    const key = typeof targets === 'string' ? targets : targets.join(',')
    let hops = this.hops.get(key)
    if (hops === undefined) {
      if (this.hops.size >= 16) this.hops.clear()
      this.hops.set(key, hops = hopsFrom(targets, this.graph()))
    }
    return hops
  }

  /**
   * The plan a process keeps for `key` (a roster's signature and the options), made by `make` the first time: the
   * simulator's peers share one, where each would work out the same graph of a thousand peers.
   */
  static shared (key: string, make: () => LinkPlan): LinkPlan {
    let plan = sharedPlans.get(key)
    if (plan === undefined) sharedPlans.set(key, plan = make())
    return plan
  }

  /** Every peer's links, both ends of each. */
  graph (): Map<string, Set<string>> {
    if (this.whole !== null) return this.whole
    const { members } = this.roster
    const graph = new Map(members.map(m => [m, new Set<string>()]))
    for (const a of members) {
      for (const b of this.view(a)?.dial ?? members) {
        if (a === b || !graph.has(b)) continue
        graph.get(a)!.add(b)
        graph.get(b)!.add(a)
      }
    }
    this.whole = graph
    return graph
  }
}

/** The plans of the latest rosters a process's peers hold (LinkPlan.shared): a few, as rosters change one at a time. */
const sharedPlans = new Lru<string, LinkPlan>(4)

/** The peers `self` dials under `roster`, or null for the full mesh (every member votes). */
export function linkView (self: string, roster: LinkRoster, options: LinkOptions = {}): LinkView | null {
  return new LinkPlan(roster, options).view(self)
}

/** Every peer's links under `roster`, both ends of each. */
export function linkGraph (roster: LinkRoster, options: LinkOptions = {}): Map<string, Set<string>> {
  return new LinkPlan(roster, options).graph()
}

/** True when `a` and `b` are linked under `roster`: either dials the other (symmetric). */
export function linked (a: string, b: string, roster: LinkRoster, options: LinkOptions = {}): boolean {
  return new LinkPlan(roster, options).linked(a, b)
}

/** The peers `self` is linked with under `roster`, sorted (what a test waits for, where it waited for a full mesh). */
export function linkedPeers (self: string, roster: LinkRoster, options: LinkOptions = {}): string[] {
  return [...(linkGraph(roster, options).get(self) ?? [])].sort()
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
