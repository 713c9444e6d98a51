/**
 * Acknowledgement tracking, pure: a write is acknowledged once `required` peers (this one included) hold its log
 * up to its last block, `voters` of them among the roster's voters, as their gossiped heads say. Inputs go in through
 * `step`; the waits it satisfies come out as effects, for the one driver (the node's replication part) to wake.
 *
 * Terms (Raft's follower that refuses an old leader's appends). A write of term T counts a peer's head only if the peer
 * sent it while in term T or earlier. A peer that moved to a later term may already have helped elect a new leader,
 * which catches up from a majority of the voters and then states where the earlier terms' logs end (a `term` entry's
 * `ends`): a block an old leader wrote after that, which reached such a peer, must not count as acknowledged, since every
 * view refuses it. A head sent in term T or earlier shows a block the peer held before it entered any later term, so a
 * later leader's catch-up, which counts only heads its voters sent in its own term (src/node/cluster/catch-up.ts), holds
 * the block: any two majorities of the voters share one.
 */

/** What a write is: context records (and decisions), or a generation request the queue must never lose. */
export type AckKind = 'records' | 'request'

/** How many peers must hold a write, and how many of those must be voters. */
export interface AckRequirement { holders: number, voters: number }

/**
 * The one acknowledgement rule. Every write needs a majority of the voters to hold it: any later leader is elected by
 * a majority of the voters, so one of its electors holds the write, and the leader catches up from its peers before it
 * runs; members that do not vote may all be gone at once and nothing acknowledged goes with them. Records also need
 * `replicationFactor` holders of any kind (this one included), or all those connected when fewer, never fewer than
 * that majority (capped by the factor): an isolated leader cannot acknowledge alone. A request needs the majority of
 * voters alone, so a new leader always finds it. `connected` counts the other peers connected now.
 *
 * When replication is sharded (`sharded`, with `connected` counting the other voters connected), a member that does not
 * vote holds only the payloads of the shards placed on it, so its copy is not a copy of every record a write holds: the
 * factor counts the voters' copies alone (every voter holds every payload), and the members' copies of their shards are
 * over and above it.
 */
export function ackRequirement (kind: AckKind, cluster: { replicationFactor: number, connected: number, majority: number, sharded?: boolean }): AckRequirement {
  if (kind === 'request') return { holders: cluster.majority, voters: cluster.majority }
  const holders = Math.min(cluster.replicationFactor, Math.max(1 + cluster.connected, cluster.majority))
  return { holders, voters: cluster.sharded === true ? Math.max(holders, cluster.majority) : cluster.majority }
}

interface Waiting {
  writer: string
  length: number
  /** The term of the newest entry up to `length`: heads sent in a later term do not count (Infinity: every head counts). */
  term: number
  required: number
  /** Of the holders, how many must be voters; this never falls. */
  voters: number
  /** The requirement follows the peers connected (see the `limit` input); a quorum's does not. */
  followsPeers: boolean
}

export type AckInput =
  /**
   * Start waiting for `writer` to be held up to `length` by `required` peers, `voters` of them voters (default none).
   * `followsPeers`: see `limit`.
   */
  | { type: 'wait', id: number, writer: string, length: number, required: number, voters?: number, followsPeers?: boolean, term?: number }
  /** The roster's voters now (a newer roster, a promotion or demotion): their copies count toward a wait's `voters`. */
  | { type: 'voters', voters: readonly string[] }
  /**
   * A peer (this one too, as `self`) holds `writer` up to `length`, as it said while in `term` (absent: counts for a
   * write of any term, as this peer's own copy does).
   */
  | { type: 'observe', peer: string, writer: string, length: number, term?: number }
  /**
   * Peers left while writes waited: a requirement counted from the peers connected falls to `required` (never
   * rises), so a write does not wait for a peer that is gone.
   */
  | { type: 'limit', required: number }
  /** A peer that left no longer counts for new acknowledgements. */
  | { type: 'forget', peer: string }
  /** A peer's heads for `writer` did not match this peer's copy: what it holds of it counts no more, now or later. */
  | { type: 'distrust', peer: string, writer: string }
  /** The waiter gave up (its timeout). */
  | { type: 'cancel', id: number }

/** A wait that now holds: `id` is acknowledged. */
export interface AckEffect { type: 'acknowledged', id: number }

export class AckTracker {
  private readonly waiting = new Map<number, Waiting>()
  /** peer -> writer -> what it held while in each term it spoke from (see Held). */
  private readonly held = new Map<string, Map<string, Held>>()
  /** `peer writer` pairs that count no more (see the `distrust` input). */
  private readonly distrusted = new Set<string>()
  private voterSet = new Set<string>()

  constructor (private readonly self: string) {}

  step (input: AckInput): AckEffect[] {
    switch (input.type) {
      case 'wait': {
        const waiting = {
          writer: input.writer,
          length: input.length,
          term: input.term ?? Infinity,
          required: input.required,
          voters: input.voters ?? 0,
          followsPeers: input.followsPeers === true
        }
        if (this.holds(waiting)) return [{ type: 'acknowledged', id: input.id }]
        this.waiting.set(input.id, waiting)
        return []
      }
      case 'voters':
        this.voterSet = new Set(input.voters)
        return this.settle()
      case 'observe': return this.observe(input.peer, input.writer, input.length, input.term ?? 0)
      case 'limit': return this.limit(input.required)
      case 'forget':
        if (input.peer !== this.self) this.held.delete(input.peer)
        return []
      case 'cancel':
        this.waiting.delete(input.id)
        return []
      case 'distrust':
        if (input.peer === this.self) return []
        this.distrusted.add(`${input.peer} ${input.writer}`)
        this.held.get(input.peer)?.delete(input.writer)
        return []
    }
  }

  private limit (required: number): AckEffect[] {
    for (const w of this.waiting.values()) if (w.followsPeers && w.required > required) w.required = required
    return this.settle()
  }

  /** Whether a wait holds now: enough holders, and enough of them voters. */
  private holds (w: Waiting): boolean {
    const holders = this.holders(w.writer, w.length, w.term)
    return holders.length >= w.required && holders.filter(peer => this.voterSet.has(peer)).length >= w.voters
  }

  /** Every wait that holds now, acknowledged (and no longer waiting). */
  private settle (writer?: string): AckEffect[] {
    const done: AckEffect[] = []
    for (const [id, w] of this.waiting) {
      if ((writer === undefined || w.writer === writer) && this.holds(w)) {
        this.waiting.delete(id)
        done.push({ type: 'acknowledged', id })
      }
    }
    return done
  }

  private observe (peer: string, writer: string, length: number, term: number): AckEffect[] {
    if (this.distrusted.has(`${peer} ${writer}`)) return []
    let known = this.held.get(peer)
    if (known === undefined) { known = new Map(); this.held.set(peer, known) }
    let held = known.get(writer)
    if (held === undefined) { held = new Held(); known.set(writer, held) }
    return held.observe(term, length) ? this.settle(writer) : []
  }

  /** The peers that hold `writer` up to `length`, as they said while in `term` or earlier (default: in any term). */
  holders (writer: string, length: number, term = Infinity): string[] {
    return [...this.held].filter(([, known]) => (known.get(writer)?.lengthBy(term) ?? 0) >= length).map(([peer]) => peer).sort()
  }

  /** How many peers hold `writer` up to `length` (as a write of `term` counts them), for a timeout's message. */
  count (writer: string, length: number, term = Infinity): number {
    return this.holders(writer, length, term).length
  }

  /** How many voters hold `writer` up to `length` (as a write of `term` counts them), for a timeout's message. */
  countVoters (writer: string, length: number, term = Infinity): number {
    return this.holders(writer, length, term).filter(peer => this.voterSet.has(peer)).length
  }
}

/** Terms kept per peer and writer: the oldest are dropped, and a write of such a term no longer counts that peer. */
export const TERMS_KEPT = 16

/**
 * What one peer held of one writer's log, by the term it spoke from: ascending terms, each with the longest length it
 * said it held while in that term or any earlier one (a peer's copy only grows, and its term never falls).
 */
class Held {
  private readonly terms: number[] = []
  private readonly lengths: number[] = []

  /** The peer said it holds `length` while in `term`; true when that raised what some term counts. */
  observe (term: number, length: number): boolean {
    let at = this.terms.findIndex(t => t >= term)
    if (at === -1) at = this.terms.length
    if (this.terms[at] !== term) {
      this.terms.splice(at, 0, term)
      this.lengths.splice(at, 0, at > 0 ? this.lengths[at - 1]! : 0)
    }
    let raised = false
    for (let i = at; i < this.lengths.length; i++) {
      if (this.lengths[i]! < length) { this.lengths[i] = length; raised = true }
    }
    if (this.terms.length > TERMS_KEPT) { this.terms.shift(); this.lengths.shift() }
    return raised
  }

  /** The longest length the peer said it held while in `term` or earlier (0: none). */
  lengthBy (term: number): number {
    let length = 0
    for (let i = 0; i < this.terms.length && this.terms[i]! <= term; i++) length = this.lengths[i]!
    return length
  }
}
