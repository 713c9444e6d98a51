/**
 * An in-memory network of Election cores for tests, after raft_test.go's: a message queue, `drop`, `cut`, `isolate`,
 * `recover`, crash-restart from what each peer persisted, and the election-safety checker run after every step.
 */

import { Election, ELECTION_TIMEOUT_TICKS, type ElectionEffect, type ElectionInput, type ElectionMessage, type ElectionOptions, type PersistedVote } from '../../src/election/index.js'

/** mulberry32: one seed, every random choice (the benchmarks' generator). */
export { seededRandom as mulberry32 } from '../bench/stats.js'
import { seededRandom as mulberry32 } from '../bench/stats.js'

export interface Envelope {
  from: string
  to: string
  message: ElectionMessage
}

export interface NetworkOptions {
  peers: number
  seed: number
  electionTimeoutTicks?: number
  heartbeatTicks?: number
  preVote?: boolean
  checkQuorum?: boolean
  /** Which peers may stand; all by default. */
  canCampaign?: (id: string) => boolean
  /** How many peers vote, the first ones (a, b, c...); all by default. The rest follow and never stand. */
  voters?: number
}

export class Network {
  readonly ids: string[]
  readonly nodes = new Map<string, Election>()
  /** What each peer saved, as its persist effects said. */
  readonly storage = new Map<string, PersistedVote>()
  queue: Envelope[] = []
  /** term -> the one peer that led in it, over the whole run of every peer. */
  readonly leadersByTerm = new Map<number, string>()
  private readonly cuts = new Set<string>()
  private restarts = 0

  constructor (private readonly options: NetworkOptions) {
    this.ids = Array.from({ length: options.peers }, (_, i) => String.fromCharCode(97 + i))
    for (const id of this.ids) this.nodes.set(id, this.create(id, undefined))
  }

  private create (id: string, persisted: PersistedVote | undefined): Election {
    const options: ElectionOptions = {
      id,
      members: this.ids,
      voters: this.ids.slice(0, this.options.voters ?? this.ids.length),
      random: mulberry32(this.options.seed * 7919 + this.ids.indexOf(id) * 104729 + this.restarts * 31),
      electionTimeoutTicks: this.options.electionTimeoutTicks ?? ELECTION_TIMEOUT_TICKS,
      heartbeatTicks: this.options.heartbeatTicks ?? 2,
      preVote: this.options.preVote ?? true,
      checkQuorum: this.options.checkQuorum ?? true,
      canCampaign: this.options.canCampaign?.(id) ?? true
    }
    if (persisted !== undefined) options.persisted = persisted
    return new Election(options)
  }

  node (id: string): Election {
    const node = this.nodes.get(id)
    if (node === undefined) throw new Error(`no peer ${id}`)
    return node
  }

  step (id: string, input: ElectionInput): ElectionEffect[] {
    const effects = this.node(id).step(input)
    let sent = false
    for (const effect of effects) {
      if (effect.type === 'persist') {
        if (sent) throw new Error(`${id} persisted after sending: ${JSON.stringify(effects)}`)
        this.storage.set(id, { term: effect.term, votedFor: effect.votedFor })
      } else if (effect.type === 'send') {
        sent = true
        this.queue.push({ from: id, to: effect.to, message: effect.message })
      }
    }
    this.checkSafety()
    return effects
  }

  /**
   * Election safety: at most one leader per term, over the history of all peers; and a peer that follows a leader in a
   * term follows the one that leads it (heard first-hand, or from a leader hint).
   */
  checkSafety (): void {
    for (const [id, node] of this.nodes) {
      if (node.state !== 'leader') continue
      const earlier = this.leadersByTerm.get(node.term)
      if (earlier !== undefined && earlier !== id) throw new Error(`two leaders in term ${node.term}: ${earlier} and ${id}`)
      this.leadersByTerm.set(node.term, id)
    }
    for (const [id, node] of this.nodes) {
      if (node.leader === null || node.state === 'leader') continue
      const actual = this.leadersByTerm.get(node.term)
      if (actual !== node.leader) throw new Error(`${id} follows ${node.leader} in term ${node.term}, which ${actual === undefined ? 'no peer led' : `${actual} led`}`)
    }
  }

  tick (id?: string): void {
    for (const peer of id === undefined ? this.ids : [id]) this.step(peer, { type: 'tick' })
  }

  connected (a: string, b: string): boolean {
    return !this.cuts.has(`${a}|${b}`)
  }

  /** Delivers the queued message at `index` (lost if the link is cut). */
  deliver (index: number): void {
    const [envelope] = this.queue.splice(index, 1)
    if (envelope === undefined || !this.connected(envelope.from, envelope.to)) return
    this.step(envelope.to, { type: 'message', from: envelope.from, message: envelope.message })
  }

  /** Delivers until the queue is empty, in order, or the bound is hit. */
  deliverAll (bound = 10_000): void {
    for (let n = 0; n < bound && this.queue.length > 0; n++) this.deliver(0)
  }

  /** Delivers only the queued messages that match, in order, once each. */
  deliverWhere (match: (envelope: Envelope) => boolean): void {
    const picked = this.queue.filter(match)
    this.queue = this.queue.filter(e => !match(e))
    for (const envelope of picked) {
      if (this.connected(envelope.from, envelope.to)) this.step(envelope.to, { type: 'message', from: envelope.from, message: envelope.message })
    }
  }

  /** Ticks every peer and delivers everything, `ticks` times. */
  run (ticks: number): void {
    for (let i = 0; i < ticks; i++) {
      this.tick()
      this.deliverAll()
    }
  }

  drop (index: number): void {
    this.queue.splice(index, 1)
  }

  dropAll (): void {
    this.queue = []
  }

  duplicate (index: number): void {
    const envelope = this.queue[index]
    if (envelope !== undefined) this.queue.push(envelope)
  }

  cut (a: string, b: string): void {
    this.cuts.add(`${a}|${b}`)
    this.cuts.add(`${b}|${a}`)
  }

  isolate (a: string): void {
    for (const b of this.ids) if (b !== a) this.cut(a, b)
  }

  /** Splits the peers into the given groups: links across groups are cut. */
  partition (...groups: string[][]): void {
    for (const g of groups) for (const h of groups) if (g !== h) for (const a of g) for (const b of h) this.cut(a, b)
  }

  recover (): void {
    this.cuts.clear()
  }

  /** Crash and restart from what the peer persisted; `amnesia` forgets it, the bug the safety checker must catch. */
  restart (id: string, amnesia = false): void {
    this.restarts++
    this.nodes.set(id, this.create(id, amnesia ? undefined : this.storage.get(id)))
  }

  leaders (): string[] {
    return this.ids.filter(id => this.node(id).state === 'leader')
  }

  /** Exactly one leader, and every peer in its term following it. */
  settled (ids: readonly string[] = this.ids): boolean {
    const leaders = ids.filter(id => this.node(id).state === 'leader')
    if (leaders.length !== 1) return false
    const leader = this.node(leaders[0]!)
    return ids.every(id => this.node(id).term === leader.term && this.node(id).leader === leader.id)
  }

  /**
   * Ticks and delivers until one leader in one term has been followed by all of `ids` for `stableTicks` ticks in a
   * row (a leader whose heartbeat answers were lost may still step down by CheckQuorum right after it looks
   * settled); the tick the streak began, or -1 past the bound.
   */
  settleStably (bound: number, stableTicks: number, ids: readonly string[] = this.ids): number {
    let streak = 0
    let holder = ''
    for (let ticks = 0; ticks <= bound; ticks++) {
      const leader = this.settled(ids) ? ids.find(id => this.node(id).state === 'leader')! : ''
      const current = leader === '' ? '' : `${leader}@${this.node(leader).term}`
      streak = current !== '' && current === holder ? streak + 1 : current === '' ? 0 : 1
      holder = current
      if (streak > stableTicks) return ticks - stableTicks
      this.run(1)
    }
    return -1
  }

  /** Ticks and delivers until settled; the ticks it took, or -1 past the bound. */
  settle (bound: number, ids: readonly string[] = this.ids): number {
    for (let ticks = 0; ticks <= bound; ticks++) {
      if (this.settled(ids)) return ticks
      this.run(1)
    }
    return -1
  }
}
