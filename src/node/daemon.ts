/**
 * The daemon: one ClusterNode per home, serving the control socket until `node stop` or a signal. A second daemon on
 * the same home is refused; a stale socket of a crashed daemon is replaced.
 */
import { existsSync, unlinkSync, writeFileSync, readFileSync } from 'node:fs'
import type { Server } from 'node:net'
import { badUsage } from '../errors.js'
import { ClusterNode } from './cluster-node.js'
import { ControlClient } from './control.js'
import { startControlServer } from './control-server.js'
import type { ControlRequest } from './control-requests.js'
import { homePaths, readConfig } from './home.js'
import type { Logger } from './logger.js'
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
  try { return Number(readFileSync(paths.pidFile, 'utf8').trim()) || -1 } catch { return -1 }
}

/** Throws BAD_USAGE when a daemon already serves this home. */
export async function refuseSecondDaemon (home: string): Promise<void> {
  const pid = await runningDaemon(home)
  if (pid !== null) throw badUsage(`a daemon already runs for ${home}${pid > 0 ? ` (pid ${pid})` : ''}: stop it with \`bzzz-ctx node stop\``)
}

export async function startDaemon (options: DaemonOptions): Promise<RunningDaemon> {
  readConfig(options.home)
  const paths = homePaths(options.home)
  await refuseSecondDaemon(options.home)
  const node = await ClusterNode.start({
    home: options.home, logger: options.logger,
    ...(options.bootstrap !== undefined ? { bootstrap: options.bootstrap } : {}), ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.electionTimeoutMs !== undefined ? { electionTimeoutMs: options.electionTimeoutMs } : {}), ...(options.campaign !== undefined ? { campaign: options.campaign } : {}),
    // Another process uses this peer's identity: this one stops, rather than vote and write beside it.
    onHalt: () => { setImmediate(() => { close().catch(() => {}) }) }
  })
  let resolveStopped!: () => void
  const stopped = new Promise<void>(resolve => { resolveStopped = resolve })
  let server: Server | null = null
  let closing: Promise<void> | null = null
  const close = async (): Promise<void> => {
    closing ??= (async () => {
      options.logger.info('stopping')
      server?.close()
      await node.close()
      if (existsSync(paths.controlSocket)) unlinkSync(paths.controlSocket)
      if (existsSync(paths.pidFile) && readFileSync(paths.pidFile, 'utf8').trim() === String(process.pid)) unlinkSync(paths.pidFile)
      options.logger.info('stopped')
      resolveStopped()
    })()
    await closing
  }
  try {
    server = await startControlServer(paths.controlSocket, async request => await answer(node, request, () => {
      setImmediate(() => { close().catch(() => {}) })
    }), {
      onFault: (op, err) => { options.logger.error({ op, err }, 'a control request failed') },
      onClientClosed: reason => { options.logger.warn(reason) }
    })
  } catch (err) {
    await node.close()
    throw err
  }
  writeFileSync(paths.pidFile, String(process.pid) + '\n', { mode: 0o600 })
  options.logger.info({ pid: process.pid, socket: paths.controlSocket }, 'daemon ready')
  return { node, stopped, close }
}

/** Answers one control request, which its op's validator has checked: the node's work for it. */
async function answer (node: ClusterNode, request: ControlRequest, stop: () => void): Promise<unknown> {
  switch (request.op) {
    case 'ping': return { pid: process.pid }
    case 'status': return await node.status()
    case 'peers': return node.peers()
    case 'sync': return await node.sync(request.args.timeout ?? DEFAULT_SYNC_TIMEOUT_SECONDS)
    case 'retrieve': return await node.retrieve(request.args.address, request.args.role, request.args.depth ?? DEFAULT_RESOLVE_DEPTH)
    case 'generate': return await node.generate(request.args)
    case 'distribute': return await node.distribute(request.args.record, request.args.roles, request.args.source, request.args.decision)
    case 'decide': return await node.decide(request.args.input)
    case 'history': return await node.history(request.args.address, request.args.role)
    case 'hops': return await node.hops(request.args.target, request.args.role, request.args.max)
    case 'influence': return await node.influence(request.args.role, request.args.max, request.args.limit)
    case 'elect-status': return node.electStatus()
    case 'elect-campaign': return await node.campaign()
    case 'elect-resign': return await node.resign()
    case 'queue-status': return node.queueStatus()
    case 'queue-ls': return node.queueList()
    case 'stop': stop(); return { stopping: true, pid: process.pid }
  }
}
