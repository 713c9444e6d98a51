/**
 * The check of members' heads against this peer's own copies, pure: a head says a member holds a writer's log up to a
 * length, with the tree hash of those blocks; once this peer holds that length too, it compares the hash with its own
 * copy's. A head counts (towards acknowledgements) only once it agreed; a mismatch (a forked log, or a member that lies
 * about what it holds) is reported once, and that member's heads for that writer never count again. Hashes are data
 * here: the driver computes this peer's own (an `hash` effect) and steps the result back in.
 */

export type HeadCheckInput =
  /**
   * A member announced it holds `writer` up to `length`, whose tree hash is `hash` (none: a head that cannot count),
   * while in election term `term` (carried to `agreed`, for the acknowledgement rule of src/distribution/acks.ts).
   */
  | { type: 'claimed', peer: string, writer: string, length: number, hash?: string, term?: number }
  /** This peer now holds `writer` contiguously up to `length`. */
  | { type: 'held', writer: string, length: number }
  /** This peer's copy of `writer` at `length` has the tree hash `hash`. */
  | { type: 'hashed', writer: string, length: number, hash: string }
  /** The member left: its claims waiting for this peer to catch up are dropped (a mismatch is kept). */
  | { type: 'forget', peer: string }

export type HeadCheckEffect =
  /** Hash this peer's copy of `writer` at `length`, then step `hashed`. */
  | { type: 'hash', writer: string, length: number }
  /** The member's head matched this peer's copy: it counts (as said in `term`, when the claim had one). */
  | { type: 'agreed', peer: string, writer: string, length: number, term?: number }
  /** The member's head did not match: reported once; its heads for `writer` count no more. */
  | { type: 'mismatch', peer: string, writer: string, length: number, announced: string, held: string }

/** This peer's hashes kept per writer, newest lengths: members at the same head are compared without hashing again. */
export const HASHES_KEPT_PER_WRITER = 8

interface Claim { length: number, hash: string, term?: number }

export class HeadCheck {
  /** Lengths of each writer this peer holds. */
  private readonly held = new Map<string, number>()
  /** Per member and writer, its newest claim not yet compared. */
  private readonly pending = new Map<string, Map<string, Claim>>()
  /** Per member and writer, the newest claim that agreed: the same claim again (every gossip tick) is not hashed again. */
  private readonly agreed = new Map<string, Map<string, Claim>>()
  /** Per writer, this peer's hashes by length (a few newest). */
  private readonly hashes = new Map<string, Map<number, string>>()
  /** Hashes asked of the driver and not yet stepped back: `writer length`. */
  private readonly hashing = new Set<string>()
  /** Members whose heads for a writer did not match: `peer writer`. */
  private readonly mismatched = new Set<string>()

  step (input: HeadCheckInput): HeadCheckEffect[] {
    switch (input.type) {
      case 'claimed': return this.onClaimed(input.peer, input.writer, input.length, input.hash, input.term)
      case 'held': return this.onHeld(input.writer, input.length)
      case 'hashed': return this.onHashed(input.writer, input.length, input.hash)
      case 'forget':
        this.pending.delete(input.peer)
        return []
    }
  }

  /** True when the member's heads for `writer` were found not to match (they count no more). */
  isMismatched (peer: string, writer: string): boolean {
    return this.mismatched.has(`${peer} ${writer}`)
  }

  private onClaimed (peer: string, writer: string, length: number, hash: string | undefined, term: number | undefined): HeadCheckEffect[] {
    // An empty log has nothing to compare, and a head without a hash nothing to compare it with.
    if (length === 0 || hash === undefined || this.isMismatched(peer, writer)) return []
    const agreed = this.agreed.get(peer)?.get(writer)
    if (agreed !== undefined && agreed.length === length && agreed.hash === hash) return []
    mapOf(this.pending, peer).set(writer, { length, hash, ...(term !== undefined ? { term } : {}) })
    if (length > (this.held.get(writer) ?? 0)) return []
    const own = this.hashes.get(writer)?.get(length)
    return own !== undefined ? this.compare(writer, length, own) : this.ask(writer, length)
  }

  private onHeld (writer: string, length: number): HeadCheckEffect[] {
    if (length <= (this.held.get(writer) ?? 0)) return []
    this.held.set(writer, length)
    const effects: HeadCheckEffect[] = []
    const lengths = new Set<number>()
    for (const claims of this.pending.values()) {
      const claim = claims.get(writer)
      if (claim !== undefined && claim.length <= length) lengths.add(claim.length)
    }
    for (const at of [...lengths].sort((a, b) => a - b)) {
      const own = this.hashes.get(writer)?.get(at)
      effects.push(...(own !== undefined ? this.compare(writer, at, own) : this.ask(writer, at)))
    }
    return effects
  }

  private onHashed (writer: string, length: number, hash: string): HeadCheckEffect[] {
    this.hashing.delete(`${writer} ${length}`)
    const kept = mapOf(this.hashes, writer)
    kept.set(length, hash)
    if (kept.size > HASHES_KEPT_PER_WRITER) kept.delete(Math.min(...kept.keys()))
    return this.compare(writer, length, hash)
  }

  private ask (writer: string, length: number): HeadCheckEffect[] {
    const key = `${writer} ${length}`
    if (this.hashing.has(key)) return []
    this.hashing.add(key)
    return [{ type: 'hash', writer, length }]
  }

  /** Compares every member's waiting claim on `writer` at `length` with this peer's hash there. */
  private compare (writer: string, length: number, own: string): HeadCheckEffect[] {
    const effects: HeadCheckEffect[] = []
    for (const [peer, claims] of [...this.pending].sort(([a], [b]) => a < b ? -1 : 1)) {
      const claim = claims.get(writer)
      if (claim === undefined || claim.length !== length) continue
      claims.delete(writer)
      if (claim.hash === own) {
        mapOf(this.agreed, peer).set(writer, claim)
        effects.push({ type: 'agreed', peer, writer, length, ...(claim.term !== undefined ? { term: claim.term } : {}) })
      } else {
        this.mismatched.add(`${peer} ${writer}`)
        this.agreed.get(peer)?.delete(writer)
        effects.push({ type: 'mismatch', peer, writer, length, announced: claim.hash, held: own })
      }
    }
    return effects
  }
}

function mapOf<K, V> (maps: Map<string, Map<K, V>>, key: string): Map<K, V> {
  let map = maps.get(key)
  if (map === undefined) { map = new Map(); maps.set(key, map) }
  return map
}
