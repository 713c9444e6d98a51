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
import { refreshDiscovery } from '../net/dht-options.js'
import { settledWithin } from '../settle.js'

// The clock lives among the base utilities (src/clock.ts); the transport's users still find it here.
export { systemClock, type Clock, type TimerHandle } from '../clock.js'

/** An authenticated connection: a Noise secret stream whose remote key is the peer's node id. */
export type PeerConnection = Duplex & { remotePublicKey: Buffer }

/** How a node meets its peers. */
export interface Transport {
  /** Starts listening and finding the cluster's peers; `onConnection` gets every authenticated connection. */
  join: (options: { topic: Buffer, known: readonly string[], isConnected: (peer: string) => boolean, onConnection: (connection: PeerConnection) => void }) => Promise<void>
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
}

/** Hyperswarm on HyperDHT: the cluster topic for discovery, members dialled by key, a firewall for blocks. */
export function hyperswarmTransport (options: SwarmOptions): Transport {
  const blocked = new Set<string>()
  const dht = new HyperDHT({
    ...(options.bootstrap !== undefined ? { bootstrap: options.bootstrap } : {}),
    ...(options.host !== undefined ? { host: options.host } : {})
  })
  const swarm = new Hyperswarm({ dht, keyPair: options.keyPair, firewall: (remote: Buffer) => blocked.has(remote.toString('hex')) })
  let refresher: { stop: () => void } | null = null
  let periodic: NodeJS.Timeout | null = null
  return {
    swarm,
    async join ({ topic, known, isConnected, onConnection }) {
      swarm.on('connection', (connection: PeerConnection & { setKeepAlive: (ms: number) => void, setTimeout: (ms: number) => void }) => {
        connection.setKeepAlive(CONNECTION_KEEPALIVE_MS)
        connection.setTimeout(CONNECTION_TIMEOUT_MS)
        onConnection(connection)
      })
      const discovery = swarm.join(topic, { server: true, client: true })
      // The announce is not waited for: it takes a DHT round, and 13 s when no DHT node answers (no network), which
      // held up the daemon's start, its election and its control socket. Members known by key are dialled at once:
      // the admin, and every member met before.
      for (const member of known) swarm.joinPeer(Buffer.from(member, 'hex'))
      // Peers that join together miss each other: once announced, refresh with backoff until every member we know
      // of is connected.
      refresher = refreshDiscovery(discovery, () => known.length > 0 && known.every(isConnected))
      periodic = setInterval(() => { discovery.refresh().catch(() => {}) }, REFRESH_PERIOD_MS)
      periodic.unref()
    },
    block (peers) {
      for (const peer of peers) blocked.add(peer)
    },
    unblock () {
      const peers = [...blocked]
      blocked.clear()
      for (const peer of peers) {
        // Hyperswarm bans a peer its firewall refused; lift the ban and the retry count, then dial it again.
        const info = (swarm as any).peers?.get(peer)
        if (info !== undefined) { info.ban(false); info.attempts = 0 }
        swarm.joinPeer(Buffer.from(peer, 'hex'))
      }
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
