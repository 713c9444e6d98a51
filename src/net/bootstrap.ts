/**
 * A private HyperDHT bootstrap: several non-ephemeral DHT nodes on consecutive UDP ports, the first one seeded
 * with its own address (HyperDHT.bootstrapper) and the others bootstrapping from it, in the manner of
 * hyperdht/testnet.js. Peers pass the nodes' addresses as their `bootstrap`. Used by `bzzz-ctx bootstrap`, the
 * tests and the simulator.
 */
import { createSocket } from 'node:dgram'
import { isIP, isIPv4 } from 'node:net'
import HyperDHT from 'hyperdht'
import { badUsage, unavailable, isBzzzError } from '../errors.js'
import {
  DEFAULT_BOOTSTRAP_HOST, DEFAULT_BOOTSTRAP_NODES, DEFAULT_DHT_PORT, MAX_BOOTSTRAP_NODES, MIN_BOOTSTRAP_NODES,
  formatHostPort, parseBootstrap, type HostPort
} from './dht-options.js'

export { parseBootstrap, formatHostPort, type HostPort }

export interface BootstrapOptions {
  /** The IPv4 address to bind and to advertise (default 127.0.0.1); 0.0.0.0 binds every interface. */
  host?: string
  /** The first node's UDP port (default 49737); the others take the following ports. 0: any free ports. */
  port?: number
  /** How many DHT nodes (default 3, at least 2). */
  nodes?: number
}

export interface RunningBootstrap {
  /** `host:port` of each node, the first one first. */
  nodes: string[]
  /** The value peers pass as `--bootstrap`: every node, comma-separated. */
  bootstrap: string
  /** The same, as HyperDHT's `bootstrap` option takes it. */
  addresses: HostPort[]
  /** Destroys every node; safe to call twice. */
  close: () => Promise<void>
}

function checkOptions (options: BootstrapOptions): { host: string, port: number, count: number } {
  const host = options.host ?? DEFAULT_BOOTSTRAP_HOST
  const port = options.port ?? DEFAULT_DHT_PORT
  const count = options.nodes ?? DEFAULT_BOOTSTRAP_NODES
  if (!isIPv4(host)) throw badUsage(`--host must be an IPv4 address of this machine, not "${host}"`)
  if (!Number.isSafeInteger(count) || count < MIN_BOOTSTRAP_NODES || count > MAX_BOOTSTRAP_NODES) {
    throw badUsage(`--nodes must be from ${MIN_BOOTSTRAP_NODES} to ${MAX_BOOTSTRAP_NODES} (one node alone gives a DHT on which peers never meet), not ${count}`)
  }
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535) throw badUsage(`--port must be from 0 to 65535, not ${port}`)
  if (port !== 0 && port + count - 1 > 65535) throw badUsage(`--port ${port} leaves no room for ${count} consecutive ports`)
  return { host, port, count }
}

function portTaken (host: string, port: number, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (code === 'EADDRINUSE') return unavailable(`UDP port ${port} on ${host} is in use (another bootstrap or DHT node?): choose another with --port`)
  if (code === 'EADDRNOTAVAIL') return badUsage(`${host} is not an address of this machine: choose another with --host`)
  if (code === 'EACCES') return unavailable(`no permission to bind UDP port ${port} on ${host}: choose a port above 1023 with --port`)
  return unavailable(`cannot bind UDP port ${port} on ${host}: ${(err as Error)?.message ?? String(err)}`)
}

/**
 * Refuses a --host the DHT cannot bind (not an IP address, or not one of this machine's) with BAD_USAGE, by binding
 * and releasing a UDP socket on any port: the swarm's own bind fails later, deep in discovery, and left the daemon hung.
 */
export async function checkBindHost (host: string): Promise<void> {
  if (isIP(host) === 0) throw badUsage(`--host must be an IP address of this machine, not "${host}"`)
  await reservePorts(host, 0, 1)
}

/** Binds (and releases) UDP sockets: the given ports, to fail early and clearly, or free ones when port is 0. */
async function reservePorts (host: string, port: number, count: number): Promise<number[]> {
  const sockets = Array.from({ length: count }, () => createSocket(isIP(host) === 6 ? 'udp6' : 'udp4'))
  const ports: number[] = []
  try {
    for (let i = 0; i < count; i++) {
      const socket = sockets[i] as ReturnType<typeof createSocket>
      const wanted = port === 0 ? 0 : port + i
      await new Promise<void>((resolve, reject) => {
        socket.once('error', err => { reject(portTaken(host, wanted, err)) })
        socket.bind({ port: wanted, address: host, exclusive: true }, () => { resolve() })
      })
      ports.push(socket.address().port)
    }
    return ports
  } finally {
    await Promise.all(sockets.map(async socket => { await new Promise<void>(resolve => { try { socket.close(() => { resolve() }) } catch { resolve() } }) }))
  }
}

async function destroyAll (nodes: HyperDHT[]): Promise<void> {
  for (const node of [...nodes].reverse()) await node.destroy().catch(() => {})
}

/** Starts a private DHT bootstrap of `nodes` non-ephemeral nodes; refuses a taken port with UNAVAILABLE. */
export async function startBootstrap (options: BootstrapOptions = {}): Promise<RunningBootstrap> {
  const { host, port, count } = checkOptions(options)
  const ports = await reservePorts(host, port, count)
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host
  const started: HyperDHT[] = []
  try {
    for (let i = 0; i < count; i++) {
      const nodePort = ports[i] as number
      const node = i === 0 && host !== '0.0.0.0'
        // The first node knows its own address from the start, so it is persistent (a full DHT member) at once.
        ? HyperDHT.bootstrapper(nodePort, host, { host })
        : new HyperDHT({ bootstrap: i === 0 ? [] : [{ host: reachable, port: ports[0] as number }], ephemeral: false, firewalled: false, anyPort: false, host, port: nodePort })
      started.push(node)
      try {
        await node.fullyBootstrapped()
      } catch (err) {
        throw portTaken(host, nodePort, err)
      }
    }
  } catch (err) {
    await destroyAll(started)
    throw isBzzzError(err) ? err : unavailable(`cannot start the bootstrap: ${(err as Error)?.message ?? String(err)}`)
  }
  const addresses = started.map(node => ({ host: reachable, port: node.address().port }))
  const nodes = addresses.map(formatHostPort)
  let closing: Promise<void> | null = null
  return {
    nodes,
    bootstrap: nodes.join(','),
    addresses,
    close: async () => {
      closing ??= destroyAll(started)
      await closing
    }
  }
}
