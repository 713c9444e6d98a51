/**
 * A peer in its cluster: the local peer (home, keys, store) on a transport (Hyperswarm in the daemon, the in-memory
 * network in the simulator) and a clock (the wall clock, or the simulator's). This file is the only one that knows
 * every part: the members (hello and certificates), the duplicate-identity guard, the election driver, replication
 * (gossip and acknowledgements), calls to the leader, the leader's operations, the coordinator of the queue and its
 * view, the keys changes taken up, and `retrieve` with its catch-up.
 */
import { availableParallelism } from 'node:os'
import { badInput } from '../../errors.js'
import { ELECTION_TIMEOUT_TICKS, type Election, type ElectionState } from '../../election/election.js'
import type { Leadership } from '../../leader/leadership.js'
import { Coordinator, MAX_REQUEST_FILE_BYTES } from '../../leader/coordinator.js'
import type { WireMessage } from '../../net/messages.js'
import { covers } from '../../crypto/levels.js'
import { DEFAULT_RESOLVE_DEPTH } from '../../context/resolve.js'
import type { Retrieved } from '../../storage/context-store.js'
import type { KeysBundle } from '../keys-bundle.js'
import { parseSignedPolicy } from '../cluster-policy.js'
import type { RecordKind } from '../../context/record.js'
import { newDecisionId, type DecideInput, type DecisionView, type HistoryReport, type HopsReport } from '../../temporal/decisions.js'
import { systemClock, systemRandomBytes, type Clock, type RandomBytes, type TimerHandle } from '../../clock.js'
import type Hyperswarm from 'hyperswarm'
import type { AckKind } from '../../distribution/acks.js'
import { SHARDS, shardHolders, shardOf, type PlacementMember } from '../../distribution/placement.js'
import { DOWNLOAD_TIMEOUT_MS } from '../../storage/store-logs.js'
import { hyperswarmTransport, type Transport } from '../environment.js'
import { clusterLinkOptions, LinkPlan, relayNextHop, shardSources, VOTER_GATEWAYS, type LinkView } from '../../distribution/links.js'
import { ShardReads } from './shard-reads.js'
import { relayedCallerRole, signRelayedCall } from '../relayed-call.js'
import { LocalPeer, type AuditOptions, type DistributeReport, type GenerateOptions, type ResealReport, type StatusReport } from '../local-peer.js'
import type { FreshnessReport } from '../freshness.js'
import { DEFAULT_ELECTION_TIMEOUT_MS, roleEntry } from '../home.js'
import { coordinatorHostOf } from '../coordinator-host.js'
import { signVote } from '../term-evidence.js'
import { onRoster, rosterCapacity } from '../roster.js'
import type { Logger } from '../logger.js'
import { KnownMembers } from '../known-members.js'
import { Members } from './members.js'
import { ClusterAudit } from './cluster-audit.js'
import { InstanceGuard } from './instance-guard.js'
import { ElectionDriver } from './election-driver.js'
import { Replication, ACK_TIMEOUT_MS, GOSSIP_TICK_MS } from './replication.js'
import { LeaderCalls, NO_LEADER_TIMEOUT_MS, RELAY_AFTER_TIMEOUTS } from './leader-calls.js'
import { LeaderOps } from './leader-ops.js'
import { Requester, type RequestedReport } from './requester.js'
import { catchUpThenLead, votersCaughtUpFrom, votersMajority } from './catch-up.js'
import { Retrieval } from './retrieval.js'
import { KeysTakeUp } from './keys-take-up.js'
import { QueueView } from './queue-view.js'
import { MAX_TERM_ENDS } from '../../storage/log-entry.js'
import type { QueueTally } from '../../leader/queue.js'
import { newCounters, type ElectStatus, type Member, type PeerRow, type QueueListRow, type QueueStatus, type SyncReport } from './types.js'
import type { InfluenceOrder, InfluenceRow } from '../../temporal/graph.js'

export type { ElectStatus, PeerRow, QueueListRow, QueueStatus, SyncReport } from './types.js'
export { GOSSIP_TICK_MS } from './replication.js'

/** The default election timeout: a follower that hears no leader for this long (plus a random part) campaigns. */
export { DEFAULT_ELECTION_TIMEOUT_MS }
export { COMPLETION_TIMEOUT_MS } from './requester.js'
export { RETRIEVE_CATCH_UP_SECONDS } from './retrieval.js'
export { LEADER_CATCH_UP_MIN_MS } from './catch-up.js'

/** How often a node with a retention clears the payloads of superseded versions past it. */
export const PAYLOAD_SWEEP_MS = 60_000

export interface ClusterNodeOptions {
  home: string
  /** HyperDHT bootstrap nodes; undefined for the public DHT. */
  bootstrap?: Array<{ host: string, port: number }>
  /** Bind the DHT to this host (127.0.0.1 in tests). */
  host?: string
  logger: Logger
  /** How long a write waits for its acknowledgement (default ACK_TIMEOUT_MS). */
  ackTimeoutMs?: number
  /** How long a call that needs the leader waits while none is known (default NO_LEADER_TIMEOUT_MS, or ten election timeouts). */
  noLeaderTimeoutMs?: number
  /** The election timeout in ms (default DEFAULT_ELECTION_TIMEOUT_MS). */
  electionTimeoutMs?: number
  /**
   * Members each voter takes as gateways (default VOTER_GATEWAYS, src/distribution/links.ts): every peer of a cluster
   * must be given the same. For tests and benchmarks that show the bounded voters with a few peers.
   */
  voterGateways?: number
  /** How long a link dialled to read a shard's record stays without a read (default VISIT_IDLE_MS; shard-reads.ts). For tests. */
  visitIdleMs?: number
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
  /** What an analysis costs on the clock, from its files and bytes (default: its real time; see LocalPeerOptions). */
  analysisCostMs?: (files: number, bytes: number) => number
  /** Where the peer keeps its analyses running on real CPUs (see LocalPeerOptions.analysing). */
  analysing?: Set<Promise<unknown>>
  /** The most file bytes one generation request carries (default MAX_REQUEST_FILE_BYTES; tests make it small). */
  requestPartBytes?: number
  /** Random ids of requests and of this process's run (default: the system's; the simulator's come from its seed). */
  randomBytes?: RandomBytes
  /** Told of every change of this node's election state, as it happens. */
  onElection?: (event: { term: number, state: ElectionState, leader: string | null }) => void
  /** Told of every vote this node grants, as it sends it (the simulator's vote checker judges each). */
  onVote?: (event: { term: number, candidate: string }) => void
  /**
   * Deliberate faults, for the simulator's proof that its checkers catch them; never set otherwise. doubleVote: grant
   * every vote, even a second one in a term, and with each one more, unasked. ackBeforeReplicate: call writes acknowledged at once, before peers are told of them.
   * ackNonVoters: count the copies of members that do not vote toward a write's majority of voters, and not the voters'.
   * forgetQueue: a new leader drops the requests accepted before its term. unheldRecord: a leader's generate reports
   * one record more than it appends (acknowledged, never held). staleRead: `retrieve` answers an address and role with
   * what it first answered, however new the versions written since. shardVoters: with sharded replication, voters
   * hold only the payloads of the shards placed on them, as members do.
   */
  faults?: { doubleVote?: boolean, ackBeforeReplicate?: boolean, ackNonVoters?: boolean, forgetQueue?: boolean, unheldRecord?: boolean, staleRead?: boolean, shardVoters?: boolean }
  /**
   * Told when this node stops taking part because a peer found another process using its identity (see the
   * instance guard); the node has already left the swarm. The daemon stops on it.
   */
  onHalt?: (reason: string) => void
  /** How this peer audits reads and writes (its settings auditHashReads, auditFailClosed; default both off). */
  audit?: Partial<AuditOptions>
  /**
   * Clear the payloads of superseded versions written longer ago than this (the setting `retention`), every PAYLOAD_SWEEP_MS
   * and at close; undefined keeps them all.
   */
  retentionMs?: number
  /** How often this peer co-signs each member's audit head at most (default WITNESS_INTERVAL_MS; tests shorten it). */
  witnessIntervalMs?: number
  /** Told of each write acknowledged and how long it waited on the clock (the daemon's metrics). */
  onAcknowledged?: (event: { kind: AckKind, ms: number, holders: number, required: number }) => void
  /** Told of each `retrieve` answered: how long it took, and whether it had to pull from peers first (remote). */
  onRetrieved?: (event: { ms: number, source: 'local' | 'remote' }) => void
  /** Told when a member connects (proved itself) or its connection closes: the daemon's event feed. */
  onMembership?: (event: { node: string, role: string | null, connected: boolean }) => void
  /** Told of each peer refused and each frame dropped, as the counters count them. */
  onRejected?: (event: { what: 'peer' | 'frame', node: string, reason: string }) => void
  /** For tests only (BZZZ_TEST_WRONG_HEAD_HASHES): announce every head with a wrong hash, as a lying member would. */
  testWrongHeadHashes?: boolean
  /**
   * For tests only (BZZZ_TEST_NO_TOPIC_LOOKUP): announce the cluster topic but never look it up, so this peer meets
   * only the members it dials by key.
   */
  testNoTopicLookup?: boolean
  /**
   * Start the analysis workers and read the analysis cache when this peer becomes leader, so the first request waits for
   * neither (the daemon). Off in the simulator's memory mode, where real threads would start outside its steps.
   */
  warmAnalysis?: boolean
}

export class ClusterNode {
  readonly peer: LocalPeer
  readonly clock: Clock
  readonly counters = newCounters()
  readonly election: Election
  readonly coordinator: Coordinator
  private readonly logger: Logger
  private readonly electionTimeoutMs: number
  private readonly voterGateways: number
  private readonly transport: Transport
  /** The links the roster gives this peer: null for the full mesh (see src/distribution/links.ts). */
  private view: LinkView | null = null
  /** The links of the roster `version` (pruneLinks, and the hops from each leader in their graph: relayHops). */
  private linksMemo: { version: number, plan: LinkPlan } = { version: -2, plan: new LinkPlan({ members: [] }) }
  /** A sharded cluster's placement under the roster `version`: each shard's holders, then the voters in its order. */
  private shardsMemo: { version: number, holders: string[][], voters: (shard: number) => string[] } | null = null
  /** Links dialled to read a record of a shard this peer holds no copy of (sharded replication). */
  private readonly shardReads: ShardReads
  private readonly known: KnownMembers
  private readonly members: Members
  private readonly guard: InstanceGuard
  private readonly elections: ElectionDriver
  private readonly replication: Replication
  private readonly calls: LeaderCalls
  private readonly ops: LeaderOps
  private readonly requester: Requester
  private readonly audit: ClusterAudit
  private readonly retrieval: Retrieval
  private readonly keyChanges: KeysTakeUp
  private readonly queueView: QueueView
  private readonly timers: TimerHandle[] = []
  private closing = false
  /** The roster the payloads placed on this peer were last worked out from (see placePayloads), and that work. */
  private placedFor = ''
  /** The simulator's deliberate fault: see ClusterNodeOptions.faults. */
  private readonly shardVoters: boolean
  private placing = Promise.resolve()
  private readonly onMembership: ClusterNodeOptions['onMembership']
  /** The term in which this peer, leading, caught up with a majority: its term entry for that term states the ends. */
  private endsTerm = 0

  private constructor (peer: LocalPeer, options: ClusterNodeOptions) {
    const { config } = peer
    const clock = this.clock = options.clock ?? systemClock
    const logger = this.logger = options.logger
    const counters = this.counters
    const nodeId = config.nodeId
    const randomBytes = options.randomBytes ?? systemRandomBytes
    const isClosing = (): boolean => this.closing
    this.peer = peer
    this.shardVoters = options.faults?.shardVoters === true
    this.onMembership = options.onMembership
    this.electionTimeoutMs = options.electionTimeoutMs ?? DEFAULT_ELECTION_TIMEOUT_MS
    this.voterGateways = options.voterGateways ?? VOTER_GATEWAYS
    if (!Number.isInteger(this.electionTimeoutMs) || this.electionTimeoutMs < ELECTION_TIMEOUT_TICKS) throw badInput(`the election timeout must be a whole number of ms, at least ${ELECTION_TIMEOUT_TICKS}`)
    this.known = new KnownMembers(peer.home, err => logger.warn({ err: String(err) }, 'could not remember a member'))
    this.members = new Members({
      nodeId, clusterId: config.cluster.id, adminKey: config.cluster.adminKey, certificate: JSON.stringify(config.certificate),
      clock, logger, counters,
      onMember: member => this.onMember(member),
      onGone: node => this.onMemberGone(node),
      onMessage: (node, message) => this.onMessage(node, message),
      isListed: node => onRoster(this.elections.currentRoster, node),
      rosterText: () => this.elections.currentRosterText,
      offerRoster: (node, text) => { this.elections.rosterFrom(node, text) },
      ...(options.onRejected !== undefined ? { onRejected: options.onRejected } : {})
    })
    const members = this.members
    this.shardReads = new ShardReads({
      clock,
      ...(options.visitIdleMs !== undefined ? { idleMs: options.visitIdleMs } : {}),
      holdersOf: address => this.readHolders(address),
      connected: peer => members.has(peer),
      voter: peer => this.election.voters.includes(peer),
      visit: peer => { this.transport.visit(peer) },
      unvisit: peer => { this.transport.unvisit(peer) },
      release: peer => {
        const member = members.get(peer)
        if (member !== undefined && this.view !== null && !this.links().plan.linked(nodeId, peer)) member.connection.destroy()
      }
    })
    if (config.replication === 'sharded') peer.store.onMissingPayload(address => { if (!this.closing) this.shardReads.missing(address) })
    this.guard = new InstanceGuard({
      clock, randomBytes, logger, counters, members,
      ask: async (member, op, args, deadline) => await this.calls.ask(member, op, args, deadline),
      leave: () => { this.transport.destroy().catch(() => {}) },
      ...(options.onHalt !== undefined ? { onHalt: options.onHalt } : {})
    })
    this.elections = new ElectionDriver({
      nodeId, home: peer.home, clusterId: config.cluster.id, adminKey: config.cluster.adminKey, clock, logger, counters, members,
      electionTimeoutMs: this.electionTimeoutMs,
      relayVia: leader => this.nextHop(leader, [nodeId]),
      canCampaign: options.campaign ?? covers(roleEntry(config, config.role).clearance, 'internal'),
      random: options.random ?? Math.random,
      doubleVote: options.faults?.doubleVote === true,
      signVote: (term, candidate) => signVote(peer.keyring.identity, config.cluster.id, term, candidate),
      isClosing,
      knownRole: node => this.known.role(node),
      ...(options.onElection !== undefined ? { onElection: options.onElection } : {}),
      ...(options.onVote !== undefined ? { onVote: options.onVote } : {}),
      onLeadership: (isLeader, term) => {
        this.audit.leadership(isLeader, term)
        if (isLeader) {
          void catchUpThenLead(term, {
            clock, logger, electionTimeoutMs: this.electionTimeoutMs, members, replication: this.replication,
            formerLeader: () => this.elections.formerLeader,
            enough: heardFrom => votersMajority(heardFrom, this.nodeId, this.elections.voters) !== null,
            lead: report => {
              if (this.closing || !this.elections.leadsIn(term)) return
              this.coordinator.leadership(true, term)
              if (options.warmAnalysis === true) peer.analysis.warm().catch(err => { logger.warn({ err: String(err) }, 'could not start the analysis workers ahead of a request') })
              this.stateEnds(term, report)
            }
          })
        }
        else this.coordinator.leadership(false, term)
      },
      onLeaderChanged: leader => this.calls.leaderChanged(leader),
      onStandingChanged: () => { this.replication.standingChanged() },
      onRosterAdopted: roster => {
        this.audit.rosterAdopted(roster)
        this.placePayloads()
        this.members.refuseUnlisted()
        // The links this roster gives (a voter's, a member's); members this peer had not heard of are dialled by key
        // (those its view names): the topic's discovery alone may miss them for long.
        if (!this.closing) {
          this.setView(this.links().plan.view(nodeId))
          this.transport.dial(roster.members.filter(m => m !== nodeId))
          this.pruneLinks()
        }
        if (!onRoster(roster, nodeId)) {
          this.guard.halt(`this peer is not on the cluster's roster v${roster.version}: its invite was cancelled, or it was removed; ask the admin for a new invite`, roster.issuer)
        }
      }
    })
    this.election = this.elections.election
    this.audit = new ClusterAudit({
      nodeId, log: peer.audit, members, logger, isClosing, roster: this.elections.currentRoster,
      ...(options.witnessIntervalMs !== undefined ? { witnessIntervalMs: options.witnessIntervalMs } : {})
    })
    this.replication = new Replication({
      nodeId, store: peer.store, members, clock, logger,
      term: () => this.election.term,
      leader: () => this.election.leader,
      replicationFactor: config.replicationFactor,
      sharded: config.replication === 'sharded',
      ackTimeoutMs: options.ackTimeoutMs ?? ACK_TIMEOUT_MS,
      majority: () => this.elections.majority(),
      electorate: () => ({ members: this.election.members, voters: this.election.voters }),
      hasOtherMembers: () => this.election.members.some(id => id !== nodeId),
      isClosing,
      ackBeforeReplicate: options.faults?.ackBeforeReplicate === true,
      ackNonVoters: options.faults?.ackNonVoters === true,
      ...(options.onAcknowledged !== undefined ? { onAcknowledged: options.onAcknowledged } : {}),
      onHeadMismatch: mismatch => { counters.mismatchedHeads++; this.audit.headMismatch(mismatch) },
      testWrongHeadHashes: options.testWrongHeadHashes === true
    })
    this.calls = new LeaderCalls({
      nodeId, clock, logger, randomBytes, counters, members,
      noLeaderTimeoutMs: options.noLeaderTimeoutMs ?? Math.max(NO_LEADER_TIMEOUT_MS, 10 * this.electionTimeoutMs),
      leader: () => this.election.leader,
      isLeader: () => this.election.state === 'leader',
      leaderKnown: async deadline => await this.elections.leaderKnown(deadline),
      relayAfterMs: RELAY_AFTER_TIMEOUTS * this.electionTimeoutMs,
      quorumText: () => this.elections.quorumText(),
      isClosing,
      serveHere: async (op, args, caller) => await this.ops.serveOnce(op, args, caller),
      relayHop: (leader, visited) => {
        const next = this.nextHop(leader, visited)
        return next === null ? undefined : members.get(next)
      },
      signRelay: (op, args, expires) => signRelayedCall(peer.keyring.identity, config.cluster.id, JSON.stringify(config.certificate), op, args, expires),
      relayedCaller: call => relayedCallerRole(call, {
        cluster: config.cluster.id, adminKey: config.cluster.adminKey, nowMs: clock.now(), isListed: node => onRoster(this.elections.currentRoster, node)
      })
    })
    this.coordinator = new Coordinator({
      ...coordinatorHostOf(peer, { unheldRecord: options.faults?.unheldRecord === true }),
      logger,
      clock,
      leadership: () => ({ term: this.election.term, isLeader: this.election.state === 'leader', hasLease: this.elections.hasLease() }),
      acknowledge: async kind => await this.replication.acknowledge(kind),
      announce: () => this.replication.announce()
    }, { concurrency: options.concurrency ?? availableParallelism(), forgetInherited: options.faults?.forgetQueue === true })
    this.ops = new LeaderOps({
      nodeId, role: config.role, counters, members, logger,
      trust: { cluster: config.cluster.id, adminKey: config.cluster.adminKey },
      roleNames: () => config.roles.map(role => role.name),
      isLeader: () => this.election.state === 'leader',
      hasLease: () => this.elections.hasLease(),
      term: () => this.election.term,
      peer,
      accept: async args => await this.coordinator.accept(args),
      acknowledge: async () => await this.replication.acknowledge('records'),
      keysTakenUp: async () => { await this.keyChanges.taken() },
      instance: () => this.guard.instance,
      duplicate: (reason, by) => this.guard.halt(reason, by),
      passOn: async (from, call) => await this.calls.passOn(from, call),
      onServed: (op, from, role, outcome) => this.audit.served(op, from, role, outcome)
    })
    this.requester = new Requester({
      peer, calls: this.calls, coordinator: this.coordinator, clock, logger, randomBytes,
      requestPartBytes: options.requestPartBytes ?? MAX_REQUEST_FILE_BYTES
    })
    this.keyChanges = new KeysTakeUp({
      store: peer.store, trust: { cluster: config.cluster.id, adminKey: config.cluster.adminKey }, logger,
      adopt: async bundle => await peer.adoptKeys(bundle)
    })
    this.retrieval = new Retrieval({
      clock, read: async (address, role, depth) => await peer.retrieve(address, role, depth),
      caughtUp: () => this.replication.caughtUp(), sync: async seconds => await this.sync(seconds),
      staleRead: options.faults?.staleRead === true, onRetrieved: options.onRetrieved
    })
    this.queueView = new QueueView({
      clock, nodeId, adminKey: config.cluster.adminKey, queue: () => this.coordinator.queue,
      election: () => ({ leader: this.election.leader, term: this.election.term, isLeader: this.election.state === 'leader' }),
      heldRoles: () => peer.keyring.roles(), clusterRoles: () => peer.config.roles.map(role => role.name),
      memberRole: node => this.members.get(node)?.role ?? this.known.role(node)
    })
    const identity = peer.keyring.identity
    peer.clusterTermProof = (term, writer) => this.elections.termProof(term, writer, identity)
    peer.clusterTermEnds = term => term === this.endsTerm ? this.heldEnds() : null
    peer.store.onRefusal(refusal => logger.warn({ writer: refusal.writer.slice(0, 12), seq: refusal.seq, entry: refusal.type, term: refusal.term, reason: refusal.reason }, 'refused a replicated entry'))
    const keyPair = { publicKey: identity.sign.publicKey, secretKey: identity.sign.secretKey }
    this.transport = options.transport?.(keyPair) ?? hyperswarmTransport({
      keyPair,
      ...(options.bootstrap !== undefined ? { bootstrap: options.bootstrap } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.testNoTopicLookup === true ? { lookup: false } : {})
    })
  }

  /**
   * A new leader that caught up states, in a term entry written at once, how much it holds of every other writer's log:
   * entries of earlier terms past that are refused by every view (TermEntry's `ends`). Every entry acknowledged before
   * this term is within it: an acknowledgement of a write of an earlier term needs a majority of the voters to have
   * said they held it while in that term or earlier (acks.ts), and this catch-up pulled every head that this peer and
   * the voters that sent heads in this term announced, a majority of the voters, which shares a voter with every
   * acknowledging majority. So it states nothing when the catch-up ran out of time or reached
   * fewer voters: then a write held by voters it did not reach could be acknowledged and past its end. (Members that
   * do not vote count for nothing here, as they count for nothing in an acknowledgement's majority.)
   */
  private stateEnds (term: number, report: SyncReport | null): void {
    if (votersCaughtUpFrom(report, this.nodeId, this.elections.voters) === null) {
      this.logger.info({ term, caughtUp: report?.caughtUp ?? false, peers: report?.peers ?? 0, majority: this.elections.majority() }, 'the new leader states no ends of earlier terms')
      return
    }
    this.endsTerm = term
    // Announced at once: with no write after it, peers would otherwise never learn of it, and their views would differ
    // from this one's until the next write (the soak's seed 24 never converged so).
    this.peer.store.enterTerm(term, this.clock.now())
      .then(() => { this.replication.announce() })
      .catch(err => this.logger.warn({ err: String(err), term }, 'could not write the term entry that states the ends of earlier terms'))
  }

  /** How much of every other writer's log this peer holds (the ends it states); null past what a term entry may name. */
  private heldEnds (): Record<string, number> | null {
    const own = this.peer.store.writer
    const others = this.peer.store.heads().filter(head => head.writer !== own)
    return others.length > MAX_TERM_ENDS ? null : Object.fromEntries(others.map(head => [head.writer, head.length]))
  }

  static async start (options: ClusterNodeOptions): Promise<ClusterNode> {
    const peer = await LocalPeer.open(options.home, {
      clock: options.clock ?? systemClock, ...(options.analysisCostMs !== undefined ? { analysisCostMs: options.analysisCostMs } : {}),
      ...(options.analysing !== undefined ? { analysing: options.analysing } : {}), ...(options.audit !== undefined ? { audit: options.audit } : {}),
      ...(options.retentionMs !== undefined ? { retentionMs: options.retentionMs } : {})
    })
    peer.analysis.keepWorkers = true
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

  get nodeId (): string {
    return this.peer.config.nodeId
  }

  /** This process's run of the node: another process with the same identity (an invite redeemed twice) has another. */
  get instance (): string {
    return this.guard.instance
  }

  get leadership (): Leadership {
    return { term: this.election.term, leader: this.election.leader, isLeader: this.election.state === 'leader' }
  }

  private async join (): Promise<void> {
    this.keyChanges.start()
    // No peer is connected yet: what is missing under the placement is fetched with the next download.
    this.placePayloads(false)
    await this.placing
    await this.replication.start()
    const topic = Buffer.from(this.peer.config.cluster.topic, 'hex')
    // Members we know by key are dialled directly: the admin, every member on the roster, and every member met before.
    const known = [...new Set([this.peer.config.cluster.adminKey, ...(this.elections.currentRoster?.members ?? []), ...this.known.ids()])].filter(m => m !== this.nodeId)
    const roster = this.elections.currentRoster
    this.setView(roster === null ? null : this.links().plan.view(this.nodeId))
    await this.transport.join({
      topic,
      known,
      isConnected: peer => this.members.has(peer),
      onConnection: connection => this.members.onConnection(connection)
    })
    this.timers.push(this.clock.setInterval(() => {
      if (this.closing) return
      this.replication.tick()
      this.known.save()
      this.shardReads.tick()
      this.pruneLinks()
      this.audit.tick()
      this.elections.pickUpSavedRoster()
    }, GOSSIP_TICK_MS))
    this.timers.push(this.clock.setInterval(() => { if (!this.closing) this.elections.tick() }, this.elections.tickMs))
    if (this.peer.retentionMs !== undefined) {
      this.timers.push(this.clock.setInterval(() => {
        if (this.closing) return
        this.peer.clearPayloads()
          .then(cleared => { if (cleared.blocks > 0) this.logger.info(cleared, 'cleared the payloads of superseded versions past the retention') })
          .catch(err => { if (!this.closing) this.logger.warn({ err: String(err) }, 'could not clear superseded payloads') })
      }, PAYLOAD_SWEEP_MS))
    }
    this.coordinator.start()
    this.logger.info({ node: this.nodeId, topic: this.peer.config.cluster.topic.slice(0, 8) }, 'joined the cluster topic')
  }

  /**
   * A sharded cluster's: which payloads this peer downloads as they come, from the roster it holds now. A voter holds
   * every one (a later leader is elected by a majority of voters, and must find every acknowledged payload); any other
   * member, those of the shards placed on it by rendezvous hashing over the members, `replicationFactor` holders a
   * shard (src/distribution/placement.ts), and fetches any other when a read needs it.
   */
  private placePayloads (fetch = true): void {
    if (this.peer.config.replication !== 'sharded') return
    const { voters } = this.election
    const nodeId = this.nodeId
    const weighted = this.placementMembers()
    // The simulator's deliberate fault (shard-voters): voters hold only their shards too, as members do.
    const placedFor = voters.includes(nodeId) && !this.shardVoters ? 'voter' : JSON.stringify(weighted)
    if (placedFor === this.placedFor) return
    this.placedFor = placedFor
    const shards = placedFor === 'voter' ? null : new Set(this.shardPlacement().holders.flatMap((holders, shard) => holders.includes(nodeId) ? [shard] : []))
    const placed = shards === null ? null : (address: string): boolean => shards.has(shardOf(address))
    this.logger.info({ voter: shards === null, shards: shards?.size ?? SHARDS }, 'payloads placed on this peer')
    this.placing = this.placing
      .then(async () => { await this.peer.store.placePayloads(placed, fetch ? { timeoutMs: DOWNLOAD_TIMEOUT_MS } : undefined) })
      .catch(err => { if (!this.closing) this.logger.warn({ err: String(err) }, 'could not count the payloads held under a new placement') })
  }

  /** The members payloads are placed over, each weighted by its declared capacity (the roster held now). */
  private placementMembers (): PlacementMember[] {
    const roster = this.elections.currentRoster
    return this.election.members.map(id => ({ id, weight: rosterCapacity(roster, id) }))
  }

  /**
   * Whom a read of `address`'s payload may fetch it from, in the order to try them (ShardReads): the holders its shard
   * is placed on, by score, then the voters (which hold every payload), in the shard's order; never this peer.
   */
  private readHolders (address: string): string[] {
    const { holders, voters } = this.shardPlacement()
    const shard = shardOf(address)
    return [...new Set([...holders[shard]!, ...voters(shard)])].filter(peer => peer !== this.nodeId)
  }

  /** Each shard's holders under the roster held now, and the voters in each shard's order: worked out once a roster. */
  private shardPlacement (): { holders: string[][], voters: (shard: number) => string[] } {
    const version = this.elections.currentRoster?.version ?? -1
    if (this.shardsMemo?.version !== version) {
      this.shardsMemo = { version, holders: shardHolders(this.placementMembers(), this.peer.config.replicationFactor), voters: shardSources(this.election.voters) }
    }
    return this.shardsMemo
  }

  async close (): Promise<void> {
    if (this.closing) return
    await this.stopTakingPart()
    await this.known.flushed()
    await this.peer.close()
  }

  /** No timer fires, no work starts, and the connections are cut (at once on the simulator's network). */
  private async stopTakingPart (): Promise<void> {
    this.closing = true
    for (const timer of this.timers) this.clock.clearInterval(timer)
    this.coordinator.stop()
    this.calls.stop()
    this.elections.wakeLeaderWaiters()
    await this.transport.destroy().catch(() => {})
  }

  /**
   * The simulator's hard crash, a kill -9 in this process: the node stops now, as close stops it, but nothing is flushed
   * or closed, so what its home holds is what it had written when it stopped. The caller takes that as the disk's image,
   * then calls `releaseAbandoned` (the store's locks are the process's: a reopen in this process needs them let go).
   */
  abandon (): void {
    if (this.closing) return
    void this.stopTakingPart()
  }

  /** Lets an abandoned node's store go; what that writes on the way is the caller's to undo (sim/disk-image.ts). */
  async releaseAbandoned (): Promise<void> {
    await this.peer.close()
  }

  /** Cuts this node off from `peers`: their connections are destroyed and new ones refused, until `unblock`. */
  block (peers: readonly string[]): void {
    const others = peers.filter(peer => peer !== this.nodeId)
    this.members.block(others)
    this.transport.block(others)
  }

  /** Heals what `block` cut: the peers are dialled again. */
  unblock (): void {
    this.members.unblock()
    this.transport.unblock()
  }

  private onMember (member: Member): void {
    if (this.known.role(member.node) === undefined) this.audit.joined(member.node, member.role)
    this.known.remember(member.node, member.role)
    this.peer.store.replicate(member.connection)
    this.logger.info({ peer: member.node.slice(0, 12), role: member.role }, 'member connected')
    const text = this.elections.currentRosterText
    if (text !== null) member.channel.send({ type: 'roster', roster: text })
    this.replication.connected(member.node)
    this.audit.connected(member.node)
    this.guard.confirm(member.node, member.channel).catch(err => this.logger.warn({ err: String(err) }, 'could not ask a member for its instance'))
    this.onMembership?.({ node: member.node, role: member.role, connected: true })
  }

  private onMemberGone (node: string): void {
    this.calls.memberGone(node)
    this.replication.disconnected(node)
    this.logger.info({ peer: node.slice(0, 12) }, 'member disconnected')
    this.onMembership?.({ node, role: this.known.role(node) ?? null, connected: false })
  }

  private onMessage (remote: string, message: WireMessage): void {
    switch (message.type) {
      case 'heads':
        if (message.leader !== undefined) this.elections.leaderHint(remote, message.term, message.leader)
        this.replication.heads(remote, message.heads, message.term)
        break
      case 'request':
        this.ops.serveRequest(remote, message).catch(err => this.logger.error({ err }, 'serving a request failed'))
        break
      case 'response':
        this.calls.response(message)
        break
      case 'election':
        this.elections.message(remote, message)
        break
      case 'roster':
        this.elections.rosterFrom(remote, message.roster)
        break
      case 'audit':
        this.audit.headFrom(remote, message.head)
        break
      case 'hello':
        break
    }
  }

  /**
   * Asks the leader to generate (see Requester): the files travel in the request, in parts when they exceed one
   * request; `noWait` returns once every part is accepted.
   */
  async generate (options: GenerateOptions & { noWait?: boolean }): Promise<RequestedReport> {
    return await this.requester.generate(options)
  }

  async distribute (value: unknown, roles: readonly string[] | undefined, source: string, decision?: string): Promise<DistributeReport & { acknowledged?: { holders: number, required: number } }> {
    return await this.calls.call('distribute', { record: value, ...(roles !== undefined ? { roles } : {}), source, ...(decision !== undefined ? { decision } : {}) }) as DistributeReport
  }

  /**
   * Publishes a change of the cluster's keys the admin made: the leader writes it into its log, where every peer takes
   * it up (this one at once).
   */
  async publishKeys (bundle: KeysBundle): Promise<{ rolesVersion: number, grants: number, acknowledged?: { holders: number, required: number } }> {
    // A revocation saved the roster without the node just before: passed on now, not at the next tick (up to 2 s later).
    this.elections.pickUpSavedRoster()
    const answer = await this.calls.call('keys', { bundle: JSON.stringify(bundle) }) as { rolesVersion: number, grants: number }
    await this.peer.adoptKeys(bundle)
    return answer
  }

  /**
   * Publishes a cluster policy the admin signed: checked here first (a forged one is refused and counted, and never
   * leaves this peer), then the leader writes it into its log, where every peer takes it up (this one as it replicates).
   */
  async publishPolicy (value: unknown): Promise<{ version: number, acknowledged?: { holders: number, required: number } }> {
    let policy
    try {
      policy = parseSignedPolicy(value, { cluster: this.peer.config.cluster.id, adminKey: this.peer.config.cluster.adminKey })
    } catch (err) {
      this.counters.refusedPolicies++
      this.logger.warn({ err: String(err) }, 'refused a cluster policy handed to this peer')
      throw err
    }
    return await this.calls.call('policy', { policy }) as { version: number }
  }

  /**
   * Asks the leader to seal again the records sealed to past epochs of `roles` (see LocalPeer.reseal), once it has
   * taken up the roles this peer holds (the keys change, published from here, that made those epochs past).
   */
  async reseal (roles: readonly string[]): Promise<ResealReport & { acknowledged?: { holders: number, required: number } }> {
    return await this.calls.call('reseal', { roles: [...roles], rolesVersion: this.peer.config.rolesSignature.version }) as ResealReport
  }

  /** Records a decision through the leader (which checks it against its graph), acknowledged like a write. */
  async decide (input: DecideInput): Promise<DecisionView> {
    // The id travels with the request: resent to the next leader during a failover, it is the same decision.
    return await this.calls.call('decide', { input: { ...input, id: input.id ?? newDecisionId() } }) as DecisionView
  }

  async history (address: string, role: string): Promise<HistoryReport> {
    return await this.peer.history(address, role)
  }

  async hops (target: string, role: string, max?: number): Promise<HopsReport> {
    return await this.peer.hops(target, role, max)
  }

  async influence (role: string, max?: number, limit?: number, order?: InfluenceOrder): Promise<InfluenceRow[]> {
    return await this.peer.influence(role, max, limit, order)
  }

  /** See LocalPeer.addresses: what this peer's view holds now (a catalog for the agents' search and overview). */
  async addresses (under?: string): Promise<Array<{ address: string, kind: RecordKind }>> {
    return await this.peer.addresses(under)
  }

  /** See LocalPeer.freshness: this peer's records against a working tree on this machine. */
  async freshness (root: string, project?: string): Promise<FreshnessReport> {
    return await this.peer.freshness(root, project)
  }

  /** See Retrieval: an address not here yet is read again once this peer has pulled what its peers announced. */
  async retrieve (address: string, role: string, depth = DEFAULT_RESOLVE_DEPTH): Promise<Retrieved> {
    return await this.retrieval.retrieve(address, role, depth)
  }

  /** Pulls from peers until every head they announced is local, or the timeout (see Replication.sync). */
  async sync (timeoutSeconds: number): Promise<SyncReport> {
    return await this.replication.sync(timeoutSeconds)
  }

  /** The election as this peer sees it. */
  electStatus (): ElectStatus {
    return this.elections.status()
  }

  /** Starts an election now (through PreVote), and reports once it is decided or after a few timeouts. */
  async campaign (): Promise<ElectStatus> {
    return await this.elections.campaign()
  }

  /** Hands leadership to the most up-to-date follower that can campaign, and reports once a new leader is known. */
  async resign (): Promise<ElectStatus> {
    return await this.elections.resign()
  }

  /** Whether the store is open and this peer is in a quorum that has a leader, with the reason when not (`/readyz`). */
  readiness (): { ready: boolean, reason: string } {
    if (this.peer.store.closed) return { ready: false, reason: 'the store is closed' }
    return this.elections.readiness()
  }

  /** The Hyperswarm this node meets its peers on (null on another transport, as in the simulator). */
  get swarm (): Hyperswarm | null {
    return this.transport.swarm ?? null
  }

  /** How many members are connected now (that proved their membership on a connection). */
  get connectedMembers (): number {
    return this.members.size
  }

  /** Frames refused on members' connections, by kind (see InvalidFrameKind). */
  get rejectedFrames (): ReadonlyMap<string, number> {
    return this.members.rejectedFrames
  }

  /** True while this peer leads and has heard from a majority of the roster within an election timeout. */
  hasLease (): boolean {
    return this.elections.hasLease()
  }

  queueStatus (): QueueStatus {
    return this.queueView.status()
  }

  /** The queue, each queued request the current leader may not open marked with the roles it waits for. */
  queueList (): QueueListRow[] {
    return this.queueView.list()
  }

  /** The queue counted by state and priority (for the metrics: costs the pending requests, not the history). */
  queueTally (): QueueTally {
    return this.queueView.tally()
  }

  /** The links of the roster this peer holds, one plan per roster version (shared with the process's other peers). */
  private links (): { plan: LinkPlan } {
    const roster = this.elections.currentRoster
    const version = roster?.version ?? -1
    if (this.linksMemo.version !== version) {
      const { config } = this.peer
      const options = clusterLinkOptions(config, this.voterGateways, member => rosterCapacity(roster, member))
      const make = (): LinkPlan => new LinkPlan({ members: this.election.members, voters: this.election.voters }, options)
      const key = `${roster?.signature ?? ''}|${this.voterGateways}|${config.replication ?? 'full'}|${config.replicationFactor}`
      this.linksMemo = { version, plan: roster === null ? make() : LinkPlan.shared(key, make) }
    }
    return this.linksMemo
  }

  /**
   * Closes the links the roster this peer holds does not give it: at each roster adopted (a member dialled while every
   * member voted, a voter demoted, a member that is no longer a voter's gateway) and each gossip tick (a dial that was
   * under way when the roster changed, a peer that dialled with an older roster and has since been sent this one). A
   * peer the roster does not list keeps its link: its roster may be newer. Neither end dials such a link again, so
   * links stay bounded. A sharded cluster's reads are spared: a link this peer dialled to read (ShardReads), and one a
   * member dialled to read here (the dialler closes it when its reads are done).
   */
  private pruneLinks (): void {
    if (this.view === null || this.elections.currentRoster === null || this.closing) return
    const { plan } = this.links()
    if (!plan.listed.has(this.nodeId)) return
    const sharded = this.peer.config.replication === 'sharded'
    for (const member of [...this.members.values()]) {
      if (!plan.listed.has(member.node) || plan.linked(this.nodeId, member.node) || this.shardReads.visiting(member.node)) continue
      if (sharded && (member.connection as { isInitiator?: boolean }).isInitiator === false) continue
      member.connection.destroy()
    }
  }

  /** Every peer's links under the roster this peer holds, both ends of each (src/distribution/links.ts). */
  linkGraph (): ReadonlyMap<string, ReadonlySet<string>> {
    return this.links().plan.graph()
  }

  /** The holders this peer dialled to read records of shards it holds no copy of (ShardReads). */
  visits (): string[] {
    return this.shardReads.visited()
  }

  /** The linked peer a call to `leader` goes to next, when it has passed through `visited`; null: none is left. */
  private nextHop (leader: string | null, visited: readonly string[]): string | null {
    return relayNextHop(leader, visited, [...this.members.values()].map(member => member.node), this.relayHops(leader))
  }

  /**
   * Hops from `leader` (from the voters, for null) to each member in the link graph of the roster this peer holds: where
   * a relayed call goes next (relayed-call.ts). Worked out once per roster and leader.
   */
  private relayHops (leader: string | null): ReadonlyMap<string, number> {
    // No leader known here: toward the voters, one of which knows it.
    return this.links().plan.hopsFrom(leader ?? this.election.voters)
  }

  /** The links the roster gives this peer (null: the full mesh), and the transport told of them. */
  private setView (view: LinkView | null): void {
    this.view = view
    this.transport.setView(view)
  }

  /** The members connected, each marked whether it votes (the roster's voters, as this peer holds it). */
  peers (): PeerRow[] {
    const voters = this.elections.voters
    return this.replication.peers().map(row => ({ ...row, voter: voters.includes(row.id) }))
  }

  async status (): Promise<StatusReport> {
    const local = await this.peer.status()
    const leadership = this.leadership
    return {
      ...local, mode: 'daemon', leader: leadership.leader, term: leadership.term, peers: this.members.size,
      mesh: this.view === null
        ? { kind: 'full', hub: true, dials: local.members - 1, dialsConnected: this.members.size }
        : { kind: 'two-tier', hub: this.view.hub, dials: this.view.dial.length, dialsConnected: this.view.dial.filter(peer => this.members.has(peer)).length, visits: this.shardReads.visited().length },
      counters: { ...this.counters, rejectedEntries: this.peer.store.rejectedEntries, refusedEntries: this.peer.store.refusals().count },
      ...(this.guard.halted !== null ? { halted: this.guard.halted } : {})
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
