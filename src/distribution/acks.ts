/**
 * Acknowledgement tracking, pure: a write is acknowledged once `required` peers (this one included) hold its log
 * up to its last block, as their gossiped heads say.
 */

interface Waiting {
  writer: string
  length: number
  required: number
  /** The requirement follows the peers connected (see `limit`); a quorum's does not. */
  followsPeers: boolean
}

export class AckTracker {
  private readonly waiting = new Map<number, Waiting>()
  /** peer -> writer -> length held. */
  private readonly held = new Map<string, Map<string, number>>()

  constructor (private readonly self: string) {}

  /**
   * Starts waiting for `writer` to be held up to `length` by `required` peers; true if that already holds.
   * `followsPeers`: the requirement was counted from the peers connected, and `limit` may lower it when some leave.
   */
  wait (id: number, writer: string, length: number, required: number, followsPeers = false): boolean {
    if (this.holders(writer, length).length >= required) return true
    this.waiting.set(id, { writer, length, required, followsPeers })
    return false
  }

  /**
   * Peers left while writes waited: a requirement counted from the peers connected falls to `required` (never
   * rises), so a write does not wait for a peer that is gone. Returns the waits now satisfied.
   */
  limit (required: number): number[] {
    const done: number[] = []
    for (const [id, w] of this.waiting) {
      if (!w.followsPeers || w.required <= required) continue
      w.required = required
      if (this.holders(w.writer, w.length).length >= required) {
        this.waiting.delete(id)
        done.push(id)
      }
    }
    return done
  }

  cancel (id: number): void {
    this.waiting.delete(id)
  }

  /** Records what a peer holds (this peer's own logs too, as `self`); returns the waits now satisfied. */
  observe (peer: string, writer: string, length: number): number[] {
    let known = this.held.get(peer)
    if (known === undefined) { known = new Map(); this.held.set(peer, known) }
    if (length <= (known.get(writer) ?? 0)) return []
    known.set(writer, length)
    const done: number[] = []
    for (const [id, w] of this.waiting) {
      if (w.writer === writer && this.holders(w.writer, w.length).length >= w.required) {
        this.waiting.delete(id)
        done.push(id)
      }
    }
    return done
  }

  /** A peer that left no longer counts for new acknowledgements. */
  forget (peer: string): void {
    if (peer !== this.self) this.held.delete(peer)
  }

  holders (writer: string, length: number): string[] {
    return [...this.held].filter(([, known]) => (known.get(writer) ?? 0) >= length).map(([peer]) => peer).sort()
  }

  /** How many peers hold `writer` up to `length`, for a timeout's message. */
  count (writer: string, length: number): number {
    return this.holders(writer, length).length
  }
}
