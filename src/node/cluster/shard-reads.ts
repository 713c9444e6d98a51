/**
 * Reads of a sharded cluster's records that this peer holds no copy of (issue 22): the payload is fetched from a holder
 * by Hypercore's sparse replication, which needs a link to a peer that has the block. A member's links (voters it is a
 * gateway of, a few members, its shards' chains: src/distribution/links.ts) seldom include one of a given shard's
 * holders once the voters' links are bounded, so a read that misses dials one: a visit, outside the roster's links,
 * kept while reads use it and ended after VISIT_IDLE_MS without one. The holders are tried in order (those the shard is
 * placed on by score, then the voters, which hold every payload), the next once a visit does not connect in time; at
 * MAX_VISITS (reads ranging over many shards) a voter is visited, which serves every read after it.
 *
 * The rule is pure but for the clock and the transport: what a visit is, when it ends, whom it goes to next.
 */
import type { Clock } from '../../clock.js'

/** A visit that served no read for this long ends. */
export const VISIT_IDLE_MS = 30_000
/** A visit whose link did not open in this long is given up, and the read's next holder visited. */
export const VISIT_CONNECT_MS = 2_000
/** A holder whose visit did not open is not visited again for this long. */
export const VISIT_FAILED_MS = 30_000
/** Visits at once at most: past it, the one idle longest ends. */
export const MAX_VISITS = 8

export interface ShardReadsHost {
  clock: Clock
  /** How long a visit stays without a read (default VISIT_IDLE_MS). */
  idleMs?: number
  /** The peers that hold `address`'s payload, in the order to try them (never this peer). */
  holdersOf: (address: string) => readonly string[]
  /** True for a voter: it holds every payload, so a visit to it serves every read after. */
  voter: (peer: string) => boolean
  /** True while this peer is linked with `peer`. */
  connected: (peer: string) => boolean
  /** Dials `peer` outside the roster's links, or stops (Transport.visit, unvisit). */
  visit: (peer: string) => void
  unvisit: (peer: string) => void
  /** Closes this peer's link with `peer` unless the roster gives it. */
  release: (peer: string) => void
}

interface Visit {
  /** When it was dialled, and when a read last used it. */
  since: number
  used: number
  /** The address whose read started it: its next holder is tried if this one does not open. */
  address: string
}

export class ShardReads {
  private readonly visits = new Map<string, Visit>()
  /** Holders whose visit did not open, and until when they are not tried again. */
  private readonly failed = new Map<string, number>()

  constructor (private readonly host: ShardReadsHost) {}

  /** True while `peer` is visited: its link is kept though the roster does not give it. */
  visiting (peer: string): boolean {
    return this.visits.has(peer)
  }

  /** The peers visited now (for status and tests). */
  visited (): string[] {
    return [...this.visits.keys()].sort()
  }

  /** A read needs `address`'s payload, which this peer does not hold: keeps a link to one of its holders, or dials one. */
  missing (address: string): void {
    const { clock, connected } = this.host
    const now = clock.now()
    const holders = this.host.holdersOf(address)
    // A linked holder serves it (a linked voter holds every payload); a visit under way is waited for.
    const serving = holders.find(peer => connected(peer)) ?? holders.find(peer => {
      const visit = this.visits.get(peer)
      return visit !== undefined && now - visit.since < VISIT_CONNECT_MS
    })
    if (serving !== undefined) {
      const visit = this.visits.get(serving)
      if (visit !== undefined) visit.used = now
      return
    }
    const free = (peer: string): boolean => !this.visits.has(peer) && (this.failed.get(peer) ?? 0) <= now
    // At the bound (reads that range over many shards: a search), a voter: it serves every read after this one.
    const full = this.visits.size >= MAX_VISITS
    const next = (full ? holders.find(peer => this.host.voter(peer) && free(peer)) : undefined) ?? holders.find(free)
    if (next === undefined) return
    if (full) {
      const idlest = [...this.visits].reduce((a, b) => b[1].used < a[1].used ? b : a)
      this.end(idlest[0])
    }
    this.visits.set(next, { since: now, used: now, address })
    this.host.visit(next)
  }

  /** Ends the visits idle past VISIT_IDLE_MS, and those that did not open in time (their reads' next holders dialled). */
  tick (): void {
    const now = this.host.clock.now()
    for (const [peer, visit] of [...this.visits]) {
      if (!this.host.connected(peer) && now - visit.since >= VISIT_CONNECT_MS) {
        this.failed.set(peer, now + VISIT_FAILED_MS)
        this.end(peer)
        this.missing(visit.address)
      } else if (now - visit.used >= (this.host.idleMs ?? VISIT_IDLE_MS)) {
        this.end(peer)
      }
    }
    for (const [peer, until] of this.failed) if (until <= now) this.failed.delete(peer)
  }

  /** Ends every visit (the node is leaving). */
  clear (): void {
    for (const peer of [...this.visits.keys()]) this.end(peer)
  }

  private end (peer: string): void {
    this.visits.delete(peer)
    this.host.unvisit(peer)
    this.host.release(peer)
  }
}
