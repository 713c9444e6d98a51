/** `bzzz-ctx node start [--bootstrap H:P,...] [--detach] [--metrics H:P] [--log-level L]` and `bzzz-ctx node stop`: run and stop this peer's daemon. */
import { spawn } from 'node:child_process'
import { closeSync, fstatSync, openSync, readFileSync, existsSync } from 'node:fs'
import { processAlive } from '../../node/daemon-files.js'
import { Command } from 'commander'
import { BzzzError, badUsage, unavailable } from '../../errors.js'
import { errorCodeForExit } from '../exit-codes.js'
import { DEFAULT_ELECTION_TIMEOUT_MS, homePaths, readConfig, writeConfig } from '../../node/home.js'
import { PACKAGE_ROOT } from '../../paths.js'
import { parseWhole, type CliEnv } from '../cli-env.js'
import { emit, note } from '../io.js'
import { homeOf, withDaemon } from '../peer-session.js'
import { join } from 'node:path'
import type { SettingKey, SettingValue } from '../../node/settings.js'
import { isLoopbackHost } from '../../net/dht-options.js'

/** The flag of each setting, named in a refusal of its value (kept here: the settings module is loaded lazily). */
const SETTING_FLAGS: Record<SettingKey, string> = {
  bootstrap: '--bootstrap', host: '--host', electionTimeoutMs: '--election-timeout', logLevel: '--log-level', metrics: '--metrics',
  auditHashReads: '--audit-hash-reads', auditFailClosed: '--audit-fail-closed', retention: '--retention'
}

export const DETACH_READY_TIMEOUT_MS = 30_000
export const STOP_TIMEOUT_MS = 20_000

/** The last lines the daemon logged from byte `from` on (where this start began: not an earlier run's). */
function logTail (file: string, from = 0): string {
  if (!existsSync(file)) return ''
  const text = readFileSync(file).subarray(from).toString('utf8').trim()
  if (text === '') return ''
  const lines = text.split('\n').slice(-5)
  return lines.map(l => { try { return String(JSON.parse(l).msg ?? l) } catch { return l } }).join('; ')
}

async function sleep (ms: number): Promise<void> { await new Promise(resolve => setTimeout(resolve, ms)) }

/**
 * BZZZ_TEST_REQUEST_PART_BYTES, for tests only: the most file bytes one generation request carries, so a small tree is
 * sent in several parts (in use, 24 MiB).
 */
function requestPartBytes (env: NodeJS.ProcessEnv): { requestPartBytes?: number } {
  const text = env.BZZZ_TEST_REQUEST_PART_BYTES
  if (text === undefined || text === '') return {}
  if (!/^\d+$/.test(text) || Number(text) < 1) throw badUsage(`BZZZ_TEST_REQUEST_PART_BYTES must be a whole number of bytes, not "${text.slice(0, 40)}"`)
  return { requestPartBytes: Number(text) }
}

/** BZZZ_TEST_WRONG_HEAD_HASHES=1, for tests only: this daemon announces every log head with a wrong hash, as a liar would. */
function wrongHeadHashes (env: NodeJS.ProcessEnv): { testWrongHeadHashes?: boolean } {
  return env.BZZZ_TEST_WRONG_HEAD_HASHES === '1' ? { testWrongHeadHashes: true } : {}
}

/** BZZZ_TEST_NO_TOPIC_LOOKUP=1, for tests only: this daemon announces the cluster topic but never looks it up. */
function noTopicLookup (env: NodeJS.ProcessEnv): { testNoTopicLookup?: boolean } {
  return env.BZZZ_TEST_NO_TOPIC_LOOKUP === '1' ? { testNoTopicLookup: true } : {}
}

export function nodeCommand (env: CliEnv): Command {
  const node = new Command('node').description('run or stop this peer\'s daemon')
  node.command('start')
    .description('run the daemon: join the cluster, replicate, serve the other commands')
    .option('--bootstrap <nodes>', 'HyperDHT bootstrap nodes, host:port,... (saved in the config; default: the saved ones, else the public DHT)')
    .option('--host <address>', 'bind the DHT to this address (default: 127.0.0.1 when every bootstrap node is on loopback)')
    .option('--detach', 'run in the background: a pid file and a log under the home')
    .option('--election-timeout <ms>', 'campaign after hearing no leader for this long (plus up to as much again, at random; saved in the config; default: the saved one, else 1000)', parseWhole('--election-timeout', 10, 600_000))
    .option('--no-campaign', 'vote in elections but never stand (default: stand when the role may read source)')
    .option('--metrics <host:port>', 'serve Prometheus /metrics, /healthz and /readyz over HTTP here (a port alone: on 127.0.0.1; default: BZZZ_METRICS, else the config\'s metrics, else off)')
    .option('--audit-hash-reads', 'record reads with the address hashed with the cluster\'s salt (default: BZZZ_AUDIT_HASH_READS, else the config\'s auditHashReads, else off)')
    .option('--audit-fail-closed', 'refuse a write (exit 5) whose audit event cannot be appended first (default: BZZZ_AUDIT_FAIL_CLOSED, else the config\'s auditFailClosed, else off)')
    .option('--retention <duration>', 'clear the envelopes of superseded versions written longer ago than this, as 30m, 12h or 7d (default: BZZZ_RETENTION, else the config\'s retention, else keep them all)')
    .option('--log-level <level>', 'trace, debug, info, warn, error, fatal or silent (default: BZZZ_LOG_LEVEL, else the config\'s logLevel, else info); debug follows each call to the leader by its request id')
    .addHelpText('after', '\nExamples:\n  bzzz-ctx bootstrap &                      # a private DHT on this machine\n  bzzz-ctx node start --bootstrap 127.0.0.1:49737 --detach\n  bzzz-ctx node start --detach --metrics 127.0.0.1:9464\n  bzzz-ctx node stop')
    .action(env.action<{ bootstrap?: string, host?: string, detach?: boolean, electionTimeout?: number, campaign: boolean, metrics?: string, logLevel?: string, auditHashReads?: boolean, auditFailClosed?: boolean, retention?: string }>(async (ctx, options) => {
      const home = homeOf(ctx)
      const config = readConfig(home)
      const { checkBindHost, parseBootstrap } = await import('../../net/bootstrap.js')
      if (options.bootstrap !== undefined) parseBootstrap(options.bootstrap)
      // What was given is saved, so a restart without the options joins as before (the same DHT, the same timeout).
      if (options.bootstrap !== undefined || (options.electionTimeout !== undefined && options.electionTimeout !== config.electionTimeoutMs)) {
        if (options.bootstrap !== undefined) config.bootstrap = options.bootstrap.split(',').map(s => s.trim())
        if (options.electionTimeout !== undefined) config.electionTimeoutMs = options.electionTimeout
        await writeConfig(home, config)
      }
      // Each tunable once: the flag, else its BZZZ_* variable, else the home's config, else the default (settings.ts).
      const { resolveSetting, settingFromText } = await import('../../node/settings.js')
      const setting = <K extends SettingKey>(key: K, flag?: string): SettingValue<K> | undefined =>
        resolveSetting(key, config, ctx.io.env, flag === undefined ? undefined : settingFromText(key, flag, SETTING_FLAGS[key])).value
      const logLevel = setting('logLevel', options.logLevel) ?? 'info'
      const audit = {
        hashReads: setting('auditHashReads', options.auditHashReads === true ? 'true' : undefined) === true,
        failClosed: setting('auditFailClosed', options.auditFailClosed === true ? 'true' : undefined) === true
      }
      const { parseRetention } = await import('../../node/settings.js')
      const retentionText = setting('retention', options.retention)
      const retentionMs = retentionText === undefined ? undefined : parseRetention(retentionText)
      const electionTimeout = setting('electionTimeoutMs', options.electionTimeout === undefined ? undefined : String(options.electionTimeout)) ?? DEFAULT_ELECTION_TIMEOUT_MS
      const { parseMetricsAddress, checkMetricsAddress } = await import('../../node/metrics-server.js')
      // The flag's own message first (it names --metrics already), as --bootstrap's above.
      if (options.metrics !== undefined) parseMetricsAddress(options.metrics)
      const metricsText = setting('metrics', options.metrics)
      const metrics = metricsText === undefined ? undefined : parseMetricsAddress(metricsText)
      const bootstrapNodes = setting('bootstrap', options.bootstrap)
      const bootstrap = bootstrapNodes === undefined ? undefined : parseBootstrap(bootstrapNodes.join(','))
      // The flag is checked by binding it (its own message); a variable or config value must be an IP address, then is.
      const givenHost = options.host ?? setting('host')
      const host = givenHost ?? (bootstrap !== undefined && bootstrap.every(b => isLoopbackHost(b.host)) ? '127.0.0.1' : undefined)
      if (givenHost !== undefined) await checkBindHost(givenHost)
      const paths = homePaths(home)
      const { runningDaemon, prepareDaemonStart } = await import('../../node/daemon.js')
      // Checked here, before a detached daemon is spawned, so that what is wrong is said here, in one line.
      await prepareDaemonStart(home, line => { ctx.io.stderr.write(`bzzz-ctx: ${line}\n`) })
      if (options.detach === true) {
        // Refused here, in this process's one line, rather than found in the spawned daemon's log.
        if (metrics !== undefined) await checkMetricsAddress(metrics)
        const log = openSync(paths.log, 'a', 0o600)
        const logStart = fstatSync(log).size
        // The flags given, only: the daemon resolves the rest as this process did (the same variables and config).
        const args = [join(PACKAGE_ROOT, 'bin', 'bzzz-ctx'), '--home', home, 'node', 'start', ...(options.host !== undefined ? ['--host', options.host] : []),
          ...(options.campaign ? [] : ['--no-campaign']),
          ...(options.metrics !== undefined ? ['--metrics', options.metrics] : []), ...(options.logLevel !== undefined ? ['--log-level', options.logLevel] : []),
          ...(options.auditHashReads === true ? ['--audit-hash-reads'] : []), ...(options.auditFailClosed === true ? ['--audit-fail-closed'] : []),
          ...(options.retention !== undefined ? ['--retention', options.retention] : [])]
        const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], env: { ...ctx.io.env, BZZZ_LOG_FILE: paths.log } })
        closeSync(log)
        let exited: number | null = null
        child.on('exit', code => { exited = code ?? -1 })
        child.unref()
        const deadline = Date.now() + DETACH_READY_TIMEOUT_MS
        while (Date.now() < deadline) {
          if (exited !== null) {
            // The daemon's own failure, with its exit code (a damaged file is 1, a bad option 2), not a generic 5.
            throw new BzzzError(errorCodeForExit(exited) ?? 'UNAVAILABLE', `the daemon exited at start (code ${exited}): ${logTail(paths.log, logStart) || 'see ' + paths.log}`)
          }
          if (await runningDaemon(home) !== null) {
            emit(ctx, { pid: child.pid, home, log: paths.log, socket: paths.controlSocket }, () => `The daemon runs (pid ${child.pid}); its log is ${paths.log}. Stop it with: bzzz-ctx node stop`)
            return
          }
          await sleep(100)
        }
        child.kill('SIGTERM')
        throw unavailable(`the daemon did not get ready in ${DETACH_READY_TIMEOUT_MS / 1000} s: see ${paths.log}`)
      }
      const { startDaemon } = await import('../../node/daemon.js')
      const { createLogger } = await import('../../node/logger.js')
      const logger = createLogger(ctx.io.env.BZZZ_LOG_FILE, logLevel)
      let daemon: Awaited<ReturnType<typeof startDaemon>>
      try {
        daemon = await startDaemon({
          home, logger, electionTimeoutMs: electionTimeout, audit, ...(retentionMs !== undefined ? { retentionMs } : {}), ...(options.campaign ? {} : { campaign: false }), ...requestPartBytes(ctx.io.env), ...wrongHeadHashes(ctx.io.env), ...noTopicLookup(ctx.io.env),
          ...(bootstrap !== undefined ? { bootstrap } : {}), ...(host !== undefined ? { host } : {}), ...(metrics !== undefined ? { metrics } : {})
        })
      } catch (err) {
        // A start that failed half way can leave a socket of the swarm open, which would keep this process alive
        // for ever after its error is reported: it exits once the error is out (a timer that holds nothing open).
        setTimeout(() => { process.exit() }, 2_000).unref()
        throw err
      }
      const stop = (): void => { daemon.close().catch(() => {}) }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      note(ctx, `bzzz-ctx daemon running for ${home} (pid ${process.pid}); Ctrl-C or \`bzzz-ctx node stop\` stops it.`)
      await daemon.stopped
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }))
  node.command('stop')
    .description('stop the daemon: flush, leave the swarm, exit')
    .action(env.action(async ctx => {
      const { pid } = await withDaemon(ctx, daemon => daemon.stop(), 'nothing to stop')
      // Stopped means the process has exited: its control socket closes first, but the store stays locked until the
      // node has closed, and a command run right after `node stop` must find the home free.
      const deadline = Date.now() + STOP_TIMEOUT_MS
      while (Date.now() < deadline && processAlive(pid)) await sleep(50)
      if (processAlive(pid)) throw unavailable(`the daemon (pid ${pid}) did not stop in ${STOP_TIMEOUT_MS / 1000} s`)
      emit(ctx, { stopped: true, pid }, () => `Stopped the daemon (pid ${pid}).`)
    }))
  return node
}
