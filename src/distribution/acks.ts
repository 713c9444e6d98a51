/**
 * Acknowledgement tracking, pure: a write is acknowledged once `required` peers (this one included) hold its log
 * up to its last block, `voters` of them among the roster's voters, as their gossiped heads say. Inputs go in through `step`; the waits it satisfies come out as
 * effects, for the one driver (the node's replication part) to wake.
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
 */
export function ackRequirement (kind: AckKind, cluster: { replicationFactor: number, connected: number, majority: number }): AckRequirement {
  if (kind === 'request') return { holders: cluster.majority, voters: cluster.majority }
  return { holders: Math.min(cluster.replicationFactor, Math.max(1 + cluster.connected, cluster.majority)), voters: cluster.majority }
}

interface Waiting {
  writer: string
  length: number
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
  | { type: 'wait', id: number, writer: string, length: number, required: number, voters?: number, followsPeers?: boolean }
  /** The roster's voters now (a newer roster, a promotion or demotion): their copies count toward a wait's `voters`. */
  | { type: 'voters', voters: readonly string[] }
  /** A peer (this one too, as `self`) holds `writer` up to `length`. */
  | { type: 'observe', peer: string, writer: string, length: number }
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
  /** peer -> writer -> length held. */
  private readonly held = new Map<string, Map<string, number>>()
  /** `peer writer` pairs that count no more (see the `distrust` input). */
  private readonly distrusted = new Set<string>()
  private voterSet = new Set<string>()

  constructor (private readonly self: string) {}

  step (input: AckInput): AckEffect[] {
    switch (input.type) {
      case 'wait': {
        const waiting = {
          writer: input.writer, length: input.length, required: input.required, voters: input.voters ?? 0, followsPeers: input.followsPeers === true
        }
        if (this.holds(waiting)) return [{ type: 'acknowledged', id: input.id }]
        this.waiting.set(input.id, waiting)
        return []
      }
      case 'voters':
        this.voterSet = new Set(input.voters)
        return this.settle()
      case 'observe': return this.observe(input.peer, input.writer, input.length)
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
    const holders = this.holders(w.writer, w.length)
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

  private observe (peer: string, writer: string, length: number): AckEffect[] {
    if (this.distrusted.has(`${peer} ${writer}`)) return []
    let known = this.held.get(peer)
    if (known === undefined) { known = new Map(); this.held.set(peer, known) }
    if (length <= (known.get(writer) ?? 0)) return []
    known.set(writer, length)
    return this.settle(writer)
  }

  holders (writer: string, length: number): string[] {
    return [...this.held].filter(([, known]) => (known.get(writer) ?? 0) >= length).map(([peer]) => peer).sort()
  }

  /** How many peers hold `writer` up to `length`, for a timeout's message. */
  count (writer: string, length: number): number {
    return this.holders(writer, length).length
  }

  /** How many voters hold `writer` up to `length`, for a timeout's message. */
  countVoters (writer: string, length: number): number {
    return this.holders(writer, length).filter(peer => this.voterSet.has(peer)).length
  }
}
