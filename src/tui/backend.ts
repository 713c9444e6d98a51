/**
 * What the TUI reads and asks, through this peer's running daemon (live: its `watch` feed) or, without one, the home
 * itself (the context and the decisions only). The screens know this interface, never the socket or the store.
 */
import { DEFAULT_RESOLVE_DEPTH } from '../context/resolve.js'
import { DaemonClient } from '../node/daemon-client.js'
import { homePaths, type PeerConfig } from '../node/home.js'
import type { ElectStatus, PeerRow, QueueListRow, QueueStatus } from '../node/cluster/index.js'
import type { ClusterEvent } from '../node/events.js'
import type { Retrieved } from '../storage/context-store.js'
import type { HopsReport } from '../temporal/decisions.js'
import type { InfluenceOrder, InfluenceRow } from '../temporal/graph.js'
import type { BzzzError } from '../errors.js'
import type { Priority } from '../storage/vocabulary.js'

/** One peer as panel 1 shows it: the election's view of it joined with its logs' lengths. */
export interface PeerView {
  id: string
  role: string | null
  connected: boolean
  voter: boolean
  since: number | null
  lastContactMs: number | null
  logLength: number
  lag: number
}

export interface ClusterView {
  node: { id: string, role: string }
  cluster: string
  term: number
  state: ElectStatus['state']
  leader: string | null
  peers: PeerView[]
  queue: QueueListRow[]
  counts: QueueStatus
}

/** The daemon's events, those it could not send (`lost`), and what this screen's commands did (`command`). */
export type FeedEvent = ClusterEvent | { kind: 'lost', count: number, seq?: number, at?: number } | { kind: 'command', text: string, ok: boolean, at: number }

export interface TuiBackend {
  mode: 'daemon' | 'local'
  home: string
  config: Pick<PeerConfig, 'nodeId' | 'role' | 'project'> & { clusterName: string }
  /** The roles whose keys this peer holds: those panel 3 can read as. */
  heldRoles: string[]
  /** The cluster as the daemon sees it now; null without a daemon. */
  cluster: () => Promise<ClusterView | null>
  addresses: () => Promise<Array<{ address: string, kind: string }>>
  retrieve: (address: string, role: string) => Promise<Retrieved>
  decisions: (role: string, order: InfluenceOrder) => Promise<InfluenceRow[]>
  hops: (target: string, role: string, max: number) => Promise<HopsReport>
  resign: () => Promise<ElectStatus>
  /** Asks the leader to generate PATH (relative to where the TUI runs) and answers once it is accepted, not done. */
  generate: (path: string, priority: Priority) => Promise<{ id: string, term: number }>
  /** Follows the daemon's events: the recent ones are returned, each new one told to `onEvent` (nothing, locally). */
  watch: (onEvent: (event: FeedEvent) => void, onEnd: (err: BzzzError) => void) => Promise<FeedEvent[]>
  close: () => Promise<void>
}

/** The most decisions panel 4 lists, the most recent (or those reaching the most addresses) first. */
export const DECISIONS_LISTED = 50

/** Panel 1's rows: every peer the election knows, with the lag of its longest log (PeerRow) where it has one. */
export function peerViews (elect: ElectStatus, rows: readonly PeerRow[]): PeerView[] {
  return elect.peers.map(peer => {
    const row = rows.find(r => r.id === peer.id)
    const logs = row?.logs ?? []
    return {
      id: peer.id, role: peer.role ?? row?.role ?? null, connected: peer.connected, voter: peer.voter,
      since: row?.since ?? null, lastContactMs: peer.lastContactMs,
      logLength: logs.reduce((sum, log) => sum + log.length, 0), lag: logs.reduce((most, log) => Math.max(most, log.lag), 0)
    }
  })
}

function configOf (config: PeerConfig): TuiBackend['config'] {
  return { nodeId: config.nodeId, role: config.role, ...(config.project !== undefined ? { project: config.project } : {}), clusterName: config.cluster.name }
}

function heldRolesOf (status: { roles: Array<{ name: string, held: boolean }> }, own: string): string[] {
  const held = status.roles.filter(role => role.held).map(role => role.name)
  return held.includes(own) ? [own, ...held.filter(role => role !== own)] : [own, ...held]
}

/** Opens the TUI's backend for a home: its daemon when one answers, else the home read-only. */
export async function openBackend (home: string): Promise<TuiBackend> {
  const daemon = await DaemonClient.connect(home, homePaths(home).controlSocket)
  if (daemon !== null) return daemonBackend(home, daemon, heldRolesOf(await daemon.status(), daemon.config.role))
  const { LocalPeer } = await import('../node/local-peer.js')
  const peer = await LocalPeer.open(home, { readOnly: true })
  return {
    mode: 'local',
    home,
    config: configOf(peer.config),
    heldRoles: heldRolesOf(await peer.status(), peer.config.role),
    cluster: async () => null,
    addresses: async () => await peer.addresses(),
    retrieve: async (address, role) => await peer.retrieve(address, role, DEFAULT_RESOLVE_DEPTH),
    decisions: async (role, order) => await peer.influence(role, undefined, DECISIONS_LISTED, order),
    hops: async (target, role, max) => await peer.hops(target, role, max),
    resign: async () => { throw new Error('unreachable: resign needs the daemon') },
    generate: async () => { throw new Error('unreachable: generate needs the daemon') },
    watch: async () => [],
    close: async () => { await peer.close() }
  }
}

function daemonBackend (home: string, daemon: DaemonClient, heldRoles: string[]): TuiBackend {
  // The watch has a connection of its own: a slow answer (a retrieve pulling from peers) never holds up an event.
  let watching: DaemonClient | null = null
  return {
    mode: 'daemon',
    home,
    config: configOf(daemon.config),
    heldRoles,
    cluster: async () => {
      const [status, elect, rows, queue, counts] = await Promise.all([daemon.status(), daemon.electStatus(), daemon.peers(), daemon.queueList(), daemon.queueStatus()])
      return {
        node: status.node, cluster: status.cluster, term: elect.term, state: elect.state, leader: elect.leader,
        peers: peerViews(elect, rows), queue, counts
      }
    },
    addresses: async () => await daemon.addresses(),
    retrieve: async (address, role) => await daemon.retrieve(address, role, DEFAULT_RESOLVE_DEPTH),
    decisions: async (role, order) => await daemon.influence(role, undefined, DECISIONS_LISTED, order),
    hops: async (target, role, max) => await daemon.hops(target, role, max),
    resign: async () => await daemon.resign(),
    generate: async (path, priority) => {
      const report = await daemon.generate({ path, priority, noWait: true }) as { request?: { id: string, term: number } }
      if (report.request === undefined) throw new Error('the daemon answered without a request id')
      return report.request
    },
    watch: async (onEvent, onEnd) => {
      watching = await DaemonClient.connect(home, homePaths(home).controlSocket)
      if (watching === null) return []
      return (await watching.watch(onEvent, onEnd)).recent
    },
    close: async () => {
      await watching?.close()
      await daemon.close()
    }
  }
}
