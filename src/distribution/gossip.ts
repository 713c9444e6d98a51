/**
 * The gossip of log heads, pure: which lengths of which writer logs each peer holds. Inputs are local changes,
 * connections and heads received; effects are heads to send and logs to fetch. No sockets, no clock: a tick
 * input drives anti-entropy, so the node and the simulator drive the same core. A head's hash is data here: this
 * peer's own go out with its heads, and what members announce is checked elsewhere (head-check.ts).
 */

export interface Head {
  /** A writer log's key, hex. */
  writer: string
  /** Blocks of it held contiguously from the start. */
  length: number
  /** The tree hash of those blocks, hex. */
  hash?: string
}

export type GossipInput =
  | { type: 'local', writer: string, length: number, hash?: string }
  | { type: 'connected', peer: string }
  | { type: 'disconnected', peer: string }
  | { type: 'heads', peer: string, heads: readonly Head[] }
  | { type: 'tick' }
  /** Send this peer's heads to every peer now (what they hold has not changed, but something said with them has). */
  | { type: 'announce' }

export type GossipEffect =
  | { type: 'send', peer: string, heads: Head[] }
  /** Download `writer` up to `length` blocks; `from` are the peers that said they hold them. */
  | { type: 'fetch', writer: string, length: number, from: string[] }

export class GossipCore {
  private readonly local = new Map<string, number>()
  private readonly localHashes = new Map<string, string>()
  private readonly remote = new Map<string, Map<string, number>>()
  /** The length each log is being fetched to, so a fetch is asked for once. */
  private readonly fetching = new Map<string, number>()

  step (input: GossipInput): GossipEffect[] {
    switch (input.type) {
      case 'local': return this.onLocal(input.writer, input.length, input.hash)
      case 'connected':
        if (!this.remote.has(input.peer)) this.remote.set(input.peer, new Map())
        return [{ type: 'send', peer: input.peer, heads: this.heads() }]
      case 'disconnected':
        this.remote.delete(input.peer)
        return []
      case 'heads': return this.onHeads(input.peer, input.heads)
      case 'tick': return this.onTick()
      case 'announce': {
        const heads = this.heads()
        return [...this.remote.keys()].map(peer => ({ type: 'send' as const, peer, heads }))
      }
    }
  }

  private onLocal (writer: string, length: number, hash: string | undefined): GossipEffect[] {
    if ((this.local.get(writer) ?? 0) >= length) return []
    this.local.set(writer, length)
    if (hash === undefined) this.localHashes.delete(writer)
    else this.localHashes.set(writer, hash)
    if ((this.fetching.get(writer) ?? 0) <= length) this.fetching.delete(writer)
    const head = [{ writer, length, ...(hash !== undefined ? { hash } : {}) }]
    return [...this.remote.keys()].map(peer => ({ type: 'send' as const, peer, heads: head }))
  }

  private onHeads (peer: string, heads: readonly Head[]): GossipEffect[] {
    let known = this.remote.get(peer)
    if (known === undefined) { known = new Map(); this.remote.set(peer, known) }
    const effects: GossipEffect[] = []
    for (const { writer, length } of heads) {
      if (length <= (known.get(writer) ?? 0)) continue
      known.set(writer, length)
      const fetch = this.fetchFor(writer)
      if (fetch !== null) effects.push(fetch)
    }
    return effects
  }

  /** Re-sends every head to every peer and re-asks for every log still behind: what a lost message cost is repaired. */
  private onTick (): GossipEffect[] {
    const effects: GossipEffect[] = []
    const heads = this.heads()
    for (const peer of this.remote.keys()) effects.push({ type: 'send', peer, heads })
    this.fetching.clear()
    for (const writer of this.writers()) {
      const fetch = this.fetchFor(writer)
      if (fetch !== null) effects.push(fetch)
    }
    return effects
  }

  private fetchFor (writer: string): GossipEffect | null {
    const target = this.target(writer)
    if (target <= (this.local.get(writer) ?? 0) || target <= (this.fetching.get(writer) ?? 0)) return null
    this.fetching.set(writer, target)
    return { type: 'fetch', writer, length: target, from: this.holders(writer, target).filter(p => this.remote.has(p)) }
  }

  /** Every head this peer holds, by writer; with their hashes when every one has its hash (a message carries all or none). */
  heads (): Head[] {
    const hashed = [...this.local.keys()].every(writer => this.localHashes.has(writer))
    return [...this.local].map(([writer, length]) => ({ writer, length, ...(hashed ? { hash: this.localHashes.get(writer)! } : {}) }))
      .sort((a, b) => a.writer < b.writer ? -1 : 1)
  }

  writers (): string[] {
    const all = new Set(this.local.keys())
    for (const known of this.remote.values()) for (const writer of known.keys()) all.add(writer)
    return [...all].sort()
  }

  localLength (writer: string): number {
    return this.local.get(writer) ?? 0
  }

  /** The longest length of a log any connected peer (or this one) holds. */
  target (writer: string): number {
    let max = this.local.get(writer) ?? 0
    for (const known of this.remote.values()) max = Math.max(max, known.get(writer) ?? 0)
    return max
  }

  /** The connected peers that hold at least `length` blocks of `writer`. */
  holders (writer: string, length: number): string[] {
    return [...this.remote].filter(([, known]) => (known.get(writer) ?? 0) >= length).map(([peer]) => peer).sort()
  }

  /** What a peer said it holds, by writer. */
  peerHeads (peer: string): Map<string, number> {
    return new Map(this.remote.get(peer) ?? [])
  }

  peers (): string[] {
    return [...this.remote.keys()].sort()
  }

  /** True when this peer holds every head any connected peer has announced. */
  caughtUp (): boolean {
    return this.writers().every(writer => this.target(writer) <= (this.local.get(writer) ?? 0))
  }
}
