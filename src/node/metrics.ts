/**
 * The daemon's Prometheus registry: hypercore-stats for the store's cores, hyperswarm-stats (with hyperdht-stats) for
 * the swarm, and the bzzz_ metrics read from the cluster node's public state and told by its hooks. Nothing below the
 * node imports this: the node only calls the hooks it was given.
 */
import { statfs } from 'node:fs/promises'
import type { StatsFs } from 'node:fs'
import * as promClient from 'prom-client'
import HypercoreStats from 'hypercore-stats'
import HyperswarmStats from 'hyperswarm-stats'
import type { ClusterNode, ClusterNodeOptions } from './cluster/index.js'
import type { QueueTally } from '../leader/queue.js'
import type { QueueEvent } from '../storage/view-items.js'
import { PRIORITIES } from '../storage/vocabulary.js'
import type { InvalidFrameKind } from '../net/channel.js'
import { systemClock, type Clock } from '../clock.js'

/** Acknowledgement waits, in seconds: a loopback peer answers in milliseconds, a lost one after ACK_TIMEOUT_MS (15 s). */
export const ACK_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15]
/** Retrieve times, in seconds: a local read is sub-millisecond to milliseconds, a pull from peers up to seconds. */
export const RETRIEVE_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5]

/** How many peers held a write when it was acknowledged: a cluster is a few to tens of peers. */
export const HOLDER_BUCKETS = [1, 2, 3, 4, 5, 7, 10, 15, 25]

/** The queue's states, each a series of bzzz_queue_requests (so a state with none reads 0, not absent). */
const QUEUE_STATES = ['queued', 'active', 'completed', 'failed', 'superseded'] as const
/** Every kind of refused frame, each a series of bzzz_rejected_frames_total from the start (a rate needs the zero). */
const FRAME_KINDS: readonly InvalidFrameKind[] = ['framing', 'oversized', 'malformed', 'order', 'failure']
/** The peer label of bzzz_replication_lag_blocks: enough of the id to tell peers apart on a dashboard. */
const PEER_LABEL_CHARS = 12

/**
 * How long one statfs of the store's filesystem serves the two hypercore_filesystem_ gauges: a disk's size and free
 * space move slowly, and hypercore-stats would otherwise send a statfs to libuv's thread pool for each, twice a scrape.
 */
export const FILESYSTEM_STAT_MS = 10_000

type Hooks = Required<Pick<ClusterNodeOptions, 'onElection' | 'onAcknowledged' | 'onRetrieved'>>

/**
 * prom-client with every metric registered on `registry` rather than its global one: the stats packages call
 * `new promClient.Gauge(...)` with no `registers`, so this is how they join the daemon's one registry unchanged.
 */
function clientFor (registry: promClient.Registry): typeof promClient {
  const registers = [registry]
  return {
    ...promClient,
    Gauge: class extends promClient.Gauge { constructor (config: promClient.GaugeConfiguration<string>) { super({ ...config, registers }) } },
    Counter: class extends promClient.Counter { constructor (config: promClient.CounterConfiguration<string>) { super({ ...config, registers }) } },
    Histogram: class extends promClient.Histogram { constructor (config: promClient.HistogramConfiguration<string>) { super({ ...config, registers }) } }
  }
}

/** A counter whose value is a running total the node already keeps: set at each scrape (it only grows in a process). */
function totalOf (this: promClient.Counter, value: number): void {
  this.reset()
  this.inc(value)
}

/**
 * hypercore-stats with its filesystem gauges read from `filesystem` (one statfs, reused), not a statfs each. Its other
 * gauges are computed from its cores, once per scrape: `NodeMetrics.scrape` drops its snapshot first.
 */
class StoreStats extends HypercoreStats {
  filesystem: () => Promise<StatsFs | null> = async () => null

  override async getFilesystemSizeBytes (): Promise<number> {
    const stats = await this.filesystem()
    return stats === null ? 0 : stats.blocks * stats.bsize
  }

  override async getFilesystemAvailBytes (): Promise<number> {
    const stats = await this.filesystem()
    return stats === null ? 0 : stats.bavail * stats.bsize
  }
}

/** A statfs of `dir`, taken again only once the last is `maxAgeMs` old on `clock` (null when it fails, read as 0). */
function cachedStatfs (dir: string, clock: Clock, maxAgeMs: number): () => Promise<StatsFs | null> {
  let last: { at: number, stats: Promise<StatsFs | null> } | null = null
  return async () => {
    const now = clock.now()
    if (last === null || now - last.at >= maxAgeMs) last = { at: now, stats: statfs(dir).catch(() => null) }
    return await last.stats
  }
}

export class NodeMetrics {
  readonly registry = new promClient.Registry()
  private readonly client = clientFor(this.registry)
  private node: ClusterNode | null = null
  private coreStats: StoreStats | null = null
  /** The queue counted once per scrape for the two gauges that read it (its cost grows with the pending requests only). */
  private queueTally: QueueTally = { counts: [], oldestQueuedAt: null }
  private lastLeader: string | null = null
  private readonly clock: Clock
  /** Time without a leader, closed spells summed; the open one (since `leaderlessSince`) is added at each scrape. */
  private leaderlessMs = 0
  private leaderlessSince: number | null
  private readonly leaderChanges: promClient.Counter
  private readonly ackSeconds: promClient.Histogram<'kind'>
  private readonly retrieveSeconds: promClient.Histogram<'source'>
  private readonly accepted: promClient.Counter
  private readonly completed: promClient.Counter
  private readonly failed: promClient.Counter
  private readonly ackHolders: promClient.Histogram<'kind'>

  /** `clock` is the node's (a daemon starts without a leader: that time counts from here). */
  constructor (clock: Clock = systemClock) {
    this.clock = clock
    this.leaderlessSince = clock.now()
    const { Counter, Histogram } = this.client
    this.leaderChanges = new Counter({ name: 'bzzz_leader_changes_total', help: 'Times this peer saw a new leader (the first one included)' })
    this.ackSeconds = new Histogram({
      name: 'bzzz_acknowledgement_duration_seconds', help: 'How long a write waited until enough peers held it, by kind of write',
      labelNames: ['kind'], buckets: ACK_BUCKETS_SECONDS
    })
    this.retrieveSeconds = new Histogram({
      name: 'bzzz_retrieve_duration_seconds', help: 'How long a retrieve took, by source: local, or remote when it pulled from peers first',
      labelNames: ['source'], buckets: RETRIEVE_BUCKETS_SECONDS
    })
    this.ackHolders = new Histogram({
      name: 'bzzz_acknowledgement_holders', help: 'How many peers held a write when it was acknowledged, by kind of write',
      labelNames: ['kind'], buckets: HOLDER_BUCKETS
    })
    this.accepted = new Counter({ name: 'bzzz_requests_accepted_total', help: 'Generation requests this peer saw accepted into the cluster\'s logs' })
    this.completed = new Counter({ name: 'bzzz_requests_completed_total', help: 'Generation requests this peer saw completed' })
    this.failed = new Counter({ name: 'bzzz_requests_failed_total', help: 'Generation requests this peer saw fail' })
  }

  /** The node's options that feed the metrics: give them to ClusterNode.start, then `attach` the started node. */
  hooks (): Hooks {
    return {
      onElection: ({ leader }) => {
        this.leaderKnown(leader !== null)
        if (leader === null || leader === this.lastLeader) return
        this.lastLeader = leader
        this.leaderChanges.inc()
      },
      onAcknowledged: ({ kind, ms, holders }) => {
        this.ackSeconds.observe({ kind }, ms / 1000)
        this.ackHolders.observe({ kind }, holders)
      },
      onRetrieved: ({ ms, source }) => { this.retrieveSeconds.observe({ source }, ms / 1000) }
    }
  }

  /** Starts reading the node: its store's cores and its swarm through the stats packages, its state at each scrape. */
  attach (node: ClusterNode): void {
    this.node = node
    this.leaderKnown(node.election.leader !== null)
    const store = node.peer.store
    store.subscribe(event => { if (!Array.isArray(event)) this.countRequest(event) })
    this.coreStats = StoreStats.fromCorestore(store.coresForStats)
    this.coreStats.filesystem = cachedStatfs(store.dir, this.clock, FILESYSTEM_STAT_MS)
    this.coreStats.registerPrometheusMetrics(this.client)
    if (node.swarm !== null) new HyperswarmStats(node.swarm).registerPrometheusMetrics(this.client)
    this.registerNodeGauges(node)
  }

  /** Whether `/readyz` says ready, and why (the node not started yet is not ready). */
  readiness (): { ready: boolean, reason: string } {
    return this.node?.readiness() ?? { ready: false, reason: 'the node is starting' }
  }

  /** The text a scrape of `/metrics` returns, and its content type. */
  async scrape (): Promise<{ contentType: string, body: string }> {
    // hypercore-stats would answer from a snapshot up to 5 s old: each scrape takes one of its own, read by every gauge.
    this.coreStats?.bustCache()
    this.queueTally = this.node?.queueTally() ?? { counts: [], oldestQueuedAt: null }
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }

  private leaderKnown (known: boolean): void {
    const now = this.clock.now()
    if (known && this.leaderlessSince !== null) {
      this.leaderlessMs += Math.max(0, now - this.leaderlessSince)
      this.leaderlessSince = null
    } else if (!known && this.leaderlessSince === null) {
      this.leaderlessSince = now
    }
  }

  /** Seconds this peer has known no leader since it started, the spell under way included. */
  private leaderlessSeconds (): number {
    const open = this.leaderlessSince === null ? 0 : Math.max(0, this.clock.now() - this.leaderlessSince)
    return (this.leaderlessMs + open) / 1000
  }

  private countRequest (event: QueueEvent): void {
    const { entry } = event
    if (entry.type === 'request') this.accepted.inc()
    else if (entry.type === 'completion' && entry.status === 'completed') this.completed.inc()
    else if (entry.type === 'completion' && entry.status === 'failed') this.failed.inc()
  }

  private registerNodeGauges (node: ClusterNode): void {
    const { Gauge, Counter } = this.client
    const store = node.peer.store
    const metrics = this
    /* eslint-disable no-new */
    new Gauge({ name: 'bzzz_election_term', help: 'The election term this peer is in', collect () { this.set(node.election.term) } })
    new Gauge({ name: 'bzzz_is_leader', help: '1 while this peer leads, else 0', collect () { this.set(node.election.state === 'leader' ? 1 : 0) } })
    new Gauge({ name: 'bzzz_ready', help: '1 while /readyz says ready (a leader and a quorum seen), else 0', collect () { this.set(metrics.readiness().ready ? 1 : 0) } })
    new Counter({ name: 'bzzz_leaderless_seconds_total', help: 'Seconds this peer knew no leader (since it started)', collect () { totalOf.call(this, metrics.leaderlessSeconds()) } })
    new Gauge({
      name: 'bzzz_queue_requests', help: 'Generation requests in the queue, by state and priority', labelNames: ['state', 'priority'],
      collect () {
        for (const state of QUEUE_STATES) for (const priority of PRIORITIES) this.set({ state, priority }, 0)
        for (const { state, priority, count } of metrics.queueTally.counts) this.set({ state, priority }, count)
      }
    })
    new Gauge({
      name: 'bzzz_queue_oldest_queued_age_seconds', help: 'Age of the oldest request still queued (0 when none waits)',
      collect () {
        const oldest = metrics.queueTally.oldestQueuedAt
        this.set(oldest === null ? 0 : Math.max(0, metrics.clock.now() - oldest) / 1000)
      }
    })
    new Gauge({
      name: 'bzzz_replication_lag_blocks', help: 'Blocks a connected peer lacks of the logs it replicates, summed (by peer id prefix)', labelNames: ['peer'],
      collect () {
        this.reset()
        for (const peer of node.peers()) this.set({ peer: peer.id.slice(0, PEER_LABEL_CHARS) }, peer.logs.reduce((sum, log) => sum + log.lag, 0))
      }
    })
    new Gauge({
      name: 'bzzz_role_key_epoch', help: 'The current key epoch of each role, as this peer\'s config holds it', labelNames: ['role'],
      collect () {
        this.reset()
        for (const role of node.peer.config.roles) this.set({ role: role.name }, role.epoch)
      }
    })
    new Gauge({ name: 'bzzz_view_records', help: 'Records (addresses with a live version) in this peer\'s view', collect () { this.set(store.recordCount) } })
    new Gauge({ name: 'bzzz_connected_members', help: 'Members connected now (proved their membership)', collect () { this.set(node.connectedMembers) } })
    new Counter({ name: 'bzzz_rejected_peers_total', help: 'Connections refused at hello (not a member, a bad certificate)', collect () { totalOf.call(this, node.counters.rejectedPeers) } })
    new Counter({ name: 'bzzz_relayed_calls_total', help: 'Other peers\' calls to the leader this peer passed on (they had no link to it)', collect () { totalOf.call(this, node.counters.relayed) } })
    new Counter({
      name: 'bzzz_rejected_frames_total', help: 'Wire frames refused (each closed its connection), by reason', labelNames: ['reason'],
      collect () {
        this.reset()
        for (const reason of FRAME_KINDS) this.inc({ reason }, node.rejectedFrames.get(reason) ?? 0)
      }
    })
    new Counter({ name: 'bzzz_refused_entries_total', help: 'Replicated log entries refused (a writer without the right, a forged term)', collect () { totalOf.call(this, store.refusals().count) } })
    new Counter({ name: 'bzzz_rejected_entries_total', help: 'Log entries that did not decode or validate', collect () { totalOf.call(this, store.rejectedEntries) } })
    /* eslint-enable no-new */
  }
}
