/**
 * The daemon: one ClusterNode per home, serving the control socket until `node stop` or a signal. A second daemon on
 * the same home is refused; the pid file and socket of a daemon that died are said to be found, then replaced; a
 * peer whose own certificate would be refused by every other member does not start.
 */
import { existsSync, unlinkSync, writeFileSync } from 'node:fs'
import type { Server } from 'node:net'
import { BzzzError, badUsage, corrupt } from '../errors.js'
import { certificateProblem } from '../net/certificate.js'
import { ClusterNode, type ClusterNodeOptions } from './cluster/index.js'
import { ControlClient } from './control.js'
import { ControlStream, startControlServer } from './control-server.js'
import { EventFeed } from './events.js'
import type { ControlRequest } from './control-requests.js'
import { describeLeftFiles, leftDaemonFiles, readPidFile, removeLeftFiles } from './daemon-files.js'
import { systemClock } from '../clock.js'
import { homePaths, readConfig, type PeerConfig } from './home.js'
import type { Logger } from './logger.js'
import type { MetricsAddress, MetricsServer } from './metrics-server.js'
import type { NodeMetrics } from './metrics.js'
import type { AuditOptions } from './local-peer.js'
import { DEFAULT_RESOLVE_DEPTH } from '../context/resolve.js'

/** `sync`'s timeout when the request names none, in seconds. */
export const DEFAULT_SYNC_TIMEOUT_SECONDS = 10

export interface DaemonOptions {
  home: string
  bootstrap?: Array<{ host: string, port: number }>
  host?: string
  logger: Logger
  electionTimeoutMs?: number
  campaign?: boolean
  /** Serve /metrics, /healthz and /readyz here (off when undefined). */
  metrics?: MetricsAddress
  /** See ClusterNodeOptions.requestPartBytes. */
  requestPartBytes?: number
  /** See ClusterNodeOptions.testWrongHeadHashes (tests only). */
  testWrongHeadHashes?: boolean
  /** See ClusterNodeOptions.testNoTopicLookup (tests only). */
  testNoTopicLookup?: boolean
  /** How the peer audits (its settings auditHashReads, auditFailClosed). */
  audit?: Partial<AuditOptions>
  /** See ClusterNodeOptions.retentionMs (the setting `retention`). */
  retentionMs?: number
  /**
   * The simulator's own options for the node (sim/peer-process.ts: its seeded randomness, deliberate faults, and
   * listeners told beside the daemon's own). Never set by the CLI.
   */
  simulator?: Partial<ClusterNodeOptions>
}

export interface RunningDaemon {
  node: ClusterNode
  /** Resolves when the daemon has stopped (by `stop`, a signal, or `close`). */
  stopped: Promise<void>
  close: () => Promise<void>
}

/** The pid of the daemon that serves this home (-1 when its pid file does not say), or null when none answers. */
export async function runningDaemon (home: string): Promise<number | null> {
  const paths = homePaths(home)
  const client = await ControlClient.connect(paths.controlSocket)
  if (client === null) return null
  client.close()
  return readPidFile(paths.pidFile) ?? -1
}

/** Throws BAD_USAGE when a daemon already serves this home. */
export async function refuseSecondDaemon (home: string): Promise<void> {
  const pid = await runningDaemon(home)
  if (pid !== null) throw badUsage(`a daemon already runs for ${home}${pid > 0 ? ` (pid ${pid})` : ''}: stop it with \`bzzz-ctx node stop\``)
}

/**
 * Why this peer's own certificate would be refused by its peers (certificate.ts's check, applied at start rather
 * than found by each peer's hello): CORRUPT when it is damaged or not this peer's, FAILURE when it has expired.
 */
export function ownCertificateError (home: string, config: PeerConfig, nowMs: number): BzzzError | null {
  const file = homePaths(home).config
  const expect = { cluster: config.cluster.id, adminKey: config.cluster.adminKey, node: config.nodeId }
  // Checked first as of no time at all, so that an expiry is told apart from damage without reading the message.
  const problem = certificateProblem(config.certificate, { ...expect, nowMs: Number.NEGATIVE_INFINITY }) ??
    (config.certificate.role === config.role ? null : `issued for the role "${config.certificate.role}", not this peer's role "${config.role}"`)
  if (problem !== null) {
    return corrupt(`this peer's certificate in ${file} is not valid (${problem}): restore config.json from a backup, or join again with a new invite`)
  }
  if (certificateProblem(config.certificate, { ...expect, nowMs }) !== null) {
    return new BzzzError('FAILURE', `this peer's certificate expired at ${new Date(config.certificate.expiresAt ?? 0).toISOString()}: ask the cluster's admin for a new invite and join with it`)
  }
  return null
}

/**
 * What a start checks before it opens anything: the config, this peer's certificate, no daemon already serving the
 * home. Files left by a daemon that died are removed, and `report` is told so in one line.
 */
export async function prepareDaemonStart (home: string, report: (line: string) => void): Promise<PeerConfig> {
  const config = readConfig(home)
  const certificateError = ownCertificateError(home, config, systemClock.now())
  if (certificateError !== null) throw certificateError
  await refuseSecondDaemon(home)
  const left = leftDaemonFiles(home)
  if (left !== null) {
    report(`${describeLeftFiles(left)}; removed ${left.files.map(file => file.slice(home.length + 1)).join(' and ')}, starting anew`)
    removeLeftFiles(left)
  }
  return config
}

/**
 * The metrics registry and its HTTP endpoint, bound before the node opens: a bad address is refused at once, and
 * `/healthz` answers (and `/readyz` says "starting") while the node joins. Loaded only when asked for.
 */
async function startMetrics (address: MetricsAddress, logger: Logger): Promise<{ metrics: NodeMetrics, server: MetricsServer }> {
  const [{ NodeMetrics }, { startMetricsServer }] = await Promise.all([import('./metrics.js'), import('./metrics-server.js')])
  const metrics = new NodeMetrics()
  const server = await startMetricsServer(address, metrics)
  logger.info({ metrics: `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}/metrics` }, 'serving metrics')
  return { metrics, server }
}

export async function startDaemon (options: DaemonOptions): Promise<RunningDaemon> {
  await prepareDaemonStart(options.home, line => { options.logger.warn(line) })
  const paths = homePaths(options.home)
  const served = options.metrics === undefined ? null : await startMetrics(options.metrics, options.logger)
  const feed = new EventFeed(systemClock)
  let node: ClusterNode
  try {
    node = await startNode(options, bothHooks(bothHooks(served?.metrics.hooks() ?? {}, feed.hooks()), options.simulator ?? {}), () => { setImmediate(() => { close().catch(() => {}) }) })
  } catch (err) {
    await served?.server.close()
    throw err
  }
  served?.metrics.attach(node)
  feed.attach(node.peer.store)
  let resolveStopped!: () => void
  const stopped = new Promise<void>(resolve => { resolveStopped = resolve })
  let server: Server | null = null
  let closing: Promise<void> | null = null
  const close = async (): Promise<void> => {
    closing ??= (async () => {
      options.logger.info('stopping')
      server?.close()
      await node.close()
      await served?.server.close()
      if (existsSync(paths.controlSocket)) unlinkSync(paths.controlSocket)
      if (readPidFile(paths.pidFile) === process.pid) unlinkSync(paths.pidFile)
      options.logger.info('stopped')
      resolveStopped()
    })()
    await closing
  }
  try {
    server = await startControlServer(paths.controlSocket, async (request, tell) => await answer(node, feed, request, tell, () => {
      setImmediate(() => { close().catch(() => {}) })
    }), {
      onFault: (op, err) => { options.logger.error({ op, err }, 'a control request failed') },
      onClientClosed: reason => { options.logger.warn(reason) }
    })
  } catch (err) {
    await node.close()
    await served?.server.close()
    throw err
  }
  writeFileSync(paths.pidFile, String(process.pid) + '\n', { mode: 0o600 })
  options.logger.info({ pid: process.pid, socket: paths.controlSocket }, 'daemon ready')
  return { node, stopped, close }
}

async function startNode (options: DaemonOptions, hooks: Partial<ClusterNodeOptions>, halt: () => void): Promise<ClusterNode> {
  return await ClusterNode.start({
    home: options.home, logger: options.logger,
    ...(options.bootstrap !== undefined ? { bootstrap: options.bootstrap } : {}), ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.electionTimeoutMs !== undefined ? { electionTimeoutMs: options.electionTimeoutMs } : {}), ...(options.campaign !== undefined ? { campaign: options.campaign } : {}),
    ...(options.requestPartBytes !== undefined ? { requestPartBytes: options.requestPartBytes } : {}),
    ...(options.testWrongHeadHashes === true ? { testWrongHeadHashes: true } : {}),
    ...(options.testNoTopicLookup === true ? { testNoTopicLookup: true } : {}),
    ...(options.audit !== undefined ? { audit: options.audit } : {}),
    ...(options.retentionMs !== undefined ? { retentionMs: options.retentionMs } : {}),
    warmAnalysis: true,
    ...hooks,
    // Another process uses this peer's identity: this one stops, rather than vote and write beside it.
    onHalt: halt
  })
}

type Hook = ((event: never) => void) | undefined

/**
 * The node's options of two sources (the metrics, the event feed, the simulator): a listener both give is told of
 * every event by each; any other option is the one source's that gives it.
 */
function bothHooks (a: Partial<ClusterNodeOptions>, b: Partial<ClusterNodeOptions>): Partial<ClusterNodeOptions> {
  const merged: Record<string, Hook> = { ...a, ...b } as Record<string, Hook>
  for (const key of Object.keys(a) as Array<keyof ClusterNodeOptions>) {
    const first = a[key] as Hook
    const second = b[key] as Hook
    if (first !== undefined && second !== undefined) merged[key] = (event: never) => { first(event); second(event) }
  }
  return merged as Partial<ClusterNodeOptions>
}

/** Answers one control request, which its op's validator has checked: the node's work for it. */
async function answer (node: ClusterNode, feed: EventFeed, request: ControlRequest, tell: (event: unknown) => void, stop: () => void): Promise<unknown> {
  switch (request.op) {
    case 'ping': return { pid: process.pid }
    case 'status': return await node.status()
    case 'peers': return node.peers()
    case 'sync': return await node.sync(request.args.timeout ?? DEFAULT_SYNC_TIMEOUT_SECONDS)
    case 'addresses': return await node.addresses(request.args.under)
    case 'freshness': return await node.freshness(request.args.root, request.args.project)
    case 'retrieve': return await node.retrieve(request.args.address, request.args.role, request.args.depth ?? DEFAULT_RESOLVE_DEPTH)
    case 'generate': return await node.generate({ ...request.args, onPart: part => { tell({ kind: 'part', ...part }) } })
    case 'distribute': return await node.distribute(request.args.record, request.args.roles, request.args.source, request.args.decision)
    case 'decide': return await node.decide(request.args.input)
    case 'keys': return await node.publishKeys(request.args.bundle)
    case 'policy': return await node.publishPolicy(request.args.policy)
    case 'reseal': return await node.reseal(request.args.roles)
    case 'audit-admin': await node.peer.recordAdmin(request.args.event); return { recorded: true }
    case 'history': return await node.history(request.args.address, request.args.role)
    case 'hops': return await node.hops(request.args.target, request.args.role, request.args.max)
    case 'influence': return await node.influence(request.args.role, request.args.max, request.args.limit, request.args.order)
    case 'elect-status': return node.electStatus()
    case 'elect-campaign': return await node.campaign()
    case 'elect-resign': return await node.resign()
    case 'queue-status': return node.queueStatus()
    case 'queue-ls': return node.queueList()
    case 'stop': stop(); return { stopping: true, pid: process.pid }
    case 'watch': return new ControlStream(send => ({ result: { node: node.nodeId, recent: feed.recentEvents() }, close: feed.subscribe(send) }))
  }
}
