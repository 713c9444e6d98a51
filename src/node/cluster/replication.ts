/**
 * Replication: the one driver of the gossip core (log heads to and from members, downloads of what they announce), of
 * the head check (each member's head compared with this peer's copy of that log, by tree hash) and of the
 * acknowledgement core (how many peers hold this peer's log, and waits until enough do): a head counts once it agreed.
 * It also pulls from peers on demand (`sync`).
 */
import { AckTracker, ackRequirement, type AckEffect, type AckInput, type AckKind, type AckRequirement } from '../../distribution/acks.js'
import { GossipCore, type GossipEffect, type GossipInput, type Head } from '../../distribution/gossip.js'
import { HeadCheck, type HeadCheckEffect, type HeadCheckInput } from '../../distribution/head-check.js'
import { unavailable } from '../../errors.js'
import type { Clock, TimerHandle } from '../../clock.js'
import type { ContextStore } from '../../storage/context-store.js'
import type { Logger } from '../logger.js'
import type { MemberDirectory, PeerRow, SyncReport, SyncUntil } from './types.js'

export const GOSSIP_TICK_MS = 2_000
export const ACK_TIMEOUT_MS = 15_000
/** How often `sync` looks again whether every announced head is here. */
export const SYNC_POLL_MS = 50

export interface ReplicationHost {
  nodeId: string
  store: Pick<ContextStore, 'writer' | 'logLength' | 'writtenTerm' | 'heads' | 'treeHash' | 'downloadRemote' | 'applyRemote'>
  members: MemberDirectory
  clock: Clock
  logger: Logger
  /** This peer's current election term: its heads go out with it. */
  term: () => number
  /** The leader this peer knows in that term: its heads name it, so that members with no link to it learn of it. */
  leader: () => string | null
  /** How many peers must hold a record, at most (the cluster's replication factor). */
  replicationFactor: number
  /** Replication is sharded: the factor counts voters' copies (see ackRequirement). */
  sharded?: boolean
  /** How long a write waits for its acknowledgement. */
  ackTimeoutMs: number
  /** A majority of the roster's voters. */
  majority: () => number
  /** The roster's members and, among them, its voters, as this peer holds them now. */
  electorate: () => { members: readonly string[], voters: readonly string[] }
  /** True when the roster has members other than this peer (then no peer connected is not caught up). */
  hasOtherMembers: () => boolean
  isClosing: () => boolean
  /** The deliberate fault of the simulator's proof: writes acknowledged at once, before peers are told of them. */
  ackBeforeReplicate: boolean
  /**
   * The deliberate fault of the simulator's proof of the voters' rule: the copies of members that do not vote count as
   * the voters' (and the voters' do not), as a rule that counted any holders toward durability would.
   */
  ackNonVoters?: boolean
  /** Told of each write acknowledged, with how long its wait took on the clock (the daemon's metrics). */
  onAcknowledged?: (event: { kind: AckKind, ms: number, holders: number, required: number }) => void
  /** Told of each member found announcing a head that does not match this peer's copy of that log (once per writer). */
  onHeadMismatch?: (event: HeadMismatch) => void
  /** For tests only (BZZZ_TEST_WRONG_HEAD_HASHES): this peer announces every head with a wrong hash, as a liar would. */
  testWrongHeadHashes?: boolean
}

/** A member's head that did not match: its node id, the writer's log, the length, the hashes announced and held here. */
export interface HeadMismatch { peer: string, writer: string, length: number, announced: string, held: string }

export class Replication {
  readonly gossip = new GossipCore()
  readonly check = new HeadCheck()
  readonly acks: AckTracker
  private readonly fetches = new Map<string, Promise<void>>()
  /** The download under way for each writer: the length it asks for, and how to give it up. */
  private readonly downloading = new Map<string, { length: number, controller: AbortController }>()
  private nextAckId = 1
  /** The length of this peer's log last announced (or being announced). */
  private announcedLength = 0
  private readonly ackWaiters = new Map<number, () => void>()
  /** The newest term each member sent heads from. */
  private readonly headsTerms = new Map<string, number>()

  constructor (private readonly host: ReplicationHost) {
    this.acks = new AckTracker(host.nodeId)
  }

  /** Starts from the logs held on disk. */
  async start (): Promise<void> {
    for (const head of this.host.store.heads()) await this.held(head.writer, head.length)
    this.stepAcks({ type: 'observe', peer: this.host.nodeId, writer: this.host.store.writer, length: this.host.store.logLength })
  }

  /** This peer holds `writer` up to `length`: announced with its hash, and members' heads up to it are compared. */
  private async held (writer: string, length: number): Promise<void> {
    if (length > 0) this.stepGossip({ type: 'local', writer, length, hash: await this.host.store.treeHash(writer, length) })
    this.stepCheck({ type: 'held', writer, length })
  }

  tick (): void {
    this.stepGossip({ type: 'tick' })
    // A newer roster may have promoted a holder of a waiting write.
    this.stepAcks({ type: 'voters', voters: this.countedVoters() })
  }

  /** The peers whose copies count toward a write's voters (see ackNonVoters for the fault). */
  private countedVoters (): readonly string[] {
    const { members, voters } = this.host.electorate()
    return this.host.ackNonVoters === true ? members.filter(member => !voters.includes(member)) : voters
  }

  connected (peer: string): void {
    this.stepGossip({ type: 'connected', peer })
  }

  /** A member left: it no longer counts, and writes waiting for it to hold them now need one peer fewer. */
  disconnected (peer: string): void {
    this.headsTerms.delete(peer)
    this.stepAcks({ type: 'forget', peer })
    this.stepCheck({ type: 'forget', peer })
    this.stepAcks({ type: 'limit', required: this.requirement('records').holders })
    this.stepGossip({ type: 'disconnected', peer })
    // A download of blocks only the departed peer announced would wait for it (Hypercore asks no one else) until its
    // timeout, holding up the apply of the blocks that did arrive: give it up, apply what is held, and let the next
    // tick ask the peers still here for what they hold.
    for (const [writer, download] of this.downloading) {
      if (this.gossip.target(writer) < download.length) download.controller.abort()
    }
  }

  /**
   * A member's heads: what it has that this peer lacks is fetched, and what it holds counts towards acknowledgements
   * once its hash matched this peer's copy (at once when this peer holds that length, else when it has downloaded it).
   */
  heads (peer: string, heads: readonly Head[], term: number): void {
    if (term > (this.headsTerms.get(peer) ?? -1)) this.headsTerms.set(peer, term)
    for (const head of heads) this.stepCheck({ type: 'claimed', peer, ...head, term })
    this.stepGossip({ type: 'heads', peer, heads })
  }

  /**
   * This peer entered a later term, or learnt who leads it: its heads go to every member at once, sent from it (a new
   * leader counts them), and naming the leader (members with no link to it learn of it hop by hop).
   */
  standingChanged (): void {
    this.stepGossip({ type: 'announce' })
  }

  /** The members connected that sent heads while in `term` or later: a new leader of `term` caught up from these. */
  heardIn (term: number): string[] {
    return [...this.host.members.values()].map(member => member.node).filter(node => (this.headsTerms.get(node) ?? -1) >= term)
  }

  /** True when every head the members announced is held here and no fetch was ever started (a retrieve's retry then has nothing to wait for). */
  caughtUp (): boolean {
    return this.fetches.size === 0 && this.gossip.caughtUp()
  }

  /** `peer` holds `head`, as it said while in `term` (none: this peer's own copy, which counts for any term). */
  private observeHead (peer: string, head: Head, term?: number): void {
    this.stepAcks({ type: 'observe', peer, writer: head.writer, length: head.length, ...(term !== undefined ? { term } : {}) })
  }

  private stepAcks (input: AckInput): void {
    this.applyAcks(this.acks.step(input))
  }

  private applyAcks (effects: readonly AckEffect[]): void {
    for (const effect of effects) this.ackWaiters.get(effect.id)?.()
  }

  private stepCheck (input: HeadCheckInput): void {
    for (const effect of this.check.step(input)) this.applyCheck(effect)
  }

  private applyCheck (effect: HeadCheckEffect): void {
    const { host } = this
    switch (effect.type) {
      case 'hash':
        host.store.treeHash(effect.writer, effect.length)
          .then(hash => { this.stepCheck({ type: 'hashed', writer: effect.writer, length: effect.length, hash }) })
          .catch(err => { if (!host.isClosing()) host.logger.warn({ err: String(err), writer: effect.writer.slice(0, 12) }, 'could not hash a log to check a member\'s head') })
        break
      case 'agreed':
        this.observeHead(effect.peer, effect, effect.term)
        break
      case 'mismatch': {
        this.stepAcks({ type: 'distrust', peer: effect.peer, writer: effect.writer })
        const { type: _type, ...mismatch } = effect
        host.logger.warn({ peer: effect.peer.slice(0, 12), writer: effect.writer.slice(0, 12), length: effect.length, announced: effect.announced.slice(0, 16), held: effect.held.slice(0, 16) },
          'a member announced a head that does not match this peer\'s copy of the log (a forked log, or a member lying about what it holds): its heads for that log no longer count towards acknowledgements')
        host.onHeadMismatch?.(mismatch)
        break
      }
    }
  }

  private stepGossip (input: GossipInput): void {
    for (const effect of this.gossip.step(input)) this.applyGossip(effect)
  }

  private applyGossip (effect: GossipEffect): void {
    if (effect.type === 'send') {
      const member = this.host.members.get(effect.peer)
      const heads = this.host.testWrongHeadHashes === true ? effect.heads.map(wrongHash) : effect.heads
      // Sent even when empty: a head message also says which term its sender is in, and who leads it.
      const leader = this.host.leader()
      if (member !== undefined) member.channel.send({ type: 'heads', term: this.host.term(), ...(leader !== null ? { leader } : {}), heads })
    } else {
      this.fetch(effect.writer, effect.length)
    }
  }

  /** Downloads and applies a writer's log, one fetch per writer at a time. */
  private fetch (writer: string, length: number): void {
    const { host } = this
    const previous = this.fetches.get(writer) ?? Promise.resolve()
    const next = previous.then(async () => {
      if (host.isClosing()) return
      // Held (on disk) is what acknowledgements count, so it is announced before the view catches up.
      const download = { length, controller: new AbortController() }
      this.downloading.set(writer, download)
      let held: number
      try {
        held = await host.store.downloadRemote(writer, length, undefined, download.controller.signal)
      } finally {
        if (this.downloading.get(writer) === download) this.downloading.delete(writer)
      }
      this.observeHead(host.nodeId, { writer, length: held })
      await this.held(writer, held)
      await host.store.applyRemote(writer, held)
    }).catch(err => { if (!host.isClosing()) host.logger.warn({ err: String(err), writer: writer.slice(0, 12) }, 'fetching a log failed; the next tick retries') })
    this.fetches.set(writer, next)
  }

  /** Waits for the fetches in flight until they settle (true) or until `deadline` on the node's clock (false). */
  private async fetchesSettled (deadline: number): Promise<boolean> {
    const pending = [...this.fetches.values()]
    if (pending.length === 0) return true
    const { clock } = this.host
    let timer: TimerHandle | undefined
    const all = Promise.all(pending).then(() => true)
    const late = new Promise<boolean>(resolve => { timer = clock.setTimeout(() => { resolve(false) }, Math.max(0, deadline - clock.now())) })
    try {
      return await Promise.race([all, late])
    } finally {
      clock.clearTimeout(timer)
    }
  }

  /** Tells peers of this peer's log head (once hashed: at once but for one read of its tree). */
  announce (): void {
    const { host } = this
    const writer = host.store.writer
    const length = host.store.logLength
    this.observeHead(host.nodeId, { writer, length })
    // A batch's writes are acknowledged together: the head they all wait on is hashed and sent once.
    if (length <= this.announcedLength) return
    this.announcedLength = length
    this.held(writer, length).catch(err => {
      if (this.announcedLength === length) this.announcedLength = 0
      if (!host.isClosing()) host.logger.warn({ err: String(err) }, 'could not announce this peer\'s log head')
    })
  }

  /**
   * After this peer appended to its log: gossip the new head and wait until enough peers hold it, as `ackRequirement`
   * says for the kind of write.
   */
  async acknowledge (kind: AckKind): Promise<{ holders: number, required: number }> {
    const { host } = this
    const writer = host.store.writer
    const length = host.store.logLength
    // Heads that peers sent from a later term than the log's newest entry do not count (see src/distribution/acks.ts).
    const term = host.store.writtenTerm > 0 ? host.store.writtenTerm : undefined
    if (host.isClosing()) throw unavailable('the node is stopping: not acknowledged')
    // The fault acknowledges before it even tells its peers: they learn of the write at the next gossip tick, if the
    // writer is still up then (announcing first made the proof depend on how fast replication raced the crash).
    if (host.ackBeforeReplicate) return { holders: 1, required: 1 }
    this.announce()
    const { holders: required, voters } = this.requirement(kind)
    // Records follow the peers connected: those that left while the write waited no longer count (the tracker's
    // `limit`). A request's majority does not fall, nor does any write's majority of voters.
    const followsPeers = kind === 'records'
    const requiredNow = (): number => followsPeers ? Math.min(required, this.requirement('records').holders) : required
    const id = this.nextAckId++
    const started = host.clock.now()
    await new Promise<void>((resolve, reject) => {
      const timer = host.clock.setTimeout(() => {
        this.ackWaiters.delete(id)
        this.stepAcks({ type: 'cancel', id })
        reject(unavailable(`stored on ${this.acks.count(writer, length, term)} of the ${requiredNow()} peers required (${this.acks.countVoters(writer, length, term)} of the ${voters} voters required) after ${host.ackTimeoutMs / 1000} s: not acknowledged (it stays in the log and will replicate when peers return)`))
      }, host.ackTimeoutMs)
      this.ackWaiters.set(id, () => { host.clock.clearTimeout(timer); this.ackWaiters.delete(id); resolve() })
      this.stepAcks({ type: 'voters', voters: this.countedVoters() })
      this.stepAcks({ type: 'wait', id, writer, length, required, voters, followsPeers, ...(term !== undefined ? { term } : {}) })
    })
    const acknowledged = { holders: this.acks.count(writer, length, term), required: requiredNow() }
    host.onAcknowledged?.({ kind, ms: host.clock.now() - started, ...acknowledged })
    return acknowledged
  }

  /** How many peers, and voters among them, must hold a write of this kind now (see `ackRequirement`). */
  requirement (kind: AckKind): AckRequirement {
    const { host } = this
    const sharded = host.sharded === true
    const voters: readonly string[] = sharded ? host.electorate().voters : []
    const connected = sharded ? [...host.members.values()].filter(member => voters.includes(member.node)).length : host.members.size
    return ackRequirement(kind, { replicationFactor: host.replicationFactor, connected, majority: host.majority(), sharded })
  }

  /**
   * Pulls from peers until every head they announced is local, or the timeout on the node's clock, which also bounds
   * the waits for downloads and applies in flight (a download from a peer that went away would otherwise hold `sync`,
   * and `retrieve`'s retry, until its own 30 s timeout). The simulator finishes each step's I/O before its clock moves,
   * so its virtual deadline never cuts short local I/O that was merely slow on the machine.
   */
  async sync (timeoutSeconds: number, until?: SyncUntil): Promise<SyncReport> {
    const { host } = this
    const started = host.clock.now()
    const before = new Map(host.store.heads().map(h => [h.writer, h.length]))
    this.tick()
    const deadline = host.clock.now() + timeoutSeconds * 1000
    // A peer connected whose heads have not come yet holds nothing in the gossip core: caught up with it says nothing;
    // nor with heads it sent before the term `until` names (it may have taken more blocks since).
    const heardFrom = (): string[] => this.heardIn(until?.term ?? 0)
    while ((!this.gossip.caughtUp() || (until !== undefined && !until.enough(heardFrom()))) && host.clock.now() < deadline) {
      await host.clock.sleep(SYNC_POLL_MS)
      await this.fetchesSettled(deadline)
    }
    // Downloaded is not yet applied: wait for the view too.
    const settled = await this.fetchesSettled(deadline)
    const after = host.store.heads()
    // With no peer connected nothing was compared: in a cluster of several members that is not caught up.
    const alone = host.members.size === 0 && host.hasOtherMembers()
    return {
      caughtUp: settled && !alone && this.gossip.caughtUp(),
      ms: Math.round(host.clock.now() - started),
      peers: host.members.size,
      reached: heardFrom(),
      logs: after.map(h => ({ writer: h.writer, before: before.get(h.writer) ?? 0, after: h.length, moved: h.length - (before.get(h.writer) ?? 0) }))
    }
  }

  /** The members connected, with the heads each says it holds and how far each lags. */
  peers (): PeerRow[] {
    const rows: PeerRow[] = []
    for (const member of this.host.members.values()) {
      const heads = this.gossip.peerHeads(member.node)
      rows.push({
        id: member.node, role: member.role, connected: true, since: member.connectedAt,
        logs: [...heads].map(([writer, length]) => ({ writer, length, lag: Math.max(0, this.gossip.target(writer) - length) }))
      })
    }
    return rows.sort((a, b) => a.id < b.id ? -1 : 1)
  }
}

/** The test hook's lie: the head's hash with its first byte flipped. */
function wrongHash (head: Head): Head {
  if (head.hash === undefined) return head
  return { ...head, hash: (parseInt(head.hash.slice(0, 2), 16) ^ 0xff).toString(16).padStart(2, '0') + head.hash.slice(2) }
}
