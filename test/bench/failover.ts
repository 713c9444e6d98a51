// Failover benchmark: three real daemons (separate processes) on a loopback DHT with 300 ms election timeouts. The
// leader is killed with SIGKILL again and again; failover is the time from the kill until both survivors agree on a
// new leader in a later term (polled every 5 ms over their control sockets). Before each kill a generation request is
// accepted; every accepted request must complete (requests_lost counts those that did not within a minute).
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalPeer } from '../../src/node/local-peer.js'
import { createInvite, redeemInvite } from '../../src/node/invite.js'
import { DaemonClient } from '../../src/node/daemon-client.js'
import { homePaths } from '../../src/node/home.js'
import { startBootstrap } from '../../src/net/bootstrap.js'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { percentile, round } from './stats.js'

export const FAILOVER_ELECTION_TIMEOUT_MS = 300
export const FAILOVER_KILLS = Number(process.env.BZZZ_BENCH_KILLS ?? 20)
export const QUEUE_REQUESTS = 100

async function sleep (ms: number): Promise<void> { await new Promise(resolve => setTimeout(resolve, ms)) }

async function until<T> (what: string, check: () => Promise<T | null>, timeoutMs: number, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check().catch(() => null)
    if (value !== null) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

export async function benchFailover (): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'bzzz-bench-failover-'))
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  const homes = ['admin', 'developer', 'qa'].map(name => join(dir, name))
  const clients = new Map<string, DaemonClient>()
  const bin = join(PACKAGE_ROOT, 'bin', 'bzzz-ctx')
  // Asynchronous on purpose: the DHT's bootstrap nodes live in this process and must keep answering meanwhile.
  const start = async (home: string): Promise<void> => {
    await promisify(execFile)(process.execPath, [bin, '--home', home, 'node', 'start', '--detach', '--bootstrap', dht.nodes.join(','), '--election-timeout', String(FAILOVER_ELECTION_TIMEOUT_MS)])
  }
  const client = async (home: string): Promise<DaemonClient> => {
    let c = clients.get(home)
    if (c === undefined) {
      c = (await DaemonClient.connect(home, homePaths(home).controlSocket)) ?? undefined
      if (c === undefined) throw new Error('no daemon')
      clients.set(home, c)
    }
    return c
  }
  const agreed = async (among: readonly string[]): Promise<{ leader: string, term: number } | null> => {
    const views = await Promise.all(among.map(async home => await (await client(home)).electStatus()))
    const first = views[0]!
    if (first.leader === null || !views.every(v => v.leader === first.leader && v.term === first.term)) return null
    return { leader: first.leader, term: first.term }
  }
  try {
    await LocalPeer.init(homes[0]!, { cluster: 'failover', role: 'admin', project: 'fo' })
    for (const home of homes.slice(1)) await redeemInvite(home, (await createInvite(homes[0]!, 'developer')).invite)
    const nodeIds = homes.map(home => JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).nodeId as string)
    await Promise.all(homes.map(start))
    const meshed = async (): Promise<true | null> => (await Promise.all(homes.map(async h => (await (await client(h)).peers()).length))).every(n => n === 2) ? true : null
    await until('a full mesh', meshed, 120_000, 100)
    const src = join(dir, 'src')
    mkdirSync(src)

    // queue_requests_per_s: small requests accepted by the leader and completed, end to end. Each is for the developer
    // role (--roles developer): its files are sealed for the roles that may read all of its context, so that whichever
    // peer leads (the admin or a developer) may run it; for every role, only a security or admin leader could.
    // Two rounds of QUEUE_REQUESTS, each of new files: the first is the leader's first work (its code not yet compiled
    // by V8, its analysis workers loading each grammar), the second the throughput of a leader that has run before,
    // which is the figure. Both are reported.
    const first = await until('a leader', async () => await agreed(homes), 30_000)
    const leaderHome = homes[nodeIds.indexOf(first.leader)]!
    const leaderClient = await client(leaderHome)
    const queueRound = async (round: number): Promise<{ acceptedMs: number, queueMs: number }> => {
      for (let i = 0; i < QUEUE_REQUESTS; i++) writeFileSync(join(src, `r${round}q${i}.py`), `def f${i}():\n    return ${i + round}\n`)
      const completedBefore = (await leaderClient.queueStatus()).completed
      const started = performance.now()
      await Promise.all(Array.from({ length: QUEUE_REQUESTS }, async (_, i) => await leaderClient.generate({ path: join(src, `r${round}q${i}.py`), root: dir, project: 'fo', roles: ['developer'], noWait: true })))
      const acceptedMs = performance.now() - started
      await until('every queued request completed', async () => ((await leaderClient.queueStatus()).completed >= completedBefore + QUEUE_REQUESTS ? true : null), 300_000, 20)
      return { acceptedMs, queueMs: performance.now() - started }
    }
    const firstRound = await queueRound(0)
    const { acceptedMs, queueMs } = await queueRound(1)

    const failovers: number[] = []
    let lost = 0
    let accepted = 0
    for (let kill = 0; kill < FAILOVER_KILLS; kill++) {
      const before = await until('a leader', async () => await agreed(homes), 30_000)
      const victim = homes[nodeIds.indexOf(before.leader)]!
      const survivors = homes.filter(h => h !== victim)
      // A request accepted just before the kill must survive it.
      writeFileSync(join(src, `k${kill}.py`), `def k${kill}():\n    return ${kill}\n`)
      const request = await (await client(survivors[0]!)).generate({ path: join(src, `k${kill}.py`), root: dir, project: 'fo', roles: ['developer'], noWait: true }) as { request?: { id: string } }
      accepted++
      const pid = Number(readFileSync(homePaths(victim).pidFile, 'utf8'))
      clients.get(victim)?.close()
      clients.delete(victim)
      process.kill(pid, 'SIGKILL')
      const started = performance.now()
      await until('a new leader', async () => { const a = await agreed(survivors); return a !== null && a.term > before.term ? a : null }, 30_000, 5)
      failovers.push(performance.now() - started)
      const id = request.request?.id
      const done = await until('the request to complete', async () => {
        const rows = await (await client(survivors[0]!)).queueList()
        return rows.some(r => r.id === id && r.state === 'completed') ? true : null
      }, 60_000, 50).catch(() => false)
      if (done !== true) lost++
      // The killed daemon comes back (a stale socket and pid file are replaced) and rejoins before the next kill.
      rmSync(homePaths(victim).controlSocket, { force: true })
      await start(victim)
      await until('the mesh again', meshed, 120_000, 100)
    }
    failovers.sort((a, b) => a - b)
    return {
      failover_election_timeout_ms: FAILOVER_ELECTION_TIMEOUT_MS,
      failover_kills: failovers.length,
      failover_ms_p50: round(percentile(failovers, 50), 0),
      failover_ms_p99: round(percentile(failovers, 99), 0),
      failover_ms_max: round(failovers.at(-1) ?? 0, 0),
      requests_accepted_before_kills: accepted,
      requests_lost: lost,
      queue_requests: QUEUE_REQUESTS,
      queue_accept_per_s: round(QUEUE_REQUESTS / (acceptedMs / 1000), 0),
      queue_requests_per_s: round(QUEUE_REQUESTS / (queueMs / 1000), 1),
      queue_requests_per_s_first_round: round(QUEUE_REQUESTS / (firstRound.queueMs / 1000), 1),
      queue_accept_per_s_first_round: round(QUEUE_REQUESTS / (firstRound.acceptedMs / 1000), 0)
    }
  } finally {
    for (const c of clients.values()) c.close()
    for (const home of homes) {
      try { process.kill(Number(readFileSync(homePaths(home).pidFile, 'utf8')), 'SIGKILL') } catch {}
    }
    await dht.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
