/**
 * The daemon: one ClusterNode per home, serving the control socket until `node stop` or a signal. A second daemon on
 * the same home is refused; a stale socket of a crashed daemon is replaced.
 */
import { existsSync, unlinkSync, writeFileSync, readFileSync } from 'node:fs'
import type { Server } from 'node:net'
import { badUsage } from '../errors.js'
import { ClusterNode } from './cluster/index.js'
import { ControlClient, requireString, startControlServer } from './control.js'
import { homePaths, readConfig } from './home.js'
import type { Logger } from './logger.js'
import { DEFAULT_RESOLVE_DEPTH } from '../context/resolve.js'

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

/** The pid of the daemon that serves this home, or null. */
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
    server = await startControlServer(paths.controlSocket, async (op, args) => {
      switch (op) {
        case 'ping': return { pid: process.pid }
        case 'status': return await node.status()
        case 'peers': return node.peers()
        case 'sync': return await node.sync(typeof args.timeout === 'number' ? args.timeout : 10)
        case 'retrieve': return await node.retrieve(requireString(args, 'address'), requireString(args, 'role'), typeof args.depth === 'number' ? args.depth : DEFAULT_RESOLVE_DEPTH)
        case 'generate': return await node.generate(args as never)
        case 'distribute': return await node.distribute(args.record, args.roles as string[] | undefined, requireString(args, 'source'), typeof args.decision === 'string' ? args.decision : undefined)
        case 'decide': return await node.decide(args.input as never)
        case 'history': return await node.history(requireString(args, 'address'), requireString(args, 'role'))
        case 'hops': return await node.hops(requireString(args, 'target'), requireString(args, 'role'), typeof args.max === 'number' ? args.max : undefined)
        case 'influence': return await node.influence(requireString(args, 'role'), typeof args.max === 'number' ? args.max : undefined, typeof args.limit === 'number' ? args.limit : undefined)
        case 'elect-status': return node.electStatus()
        case 'elect-campaign': return await node.campaign()
        case 'elect-resign': return await node.resign()
        case 'queue-status': return node.queueStatus()
        case 'queue-ls': return node.queueList()
        case 'stop': setImmediate(() => { close().catch(() => {}) }); return { stopping: true, pid: process.pid }
        default: throw badUsage(`unknown control request "${op}"`)
      }
    })
  } catch (err) {
    await node.close()
    throw err
  }
  writeFileSync(paths.pidFile, String(process.pid) + '\n', { mode: 0o600 })
  options.logger.info({ pid: process.pid, socket: paths.controlSocket }, 'daemon ready')
  return { node, stopped, close }
}
