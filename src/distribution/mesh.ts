/**
 * The partial mesh, pure: HyParView membership (Leitão, Pereira, Rodrigues 2007) and epidemic dissemination of a
 * versioned map over it. Each peer keeps a small active view (the links it holds open: the voters it is given, always,
 * plus a few random members) and a larger passive view of members it knows but is not linked to, from which it repairs
 * the active view when a link fails. Joins spread by random walks (forward-join), and shuffles keep the passive views
 * fresh. The map (heads: writer -> length; members: id -> incarnation; any key -> a version that only grows) spreads by
 * push of what changed to every link each round and by an anti-entropy pull from one random link, so what a lost
 * message cost is repaired. Inputs are rounds (ticks), messages and link failures; effects are messages to send and
 * links to open or close. No clock, no sockets; randomness is an injected source.
 */

import { badInput } from '../errors.js'

/** Hops of a join's random walk before a peer takes the newcomer into its active view (the paper's ARWL). */
export const ACTIVE_RANDOM_WALK_LENGTH = 6
/** The hop of that walk at which a peer takes the newcomer into its passive view (PRWL). */
export const PASSIVE_RANDOM_WALK_LENGTH = 3
/** Active and passive members a shuffle carries (the paper's ka and kp). */
export const SHUFFLE_ACTIVE = 3
export const SHUFFLE_PASSIVE = 4
export const SHUFFLE_EVERY_TICKS = 2
export const PULL_EVERY_TICKS = 2
/** Ticks a repair waits for an answer to its neighbour request before it asks another member (the answer was lost). */
export const NEIGHBOR_WAIT_TICKS = 3
/** Members a round moves from the known membership into a passive view that is not full. */
export const PASSIVE_TOP_UP = 4
/** Map keys under this prefix name members (`member/<id>`): a member learned by gossip is one a view can draw on. */
export const MEMBER_KEY_PREFIX = 'member/'
/** Hyperswarm's default bound on connections: the active view never needs more. */
export const MAX_ACTIVE = 64
/** The paper's passive view is k times the active one, with k = 6. */
export const PASSIVE_FACTOR = 6

/** The view sizes for a cluster of `members`: the paper's, scaled to log2 (active log2(N) + 1, at most 64). */
export function meshViewSizes (members: number): { activeSize: number, passiveSize: number } {
  const activeSize = Math.min(MAX_ACTIVE, Math.ceil(Math.log2(Math.max(2, members))) + 1)
  return { activeSize, passiveSize: activeSize * PASSIVE_FACTOR }
}

export interface MeshEntry {
  key: string
  version: number
}

export type MeshMessage =
  /** From a newcomer to the member it joins by. */
  | { type: 'join' }
  /** A join's random walk: `peer` is the newcomer, `ttl` the hops left. */
  | { type: 'forward-join', peer: string, ttl: number }
  /** "I took you into my active view": the receiver takes the sender into its own. */
  | { type: 'joined' }
  /** Asks to be taken into the receiver's active view; `high` when the sender has no link left, which is never refused. */
  | { type: 'neighbor', high: boolean }
  | { type: 'neighbor-reply', accepted: boolean }
  /** The sender keeps the receiver as a voter, whatever its random view: the receiver keeps the link too. */
  | { type: 'pin' }
  /** The sender dropped its link to the receiver. */
  | { type: 'disconnect' }
  | { type: 'shuffle', origin: string, ttl: number, sample: string[] }
  | { type: 'shuffle-reply', sample: string[], sent: string[] }
  /** What changed at the sender since its last round. */
  | { type: 'push', entries: MeshEntry[] }
  /** An anti-entropy pull: the sender's map in brief; a receiver whose map differs answers with all of its own. */
  | { type: 'digest', fingerprint: number, size: number }
  /** A whole map; `reply` asks the receiver to send its own back if the two still differ once merged. */
  | { type: 'entries', entries: MeshEntry[], reply: boolean }

export type MeshInput =
  /** Start by joining through `contact`, a member this peer knows is up. */
  | { type: 'join', contact: string }
  /** One round: push, shuffle, pull and repair. */
  | { type: 'tick' }
  | { type: 'message', from: string, message: MeshMessage }
  /** A link to `peer` closed or could not be opened: the transport's word that it is down. */
  | { type: 'link-failed', peer: string }
  /** A change of this peer's own: a head it wrote, a member it admitted. */
  | { type: 'update', key: string, version: number }
  | { type: 'voters', voters: readonly string[] }
  /** The membership as this peer knows it (the roster): passive views are topped up from it. */
  | { type: 'members', members: readonly string[] }

export type MeshEffect =
  | { type: 'send', to: string, message: MeshMessage }
  /** Keep a connection to `peer` open (dial it if there is none). */
  | { type: 'link', peer: string }
  /** No view holds `peer` any more: its connection may close. */
  | { type: 'unlink', peer: string }
  /** Entries that grew by what other peers said: the node acts on them (fetches a log to that length). */
  | { type: 'learned', entries: MeshEntry[] }

export interface MeshOptions {
  id: string
  /** A source in [0, 1): every random choice of the core draws from it. */
  random: () => number
  /** Members this peer always keeps in its active view, on top of `activeSize` random ones. */
  voters?: readonly string[]
  /**
   * The membership (the roster; read, never copied, so peers of one process may share it). Without it, a passive view
   * holds only what joins and shuffles bring, and those stay near the peer: see `topUpPassive`.
   */
  members?: readonly string[]
  /** Random members in the active view. */
  activeSize?: number
  passiveSize?: number
  /** Links a round's push goes to: all of them when unset. */
  fanout?: number
  activeRandomWalkLength?: number
  passiveRandomWalkLength?: number
  shuffleEveryTicks?: number
  pullEveryTicks?: number
}

/** FNV-1a of a string: an entry's part of the map's fingerprint. */
function hash32 (text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

const entryHash = (key: string, version: number): number => hash32(`${key}\u0000${version}`)

export class MeshCore {
  readonly id: string
  protected readonly random: () => number
  protected readonly activeSize: number
  protected readonly passiveSize: number
  private readonly fanout: number | undefined
  private readonly activeWalk: number
  private readonly passiveWalk: number
  private readonly shuffleEveryTicks: number
  private readonly pullEveryTicks: number

  /** The random part of the active view. */
  protected readonly active = new Set<string>()
  /** The voters this peer keeps; never evicted, never given up on when a link fails. */
  protected readonly pinned = new Set<string>()
  /** Peers that keep this one as a voter: linked, outside the bound of the random part. */
  protected readonly inbound = new Set<string>()
  protected readonly passive = new Set<string>()
  /** The member a repair asked to become a neighbour, and the ticks it has waited. */
  protected pending: { peer: string, waited: number } | null = null

  private members: readonly string[]
  /** Members named by `member/` keys of the map, beyond the roster. */
  private readonly gossipedMembers: string[] = []
  private readonly entries = new Map<string, number>()
  /** Entries changed since the last round's push. */
  private readonly fresh = new Map<string, number>()
  /** The XOR of every entry's hash: two maps that agree have equal fingerprints, so a pull costs a number. */
  private mapFingerprint = 0
  private ticks = 0
  private out: MeshEffect[] = []

  constructor (options: MeshOptions) {
    const defaults = meshViewSizes(Math.max(2, options.members?.length ?? 0))
    this.id = options.id
    this.random = options.random
    this.activeSize = options.activeSize ?? defaults.activeSize
    this.passiveSize = options.passiveSize ?? this.activeSize * PASSIVE_FACTOR
    this.fanout = options.fanout
    this.members = options.members ?? []
    this.activeWalk = options.activeRandomWalkLength ?? ACTIVE_RANDOM_WALK_LENGTH
    this.passiveWalk = options.passiveRandomWalkLength ?? PASSIVE_RANDOM_WALK_LENGTH
    this.shuffleEveryTicks = options.shuffleEveryTicks ?? SHUFFLE_EVERY_TICKS
    this.pullEveryTicks = options.pullEveryTicks ?? PULL_EVERY_TICKS
    const counts = {
      activeSize: this.activeSize,
      passiveSize: this.passiveSize,
      shuffleEveryTicks: this.shuffleEveryTicks,
      pullEveryTicks: this.pullEveryTicks,
      fanout: this.fanout ?? 1
    }
    for (const [name, value] of Object.entries(counts)) {
      if (!Number.isInteger(value) || value < 1) throw badInput(`${name} must be a positive integer, not ${value}`)
    }
    if (this.activeSize > MAX_ACTIVE) {
      throw badInput(`activeSize must be at most ${MAX_ACTIVE} (Hyperswarm's bound on connections), not ${this.activeSize}`)
    }
    for (const voter of options.voters ?? []) this.pin(voter)
  }

  step (input: MeshInput): MeshEffect[] {
    this.out = []
    switch (input.type) {
      case 'join': this.onJoin(input.contact); break
      case 'tick': this.onTick(); break
      case 'message': this.onMessage(input.from, input.message); break
      case 'link-failed': this.onLinkFailed(input.peer); break
      case 'update': this.onUpdate(input.key, input.version); break
      case 'voters': this.onVoters(input.voters); break
      case 'members': this.members = input.members; break
    }
    const effects = this.out
    this.out = []
    return effects
  }

  // --- membership ---

  private onJoin (contact: string): void {
    if (contact === this.id) return
    this.addActive(contact)
    this.send(contact, { type: 'join' })
  }

  private onMessage (from: string, message: MeshMessage): void {
    switch (message.type) {
      case 'join': return this.onJoinRequest(from)
      case 'forward-join': return this.onForwardJoin(from, message.peer, message.ttl)
      case 'joined': return this.addActive(from)
      case 'neighbor': return this.onNeighbor(from, message.high)
      case 'neighbor-reply': return this.onNeighborReply(from, message.accepted)
      case 'pin':
        if (from !== this.id && !this.pinned.has(from) && !this.active.has(from)) {
          this.passive.delete(from)
          this.inbound.add(from)
          this.emit({ type: 'link', peer: from })
        }
        return
      case 'disconnect': return this.onDisconnect(from)
      case 'shuffle': return this.onShuffle(from, message.origin, message.ttl, message.sample)
      case 'shuffle-reply':
        this.integrate(message.sample, message.sent)
        return
      case 'push': return this.merge(message.entries)
      case 'digest':
        if (message.fingerprint !== this.mapFingerprint || message.size !== this.entries.size) {
          this.send(from, { type: 'entries', entries: this.allEntries(), reply: true })
        }
        return
      case 'entries': {
        this.merge(message.entries)
        const theirs = message.entries.reduce((f, e) => (f ^ entryHash(e.key, e.version)) >>> 0, 0)
        if (message.reply && (theirs !== this.mapFingerprint || message.entries.length !== this.entries.size)) {
          this.send(from, { type: 'entries', entries: this.allEntries(), reply: false })
        }
      }
    }
  }

  private onJoinRequest (newcomer: string): void {
    if (newcomer === this.id) return
    this.addActive(newcomer)
    for (const peer of this.active) {
      if (peer !== newcomer) this.send(peer, { type: 'forward-join', peer: newcomer, ttl: this.activeWalk })
    }
  }

  private onForwardJoin (from: string, newcomer: string, ttl: number): void {
    if (newcomer === this.id) return
    const onward = [...this.active].filter(p => p !== from && p !== newcomer)
    if (ttl <= 0 || onward.length === 0) {
      if (!this.active.has(newcomer)) {
        this.addActive(newcomer)
        this.send(newcomer, { type: 'joined' })
      }
      return
    }
    if (ttl === this.passiveWalk) this.addPassive(newcomer)
    this.send(this.pick(onward), { type: 'forward-join', peer: newcomer, ttl: ttl - 1 })
  }

  private onNeighbor (from: string, high: boolean): void {
    const room = this.active.size < this.activeSize || this.active.has(from) || this.pinned.has(from)
    const accepted = from !== this.id && (high || room)
    if (accepted) this.addActive(from)
    this.send(from, { type: 'neighbor-reply', accepted })
  }

  private onNeighborReply (from: string, accepted: boolean): void {
    if (this.pending?.peer === from) this.pending = null
    if (accepted) this.addActive(from)
    else this.repair()
  }

  private onDisconnect (from: string): void {
    this.inbound.delete(from)
    if (!this.active.delete(from)) return
    this.addPassive(from)
    if (!this.pinned.has(from)) this.emit({ type: 'unlink', peer: from })
    this.repair()
  }

  private onLinkFailed (peer: string): void {
    // A voter's link is kept whatever happens to it: the driver redials it, and the core never trades it away.
    if (this.pinned.has(peer)) return
    const wasLinked = this.active.delete(peer) || this.inbound.delete(peer)
    this.passive.delete(peer)
    if (this.pending?.peer === peer) this.pending = null
    if (wasLinked) this.emit({ type: 'unlink', peer })
    this.repair()
  }

  private onVoters (voters: readonly string[]): void {
    const next = new Set(voters.filter(v => v !== this.id))
    for (const voter of [...this.pinned]) {
      if (next.has(voter)) continue
      this.pinned.delete(voter)
      // A former voter stays a neighbour if there is room; otherwise it is one more member this peer knows.
      if (this.active.size < this.activeSize) this.active.add(voter)
      else {
        this.addPassive(voter)
        this.emit({ type: 'unlink', peer: voter })
        this.send(voter, { type: 'disconnect' })
      }
    }
    for (const voter of next) this.pin(voter)
  }

  private pin (voter: string): void {
    if (voter === this.id || this.pinned.has(voter)) return
    this.active.delete(voter)
    this.passive.delete(voter)
    this.inbound.delete(voter)
    this.pinned.add(voter)
    this.emit({ type: 'link', peer: voter })
    this.send(voter, { type: 'pin' })
  }

  /** Takes `peer` into the random active view, evicting a random member to the passive view when it is full. */
  private addActive (peer: string): void {
    if (peer === this.id || this.active.has(peer) || this.pinned.has(peer)) return
    this.passive.delete(peer)
    this.inbound.delete(peer)
    if (this.active.size >= this.activeSize) {
      const evicted = this.pick([...this.active])
      this.active.delete(evicted)
      this.addPassive(evicted)
      this.send(evicted, { type: 'disconnect' })
      this.emit({ type: 'unlink', peer: evicted })
    }
    this.active.add(peer)
    this.emit({ type: 'link', peer })
  }

  private addPassive (peer: string): void {
    if (peer === this.id || this.active.has(peer) || this.pinned.has(peer) || this.passive.has(peer)) return
    if (this.passive.size >= this.passiveSize) this.passive.delete(this.pick([...this.passive]))
    this.passive.add(peer)
  }

  /**
   * Refills the random active view from the passive one, one request at a time: asked with high priority (never
   * refused) when this peer has no link left, so a peer cut off by failures always gets back in.
   */
  protected repair (): void {
    if (this.pending !== null || this.active.size >= this.activeSize) return
    const candidates = [...this.passive]
    if (candidates.length === 0) return
    const peer = this.pick(candidates)
    this.pending = { peer, waited: 0 }
    this.send(peer, { type: 'neighbor', high: this.active.size + this.pinned.size === 0 })
  }

  /**
   * Draws a few random members into a passive view that has room. Joins and shuffles alone fill it with members near
   * the peer: at 100 peers the median passive view held 9 of its 48, the first members stayed densely linked to each
   * other (clustering 0.31 where a random graph has 0.08), and three waves of 10% crashes cut a group off in 10 of 10
   * runs of 200 peers, since repairs drawn from such a view cannot reach outside it. Drawn from the roster, which a
   * cluster knows anyway: clustering about 0.07, and no run cut off. (A degree-preserving swap of links, after X-BOT, was
   * tried too: without the roster it did not help, with it it changed nothing measurable.)
   */
  private topUpPassive (): void {
    const known = this.members.length + this.gossipedMembers.length
    if (known === 0) return
    for (let i = 0; i < PASSIVE_TOP_UP && this.passive.size < this.passiveSize; i++) {
      const at = Math.floor(this.random() * known)
      this.addPassive(at < this.members.length ? this.members[at]! : this.gossipedMembers[at - this.members.length]!)
    }
  }

  private shuffle (): void {
    const active = [...this.active]
    if (active.length === 0) return
    const target = this.pick(active)
    const sample = [
      this.id,
      ...this.sample(active.filter(p => p !== target), SHUFFLE_ACTIVE),
      ...this.sample([...this.passive], SHUFFLE_PASSIVE)
    ]
    this.send(target, { type: 'shuffle', origin: this.id, ttl: this.activeWalk, sample })
  }

  private onShuffle (from: string, origin: string, ttl: number, sample: string[]): void {
    if (origin === this.id) return
    const onward = [...this.active].filter(p => p !== from && p !== origin)
    if (ttl - 1 > 0 && onward.length > 0) {
      this.send(this.pick(onward), { type: 'shuffle', origin, ttl: ttl - 1, sample })
      return
    }
    const reply = this.sample([...this.passive], sample.length)
    this.send(origin, { type: 'shuffle-reply', sample: reply, sent: sample })
    this.integrate(sample, reply)
  }

  /** Takes a shuffle's members into the passive view, making room by dropping first those this peer just sent away. */
  private integrate (sample: readonly string[], sent: readonly string[]): void {
    const spare = [...new Set(sent)]
    for (const peer of sample) {
      if (peer === this.id || this.active.has(peer) || this.pinned.has(peer) || this.passive.has(peer)) continue
      if (this.passive.size >= this.passiveSize) {
        let drop = spare.pop()
        while (drop !== undefined && !this.passive.has(drop)) drop = spare.pop()
        this.passive.delete(drop ?? this.pick([...this.passive]))
      }
      this.passive.add(peer)
    }
  }

  // --- dissemination ---

  private onUpdate (key: string, version: number): void {
    this.set(key, version)
  }

  private onTick (): void {
    this.ticks++
    if (this.pending !== null && ++this.pending.waited >= NEIGHBOR_WAIT_TICKS) {
      this.passive.delete(this.pending.peer)
      this.pending = null
    }
    this.topUpPassive()
    this.repair()
    const links = this.links()
    if (this.fresh.size > 0 && links.length > 0) {
      const entries = [...this.fresh].map(([key, version]) => ({ key, version }))
      const targets = this.fanout === undefined || this.fanout >= links.length ? links : this.sample(links, this.fanout)
      for (const peer of targets) this.send(peer, { type: 'push', entries })
    }
    this.fresh.clear()
    if (this.ticks % this.shuffleEveryTicks === 0) this.shuffle()
    if (this.ticks % this.pullEveryTicks === 0 && links.length > 0) {
      this.send(this.pick(links), { type: 'digest', fingerprint: this.mapFingerprint, size: this.entries.size })
    }
  }

  private merge (entries: readonly MeshEntry[]): void {
    const learned: MeshEntry[] = []
    for (const { key, version } of entries) if (this.set(key, version)) learned.push({ key, version })
    if (learned.length > 0) this.emit({ type: 'learned', entries: learned })
  }

  private set (key: string, version: number): boolean {
    const known = this.entries.get(key)
    if (known !== undefined && known >= version) return false
    if (known !== undefined) this.mapFingerprint = (this.mapFingerprint ^ entryHash(key, known)) >>> 0
    this.mapFingerprint = (this.mapFingerprint ^ entryHash(key, version)) >>> 0
    if (known === undefined && key.startsWith(MEMBER_KEY_PREFIX) && key.length > MEMBER_KEY_PREFIX.length) {
      this.gossipedMembers.push(key.slice(MEMBER_KEY_PREFIX.length))
    }
    this.entries.set(key, version)
    this.fresh.set(key, version)
    return true
  }

  private allEntries (): MeshEntry[] {
    return [...this.entries].map(([key, version]) => ({ key, version }))
  }

  // --- helpers ---

  private send (to: string, message: MeshMessage): void {
    this.out.push({ type: 'send', to, message })
  }

  private emit (effect: MeshEffect): void {
    this.out.push(effect)
  }

  protected pick<T> (items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!
  }

  /** Up to `count` distinct items, drawn at random (a partial Fisher-Yates). */
  private sample<T> (items: readonly T[], count: number): T[] {
    const copy = [...items]
    const n = Math.min(count, copy.length)
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(this.random() * (copy.length - i))
      const tmp = copy[i]!
      copy[i] = copy[j]!
      copy[j] = tmp
    }
    return copy.slice(0, n)
  }

  // --- what the driver and the tests read ---

  /** Every link this peer keeps open: its voters, its random neighbours and the peers that keep it as a voter. */
  links (): string[] {
    return [...new Set([...this.pinned, ...this.active, ...this.inbound])]
  }

  activeView (): { voters: string[], random: string[] } {
    return { voters: [...this.pinned], random: [...this.active] }
  }

  passiveView (): string[] {
    return [...this.passive]
  }

  version (key: string): number | undefined {
    return this.entries.get(key)
  }

  fingerprint (): number {
    return this.mapFingerprint
  }
}
