/**
 * What peers need to reach a HyperDHT, without loading it: defaults, the `--bootstrap` syntax, and the discovery
 * refresh that lets peers that join a topic together find each other (see /work/shared/STACK.md).
 */
import { isIPv4 } from 'node:net'
import { badUsage } from '../errors.js'

/** HyperDHT's own default port, and the first bootstrap node's. */
export const DEFAULT_DHT_PORT = 49737
export const DEFAULT_BOOTSTRAP_HOST = '127.0.0.1'
/** A private DHT of one node gives no connections at all; two or more work. */
export const MIN_BOOTSTRAP_NODES = 2
export const DEFAULT_BOOTSTRAP_NODES = 3
export const MAX_BOOTSTRAP_NODES = 16
/** Refresh discovery after joining at these intervals: each peer's first lookup may run before the others announce. */
export const DISCOVERY_REFRESH_BACKOFF_MS: readonly number[] = [500, 1_000, 2_000, 4_000, 8_000]

export interface HostPort { host: string, port: number }

export function formatHostPort (node: HostPort): string {
  return `${node.host}:${node.port}`
}

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/

/** A loopback address (127.0.0.0/8, ::1) or `localhost`: a host only this machine reaches, with no NAT in between. */
export function isLoopbackHost (host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1' || host.toLowerCase() === 'localhost'
}

/** An IPv4 address or a DNS name (HyperDHT does not take IPv6 bootstrap addresses). */
export function isBootstrapHost (host: string): boolean {
  if (isIPv4(host)) return true
  if (/^[0-9.]+$/.test(host)) return false // looks numeric but is no IPv4 address
  return host.length <= 253 && host.split('.').every(label => LABEL.test(label))
}

/** Parses `host:port,host:port` (spaces around items allowed); refuses anything malformed with BAD_USAGE. */
export function parseBootstrap (value: string): HostPort[] {
  if (typeof value !== 'string' || value.trim() === '') throw badUsage('--bootstrap needs host:port[,host:port...], not an empty value')
  const nodes: HostPort[] = []
  const seen = new Set<string>()
  for (const raw of value.split(',')) {
    const item = raw.trim()
    if (item === '') throw badUsage(`--bootstrap has an empty item in "${value}"`)
    const colon = item.lastIndexOf(':')
    if (colon <= 0) throw badUsage(`--bootstrap item "${item}" is not host:port`)
    const host = item.slice(0, colon)
    const portText = item.slice(colon + 1)
    if (!isBootstrapHost(host)) throw badUsage(`--bootstrap item "${item}": "${host}" is not an IPv4 address or a host name`)
    if (!/^\d{1,5}$/.test(portText)) throw badUsage(`--bootstrap item "${item}": the port must be a whole number from 1 to 65535`)
    const port = Number(portText)
    if (port < 1 || port > 65535) throw badUsage(`--bootstrap item "${item}": the port must be from 1 to 65535, not ${port}`)
    const key = `${host.toLowerCase()}:${port}`
    if (seen.has(key)) continue
    seen.add(key)
    nodes.push({ host, port })
  }
  return nodes
}

/** What refreshDiscovery needs of a Hyperswarm discovery session. */
export interface RefreshableDiscovery {
  flushed: () => Promise<unknown>
  refresh: () => Promise<unknown>
}

export interface DiscoveryRefresher {
  /** Resolves true once `done()` held, false if the backoff ran out or stop() was called first. */
  readonly finished: Promise<boolean>
  stop: () => void
}

/**
 * After `swarm.join(topic)`: waits for the announce to be flushed, then refreshes discovery at the given backoff
 * until `done()` holds (for instance: every known member is connected). Timers are unref'd; stop() ends it early.
 */
export function refreshDiscovery (discovery: RefreshableDiscovery, done: () => boolean, backoffMs: readonly number[] = DISCOVERY_REFRESH_BACKOFF_MS): DiscoveryRefresher {
  let stopped = false
  let timer: NodeJS.Timeout | null = null
  let wake: (() => void) | null = null
  const sleep = async (ms: number): Promise<void> => {
    await new Promise<void>(resolve => {
      wake = resolve
      timer = setTimeout(resolve, ms)
      timer.unref()
    })
    wake = null
    timer = null
  }
  const run = async (): Promise<boolean> => {
    await discovery.flushed().catch(() => false)
    for (const ms of backoffMs) {
      if (stopped) return false
      if (done()) return true
      await discovery.refresh().catch(() => false)
      if (stopped) return false
      if (done()) return true
      await sleep(ms)
    }
    return !stopped && done()
  }
  return {
    finished: run(),
    stop: () => {
      stopped = true
      if (timer !== null) clearTimeout(timer)
      const resolve = wake as (() => void) | null
      if (resolve !== null) resolve()
    }
  }
}
