/** The simulated cluster: real peers' homes on disk, started, crashed and restarted, named, partitioned and led. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ClusterNode, type ClusterNodeOptions } from '../src/node/cluster/index.js'
import { LocalPeer } from '../src/node/local-peer.js'
import { createInvite, redeemInvite } from '../src/node/invite.js'
import { loadRoster, writeRoster } from '../src/node/roster.js'
import { Keyring } from '../src/crypto/keyring.js'
import { silentLogger } from '../src/node/logger.js'
import { requestReaders } from '../src/leader/request-readers.js'
import { DEFAULT_ROLES } from '../src/crypto/levels.js'
import type { Clock } from '../src/clock.js'
import type { SimNetwork } from './network.js'
import { resolveNode, type Link } from './nemesis.js'
import { seededBytes, seededRandom } from './random.js'
import { restoreDiskImage, takeDiskImage } from './disk-image.js'
import { identityFromSeed } from '../src/crypto/identity.js'
import type { NodeSelector, Scenario } from './scenario.js'
import type { BreakMode } from './limits.js'
import { localSimNode, type SimNode } from './sim-node.js'
import { ProcessNode, simNodeOptions, type SimPeerSettings } from './process-node.js'

/** True when a peer of `role` holds a key for the readers of a generate's files (the admin holds every role's key). */
function canOpenRequests (role: string): boolean {
  return role === 'admin' || requestReaders(DEFAULT_ROLES).readers.includes(role)
}

export const SIM_MODES = ['memory', 'swarm'] as const
export type SimMode = typeof SIM_MODES[number]
export { BREAKS } from './limits.js'
export type { BreakMode } from './limits.js'
/** Roles of the nodes after the admin, in turn. */
export const SIM_ROLES = ['developer', 'security', 'qa', 'viewer', 'architect'] as const
export const SIM_PROJECT = 'sim'
/**
 * The model that charges an analysis's simulated time (measured here: tree-sitter reads ~350 files, 5 MB, a second on
 * one core): per file analysed (not recalled from the cache) and per KiB of source read.
 */
export const ANALYSIS_MS_PER_FILE = 1.5
export const ANALYSIS_MS_PER_KIB = 0.09

export function analysisCostMs (files: number, bytes: number): number {
  return Math.ceil(files * ANALYSIS_MS_PER_FILE + bytes / 1024 * ANALYSIS_MS_PER_KIB)
}

/** What a node tells of each change of its election state. */
export type ElectionEvent = Parameters<NonNullable<ClusterNodeOptions['onElection']>>[0]

export interface SimPeer {
  index: number
  id: string
  role: string
  home: string
  /** The running node: in this process (memory mode) or a daemon process (swarm mode); null while down. */
  node: SimNode | null
  /** How often it was started: each start is a new process with new random ids. */
  starts: number
}

export interface ClusterOptions {
  scenario: Pick<Scenario, 'nodes' | 'replicationFactor' | 'electionTimeoutMs'> & { voters?: number | null, replication?: 'full' | 'sharded' }
  seed: number
  /** Where the peers' homes are made. */
  dir: string
  clock: Clock
  /** The run's seeded random, shared with the rest of the run: node selectors draw from it. */
  random: () => number
  /** Memory mode: the in-memory network every peer connects through. */
  network: SimNetwork | null
  /** Swarm mode: the loopback DHT's addresses. */
  bootstrap: Array<{ host: string, port: number }> | null
  /** The deliberately broken behaviours every peer runs with (tests combine several in one run). */
  breaks: ReadonlySet<BreakMode>
  /** Told of each node's election events. */
  onElection: (peer: SimPeer, event: ElectionEvent) => void
  /** Told of each vote a node grants. */
  onVote: (peer: SimPeer, event: { term: number, candidate: string }) => void
  /** A progress line, throttled by the caller. */
  progress: (line: () => string) => void
  /** Memory mode: where every peer keeps its analyses running on real CPUs (LocalPeerOptions.analysing). */
  analysing?: Set<Promise<unknown>>
}

export class SimCluster {
  readonly peers: SimPeer[]
  /** Memory mode: the nodes of this process, by peer index, for a graceful stop or a kill. */
  private readonly local = new Map<number, ClusterNode>()
  /** Swarm mode: the daemon processes, by peer index. */
  private readonly processes = new Map<number, ProcessNode>()
  /** Node ids in index order. */
  readonly ids: string[]

  private constructor (private readonly options: ClusterOptions, peers: SimPeer[]) {
    this.peers = peers
    this.ids = peers.map(p => p.id)
  }

  /** An admin and invited members, each a real home on disk; none is started yet. */
  static async create (options: ClusterOptions): Promise<SimCluster> {
    const { scenario } = options
    const peers: SimPeer[] = []
    // Identities come from the seed: node ids, and every order by id (dialling, ties of versions), repeat run to run.
    const identitySeeds = seededBytes(seededRandom(options.seed ^ 0x1d))
    for (let i = 0; i < scenario.nodes; i++) {
      options.progress(() => `  creating homes: ${i} of ${scenario.nodes}`)
      const role = i === 0 ? 'admin' : SIM_ROLES[(i - 1) % SIM_ROLES.length]!
      const home = join(options.dir, `n${i}`)
      const identity = identityFromSeed(identitySeeds(64))
      const maxVoters = scenario.voters ?? undefined
      if (i === 0) {
        await LocalPeer.init(home, {
          cluster: 'sim', role, project: SIM_PROJECT, replicationFactor: scenario.replicationFactor, identity, ...(maxVoters !== undefined ? { maxVoters } : {}),
          ...(scenario.replication !== undefined ? { replication: scenario.replication } : {})
        })
      }
      else await redeemInvite(home, (await createInvite(peers[0]!.home, role, { identity })).invite)
      const id = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).nodeId as string
      peers.push({ index: i, id, role, home, node: null, starts: 0 })
    }
    // Each member holds the roster of its invite (the first member's lists two peers, the last's every one): a cluster
    // whose members have all joined before the run holds the last, as each would have taken it up from the others. Not
    // copied, every peer took up a chain of newer rosters as it met peers invited later (at 1,000 peers, a seventh of the
    // run's CPU went to rosters and their links).
    const cluster = JSON.parse(readFileSync(join(peers[0]!.home, 'config.json'), 'utf8')).cluster as { id: string, adminKey: string }
    const roster = loadRoster(peers[0]!.home, { cluster: cluster.id, adminKey: cluster.adminKey })
    if (roster !== null) for (const peer of peers.slice(1)) await writeRoster(peer.home, roster)
    if (options.breaks.has('leak-role')) {
      // The deliberate fault: every member is given every role's key, as if keys leaked.
      const admin = await Keyring.load(peers[0]!.home)
      for (const peer of peers.slice(1)) {
        const leaky = await Keyring.load(peer.home)
        for (const role of admin.roles()) for (const epoch of admin.epochs(role)) leaky.addRoleKey(admin.roleKeyPair(role, epoch)!)
        await leaky.save()
      }
    }
    return new SimCluster(options, peers)
  }

  /** Peers are named by their index in what the run reports (ids are fresh keys each run; the names repeat). */
  nameOf (id: string): string {
    return `n${this.ids.indexOf(id)}`
  }

  names (list: readonly string[]): string[] {
    return list.map(id => this.nameOf(id))
  }

  /** A cut by names, each link and the list in index order. */
  namedLinks (cut: readonly Link[]): Link[] {
    const byName = (a: string, b: string): number => Number(a.slice(1)) - Number(b.slice(1))
    return cut
      .map(([a, b]) => [this.nameOf(a), this.nameOf(b)].sort(byName) as Link)
      .sort((x, y) => byName(x[0], y[0]) || byName(x[1], y[1]))
  }

  byId (id: string): SimPeer | undefined {
    return this.peers.find(p => p.id === id)
  }

  live (): SimNode[] {
    return this.peers.filter(p => p.node !== null).map(p => p.node!)
  }

  down (): Set<string> {
    return new Set(this.peers.filter(p => p.node === null).map(p => p.id))
  }

  /** The one leader a majority of the cluster follows in its term, or null. */
  leader (): string | null {
    const live = this.peers.filter(p => p.node !== null)
    const leaders = live.filter(p => p.node!.election.state === 'leader')
    if (leaders.length !== 1) return null
    const leader = leaders[0]!.node!
    const followers = live.filter(p => p.node!.election.leader === leader.nodeId && p.node!.election.term === leader.election.term)
    return followers.length * 2 > this.peers.length ? leader.nodeId : null
  }

  /** The ids a selector means now, drawing from the run's random. */
  select (selector: NodeSelector | undefined): string[] {
    return resolveNode(selector ?? 'random', { nodes: this.ids, leader: this.leader(), down: this.down(), random: this.options.random })
  }

  /** The running node a selector picks, or null if it is down. */
  liveNode (selector: NodeSelector | undefined): SimNode | null {
    const id = this.select(selector)[0]
    return this.peers.find(p => p.id === id)?.node ?? null
  }

  async start (peer: SimPeer): Promise<void> {
    const { options } = this
    const network = options.network
    const bootstrap = options.bootstrap
    const settings: SimPeerSettings = {
      home: peer.home,
      seed: options.seed,
      index: peer.index,
      // A restarted peer draws new ids (a new run of its process), still from the seed.
      start: peer.starts++,
      electionTimeoutMs: options.scenario.electionTimeoutMs,
      breaks: [...options.breaks],
      campaign: canOpenRequests(peer.role)
    }
    if (network === null) {
      // Swarm mode: a real daemon in a process of its own, on the loopback DHT; a kill is a SIGKILL.
      const child = await ProcessNode.start(settings, bootstrap ?? [], {
        onElection: event => { options.onElection(peer, event) },
        onVote: event => { options.onVote(peer, event) }
      })
      this.processes.set(peer.index, child)
      peer.node = child
      return
    }
    const node = await ClusterNode.start({
      ...simNodeOptions(settings),
      logger: silentLogger(),
      clock: options.clock,
      // In memory mode an analysis costs what the model says, however long it took on this machine.
      analysisCostMs,
      ...(options.analysing !== undefined ? { analysing: options.analysing } : {}),
      transport: keyPair => network.transport(peer.id, keyPair),
      onElection: event => { options.onElection(peer, event) },
      onVote: event => { options.onVote(peer, event) }
    })
    this.local.set(peer.index, node)
    peer.node = localSimNode(node)
  }

  async stop (peer: SimPeer): Promise<void> {
    peer.node = null
    const node = this.local.get(peer.index)
    this.local.delete(peer.index)
    await node?.close().catch(() => {})
    const child = this.processes.get(peer.index)
    this.processes.delete(peer.index)
    await child?.stop()
  }

  /** Swarm mode: the pid of the peer's daemon process while it runs; null otherwise. */
  pidOf (id: string): number | null {
    const peer = this.byId(id)
    return peer === undefined ? null : this.processes.get(peer.index)?.pid ?? null
  }

  /**
   * A kill -9 of the peer. Swarm mode: its daemon's process is killed with SIGKILL. Memory mode: it stops at once and
   * its home is left as it was on disk at that instant (sim/disk-image.ts), without the flush and close of `stop`;
   * returns how many of the home's files the release of its store wrote, and the kill then undid.
   */
  async kill (peer: SimPeer): Promise<number> {
    if (peer.node === null) return 0
    peer.node = null
    const child = this.processes.get(peer.index)
    if (child !== undefined) {
      // Swarm mode: the daemon's process is killed with SIGKILL, and its home is what the system had written.
      this.processes.delete(peer.index)
      await child.kill()
      return 0
    }
    const node = this.local.get(peer.index)!
    this.local.delete(peer.index)
    node.abandon()
    const image = takeDiskImage(peer.home)
    await node.releaseAbandoned().catch(() => {})
    return restoreDiskImage(peer.home, image)
  }

  /** Cuts these links and restores every other; in swarm mode by each node's firewall, destroying its connections. */
  partition (cut: readonly Link[]): void {
    if (this.options.network !== null) { this.options.network.partition(cut); return }
    for (const p of this.peers) p.node?.unblock()
    for (const [a, b] of cut) {
      this.byId(a)?.node?.block([b])
      this.byId(b)?.node?.block([a])
    }
  }

  heal (): void {
    if (this.options.network !== null) this.options.network.heal()
    else for (const p of this.peers) p.node?.unblock()
  }
}
