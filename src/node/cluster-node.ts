/**
 * A peer in its cluster: the local peer (home, keys, store) on a transport (Hyperswarm in the daemon, the in-memory
 * network in the simulator) and a clock (the wall clock, or the simulator's). It authenticates members by their
 * certificates, replicates every writer log with them, gossips log heads through the pure gossip core, counts
 * acknowledgements, and sends generation and distribution to the leader.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { writeFileAtomic } from '../crypto/atomic-file.js'
import { join, relative } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import { Lru } from '../lru.js'
import { AckTracker } from '../distribution/acks.js'
import { GossipCore, type GossipEffect, type Head } from '../distribution/gossip.js'
import { BzzzError, badInput, badUsage, corrupt, isBzzzError, unavailable, type ErrorCode } from '../errors.js'
import type { Leadership } from '../leader/leadership.js'
import { Coordinator, packFiles } from '../leader/coordinator.js'
import { isPriority, type QueueCounts, type QueueRow } from '../leader/queue.js'
import { Election, majorityOf, type ElectionEffect, type ElectionInput, type ElectionMessage, type ElectionState, type PersistedVote } from '../election/election.js'
import { certificateProblem } from '../net/certificate.js'
import { WireChannel } from '../net/channel.js'
import { WIRE_VERSION, type ElectionWireMessage, type WireMessage } from '../net/messages.js'
import { covers, ROLE_NAME_PATTERN } from '../crypto/levels.js'
import { addressFor } from '../ucxl/address.js'
import { loadRoster, readRoster, rosterMembers, rosterProblem, writeRoster, type SignedRoster } from './roster.js'
import { hyperswarmTransport, systemClock, type Clock, type PeerConnection, type TimerHandle, type Transport } from './environment.js'
import type { Retrieved } from '../storage/context-store.js'
import { DEFAULT_RESOLVE_DEPTH } from '../context/resolve.js'
import { LocalPeer, type DistributeReport, type GenerateOptions, type GenerateReport, type StatusReport } from './local-peer.js'
import { DEFAULT_ELECTION_TIMEOUT_MS, roleEntry } from './home.js'
import { newDecisionId, type DecideInput, type DecisionView, type HistoryReport, type HopsReport } from '../temporal/decisions.js'
import { observeInstance } from './instances.js'
import type { Logger } from './logger.js'

/** A connection whose peer sends no hello in this time is closed (and redialled): it is usually the loser of a
 * simultaneous dial that Hyperswarm closed on the other side only. */
export const HELLO_TIMEOUT_MS = 2_000
/** How long a member has to say which instance it is. */
const INSTANCE_TIMEOUT_MS = 5_000
const INSTANCE_PATTERN = /^[0-9a-f]{24}$/
export const GOSSIP_TICK_MS = 2_000
export const ACK_TIMEOUT_MS = 15_000
export const REQUEST_TIMEOUT_MS = 120_000
/** The default election timeout: a follower that hears no leader for this long (plus a random part) campaigns. */
export { DEFAULT_ELECTION_TIMEOUT_MS }
/** An election timeout is this many ticks; heartbeats go every HEARTBEAT_TICKS. */
export const ELECTION_TICKS = 10
export const HEARTBEAT_TICKS = 2
export const VOTE_FILE = 'election.json'
/** How long `generate` waits for its request to complete, and forwarded calls for a leader to answer. */
export const COMPLETION_TIMEOUT_MS = 10 * 60_000
export const RETRY_PAUSE_MS = 100
/**
 * How long a call that needs the leader (generate, distribute, decide) waits while no leader is known at all,
 * at least (or ten election timeouts): elections end in a few timeouts, so past this the cluster lacks a majority.
 */
export const NO_LEADER_TIMEOUT_MS = 15_000
/** How long `retrieve` of an address not here yet waits for the logs its peers announced. */
export const RETRIEVE_CATCH_UP_SECONDS = 5
export const KNOWN_MEMBERS_FILE = 'members.json'
export const MAX_KNOWN_MEMBERS = 1_000

export interface ClusterNodeOptions {
  home: string
  /** HyperDHT bootstrap nodes; undefined for the public DHT. */
  bootstrap?: Array<{ host: string, port: number }>
  /** Bind the DHT to this host (127.0.0.1 in tests). */
  host?: string
  logger: Logger
  ackTimeoutMs?: number
  /** How long a call that needs the leader waits while none is known (default NO_LEADER_TIMEOUT_MS, or ten election timeouts). */
  noLeaderTimeoutMs?: number
  /** The election timeout in ms (default DEFAULT_ELECTION_TIMEOUT_MS). */
  electionTimeoutMs?: number
  /** False: this peer votes but never stands. Default: true when its role may read source (clearance internal). */
  campaign?: boolean
  /** Generation requests run at once (default: cores). */
  concurrency?: number
  /** How this node meets peers, given its key pair (default: Hyperswarm on the DHT given by bootstrap and host). */
  transport?: (keyPair: { publicKey: Buffer, secretKey: Buffer }) => Transport
  /** Time (default: the wall clock). */
  clock?: Clock
  /** The election's random source (default Math.random). */
  random?: () => number
  /** Told of every change of this node's election state, as it happens. */
  onElection?: (event: { term: number, state: ElectionState, leader: string | null }) => void
  /**
   * Deliberate faults, for the simulator's proof that its checkers catch them; never set otherwise. doubleVote: grant
   * every vote, even a second one in a term. ackBeforeReplicate: call writes acknowledged at once, before peers are told of them.
   * forgetQueue: a new leader drops the requests accepted before its term.
   */
  faults?: { doubleVote?: boolean, ackBeforeReplicate?: boolean, forgetQueue?: boolean }
  /**
   * Told when this node stops taking part because a peer found another process using its identity (see
   * `confirmInstance`); the node has already left the swarm. The daemon stops on it.
   */
  onHalt?: (reason: string) => void
}

interface Member {
  node: string
  role: string
  channel: WireChannel
  connection: any
  connectedAt: number
  /** When this peer last received any message from it (gossip sends heads to every member each tick). */
  lastHeardAt: number
}

interface PendingRequest {
  /** The member the request went to: if it goes away or stops leading, the request is retried elsewhere. */
  to: string
  resolve: (body: unknown) => void
  reject: (err: Error) => void
  timer: TimerHandle
}

/** A forwarded call that must go to whoever leads now (the one it went to left or stopped leading). */
class RetryElsewhere extends Error {}

export interface ElectStatus {
  term: number
  state: 'leader' | 'follower' | 'candidate'
  /** The election core's own state (a pre-candidate is reported as candidate above). */
  phase: ElectionState
  leader: string | null
  votedFor: string | null
  canCampaign: boolean
  electionTimeoutMs: number
  roster: { version: number | null, members: number }
  peers: Array<{ id: string, role: string | null, connected: boolean, voter: boolean, lastContactMs: number | null }>
}

export interface QueueStatus extends QueueCounts {
  leader: string | null
  term: number
  isLeader: boolean
}

export interface QueueListRow extends QueueRow {
  ageMs: number
}

export interface PeerRow {
  id: string
  role: string
  connected: boolean
  since: number | null
  /** Per writer log: the length this peer says it holds, and how far it lags the longest known. */
  logs: Array<{ writer: string, length: number, lag: number }>
}

export interface SyncReport {
  caughtUp: boolean
  ms: number
  peers: number
  logs: Array<{ writer: string, before: number, after: number, moved: number }>
}

export class ClusterNode {
  readonly peer: LocalPeer
  readonly gossip = new GossipCore()
  readonly acks: AckTracker
  readonly counters = { rejectedPeers: 0, invalidFrames: 0, forwarded: 0, served: 0, retried: 0, elections: 0, duplicateIdentities: 0 }
  /** This process's run of the node: another process with the same identity (an invite redeemed twice) has another. */
  readonly instance = randomBytes(12).toString('hex')
  /** Per member, the instances met, the latest last: one met again after another is a second process with that identity. */
  private readonly instances = new Map<string, readonly string[]>()
  /** Why this node stopped taking part, once it has. */
  private halted: string | null = null
  readonly election: Election
  readonly coordinator: Coordinator
  private roster: SignedRoster | null
  private readonly electionTimeoutMs: number
  private readonly canCampaign: boolean
  /** Answers of forwarded calls this leader served, by request id: a retry of the same id gets the same answer. */
  private readonly served = new Lru<string, Promise<unknown>>(10_000)
  private readonly leaderWaiters = new Set<() => void>()
  private fedLeadership = { isLeader: false, term: -1 }
  /** Members met (node id to role), remembered in the home: a dialling hint, and the role `elect status` shows of one not connected now. */
  private known: Map<string, string | null> | null = null
  private savingMembers: Promise<void> = Promise.resolve()
  /** Peers this node refuses to talk to: a partition made at the connection level (tests, the simulator's swarm mode). */
  private readonly blocked = new Set<string>()
  private readonly transport: Transport
  readonly clock: Clock
  private readonly options: ClusterNodeOptions
  private readonly logger: Logger
  private readonly members = new Map<string, Member>()
  private readonly requests = new Map<string, PendingRequest>()
  private readonly fetches = new Map<string, Promise<void>>()
  private readonly timers: TimerHandle[] = []
  private readonly ackTimeoutMs: number
  private nextAckId = 1
  private readonly ackWaiters = new Map<number, () => void>()
  private closing = false

  private constructor (peer: LocalPeer, options: ClusterNodeOptions) {
    this.peer = peer
    this.logger = options.logger
    this.ackTimeoutMs = options.ackTimeoutMs ?? ACK_TIMEOUT_MS
    this.acks = new AckTracker(peer.config.nodeId)
    this.options = options
    this.clock = options.clock ?? systemClock
    this.electionTimeoutMs = options.electionTimeoutMs ?? DEFAULT_ELECTION_TIMEOUT_MS
    if (!Number.isInteger(this.electionTimeoutMs) || this.electionTimeoutMs < ELECTION_TICKS) throw badInput(`the election timeout must be a whole number of ms, at least ${ELECTION_TICKS}`)
    this.canCampaign = options.campaign ?? covers(roleEntry(peer.config, peer.config.role).clearance, 'internal')
    // Votes are counted out of the roster: a member that counted out of a damaged or missing one (the admin and itself)
    // could win an election with two votes while the others count out of all the members. So it does not start.
    this.roster = loadRoster(peer.home, { cluster: peer.config.cluster.id, adminKey: peer.config.cluster.adminKey })
    if (this.roster === null && peer.config.nodeId !== peer.config.cluster.adminKey) {
      throw corrupt(`this member's roster (${join(peer.home, 'roster.json')}) is missing: the invite gave it one. Restore it from a backup, or copy roster.json from another member's home (the admin signed it)`)
    }
    const persisted = readVote(peer.home)
    this.election = new Election({
      id: peer.config.nodeId,
      members: rosterMembers(this.roster, peer.config.cluster.adminKey, peer.config.nodeId),
      electionTimeoutTicks: ELECTION_TICKS,
      heartbeatTicks: HEARTBEAT_TICKS,
      random: options.random ?? Math.random,
      canCampaign: this.canCampaign,
      ...(persisted !== null ? { persisted } : {})
    })
    this.coordinator = new Coordinator({
      peer,
      logger: options.logger,
      leadership: () => ({ term: this.election.term, isLeader: this.election.state === 'leader', hasLease: this.hasLease() }),
      acknowledge: async (quorum?: boolean) => await this.acknowledge(quorum),
      announce: () => this.announce(),
      clock: this.clock
    }, { concurrency: options.concurrency ?? availableParallelism(), forgetInherited: options.faults?.forgetQueue === true })
    const identity = peer.keyring.identity
    const keyPair = { publicKey: identity.sign.publicKey, secretKey: identity.sign.secretKey }
    this.transport = options.transport?.(keyPair) ?? hyperswarmTransport({
      keyPair,
      ...(options.bootstrap !== undefined ? { bootstrap: options.bootstrap } : {}),
      ...(options.host !== undefined ? { host: options.host } : {})
    })
  }

  static async start (options: ClusterNodeOptions): Promise<ClusterNode> {
    const peer = await LocalPeer.open(options.home)
    peer.keepWorkers = true
    peer.inCluster = true
    let node: ClusterNode
    try {
      node = new ClusterNode(peer, options)
    } catch (err) {
      await peer.close()
      throw err
    }
    try {
      await node.join()
    } catch (err) {
      await node.close()
      throw err
    }
    return node
  }

  /** The wire channel's id: derived from the cluster id, so peers of other clusters never open it. */
  private get channelId (): Buffer {
    return createHash('sha256').update('bzzz-ctx/channel\u0000').update(this.peer.config.cluster.id).digest()
  }

  get nodeId (): string {
    return this.peer.config.nodeId
  }

  get leadership (): Leadership {
    return { term: this.election.term, leader: this.election.leader, isLeader: this.election.state === 'leader' }
  }

  private async join (): Promise<void> {
    for (const head of this.peer.store.heads()) this.applyEffects(this.gossip.step({ type: 'local', ...head }))
    this.acks.observe(this.nodeId, this.peer.store.writer, this.peer.store.logLength)
    const topic = Buffer.from(this.peer.config.cluster.topic, 'hex')
    // Members we know by key are dialled directly: the admin, and every member met before.
    const known = [...new Set([this.peer.config.cluster.adminKey, ...this.knownMembers()])].filter(m => m !== this.nodeId)
    await this.transport.join({
      topic,
      known,
      isConnected: peer => this.members.has(peer),
      onConnection: connection => {
        // A peer's bytes must never take the daemon down: anything thrown here closes that connection only.
        try {
          this.onConnection(connection)
        } catch (err) {
          this.logger.error({ err: String(err) }, 'a connection failed to set up')
          connection.destroy()
        }
      }
    })
    this.timers.push(this.clock.setInterval(() => {
      if (this.closing) return
      this.applyEffects(this.gossip.step({ type: 'tick' }))
      // `invite` re-signs the roster in the admin's home while its daemon runs: pick it up.
      const saved = readRoster(this.peer.home, { cluster: this.peer.config.cluster.id, adminKey: this.peer.config.cluster.adminKey })
      if (saved !== null) this.adoptRoster(saved)
    }, GOSSIP_TICK_MS))
    this.timers.push(this.clock.setInterval(() => { if (!this.closing) this.stepElection({ type: 'tick' }) }, this.electionTimeoutMs / ELECTION_TICKS))
    this.coordinator.start()
    this.logger.info({ node: this.nodeId, topic: this.peer.config.cluster.topic.slice(0, 8) }, 'joined the cluster topic')
  }

  async close (): Promise<void> {
    if (this.closing) return
    this.closing = true
    for (const timer of this.timers) this.clock.clearInterval(timer)
    this.coordinator.stop()
    for (const pending of this.requests.values()) { this.clock.clearTimeout(pending.timer); pending.reject(unavailable('the daemon is stopping')) }
    for (const wake of this.leaderWaiters) wake()
    await this.transport.destroy().catch(() => {})
    await this.savingMembers
    await this.peer.close()
  }

  /** Cuts this node off from `peers`: their connections are destroyed and new ones refused, until `unblock`. */
  block (peers: readonly string[]): void {
    const others = peers.filter(peer => peer !== this.nodeId)
    for (const peer of others) this.blocked.add(peer)
    this.transport.block(others)
    for (const peer of others) this.members.get(peer)?.connection.destroy()
  }

  /** Heals what `block` cut: the peers are dialled again. */
  unblock (): void {
    this.blocked.clear()
    this.transport.unblock()
  }

  private onConnection (connection: PeerConnection): void {
    const remote: string = connection.remotePublicKey.toString('hex')
    if (this.blocked.has(remote)) { connection.destroy(); return }
    connection.on('error', () => {})
    let authenticated = false
    const channel: WireChannel = new WireChannel(connection, {
      clusterId: this.channelId,
      onMessage: (message: WireMessage) => {
        if (!authenticated) {
          if (message.type !== 'hello') return this.reject(connection, remote, 'spoke before proving membership')
          const problem = this.helloProblem(message, remote)
          if (problem !== null) return this.reject(connection, remote, problem)
          authenticated = true
          this.clock.clearTimeout(helloTimer)
          this.onMember(remote, JSON.parse(message.certificate).role as string, channel, connection)
          return
        }
        this.onMessage(remote, message)
      },
      onClose: () => {
        this.clock.clearTimeout(helloTimer)
        if (authenticated && this.members.get(remote)?.channel === channel) this.onMemberGone(remote)
      },
      onInvalid: (reason: string) => {
        this.counters.invalidFrames++
        this.logger.warn({ peer: remote.slice(0, 12), reason }, 'closed a connection that sent an invalid frame')
      }
    })
    const helloTimer = this.clock.setTimeout(() => { if (!authenticated) this.reject(connection, remote, 'no hello in time') }, HELLO_TIMEOUT_MS)
    channel.open()
    channel.send({ type: 'hello', version: WIRE_VERSION, certificate: JSON.stringify(this.peer.config.certificate) })
  }

  private helloProblem (message: Extract<WireMessage, { type: 'hello' }>, remote: string): string | null {
    if (message.version !== WIRE_VERSION) return `speaks wire version ${message.version}`
    let certificate: unknown
    try { certificate = JSON.parse(message.certificate) } catch { return 'a certificate that is not JSON' }
    const problem = certificateProblem(certificate, { cluster: this.peer.config.cluster.id, adminKey: this.peer.config.cluster.adminKey, node: remote, nowMs: this.clock.now() })
    return problem === null ? null : `a bad certificate: ${problem}`
  }

  private reject (connection: any, remote: string, why: string): void {
    this.counters.rejectedPeers++
    this.logger.warn({ peer: remote.slice(0, 12), why }, 'refused a peer')
    connection.destroy()
  }

  /** The members this peer has met (their node ids), remembered in the home so a restart dials them at once. */
  private knownMembers (): string[] {
    if (this.known === null) {
      this.known = new Map()
      try {
        const saved = JSON.parse(readFileSync(join(this.peer.home, KNOWN_MEMBERS_FILE), 'utf8')) as unknown
        // Each is [id, role]; a bare id is from a version that did not keep roles.
        if (Array.isArray(saved)) {
          for (const m of saved) {
            const [node, role] = Array.isArray(m) ? m as unknown[] : [m, null]
            if (typeof node === 'string' && /^[0-9a-f]{64}$/.test(node)) this.known.set(node, typeof role === 'string' && ROLE_NAME_PATTERN.test(role) ? role : null)
          }
        }
      } catch {
        // none yet, or unreadable: it is only a dialling hint
      }
    }
    return [...this.known.keys()]
  }

  /** Adds a member (or its role, when that changed) to the list in memory and saves the whole list, one save after another (no lost update). */
  private rememberMember (node: string, role: string): void {
    this.knownMembers()
    if (this.known!.get(node) === role) return
    this.known!.set(node, role)
    const file = join(this.peer.home, KNOWN_MEMBERS_FILE)
    this.savingMembers = this.savingMembers
      .then(async () => { await writeFileAtomic(file, JSON.stringify([...this.known!].slice(-MAX_KNOWN_MEMBERS)), 0o600) })
      .catch(err => this.logger.warn({ err: String(err) }, 'could not remember a member'))
  }

  private onMember (remote: string, role: string, channel: WireChannel, connection: any): void {
    this.rememberMember(remote, role)
    const previous = this.members.get(remote)
    this.members.set(remote, { node: remote, role, channel, connection, connectedAt: this.clock.now(), lastHeardAt: this.clock.now() })
    if (previous !== undefined && previous.channel !== channel) previous.channel.close('replaced by a newer connection')
    this.peer.store.replicate(connection)
    this.logger.info({ peer: remote.slice(0, 12), role }, 'member connected')
    if (this.roster !== null) channel.send({ type: 'roster', roster: JSON.stringify(this.roster) })
    this.applyEffects(this.gossip.step({ type: 'connected', peer: remote }))
    this.confirmInstance(remote, channel).catch(err => this.logger.warn({ err: String(err) }, 'could not ask a member for its instance'))
  }

  /**
   * Asks a member which run of its node it is (see `observeInstance`). Two processes with one identity could each
   * vote in the same term: a leader elected twice. A second process's connection is refused, and it is told so,
   * which stops it (see `halt`).
   */
  private async confirmInstance (remote: string, channel: WireChannel): Promise<void> {
    const member = this.members.get(remote)
    if (member === undefined || member.channel !== channel) return
    let answer: unknown
    try {
      answer = await this.send(member, 'instance', { id: 'instance' }, this.clock.now() + INSTANCE_TIMEOUT_MS)
    } catch {
      return // gone already, or a node from before instances: nothing to compare
    }
    const instance = (answer as { instance?: unknown } | null)?.instance
    if (typeof instance !== 'string' || !INSTANCE_PATTERN.test(instance)) return
    const verdict = observeInstance(this.instances.get(remote) ?? [], instance)
    if (verdict.duplicate) {
      this.counters.duplicateIdentities++
      const reason = `two processes use the identity of member ${remote.slice(0, 12)} (${member.role}): was its invite redeemed twice? Give each member its own invite (\`bzzz-ctx invite\`)`
      this.logger.error({ peer: remote.slice(0, 12) }, reason)
      channel.send({ type: 'request', id: randomBytes(12).toString('hex'), op: 'duplicate', body: JSON.stringify({ id: 'duplicate', reason }) })
      // The notice goes out before the connection closes.
      this.clock.setTimeout(() => { member.connection.destroy() }, 200)
      return
    }
    this.instances.set(remote, verdict.seen)
  }

  /** Stops taking part: leaves the swarm, so this node neither votes nor writes again, and says why. */
  private halt (reason: string, by: string): { halting: true } {
    if (this.halted === null) {
      this.halted = reason
      this.logger.error({ by: by.slice(0, 12), reason }, 'stopped taking part in the cluster')
      this.transport.destroy().catch(() => {})
      this.options.onHalt?.(reason)
    }
    return { halting: true }
  }

  private onMemberGone (remote: string): void {
    this.members.delete(remote)
    this.retryRequestsTo(remote)
    this.acks.forget(remote)
    // Writes waiting for it to hold them now need one peer fewer (never fewer than a majority).
    for (const id of this.acks.limit(this.recordRequirement())) this.ackWaiters.get(id)?.()
    this.applyEffects(this.gossip.step({ type: 'disconnected', peer: remote }))
    this.logger.info({ peer: remote.slice(0, 12) }, 'member disconnected')
  }

  private onMessage (remote: string, message: WireMessage): void {
    const member = this.members.get(remote)
    if (member !== undefined) member.lastHeardAt = this.clock.now()
    switch (message.type) {
      case 'heads':
        for (const head of message.heads) this.observeHead(remote, head)
        this.applyEffects(this.gossip.step({ type: 'heads', peer: remote, heads: message.heads }))
        break
      case 'request':
        this.serveRequest(remote, message).catch(err => this.logger.error({ err }, 'serving a request failed'))
        break
      case 'response': {
        const pending = this.requests.get(message.id)
        if (pending === undefined) return
        this.requests.delete(message.id)
        this.clock.clearTimeout(pending.timer)
        let body: any
        try { body = JSON.parse(message.body) } catch { body = { code: 'FAILURE', message: 'the leader answered with something that is not JSON' } }
        if (message.ok) pending.resolve(body)
        else pending.reject(new BzzzError((body.code ?? 'FAILURE') as ErrorCode, `the leader says: ${String(body.message)}`))
        break
      }
      case 'election':
        this.stepElection({ type: 'message', from: remote, message: fromWire(message) })
        break
      case 'roster': {
        let value: unknown
        try { value = JSON.parse(message.roster) } catch { return }
        const problem = rosterProblem(value, { cluster: this.peer.config.cluster.id, adminKey: this.peer.config.cluster.adminKey })
        if (problem !== null) { this.logger.warn({ peer: remote.slice(0, 12), problem }, 'ignored a bad roster'); return }
        this.adoptRoster(value as SignedRoster)
        break
      }
      case 'hello':
        break
    }
  }

  /** A newer roster replaces ours: saved, given to the election, passed on to every connected member. */
  private adoptRoster (roster: SignedRoster): void {
    if (this.roster !== null && roster.version <= this.roster.version) return
    this.roster = roster
    writeRoster(this.peer.home, roster).catch(err => this.logger.warn({ err: String(err) }, 'could not save the roster'))
    this.logger.info({ version: roster.version, members: roster.members.length }, 'adopted a newer member roster')
    this.stepElection({ type: 'roster', members: roster.members })
    for (const member of this.members.values()) member.channel.send({ type: 'roster', roster: JSON.stringify(roster) })
  }

  /** Feeds the election core and carries out its effects in order: save the vote, then act, then send. */
  private stepElection (input: ElectionInput): void {
    const before = this.election.leader
    let effects: ElectionEffect[]
    if (this.options.faults?.doubleVote === true && input.type === 'message' && input.message.type === 'vote' &&
        input.message.term === this.election.term && this.election.votedFor !== null && this.election.votedFor !== input.from) {
      // The deliberate fault, on the wire and not in the core: grant a second candidate of this term a vote too.
      this.members.get(input.from)?.channel.send(toWire({ type: 'vote-response', term: input.message.term, granted: true }))
      return
    }
    try {
      effects = this.election.step(input)
    } catch (err) {
      this.logger.error({ err: String(err) }, 'the election refused an input')
      return
    }
    for (const effect of effects) {
      switch (effect.type) {
        case 'persist':
          saveVote(this.peer.home, { term: effect.term, votedFor: effect.votedFor })
          break
        case 'state':
          if (effect.state === 'candidate') this.counters.elections++
          this.logger.info({ state: effect.state, term: this.election.term }, 'election state')
          break
        case 'leader':
          this.logger.info({ term: effect.term, leader: effect.leader?.slice(0, 12) ?? null }, effect.leader === this.nodeId ? 'this peer leads' : 'leader changed')
          break
        case 'send':
          this.members.get(effect.to)?.channel.send(toWire(effect.message))
          break
      }
    }
    if (effects.some(e => e.type === 'leader' || e.type === 'state')) {
      this.options.onElection?.({ term: this.election.term, state: this.election.state, leader: this.election.leader })
      const isLeader = this.election.state === 'leader'
      // The queue is told of a change only: a repeated "you lead in term T" would start its work again.
      if (isLeader !== this.fedLeadership.isLeader || this.election.term !== this.fedLeadership.term) {
        this.fedLeadership = { isLeader, term: this.election.term }
        if (isLeader) void this.leadAfterCatchingUp(this.election.term)
        else this.coordinator.leadership(false, this.election.term)
      }
      if (this.election.leader !== before) {
        for (const pending of this.requests.values()) if (pending.to !== this.election.leader) pending.reject(new RetryElsewhere('the leader changed'))
      }
      if (this.election.leader !== null) for (const wake of [...this.leaderWaiters]) wake()
    }
  }

  private observeHead (peer: string, head: Head): void {
    for (const id of this.acks.observe(peer, head.writer, head.length)) this.ackWaiters.get(id)?.()
  }

  private applyEffects (effects: readonly GossipEffect[]): void {
    for (const effect of effects) {
      if (effect.type === 'send') {
        const member = this.members.get(effect.peer)
        if (member !== undefined && effect.heads.length > 0) member.channel.send({ type: 'heads', heads: effect.heads })
      } else {
        this.fetch(effect.writer, effect.length)
      }
    }
  }

  /** Downloads and applies a writer's log, one fetch per writer at a time. */
  private fetch (writer: string, length: number): void {
    const previous = this.fetches.get(writer) ?? Promise.resolve()
    const next = previous.then(async () => {
      if (this.closing) return
      // Held (on disk) is what acknowledgements count, so it is announced before the view catches up.
      const held = await this.peer.store.downloadRemote(writer, length)
      this.observeHead(this.nodeId, { writer, length: held })
      this.applyEffects(this.gossip.step({ type: 'local', writer, length: held }))
      await this.peer.store.applyRemote(writer, held)
    }).catch(err => { if (!this.closing) this.logger.warn({ err: String(err), writer: writer.slice(0, 12) }, 'fetching a log failed; the next tick retries') })
    this.fetches.set(writer, next)
  }

  /** Waits for the fetches in flight until they settle (true) or until `realDeadline` on performance.now() (false). */
  private async fetchesSettled (realDeadline: number): Promise<boolean> {
    const pending = [...this.fetches.values()]
    if (pending.length === 0) return true
    let timer: NodeJS.Timeout | undefined
    const all = Promise.all(pending).then(() => true)
    const late = new Promise<boolean>(resolve => { timer = setTimeout(() => resolve(false), Math.max(0, realDeadline - performance.now())) })
    try {
      return await Promise.race([all, late])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Tells peers of this peer's log head now. */
  private announce (): void {
    const writer = this.peer.store.writer
    const length = this.peer.store.logLength
    this.observeHead(this.nodeId, { writer, length })
    this.applyEffects(this.gossip.step({ type: 'local', writer, length }))
  }

  /** After this peer appended to its log: gossip the new head and wait until enough peers hold it. */
  private async acknowledge (quorum = false): Promise<{ holders: number, required: number }> {
    const writer = this.peer.store.writer
    const length = this.peer.store.logLength
    if (this.closing) throw unavailable('the node is stopping: not acknowledged')
    // The fault acknowledges before it even tells its peers: they learn of the write at the next gossip tick, if the
    // writer is still up then (announcing first made the proof depend on how fast replication raced the crash).
    if (this.options.faults?.ackBeforeReplicate === true) return { holders: 1, required: 1 }
    this.announce()
    // A record needs its replication factor of the peers connected, and never fewer than a majority of the roster
    // (capped by the factor): an isolated leader cannot acknowledge alone. An accepted request needs a majority of
    // the roster, the peers any next leader is elected by, so a new leader can always find it.
    const required = quorum ? this.majority() : this.recordRequirement()
    // What is required now: peers that left while the write waited no longer count (see AckTracker.limit).
    const requiredNow = (): number => quorum ? required : Math.min(required, this.recordRequirement())
    const id = this.nextAckId++
    if (this.acks.wait(id, writer, length, required, !quorum)) return { holders: this.acks.count(writer, length), required }
    await new Promise<void>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.ackWaiters.delete(id)
        this.acks.cancel(id)
        reject(unavailable(`stored on ${this.acks.count(writer, length)} of the ${requiredNow()} peers required after ${this.ackTimeoutMs / 1000} s: not acknowledged (it stays in the log and will replicate when peers return)`))
      }, this.ackTimeoutMs)
      this.ackWaiters.set(id, () => { this.clock.clearTimeout(timer); this.ackWaiters.delete(id); resolve() })
    })
    return { holders: this.acks.count(writer, length), required: requiredNow() }
  }

  private majority (): number {
    return majorityOf(this.election.members.length)
  }

  /** How many peers must hold a record: the replication factor of the peers connected (this one too), at least a majority of the roster. */
  private recordRequirement (): number {
    return Math.min(this.peer.config.replicationFactor, Math.max(1 + this.members.size, this.majority()))
  }

  /** Resolves when a leader is known (or the deadline passes, or the node closes). */
  private async leaderKnown (deadline: number): Promise<void> {
    if (this.election.leader !== null || this.closing) return
    await new Promise<void>(resolve => {
      const done = (): void => { this.clock.clearTimeout(timer); this.leaderWaiters.delete(done); resolve() }
      const timer = this.clock.setTimeout(done, Math.max(0, deadline - this.clock.now()))
      this.leaderWaiters.add(done)
    })
  }

  /** Why no leader can be elected, as far as this peer sees: the voters it reaches against the majority needed. */
  private quorumText (): string {
    const voters = this.election.members
    const reached = voters.filter(id => id === this.nodeId || this.members.has(id)).length
    const majority = majorityOf(voters.length)
    return `this peer reaches ${reached} of the roster's ${voters.length} voters (itself included) and electing a leader needs ${majority}; start the others' daemons, or see \`bzzz-ctx elect\``
  }

  private retryRequestsTo (member: string): void {
    for (const pending of this.requests.values()) if (pending.to === member) pending.reject(new RetryElsewhere('the leader went away'))
  }

  /**
   * Runs `op` on the leader: here when this peer leads, else forwarded to it. When the leader goes away or changes
   * before it answers, the same request (same id, so the retry is idempotent) goes to the new leader, until the
   * deadline.
   */
  private async onLeader (op: string, args: Record<string, unknown>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<any> {
    const id = typeof args.id === 'string' ? args.id : randomBytes(12).toString('base64url')
    const deadline = this.clock.now() + timeoutMs
    let lastProblem = 'no leader is known'
    const noLeaderMs = this.options.noLeaderTimeoutMs ?? Math.max(NO_LEADER_TIMEOUT_MS, 10 * this.electionTimeoutMs)
    let leaderless: number | null = null
    for (let attempt = 0; !this.closing && this.clock.now() < deadline; attempt++) {
      if (attempt > 0) {
        this.counters.retried++
        await this.clock.sleep(RETRY_PAUSE_MS)
      }
      if (this.election.leader === null) leaderless ??= this.clock.now()
      await this.leaderKnown(leaderless === null ? deadline : Math.min(deadline, leaderless + noLeaderMs))
      const leader = this.election.leader
      if (leader === null) {
        if (leaderless !== null && this.clock.now() - leaderless >= noLeaderMs) throw unavailable(`no leader for ${Math.round(noLeaderMs / 1000)} s, so ${op} was not accepted: ${this.quorumText()}`)
        continue
      }
      leaderless = null
      try {
        if (leader === this.nodeId) {
          if (this.election.state !== 'leader') continue
          return await this.serveOnce(op, { ...args, id })
        }
        const member = this.members.get(leader)
        if (member === undefined) { lastProblem = `the leader ${leader.slice(0, 12)} is not connected`; continue }
        this.counters.forwarded++
        return await this.send(member, op, { ...args, id }, deadline)
      } catch (err) {
        if (err instanceof RetryElsewhere) { lastProblem = err.message; continue }
        // The one that answered was not (or no longer) the leader: ask again whoever leads now.
        if (isBzzzError(err) && err.code === 'UNAVAILABLE' && /not the leader/.test(err.message)) { lastProblem = err.message; continue }
        throw err
      }
    }
    throw unavailable(`no leader answered ${op} within ${Math.round(timeoutMs / 1000)} s (${lastProblem}): check \`bzzz-ctx elect status\`; the request may still complete`)
  }

  private async send (member: Member, op: string, args: Record<string, unknown>, deadline: number): Promise<unknown> {
    const id = randomBytes(12).toString('hex')
    return await new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => { this.requests.delete(id); reject(new RetryElsewhere(`the leader did not answer ${op} in time`)) }, Math.max(0, deadline - this.clock.now()))
      const settle = (): void => { this.clock.clearTimeout(timer); this.requests.delete(id) }
      this.requests.set(id, { to: member.node, resolve: body => { settle(); resolve(body) }, reject: err => { settle(); reject(err) }, timer })
      member.channel.send({ type: 'request', id, op, body: JSON.stringify(args) })
    })
  }

  private async serveRequest (remote: string, message: Extract<WireMessage, { type: 'request' }>): Promise<void> {
    const member = this.members.get(remote)
    if (member === undefined) return
    let ok = true
    let body: unknown
    try {
      const args = JSON.parse(message.body) as Record<string, unknown>
      if (typeof args !== 'object' || args === null) throw badInput('a malformed request')
      this.counters.served++
      body = message.op === 'instance'
        ? { instance: this.instance }
        : message.op === 'duplicate'
          ? this.halt(`peer ${remote.slice(0, 12)} says: ${String(args.reason ?? 'another process uses this identity').slice(0, 300)}`, remote)
          : await this.serveOnce(message.op, args, remote)
    } catch (err) {
      ok = false
      body = isBzzzError(err) ? { code: err.code, message: err.message } : { code: 'FAILURE', message: String((err as Error)?.message ?? err) }
    }
    this.members.get(remote)?.channel.send({ type: 'response', id: message.id, ok, body: JSON.stringify(body) })
  }

  /** The leader's side of a call; the answer to a request id is remembered, so a retry is answered, not redone. */
  private async serveOnce (op: string, args: Record<string, unknown>, from = this.nodeId): Promise<unknown> {
    if (this.election.state !== 'leader') throw unavailable('this peer is not the leader')
    const id = args.id
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw badInput('a request without a valid id')
    const key = `${op}\u0000${id}`
    let answer = this.served.get(key)
    if (answer === undefined) {
      answer = this.serveOp(op, args, from)
      this.served.set(key, answer)
      // A failure is not remembered: the retry runs again.
      answer.catch(() => { if (this.served.get(key) === answer) this.served.delete(key) })
    }
    return await answer
  }

  private async serveOp (op: string, args: Record<string, unknown>, from: string): Promise<unknown> {
    if (op === 'enqueue') {
      if (typeof args.payload !== 'string' || typeof args.project !== 'string' || typeof args.path !== 'string' || typeof args.address !== 'string') throw badInput('a malformed generation request')
      const roles = Array.isArray(args.roles) ? args.roles.filter((r): r is string => typeof r === 'string') : undefined
      if (roles !== undefined) this.peer.recipients(roles)
      return await this.coordinator.accept({
        id: args.id as string, address: args.address, project: args.project, path: args.path,
        priority: isPriority(args.priority) ? args.priority : 'normal', requester: from,
        ...(roles !== undefined && roles.length > 0 ? { roles } : {}), ...(args.prune === true ? { prune: true } : {}), payload: Buffer.from(args.payload, 'base64')
      })
    }
    if (op === 'decide') {
      if (!this.hasLease()) throw unavailable('this peer is not the leader (it has not heard from a majority lately)')
      const input = args.input as DecideInput
      const strings = (value: unknown, optional: boolean): boolean => (optional && value === undefined) || (Array.isArray(value) && value.every((item) => typeof item === 'string'))
      if (typeof input !== 'object' || input === null || !strings(input.affects, false) || !strings(input.influencedBy, true) || !strings(input.supersedes, true) ||
        typeof input.title !== 'string' || typeof input.rationale !== 'string' || (input.id !== undefined && typeof input.id !== 'string') || (input.level !== undefined && typeof input.level !== 'string')) throw badInput('a malformed decision')
      // The author is the role the requester's certificate gives it, not what it says of itself.
      const author = from === this.nodeId ? this.peer.config.role : this.members.get(from)?.role
      if (author === undefined) throw unavailable('the requester is no longer connected')
      // A retry of a decision an earlier leader wrote, and that reached this one: answered, not written again.
      const written = this.peer.decisionRetry(input, author)
      if (written !== undefined) return { ...written, acknowledged: await this.acknowledge() }
      const decision = await this.peer.decide(input, this.election.term, author)
      const acknowledged = await this.acknowledge()
      return { ...decision, acknowledged }
    }
    if (op === 'distribute') {
      if (!this.hasLease()) throw unavailable('this peer is not the leader (it has not heard from a majority lately)')
      const report = await this.peer.distribute(args.record, args.roles as string[] | undefined, String(args.source ?? 'a record'), this.election.term, typeof args.decision === 'string' ? args.decision : undefined)
      const acknowledged = await this.acknowledge()
      return { ...report, acknowledged }
    }
    throw badInput(`unknown request ${op}`)
  }

  /**
   * Asks the leader to generate: the files travel in the request (no shared checkout is needed), the leader appends
   * the request to its log and says it is accepted once peers hold it, and the report comes back with its
   * completion entry, from whichever leader finished it. `noWait` returns once the request is accepted.
   */
  async generate (options: GenerateOptions & { noWait?: boolean }): Promise<GenerateReport & { request: { id: string, state: string, term: number, duplicate?: boolean }, acknowledged?: unknown }> {
    const started = performance.now()
    const { path, root, project } = this.peer.target(options)
    const rel = relative(root, path)
    const roles = options.roles === undefined || options.roles.length === 0 ? undefined : this.peer.recipients(options.roles)
    const packed = await packFiles(root, path)
    const id = randomBytes(12).toString('base64url')
    const priority = options.priority ?? 'normal'
    const accepted = await this.onLeader('enqueue', {
      id, address: addressFor(project, rel.split('\\').join('/') || '.'), project, path: rel || '.', priority,
      ...(roles !== undefined ? { roles } : {}), ...(options.prune === true ? { prune: true } : {}), payload: packed.payload.toString('base64')
    }) as { id: string, term: number, duplicate: boolean }
    const base = {
      project, root, path: rel || '.', priority, roles: roles ?? this.peer.directory.names(), skipped: packed.skipped,
      files: 0, cached: 0, records: 0, written: 0, unchanged: 0, removed: 0, stale: 0, bytes: 0
    }
    if (options.noWait === true) {
      return { ...base, ms: Math.round(performance.now() - started), request: { id, state: 'queued', term: accepted.term, duplicate: accepted.duplicate } }
    }
    const completion = await this.coordinator.completion(id, COMPLETION_TIMEOUT_MS)
    if (completion.status === 'failed') throw new BzzzError('FAILURE', `the leader could not generate ${options.path}: ${completion.error ?? 'no reason given'}`)
    const report = completion.report
    return {
      ...base, files: report?.files ?? 0, records: report?.records ?? 0, written: report?.written ?? 0, unchanged: report?.unchanged ?? 0,
      removed: report?.removed ?? 0, stale: report?.stale ?? 0, bytes: report?.bytes ?? 0, ms: Math.round(performance.now() - started),
      request: { id, state: completion.status, term: completion.version.term, ...(completion.by !== undefined ? { supersededBy: completion.by } : {}) },
      ...(report?.acknowledged !== undefined ? { acknowledged: report.acknowledged } : {})
    }
  }

  async distribute (value: unknown, roles: readonly string[] | undefined, source: string, decision?: string): Promise<DistributeReport & { acknowledged?: { holders: number, required: number } }> {
    return await this.onLeader('distribute', { record: value, ...(roles !== undefined ? { roles } : {}), source, ...(decision !== undefined ? { decision } : {}) }) as DistributeReport
  }

  /** Records a decision through the leader (which checks it against its graph), acknowledged like a write. */
  async decide (input: DecideInput): Promise<DecisionView> {
    // The id travels with the request: resent to the next leader during a failover, it is the same decision.
    return await this.onLeader('decide', { input: { ...input, id: input.id ?? newDecisionId() } }) as DecisionView
  }

  async history (address: string, role: string): Promise<HistoryReport> {
    return await this.peer.history(address, role)
  }

  async hops (target: string, role: string, max?: number): Promise<HopsReport> {
    return await this.peer.hops(target, role, max)
  }

  async influence (role: string, max?: number, limit?: number): Promise<Array<{ id: string, title: string, addresses: number }>> {
    return await this.peer.influence(role, max, limit)
  }

  async retrieve (address: string, role: string, depth = DEFAULT_RESOLVE_DEPTH): Promise<Retrieved> {
    try {
      return await this.peer.retrieve(address, role, depth)
    } catch (err) {
      // Not here yet: finish applying what was downloaded, pull what the peers announced, then try once more.
      if (!isBzzzError(err) || err.code !== 'NOT_FOUND') throw err
      if (this.fetches.size === 0 && this.gossip.caughtUp()) throw err
      await this.sync(RETRIEVE_CATCH_UP_SECONDS)
      return await this.peer.retrieve(address, role, depth)
    }
  }

  /**
   * A new leader first pulls what its peers hold, then runs the queue. The old leader may have written a
   * completion that reached only some peers before it died: a leader that had not applied it would run the
   * request again, and both completions would be in the logs (a duplicate). Bounded: past it, the queue runs
   * on what this peer has (a late completion is then counted as a duplicate, never lost work).
   */
  private async leadAfterCatchingUp (term: number): Promise<void> {
    const boundMs = Math.max(1000, 2 * this.electionTimeoutMs)
    try {
      // sync bounds its waits for downloads in real time; this bound is on the node's clock (the simulator's).
      await Promise.race([this.sync(boundMs / 1000), this.clock.sleep(boundMs + 100)])
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'the new leader could not catch up with its peers; it runs the queue on what it has')
    }
    if (!this.closing && this.fedLeadership.isLeader && this.fedLeadership.term === term) this.coordinator.leadership(true, term)
  }

  /**
   * Pulls from peers until every head they announced is local, or the timeout.
   *
   * The timeout holds on two clocks. On the node's clock it ends the polling. On real time it bounds
   * the waits for downloads and applies in flight: those are real I/O, and a download from a peer
   * that went away would otherwise hold `sync` (and `retrieve`'s retry) until its own 30 s timeout.
   * In a daemon both clocks are one; in the simulator the node's clock runs ahead of real time, so
   * its virtual deadline ends the polling while the real bound still lets fast local I/O finish.
   */
  async sync (timeoutSeconds: number): Promise<SyncReport> {
    const started = performance.now()
    const realDeadline = started + timeoutSeconds * 1000
    const before = new Map(this.peer.store.heads().map(h => [h.writer, h.length]))
    this.applyEffects(this.gossip.step({ type: 'tick' }))
    const deadline = this.clock.now() + timeoutSeconds * 1000
    while (!this.gossip.caughtUp() && this.clock.now() < deadline && performance.now() < realDeadline) {
      await this.clock.sleep(50)
      await this.fetchesSettled(realDeadline)
    }
    // Downloaded is not yet applied: wait for the view too.
    const settled = await this.fetchesSettled(realDeadline)
    const after = this.peer.store.heads()
    // With no peer connected nothing was compared: in a cluster of several members that is not caught up.
    const alone = this.members.size === 0 && this.election.members.some(id => id !== this.nodeId)
    return {
      caughtUp: settled && !alone && this.gossip.caughtUp(),
      ms: Math.round(performance.now() - started),
      peers: this.members.size,
      logs: after.map(h => ({ writer: h.writer, before: before.get(h.writer) ?? 0, after: h.length, moved: h.length - (before.get(h.writer) ?? 0) }))
    }
  }

  /** The election as this peer sees it. */
  electStatus (): ElectStatus {
    const tickMs = this.electionTimeoutMs / ELECTION_TICKS
    const now = this.clock.now()
    const ids = new Set([...this.election.members, ...this.members.keys()])
    ids.delete(this.nodeId)
    const phase = this.election.state
    return {
      term: this.election.term,
      state: phase === 'pre-candidate' ? 'candidate' : phase,
      phase,
      leader: this.election.leader,
      votedFor: this.election.votedFor,
      canCampaign: this.canCampaign,
      electionTimeoutMs: this.electionTimeoutMs,
      roster: { version: this.roster?.version ?? null, members: this.election.members.length },
      peers: [...ids].sort().map(id => {
        // A connected member by its last message of any kind (election messages are among them; followers exchange
        // only heads); one that is gone by the election's count, which remembers it.
        const member = this.members.get(id)
        const ticks = this.election.lastContact(id)
        const lastContactMs = member !== undefined ? Math.max(0, now - member.lastHeardAt) : ticks === null ? null : Math.round(ticks * tickMs)
        return { id, role: member?.role ?? this.known?.get(id) ?? null, connected: member !== undefined, voter: this.election.members.includes(id), lastContactMs }
      })
    }
  }

  /** Starts an election now (through PreVote), and reports once it is decided or after a few timeouts. */
  async campaign (): Promise<ElectStatus> {
    if (!this.canCampaign) throw badUsage('this peer does not campaign (its role may not read source, or it was started with --no-campaign)')
    if (this.election.state === 'leader') return this.electStatus()
    this.stepElection({ type: 'campaign' })
    await this.settled(() => this.election.state === 'leader' || (this.election.state === 'follower' && this.election.leader !== null))
    // Another peer's win is an answer (the status says who leads); no leader at all is what UNAVAILABLE means.
    const status = this.electStatus()
    if (status.state !== 'leader' && status.leader === null) throw unavailable(`the campaign elected no leader: ${this.quorumText()}`)
    return status
  }

  /** Hands leadership to the most up-to-date follower that can campaign, and reports once a new leader is known. */
  async resign (): Promise<ElectStatus> {
    if (this.election.state !== 'leader') throw badUsage(`this peer does not lead${this.election.leader !== null ? ` (${this.election.leader.slice(0, 12)} does)` : ''}: run \`elect resign\` on the leader`)
    const term = this.election.term
    this.stepElection({ type: 'resign' })
    await this.settled(() => this.election.leader !== null && this.election.term > term)
    return this.electStatus()
  }

  /**
   * True while this peer leads and has heard from a majority of the roster within an election timeout: the lease
   * CheckQuorum also uses. While it holds, the followers refuse to elect anyone else (PreVote and CheckQuorum).
   */
  hasLease (): boolean {
    if (this.election.state !== 'leader') return false
    const members = this.election.members
    let heard = members.includes(this.nodeId) ? 1 : 0
    for (const member of members) {
      if (member === this.nodeId) continue
      const ticks = this.election.lastContact(member)
      if (ticks !== null && ticks < ELECTION_TICKS) heard++
    }
    return heard >= this.majority()
  }

  /** Waits until `done`, at most five election timeouts. */
  private async settled (done: () => boolean): Promise<void> {
    const deadline = this.clock.now() + 5 * this.electionTimeoutMs
    while (!done() && !this.closing && this.clock.now() < deadline) await this.clock.sleep(this.electionTimeoutMs / ELECTION_TICKS)
  }

  queueStatus (): QueueStatus {
    return { ...this.coordinator.queue.counts(this.clock.now()), leader: this.election.leader, term: this.election.term, isLeader: this.election.state === 'leader' }
  }

  queueList (): QueueListRow[] {
    const now = this.clock.now()
    return this.coordinator.queue.list().map(row => ({ ...row, ageMs: Math.max(0, now - row.acceptedAt) }))
  }

  peers (): PeerRow[] {
    const rows: PeerRow[] = []
    for (const member of this.members.values()) {
      const heads = this.gossip.peerHeads(member.node)
      rows.push({
        id: member.node, role: member.role, connected: true, since: member.connectedAt,
        logs: [...heads].map(([writer, length]) => ({ writer, length, lag: Math.max(0, this.gossip.target(writer) - length) }))
      })
    }
    return rows.sort((a, b) => a.id < b.id ? -1 : 1)
  }

  async status (): Promise<StatusReport> {
    const local = await this.peer.status()
    const leadership = this.leadership
    return {
      ...local, mode: 'daemon', leader: leadership.leader, term: leadership.term, peers: this.members.size,
      counters: { ...this.counters, rejectedEntries: this.peer.store.rejectedEntries },
      ...(this.halted !== null ? { halted: this.halted } : {})
    }
  }
}

/** The one leader that every given node follows in the same term, or null (for the demo, tests and benchmarks). */
export function agreedLeader (nodes: readonly ClusterNode[]): { node: ClusterNode, leader: string, term: number } | null {
  const leaders = nodes.filter(n => n.election.state === 'leader')
  if (leaders.length !== 1) return null
  const node = leaders[0]!
  return nodes.every(n => n.election.leader === node.nodeId && n.election.term === node.election.term) ? { node, leader: node.nodeId, term: node.election.term } : null
}

/**
 * This peer's term and vote, saved (and synced to disk) before any message that depends on them leaves. A damaged file is refused, never read as none: a peer that forgot its
 * vote could vote twice in one term, and two leaders could be elected in it.
 */
export function readVote (home: string): PersistedVote | null {
  const file = join(home, VOTE_FILE)
  if (!existsSync(file)) return null
  let value: Record<string, unknown> | null = null
  try {
    value = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
  } catch {}
  if (value === null || typeof value !== 'object' || !Number.isSafeInteger(value.term) || (value.term as number) < 0 ||
    (value.votedFor !== null && (typeof value.votedFor !== 'string' || !/^[0-9a-f]{64}$/.test(value.votedFor)))) {
    throw corrupt(`${file} is damaged: it keeps this peer's election term and vote, which must survive a restart (a peer that forgot its vote could vote twice in a term). Restore it, or remove it to start without one, which is safe once the cluster has elected a leader in a later term`)
  }
  return { term: value.term as number, votedFor: value.votedFor as string | null }
}

function saveVote (home: string, vote: PersistedVote): void {
  // Synchronous on purpose: the vote must be on disk before the step's messages are sent.
  const file = join(home, VOTE_FILE)
  const temp = `${file}.${process.pid}.tmp`
  const fd = openSync(temp, 'w', 0o600)
  try {
    writeSync(fd, JSON.stringify(vote) + '\n')
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temp, file)
}

function toWire (message: ElectionMessage): ElectionWireMessage {
  switch (message.type) {
    case 'pre-vote-response':
    case 'vote-response': return { type: 'election', kind: message.type, term: message.term, flag: message.granted }
    case 'vote': return { type: 'election', kind: 'vote', term: message.term, flag: message.transfer === true }
    case 'heartbeat-response': return { type: 'election', kind: 'heartbeat-response', term: message.term, flag: message.canCampaign }
    default: return { type: 'election', kind: message.type, term: message.term, flag: false }
  }
}

function fromWire (message: ElectionWireMessage): ElectionMessage {
  switch (message.kind) {
    case 'pre-vote-response':
    case 'vote-response': return { type: message.kind, term: message.term, granted: message.flag }
    case 'vote': return message.flag ? { type: 'vote', term: message.term, transfer: true } : { type: 'vote', term: message.term }
    case 'heartbeat-response': return { type: 'heartbeat-response', term: message.term, canCampaign: message.flag }
    default: return { type: message.kind, term: message.term }
  }
}
