/**
 * Acknowledgement tracking, pure: a write is acknowledged once `required` peers (this one included) hold its log
 * up to its last block, as their gossiped heads say. Inputs go in through `step`; the waits it satisfies come out as
 * effects, for the one driver (the node's replication part) to wake.
 */

/** What a write is: context records (and decisions), or a generation request the queue must never lose. */
export type AckKind = 'records' | 'request'

/**
 * The one acknowledgement rule. Records need `replicationFactor` peers (this one included), or all those connected
 * when fewer, never fewer than a majority of the voters (capped by the factor): an isolated leader cannot acknowledge
 * alone. A request needs a majority of the voters, the peers any next leader is elected by, so a new leader always
 * finds it. `connected` counts the other peers connected now.
 */
export function ackRequirement (kind: AckKind, cluster: { replicationFactor: number, connected: number, majority: number }): number {
  if (kind === 'request') return cluster.majority
  return Math.min(cluster.replicationFactor, Math.max(1 + cluster.connected, cluster.majority))
}

interface Waiting {
  writer: string
  length: number
  required: number
  /** The requirement follows the peers connected (see the `limit` input); a quorum's does not. */
  followsPeers: boolean
}

export type AckInput =
  /** Start waiting for `writer` to be held up to `length` by `required` peers. `followsPeers`: see `limit`. */
  | { type: 'wait', id: number, writer: string, length: number, required: number, followsPeers?: boolean }
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

  constructor (private readonly self: string) {}

  step (input: AckInput): AckEffect[] {
    switch (input.type) {
      case 'wait':
        if (this.holders(input.writer, input.length).length >= input.required) return [{ type: 'acknowledged', id: input.id }]
        this.waiting.set(input.id, { writer: input.writer, length: input.length, required: input.required, followsPeers: input.followsPeers === true })
        return []
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
    const done: AckEffect[] = []
    for (const [id, w] of this.waiting) {
      if (!w.followsPeers || w.required <= required) continue
      w.required = required
      if (this.holders(w.writer, w.length).length >= required) {
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
    const done: AckEffect[] = []
    for (const [id, w] of this.waiting) {
      if (w.writer === writer && this.holders(w.writer, w.length).length >= w.required) {
        this.waiting.delete(id)
        done.push({ type: 'acknowledged', id })
      }
    }
    return done
  }

  holders (writer: string, length: number): string[] {
    return [...this.held].filter(([, known]) => (known.get(writer) ?? 0) >= length).map(([peer]) => peer).sort()
  }

  /** How many peers hold `writer` up to `length`, for a timeout's message. */
  count (writer: string, length: number): number {
    return this.holders(writer, length).length
  }
}
