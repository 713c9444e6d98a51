/**
 * The simulator's network: every pair of live peers whose link is not cut is joined by a real Noise secret stream
 * over an in-memory pipe, so the wire protocol and Hypercore replication run unchanged. The pipe carries the
 * encrypted messages on the virtual clock, where the nemesis adds latency, loses messages and cuts links. A lost
 * message on a stream breaks it, as on a real network: the connection resets and is dialled again.
 *
 * A message is delivered at a step of the virtual clock (LATENCY_MS after it was sent at the earliest), never as it is
 * written; the messages due at one step are delivered one at a time, each link's in the order they were sent, the links
 * drawn from the seed, and the real work each delivery starts ends before the next is drawn.
 */
import NoiseSecretStream from '@hyperswarm/secret-stream'
import type { Clock } from '../src/clock.js'
import type { PeerConnection, Transport } from '../src/node/environment.js'

/** How long a dial takes, and how often the network looks for links to dial. */
export const DIAL_MS = 20
export const RECONCILE_MS = 100
/** The least time a message spends on the wire: the next step of the virtual clock. */
export const LATENCY_MS = 1

/** One direction of a link: what `from` wrote and `to` has not been handed yet, oldest first. */
interface Lane {
  link: Link
  fromId: string
  toId: string
  to: any
  queue: Array<{ at: number, chunk: Buffer }>
}

interface Endpoint {
  id: string
  keyPair: { publicKey: Buffer, secretKey: Buffer }
  onConnection: ((connection: PeerConnection) => void) | null
  blocked: Set<string>
  /** The peers its node's view dials (src/distribution/links.ts), or null: every peer (the full mesh). */
  dials: Set<string> | null
  /** The peers its view refuses, as a Hyperswarm firewall does (links.ts, LinkView.refuse). */
  refuse: ReadonlySet<string>
  /** The peers it dials outside its view for a while, let through its own refusals (Transport.visit). */
  visits: Set<string>
}

interface Link {
  a: string
  b: string
  streams: [any, any]
  closed: boolean
}

function pairKey (a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`
}

export interface NetworkStats {
  connections: number
  resets: number
  messages: number
  dropped: number
}

export class SimNetwork {
  private readonly endpoints = new Map<string, Endpoint>()
  private readonly links = new Map<string, Link>()
  private readonly dialing = new Set<string>()
  private readonly cut = new Set<string>()
  /** Lanes with messages on the wire, by `from>to`; the times at which a step is already set. */
  private readonly lanes = new Map<string, Lane>()
  private readonly steps = new Set<number>()
  /** Links closed so far: a step's delivery loop sees from it that lanes it listed may have closed. */
  private closed = 0
  private dropPercent = 0
  private delayMs = 0
  readonly stats: NetworkStats = { connections: 0, resets: 0, messages: 0, dropped: 0 }

  /**
   * `onDeliver` is told of every chunk handed to its receiver, in order (the trace hash); `settle` waits for the real
   * work a delivery started.
   */
  constructor (
    private readonly clock: Clock,
    private readonly random: () => number,
    private readonly onDeliver: (from: string, to: string, bytes: number) => void = () => {},
    private readonly settle: () => Promise<void> = async () => {}
  ) {
    clock.setInterval(() => { this.reconcile() }, RECONCILE_MS)
  }

  /** The transport of one peer on this network. */
  transport (id: string, keyPair: { publicKey: Buffer, secretKey: Buffer }): Transport {
    const endpoint: Endpoint = { id, keyPair, onConnection: null, blocked: new Set(), dials: null, refuse: new Set(), visits: new Set() }
    return {
      join: async ({ onConnection }) => {
        endpoint.onConnection = onConnection
        this.endpoints.set(id, endpoint)
        this.reconcile()
      },
      // Every pair that may connect is dialled (reconcile): members learnt of later need nothing more.
      dial: () => {},
      setView: view => {
        endpoint.dials = view === null ? null : new Set(view.dial)
        endpoint.refuse = view?.refuse ?? new Set()
        if (this.endpoints.get(id) === endpoint) this.reconcile()
      },
      visit: peer => {
        endpoint.visits.add(peer)
        this.reconcile()
      },
      unvisit: peer => {
        endpoint.visits.delete(peer)
        this.reconcile()
      },
      block: peers => {
        for (const peer of peers) endpoint.blocked.add(peer)
        this.reconcile()
      },
      unblock: () => {
        endpoint.blocked.clear()
        this.reconcile()
      },
      destroy: async () => {
        this.endpoints.delete(id)
        for (const link of [...this.links.values()]) if (link.a === id || link.b === id) this.reset(link, false)
      }
    }
  }

  /** Cuts these links (unordered pairs) and keeps them cut until `heal`; their connections reset now. */
  partition (pairs: ReadonlyArray<readonly [string, string]>): void {
    this.cut.clear()
    for (const [a, b] of pairs) this.cut.add(pairKey(a, b))
    this.reconcile()
  }

  setDrop (percent: number): void { this.dropPercent = Math.max(0, Math.min(100, percent)) }
  setDelay (ms: number): void { this.delayMs = Math.max(0, ms) }

  /** Ends every partition, loss and delay. */
  heal (): void {
    this.cut.clear()
    this.dropPercent = 0
    this.delayMs = 0
    this.reconcile()
  }

  private allowed (a: string, b: string): boolean {
    const ea = this.endpoints.get(a)
    const eb = this.endpoints.get(b)
    return ea !== undefined && eb !== undefined && !this.cut.has(pairKey(a, b)) && !ea.blocked.has(b) && !eb.blocked.has(a) &&
      (!ea.refuse.has(b) || ea.visits.has(b)) && (!eb.refuse.has(a) || eb.visits.has(a))
  }

  /** True when either end's view dials the other (a link of the partial mesh, or any pair of the full mesh). */
  private wanted (a: string, b: string): boolean {
    const ea = this.endpoints.get(a)
    const eb = this.endpoints.get(b)
    return ea !== undefined && eb !== undefined && (ea.dials === null || ea.dials.has(b) || eb.dials === null || eb.dials.has(a) || ea.visits.has(b) || eb.visits.has(a))
  }

  /**
   * Resets the links that may not exist, and dials (after DIAL_MS) the ones that may and do not. A link that is allowed
   * but no longer wanted (a view changed) stays, as a Hyperswarm connection would: only what is wanted is dialled.
   */
  reconcile (): void {
    for (const link of [...this.links.values()]) if (!this.allowed(link.a, link.b)) this.reset(link, true)
    const ids = [...this.endpoints.keys()].sort()
    const consider = (a: string, b: string): void => {
      const key = pairKey(a, b)
      if (this.links.has(key) || this.dialing.has(key) || !this.allowed(a, b) || !this.wanted(a, b)) return
      this.dialing.add(key)
      this.clock.setTimeout(() => {
        this.dialing.delete(key)
        if (!this.links.has(key) && this.allowed(a, b) && this.wanted(a, b)) this.connect(a, b)
      }, DIAL_MS)
    }
    for (let i = 0; i < ids.length; i++) {
      const a = ids[i]!
      const dials = this.endpoints.get(a)!.dials
      // The full mesh walks every later pair, as before; a view its own peers, in order (both in the order of ids).
      if (dials === null) { for (let j = i + 1; j < ids.length; j++) consider(a, ids[j]!) } else for (const b of [...dials].sort()) consider(a, b)
      const visits = this.endpoints.get(a)!.visits
      if (visits.size > 0) for (const b of [...visits].sort()) consider(a, b)
    }
  }

  private connect (a: string, b: string): void {
    const ea = this.endpoints.get(a)!
    const eb = this.endpoints.get(b)!
    const sa = new NoiseSecretStream(true, null, { keyPair: ea.keyPair, remotePublicKey: eb.keyPair.publicKey })
    const sb = new NoiseSecretStream(false, null, { keyPair: eb.keyPair })
    const link: Link = { a, b, streams: [sa, sb], closed: false }
    this.links.set(pairKey(a, b), link)
    this.stats.connections++
    this.pipe(link, sa, sb, a, b)
    this.pipe(link, sb, sa, b, a)
    for (const stream of [sa, sb]) {
      stream.on('error', () => {})
      stream.on('close', () => { this.reset(link, false) })
    }
    // The node sees a connection once the handshake is done, as Hyperswarm's 'connection' event.
    sa.opened.then((ok: boolean) => { if (ok && !link.closed) ea.onConnection?.(sa as PeerConnection) }).catch(() => {})
    sb.opened.then((ok: boolean) => { if (ok && !link.closed) eb.onConnection?.(sb as PeerConnection) }).catch(() => {})
  }

  /** Carries what `from` writes to `to`, in order, after the current delay; a lost message resets the link. */
  private pipe (link: Link, from: any, to: any, fromId: string, toId: string): void {
    const lane: Lane = { link, fromId, toId, to, queue: [] }
    let lastAt = 0
    from.rawStream.on('data', (chunk: Buffer) => {
      if (link.closed) return
      this.stats.messages++
      if (this.dropPercent > 0 && this.random() * 100 < this.dropPercent) {
        this.stats.dropped++
        this.reset(link, true)
        return
      }
      const at = Math.max(lastAt, this.clock.now() + LATENCY_MS + this.delayMs)
      lastAt = at
      lane.queue.push({ at, chunk })
      this.lanes.set(`${fromId}>${toId}`, lane)
      if (!this.steps.has(at)) {
        this.steps.add(at)
        this.clock.setTimeout(async () => { this.steps.delete(at); await this.deliverDue() }, at - this.clock.now())
      }
    })
  }

  /**
   * Hands over every message due now, one at a time, the lane of each drawn from the seed among those due. A message
   * sent meanwhile is due a step later at the earliest, so the lanes due only ever leave the list: it is listed and
   * sorted once a step, not once a message (at 20 peers, 380 lanes, that was a fifth of a run's CPU).
   */
  private async deliverDue (): Promise<void> {
    const now = this.clock.now()
    const due: Lane[] = []
    for (const [key, lane] of this.lanes) {
      if (lane.link.closed || lane.queue.length === 0) { this.lanes.delete(key); continue }
      if (lane.queue[0]!.at <= now) due.push(lane)
    }
    // The map's order is the order lanes first carried something; sorted, the draw alone decides.
    due.sort((x, y) => x.fromId < y.fromId ? -1 : x.fromId > y.fromId ? 1 : x.toId < y.toId ? -1 : x.toId > y.toId ? 1 : 0)
    let resets = this.closed
    while (due.length > 0) {
      // A delivery may reset links (a lost message, a peer that hangs up): their lanes carry nothing more.
      if (this.closed !== resets) {
        resets = this.closed
        for (let i = due.length - 1; i >= 0; i--) if (due[i]!.link.closed) due.splice(i, 1)
        if (due.length === 0) return
      }
      const index = Math.floor(this.random() * due.length)
      const lane = due[index]!
      const { chunk } = lane.queue.shift()!
      if (lane.queue.length === 0 || lane.queue[0]!.at > now) due.splice(index, 1)
      this.onDeliver(lane.fromId, lane.toId, chunk.length)
      lane.to.rawStream.write(chunk)
      await this.settle()
    }
  }

  private reset (link: Link, counted: boolean): void {
    if (link.closed) return
    link.closed = true
    this.closed++
    if (counted) this.stats.resets++
    if (this.links.get(pairKey(link.a, link.b)) === link) this.links.delete(pairKey(link.a, link.b))
    for (const stream of link.streams) stream.destroy()
  }

  /** Live links now. */
  get linkCount (): number {
    return this.links.size
  }
}
