/**
 * A deterministic round-based driver of the mesh core (src/distribution/mesh.ts), for its tests and the benchmark:
 * N peers join one after another in batches, settle, optionally lose a share of their number to crashes, and a new
 * head goes out from one live peer; the driver counts the rounds until every live peer knows it. A round ticks every
 * live peer and delivers what the ticks sent; what a delivery sends goes out in the next round, so a round is one hop.
 * A crash closes its links: each live neighbour hears `link-failed` in the next round, as does any peer that sends to it.
 */

import { MeshCore, meshViewSizes, type MeshMessage, type MeshOptions } from '../src/distribution/mesh.js'
import { seededRandom, shuffle } from './random.js'

export interface MeshRunOptions {
  peers: number
  seed: number
  /** The first `voters` peers are voters: each keeps the others in its active view. */
  voters?: number
  /** Members keep the voters in their active views too (so each voter links to every peer). */
  membersPinVoters?: boolean
  /** The share of messages lost, in [0, 1). */
  loss?: number
  /** False: the cores are not given the roster, so their passive views hold only what joins and shuffles bring. */
  roster?: boolean
  /** Overrides of the core's options (view sizes, fanout, ...). */
  core?: Partial<Omit<MeshOptions, 'id' | 'random' | 'voters'>>
  /** Builds a core: a test passes a deliberately broken one. */
  makeCore?: (options: MeshOptions) => MeshCore
}

interface Letter {
  from: string
  to: string
  message: MeshMessage | null
}

export const peerName = (i: number): string => `p${i}`

export class MeshRounds {
  readonly cores = new Map<string, MeshCore>()
  readonly alive = new Set<string>()
  readonly voters: string[]
  private readonly random: () => number
  private readonly loss: number
  /** Letters to deliver in the next round; a null message is a link failure told to `to`. */
  private next: Letter[] = []
  messages = 0
  round = 0

  constructor (readonly options: MeshRunOptions) {
    this.random = seededRandom(options.seed)
    this.loss = options.loss ?? 0
    const sizes = meshViewSizes(options.peers)
    this.voters = Array.from({ length: Math.min(options.voters ?? 0, options.peers) }, (_, i) => peerName(i))
    const make = options.makeCore ?? (o => new MeshCore(o))
    const members = options.roster === false ? [] : Array.from({ length: options.peers }, (_, i) => peerName(i))
    for (let i = 0; i < options.peers; i++) {
      const id = peerName(i)
      const isVoter = i < this.voters.length
      this.cores.set(id, make({
        ...sizes,
        ...options.core,
        id,
        random: seededRandom(options.seed * 1_000_003 + i),
        members,
        voters: isVoter || options.membersPinVoters === true ? this.voters : []
      }))
    }
  }

  /** Every peer joins through a random member that joined before it, a twentieth of them a round; then `settle` rounds. */
  joinAll (settle = 20): void {
    const order = [...this.cores.keys()]
    const batch = Math.max(1, Math.ceil(order.length / 20))
    this.alive.add(order[0]!)
    const joined = [order[0]!]
    for (let at = 1; at < order.length; at += batch) {
      for (const id of order.slice(at, at + batch)) {
        const contact = joined[Math.floor(this.random() * joined.length)]!
        this.alive.add(id)
        this.apply(id, this.cores.get(id)!.step({ type: 'join', contact }))
        joined.push(id)
      }
      this.step()
    }
    for (let i = 0; i < settle; i++) this.step()
  }

  /** Crashes `share` of the live peers (voters too), chosen at random: their links fail at their neighbours next round. */
  crash (share: number): string[] {
    const count = Math.floor(this.alive.size * share)
    const victims = shuffle(this.random, [...this.alive]).slice(0, count)
    const dead = new Set(victims)
    for (const id of victims) this.alive.delete(id)
    for (const peer of this.alive) {
      for (const link of this.cores.get(peer)!.links()) if (dead.has(link)) this.next.push({ from: link, to: peer, message: null })
    }
    return victims
  }

  /** One round: every live peer ticks, then every letter of the round before and of the ticks is delivered. */
  step (): void {
    this.round++
    const due = this.next
    this.next = []
    for (const id of this.alive) this.apply(id, this.cores.get(id)!.step({ type: 'tick' }))
    // What the ticks sent is due this round too: a round is one hop of a push.
    const sent = this.next
    this.next = []
    for (const letter of [...due, ...sent]) this.deliver(letter)
  }

  private deliver ({ from, to, message }: Letter): void {
    if (!this.alive.has(to)) return
    const core = this.cores.get(to)!
    if (message === null) this.apply(to, core.step({ type: 'link-failed', peer: from }))
    else this.apply(to, core.step({ type: 'message', from, message }))
  }

  private apply (from: string, effects: ReturnType<MeshCore['step']>): void {
    for (const effect of effects) {
      if (effect.type !== 'send') continue
      this.messages++
      if (!this.alive.has(effect.to)) {
        // The sender's connection attempt fails: it hears so next round, as from a refused dial.
        this.next.push({ from: effect.to, to: from, message: null })
        continue
      }
      if (this.loss > 0 && this.random() < this.loss) continue
      this.next.push({ from, to: effect.to, message: effect.message })
    }
  }

  /** Sets `key` to `version` at `origin` and runs rounds until every live peer has it; the rounds, or null past `maxRounds`. */
  spread (origin: string, key: string, version: number, maxRounds = 200): number | null {
    this.apply(origin, this.cores.get(origin)!.step({ type: 'update', key, version }))
    for (let rounds = 1; rounds <= maxRounds; rounds++) {
      this.step()
      if (this.everyLivePeerHas(key, version)) return rounds
    }
    return null
  }

  everyLivePeerHas (key: string, version: number): boolean {
    for (const id of this.alive) if ((this.cores.get(id)!.version(key) ?? 0) < version) return false
    return true
  }

  /** The live peers reachable from the first live one over links between live peers (a link either side keeps). */
  reachable (): number {
    const adjacency = new Map<string, Set<string>>()
    for (const id of this.alive) adjacency.set(id, new Set())
    for (const id of this.alive) {
      for (const peer of this.cores.get(id)!.links()) {
        if (!this.alive.has(peer)) continue
        adjacency.get(id)!.add(peer)
        adjacency.get(peer)!.add(id)
      }
    }
    const start = this.alive.values().next().value
    if (start === undefined) return 0
    const seen = new Set([start])
    const queue = [start]
    while (queue.length > 0) {
      for (const peer of adjacency.get(queue.pop()!)!) if (!seen.has(peer)) { seen.add(peer); queue.push(peer) }
    }
    return seen.size
  }

  /** Each live peer's open links to live peers. */
  linkCounts (): number[] {
    return [...this.alive].map(id => this.cores.get(id)!.links().filter(p => this.alive.has(p)).length)
  }

  randomLivePeer (): string {
    const live = [...this.alive]
    return live[Math.floor(this.random() * live.length)]!
  }
}
