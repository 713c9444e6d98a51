/**
 * The peer (this folder): its home, the local peer that works alone, the cluster node that composes every part below
 * it, the daemon and its control socket.
 *
 * What a cluster node needs of the world, so that two drivers can run the same node: the daemon gives it real time
 * and Hyperswarm, the simulator a virtual clock and an in-memory network of real Noise streams.
 */
import type { Duplex } from 'node:stream'
import Hyperswarm from 'hyperswarm'
import HyperDHT from 'hyperdht'
import { isLoopbackHost, refreshDiscovery, type DiscoveryRefresher } from '../net/dht-options.js'
import { settledWithin } from '../settle.js'
import type { LinkView } from '../distribution/links.js'

// The clock lives among the base utilities (src/clock.ts); the transport's users still find it here.
export { systemClock, type Clock, type TimerHandle } from '../clock.js'

/** An authenticated connection: a Noise secret stream whose remote key is the peer's node id. */
export type PeerConnection = Duplex & { remotePublicKey: Buffer }

/** How a node meets its peers. */
export interface Transport {
  /** Starts listening and finding the cluster's peers; `onConnection` gets every authenticated connection. */
  join: (options: { topic: Buffer, known: readonly string[], isConnected: (peer: string) => boolean, onConnection: (connection: PeerConnection) => void }) => Promise<void>
  /**
   * Members learnt of since `join` (a newer roster): dialled by key, and counted among those discovery is refreshed
   * for until they are connected. Peers already known are left as they are.
   */
  dial: (peers: readonly string[]) => void
  /**
   * The links the roster gives this peer (src/distribution/links.ts), set before `join` and at each roster adopted: it
   * dials only `view.dial`, announces itself on the topic only as a hub (a voter), and refuses `view.refuse` (a voter
   * this member is no gateway of, which discovery finds on the topic). Null: the full mesh, every member dialled. Any
   * other member that dials this peer is accepted; links already open stay (the node closes those the roster no longer
   * gives, ClusterNode.pruneLinks).
   */
  setView: (view: LinkView | null) => void
  /**
   * Dials `peer` outside the view until `unvisit` (a read of a shard that no linked peer holds, ClusterNode's visits):
   * this end's firewall lets it through meanwhile. The other end accepts it unless its own view refuses this peer.
   */
  visit: (peer: string) => void
  /** Ends a visit: `peer` is no longer dialled, and refused again if the view refuses it (its link is the node's to close). */
  unvisit: (peer: string) => void
  /** Refuses connections with these peers (existing ones are the node's to destroy) until `unblock`. */
  block: (peers: readonly string[]) => void
  /** Lifts every block and dials the peers again. */
  unblock: () => void
  destroy: () => Promise<void>
  /** The Hyperswarm under it, when there is one (the daemon's): read by hyperswarm-stats for the metrics. */
  readonly swarm?: Hyperswarm
}

/** A connection that has sent nothing for this long sends an empty keepalive message. */
export const CONNECTION_KEEPALIVE_MS = 1_000
/**
 * A connection that has received nothing for this long (not even a keepalive) is closed. A peer killed
 * without closing its connections (kill -9, a machine lost) is then gone within it: before, its
 * connection lingered 15 to 25 s, listed in \`peers\` and counted in what writes must wait for.
 */
export const CONNECTION_TIMEOUT_MS = 5_000
/**
 * A link this peer dialled that has received nothing from the other end this long after it opened is closed as
 * half-open. The other end's Hyperswarm never reported it (the dial opens on this side without a byte from the other:
 * HyperDHT's holepunch abort racing its LAN shortcut, hyperdht#304, which peers on one LAN behind one NAT still meet;
 * on loopback the DHT is told it is not firewalled, below, and it no longer happens there), and while it stays, this side's Hyperswarm drops the other end's own dials to this peer in its favour (its rule for
 * a duplicate: keep the link this end dialled, unless it has both sent and received bytes). Both ends then waited for
 * the hello timeout (2 s) and a retry, 4-10 s for four daemons to link at start. A live peer answers a link with its
 * hello at once: on loopback within a millisecond, a daemon's longest turn of its event loop some 250 ms under load.
 * A slow path is not taken for a dead one: see halfOpenAfterMs.
 */
export const HALF_OPEN_MS = 750
/** A link whose peer sends no hello in this time is closed (and dialled again) by the node (cluster/members.ts). */
export const HELLO_TIMEOUT_MS = 2_000
/** The longest wait for a first byte: the hello timeout's, past which the node closes the link anyway. */
export const HALF_OPEN_MAX_MS = HELLO_TIMEOUT_MS

/**
 * How long a link this peer dialled may stay silent before it is closed as half-open: HALF_OPEN_MS, doubled for each
 * link to the same peer closed so since one last heard from it (up to HALF_OPEN_MAX_MS), and never under four round
 * trips of the link. So a peer whose answers take longer than HALF_OPEN_MS (a slow or relayed path) loses a link or two
 * at most, then is waited for as long as before.
 */
export function halfOpenAfterMs (silentCloses: number, rttMs: number): number {
  const escalated = Math.min(HALF_OPEN_MS * 2 ** Math.max(0, silentCloses), HALF_OPEN_MAX_MS)
  return Math.max(escalated, Number.isFinite(rttMs) && rttMs > 0 ? 4 * rttMs : 0)
}

/**
 * Hyperswarm's retry delays for a peer dialled by key whose links failed or were short-lived (closed within 15 s of
 * opening: a half-open link closed, a hello timed out, a duplicate dropped): about 1, 5 and 15 s, then its fourth
 * backoff for every later try, which by default is about ten minutes. Under load, at the start of a cluster of a dozen
 * daemons, four such links in a row between two members happen, and the link was then gone for ten minutes (a test
 * waited 240 s for its mesh in vain). The fourth backoff here is REDIAL_MAX_MS: a member the view gives is dialled every
 * 15 s while it is not linked, by Hyperswarm's own retry timer (past three tries it deprioritizes the peer and queues
 * it again). A dead member costs a DHT connect that often.
 */
export const RETRY_BACKOFFS_MS: readonly [number, number, number] = [1_000, 5_000, 15_000]
export const REDIAL_MAX_MS = 15_000
/** Hyperswarm's failed links in a row past which it uses its fourth backoff (and queues no peer from the topic). */
const HYPERSWARM_SHORT_RETRIES = 3

/** After the backoff of refreshDiscovery, discovery is refreshed this often. */
export const REFRESH_PERIOD_MS = 30_000
/** How long leaving the swarm may take politely (unannouncing the topic) before it is closed without that. */
export const LEAVE_TIMEOUT_MS = 2_000

export interface SwarmOptions {
  keyPair: { publicKey: Buffer, secretKey: Buffer }
  /** HyperDHT bootstrap nodes; undefined for the public DHT. */
  bootstrap?: Array<{ host: string, port: number }>
  /** Bind the DHT to this host (127.0.0.1 in tests). */
  host?: string
  /** Look the cluster topic up (default true); false only in tests, to show that members meet by key alone. */
  lookup?: boolean
  /**
   * Hyperswarm's first three retry delays (ms) for a dial that failed; the fourth, for every later try, is always
   * REDIAL_MAX_MS. For tests only, which make them long to show that peers meet without a retry, or short. Default
   * RETRY_BACKOFFS_MS.
   */
  retryBackoffsMs?: readonly [number, number, number]
}

/**
 * Connections a peer holds at most. Hyperswarm's default (64) would refuse members past it at a voter, which every
 * member links with (a hub, see src/distribution/links.ts); a member holds the voters and a few neighbours.
 */
export const MAX_PEER_CONNECTIONS = 1024

/** Links to each peer closed as half-open since one last heard from it (keys this peer dialled; bounded). */
class SilentCloses {
  private readonly counts = new Map<string, number>()
  of (peer: string): number { return this.counts.get(peer) ?? 0 }
  closed (peer: string): void {
    if (this.counts.size >= 1_024 && !this.counts.has(peer)) this.counts.clear()
    this.counts.set(peer, this.of(peer) + 1)
  }
  heard (peer: string): void { this.counts.delete(peer) }
}

type DialledLink = PeerConnection & { rawBytesRead?: number, destroyed?: boolean, rawStream?: { rtt?: number } | null }

/**
 * Closes a link this peer dialled if nothing has come from the other end in time (halfOpenAfterMs). The round trip is
 * read when the time is up, once this end's hello has been acknowledged (a path slower than that is waited for).
 */
function closeIfHalfOpen (connection: DialledLink, silent: SilentCloses): void {
  const peer = connection.remotePublicKey.toString('hex')
  const opened = performance.now()
  let timer: NodeJS.Timeout | null = null
  const check = (): void => {
    timer = null
    if (connection.destroyed === true) return
    if ((connection.rawBytesRead ?? 0) > 0) { silent.heard(peer); return }
    const left = halfOpenAfterMs(silent.of(peer), connection.rawStream?.rtt ?? 0) - (performance.now() - opened)
    if (left > 0) { wait(left); return }
    silent.closed(peer)
    connection.destroy(new Error('half-open: nothing came from the other end'))
  }
  const wait = (ms: number): void => {
    timer = setTimeout(check, ms)
    timer.unref()
  }
  wait(halfOpenAfterMs(silent.of(peer), 0))
  connection.once('close', () => { if (timer !== null) clearTimeout(timer) })
}

/** Hyperswarm on HyperDHT: the cluster topic for discovery, members dialled by key, a firewall for blocks. */
export function hyperswarmTransport (options: SwarmOptions): Transport {
  const blocked = new Set<string>()
  const silent = new SilentCloses()
  const dht = new HyperDHT({
    ...(options.bootstrap !== undefined ? { bootstrap: options.bootstrap } : {}),
    ...(options.host !== undefined ? { host: options.host } : {}),
    // Bound to loopback, the DHT has no NAT to find out about: told so, it answers a handshake as open from the start
    // and the client dials it directly. Left to find out, a node counts itself firewalled for its first minutes on a
    // private DHT (too few nodes to sample its address), so each connect ran a holepunch round through the DHT beside
    // a direct LAN ping; the server's NAT analysis not being stable, it aborted the round and destroyed its end of the
    // stream, and when that came before the client's first packet, the client held a link the server never had
    // (HyperDHT 6.34, server.js `_onpeerholepunch`; upstream hyperdht#304): 39-54 of 149-166 links of a 12-daemon
    // start, closed as half-open and dialled again (DESIGN, Networking).
    ...(options.host !== undefined && isLoopbackHost(options.host) ? { firewalled: false } : {})
  })
  const swarm = new Hyperswarm({
    dht, keyPair: options.keyPair, maxPeers: MAX_PEER_CONNECTIONS, firewall: (remote: Buffer) => refused(remote.toString('hex')),
    backoffs: [...(options.retryBackoffsMs ?? RETRY_BACKOFFS_MS), REDIAL_MAX_MS]
  })
  let view: LinkView | null = null
  /** Peers dialled outside the view for a while (Transport.visit). */
  const visiting = new Set<string>()
  /** Blocked, or linked neither way under the roster (a voter this member is no gateway of, found on the topic) and not visited. */
  const refused = (peer: string): boolean => blocked.has(peer) || ((view?.refuse.has(peer) ?? false) && !visiting.has(peer))
  /** Hyperswarm's record of a peer: its failed links in a row (`attempts`), whether its firewall banned it. */
  const infoOf = (peer: string): { attempts: number, ban: (banned: boolean) => void } | undefined => (swarm as any).peers?.get(peer)
  /** Hyperswarm bans a peer its firewall refused: a peer let in again is unbanned, its retries reset, and dialled. */
  const letIn = (peer: string): void => {
    const info = infoOf(peer)
    if (info !== undefined) { info.ban(false); info.attempts = 0 }
    if (dials(peer)) swarm.joinPeer(Buffer.from(peer, 'hex'))
  }
  /**
   * No longer dials `peer`. A retry Hyperswarm has already timed would still dial it, and the node would close that
   * link again (a member found linked outside its view): set past the short retries, it is not queued again.
   */
  const forget = (peer: string): void => {
    swarm.leavePeer(Buffer.from(peer, 'hex'))
    const info = infoOf(peer)
    if (info !== undefined) info.attempts = HYPERSWARM_SHORT_RETRIES + 1
  }
  /** Whether this peer dials `peer`: the view gives it (the full mesh dials every member), or it is visited. */
  const dials = (peer: string): boolean => view === null || view.dial.includes(peer) || visiting.has(peer)
  /** A hub (or a peer of the full mesh) announces itself on the topic; a member only looks it up. */
  const announces = (): boolean => view === null || view.hub || options.lookup === false
  let refresher: DiscoveryRefresher | null = null
  let refreshing = false
  let periodic: NodeJS.Timeout | null = null
  let discovery: ReturnType<Hyperswarm['join']> | null = null
  let connected: (peer: string) => boolean = () => false
  const known = new Set<string>()
  // Peers that join together miss each other: once announced, refresh with backoff until every member we know of is
  // connected. Started again when a member is learnt of after that.
  const refresh = (): void => {
    if (discovery === null || refreshing) return
    refreshing = true
    const started = refreshDiscovery(discovery, () => known.size > 0 && [...known].every(connected))
    refresher = started
    started.finished.finally(() => { refreshing = false }).catch(() => {})
  }
  return {
    swarm,
    async join ({ topic, known: members, isConnected, onConnection }) {
      swarm.on('connection', (connection: PeerConnection & { isInitiator?: boolean, setKeepAlive: (ms: number) => void, setTimeout: (ms: number) => void }) => {
        connection.setKeepAlive(CONNECTION_KEEPALIVE_MS)
        connection.setTimeout(CONNECTION_TIMEOUT_MS)
        if (connection.isInitiator === true) closeIfHalfOpen(connection, silent)
        onConnection(connection)
      })
      connected = isConnected
      discovery = swarm.join(topic, { server: announces(), client: options.lookup !== false })
      // A member that does not announce still listens on its key: its neighbours dial it by key.
      if (!announces()) swarm.listen().catch(() => {})
      // The announce is not waited for: it takes a DHT round, and 13 s when no DHT node answers (no network), which
      // held up the daemon's start, its election and its control socket. Members known by key are dialled at once:
      // the admin, every member on the roster, and every member met before. The topic alone is not enough: a member
      // connected to the admin stopped refreshing, and two members that announced after each other's lookups met
      // only at the next periodic refresh, 30 s later (a 3-daemon test waited 60 s for its mesh in vain).
      for (const member of members) {
        if (!dials(member)) continue
        known.add(member)
        swarm.joinPeer(Buffer.from(member, 'hex'))
      }
      refresh()
      // Two peers that start at the same moment dial each other before either can be found by its key: both dials
      // fail, and Hyperswarm tries again only after 5 to 11 s (its retry timer), then 15 to 30 s. Once this peer can be
      // found (its key announced), it dials again every peer it knows and is not connected with (Hyperswarm skips one
      // it is connected or connecting to): of two such peers, the later to be findable then finds the other.
      const findable = announces() ? discovery.flushed() : swarm.listen()
      findable.then(() => {
        for (const peer of known) {
          if (!blocked.has(peer) && !connected(peer)) swarm.joinPeer(Buffer.from(peer, 'hex'))
        }
      }).catch(() => {})
      const periodicDiscovery = discovery
      periodic = setInterval(() => { periodicDiscovery.refresh().catch(() => {}) }, REFRESH_PERIOD_MS)
      periodic.unref()
    },
    setView (next) {
      const hub = announces()
      const wasRefused = view?.refuse ?? new Set<string>()
      view = next
      for (const peer of wasRefused) if (!refused(peer)) letIn(peer)
      // Peers the view no longer names are no longer dialled (nor waited for); their links stay until they end.
      for (const peer of [...known]) {
        if (dials(peer)) continue
        known.delete(peer)
        forget(peer)
      }
      if (discovery !== null && announces() !== hub) {
        if (!announces()) swarm.listen().catch(() => {})
        discovery.refresh({ client: options.lookup !== false, server: announces() }).catch(() => {})
      }
    },
    dial (peers) {
      let added = false
      for (const peer of peers) {
        if (known.has(peer) || !dials(peer)) continue
        known.add(peer)
        added = true
        if (blocked.has(peer)) continue
        // A peer dialled again (a newer roster gives it back) starts with Hyperswarm's short retries, whatever failed before.
        const info = infoOf(peer)
        if (info !== undefined) info.attempts = 0
        swarm.joinPeer(Buffer.from(peer, 'hex'))
      }
      if (added) refresh()
    },
    visit (peer) {
      if (visiting.has(peer)) return
      visiting.add(peer)
      if (!blocked.has(peer)) letIn(peer)
    },
    unvisit (peer) {
      if (!visiting.delete(peer) || dials(peer)) return
      forget(peer)
    },
    block (peers) {
      for (const peer of peers) blocked.add(peer)
    },
    unblock () {
      const peers = [...blocked]
      blocked.clear()
      for (const peer of peers) if (!refused(peer)) letIn(peer)
    },
    async destroy () {
      refresher?.stop()
      if (periodic !== null) clearInterval(periodic)
      // Leaving politely unannounces the topic, and those queries wait out their timeouts when no DHT node answers
      // (9 s for a daemon on the public DHT with no network). Announcements expire anyway: after a bound, force it.
      const left = await settledWithin(swarm.destroy(), LEAVE_TIMEOUT_MS)
      // Hyperswarm's own forced destroy still closes its server politely (another unannounce): destroying the DHT
      // under it ends every query at once.
      if (!left) await dht.destroy({ force: true }).catch(() => {})
    }
  }
}
