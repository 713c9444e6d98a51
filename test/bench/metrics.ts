// metrics_on_vs_off: distribute throughput with the daemon's metrics on against off, in one run on one cluster (three
// in-process peers on a loopback DHT), at two scrape rates. The run alternates phases of PHASE_MS each, on then off,
// off then on, ... (each pair in the other order than the last, so neither mode always follows the other): on a shared
// machine a phase can land on another process's burst, and many adjacent pairs shrug that off where two long runs do
// not. On: every peer's registry is told of each write by its hooks, and every peer is scraped over HTTP by a scraper in
// another process, as a Prometheus is (the peers' process pays for serving a scrape, not reading one).
// - The harsh series scrapes every peer at the start of every on phase (every 200 ms), so every on phase pays for one
//   and the median of the pairs' ratios cannot skip them: `metrics_on_vs_off_scrape_200ms`.
// - The deployed series scrapes every peer once per DEPLOYED_SCRAPE_MS of on-time (15 s: deploy/prometheus/prometheus.yml,
//   and Prometheus's usual setting), so one on phase in 75 holds the scrapes. The median of its pairs skips those, so
//   the goal's figure, `metrics_on_vs_off`, is that median less the scrapes' share of the on-time, counted from each
//   scrape's time from request to last byte (which also holds its wait behind the writes: an upper bound of what serving
//   it cost the peers' thread). The pooled ratio (all on writes per second against all off, with a 95% bootstrap
//   interval over the pairs) is reported beside it: it counts the scrapes as they fell, and a burst of the machine's as
//   well.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalPeer } from '../../src/node/local-peer.js'
import { createInvite, redeemInvite } from '../../src/node/invite.js'
import { ClusterNode, agreedLeader, type ClusterNodeOptions } from '../../src/node/cluster/index.js'
import { startBootstrap } from '../../src/net/bootstrap.js'
import { silentLogger } from '../../src/node/logger.js'
import { NodeMetrics } from '../../src/node/metrics.js'
import { startMetricsServer, type MetricsServer } from '../../src/node/metrics-server.js'
import { freePort } from '../helpers/cluster.js'
import { percentile, round } from './stats.js'
import { waitUntil } from './wait.js'

/** Pairs of phases (one on, one off): 200 gave the median a 95% interval 0.07-0.18 wide here, 40 of 1 s 0.5-0.8. */
export const METRICS_PAIRS = Number(process.env.BZZZ_BENCH_METRICS_PAIRS ?? 200)
/**
 * How long a phase lasts, and so how often the harsh series scrapes each peer: short phases are what make adjacent ones
 * see the same machine (with phases of a second, pairs ranged from 0.03 to 32 under a load of 13). The three peers
 * share one thread, so each harsh on phase carries three scrapes (a daemon alone, one).
 */
const PHASE_MS = Number(process.env.BZZZ_BENCH_METRICS_SCRAPE_MS ?? 200)
/** The deployed series' interval: deploy/prometheus/prometheus.yml's scrape_interval. */
const DEPLOYED_SCRAPE_MS = 15_000
/** Resamples of the pairs for the pooled ratio's 95% interval (a fixed seed: the same pairs give the same interval). */
const BOOTSTRAP_RESAMPLES = 2_000
/** Both phases off (an A/A run): the spread this bench shows when nothing differs, its noise floor on this machine. */
const CONTROL = process.env.BZZZ_BENCH_METRICS_CONTROL === '1'
/** Scrapes of each peer, one after another on an idle cluster, after the phases: one scrape's own cost. */
const IDLE_SCRAPES = 50

/**
 * The scraper, run by `node -e`: each 'scrape' message scrapes every peer once, over keep-alive connections as a
 * Prometheus keeps them, and answers with each scrape's time from request to the body's last byte.
 */
const SCRAPER = `
const http = require('node:http')
const agent = new http.Agent({ keepAlive: true })
function scrapeOne (port) {
  return new Promise(resolve => {
    const started = performance.now()
    http.get({ host: '127.0.0.1', port, path: '/metrics', agent }, res => {
      res.resume()
      res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - started : null))
      res.on('error', () => resolve(null))
    }).on('error', () => resolve(null))
  })
}
process.on('message', async ({ ports }) => {
  const latencies = await Promise.all(ports.map(scrapeOne))
  process.send(latencies.filter(ms => ms !== null))
})
process.on('disconnect', () => process.exit(0))
`


/** The metrics' hooks, passed on only while `on()` says so. */
function gated (hooks: ReturnType<NodeMetrics['hooks']>, on: () => boolean): Partial<ClusterNodeOptions> {
  return {
    onElection: event => { if (on()) hooks.onElection(event) },
    onAcknowledged: event => { if (on()) hooks.onAcknowledged(event) },
    onRetrieved: event => { if (on()) hooks.onRetrieved(event) }
  }
}

/** One scrape of every peer by the scraper: the scrapes' times (ms), when all have answered. */
async function scrapeAll (scraper: ChildProcess, ports: number[], timeoutMs = 30_000): Promise<number[]> {
  return await new Promise<number[]>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error('the scraper did not answer')) }, timeoutMs)
    scraper.once('message', answer => { clearTimeout(timer); resolve(answer as number[]) })
    scraper.send({ ports })
  })
}

/** `low .. high` of a sorted list's two percentiles, to three places. */
function band (sortedAscending: readonly number[], low: number, high: number): string {
  return `${round(percentile(sortedAscending, low), 3)} .. ${round(percentile(sortedAscending, high), 3)}`
}

/** The pooled ratio (sum of on rates over sum of off rates) and its 95% bootstrap interval over the pairs. */
function pooled (on: readonly number[], off: readonly number[]): { ratio: number, interval: string } {
  const sum = (values: readonly number[], picks?: readonly number[]): number => (picks ?? values.map((_, i) => i)).reduce((total, i) => total + values[i]!, 0)
  let state = 0x9e3779b9
  const random = (): number => { state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0; return state / 2 ** 32 }
  const samples: number[] = []
  for (let r = 0; r < BOOTSTRAP_RESAMPLES; r++) {
    const picks = on.map(() => Math.floor(random() * on.length))
    samples.push(sum(on, picks) / sum(off, picks))
  }
  samples.sort((a, b) => a - b)
  return { ratio: sum(on) / sum(off), interval: band(samples, 2.5, 97.5) }
}

/**
 * A 95% confidence interval of the median that assumes nothing of the ratios' distribution: between the k-th smallest
 * and the k-th largest, k the largest with P(Binomial(n, 1/2) < k) <= 2.5% (k = 86 of 200). A goal inside it is not
 * shown met or missed by the run.
 */
function medianInterval (sortedAscending: readonly number[]): string {
  const n = sortedAscending.length
  let below = 0
  let k = 0
  let term = 0.5 ** n
  for (let i = 0; i < n; i++) {
    if (below + term > 0.025) break
    below += term
    k = i + 1
    term = term * (n - i) / (i + 1)
  }
  if (k === 0) return 'too few pairs'
  return `${round(sortedAscending[k - 1]!, 3)} .. ${round(sortedAscending[n - k]!, 3)}`
}

export async function benchMetrics (): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'bzzz-bench-metrics-'))
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  const homes = [join(dir, 'admin'), join(dir, 'a'), join(dir, 'b')]
  const nodes: ClusterNode[] = []
  const registries: NodeMetrics[] = []
  const servers: MetricsServer[] = []
  let mode: 'on' | 'off' = 'on'
  let scraper: ChildProcess | null = null
  try {
    await LocalPeer.init(homes[0]!, { cluster: 'bench', role: 'admin' })
    for (const home of homes.slice(1)) await redeemInvite(home, (await createInvite(homes[0]!, 'developer')).invite)
    for (const home of homes) {
      const metrics = new NodeMetrics()
      const node = await ClusterNode.start({
        home, bootstrap: dht.addresses, host: '127.0.0.1', logger: silentLogger(), ackTimeoutMs: 60_000, ...gated(metrics.hooks(), () => mode === 'on')
      })
      nodes.push(node)
      registries.push(metrics)
      metrics.attach(node)
      servers.push(await startMetricsServer({ host: '127.0.0.1', port: await freePort() }, metrics))
    }
    await waitUntil(() => nodes.every(n => n.peers().length === 2), 30_000, 'a full mesh')
    await waitUntil(() => agreedLeader(nodes) !== null, 30_000, 'an elected leader')
    const writer = nodes.find(n => n !== agreedLeader(nodes)!.node)!
    scraper = spawn(process.execPath, ['-e', SCRAPER], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
    const ports = servers.map(server => server.address.port)
    const latencies: number[] = []
    let n = 0
    /** On-time since the last scrape (the deployed series scrapes when it reaches the interval). */
    let sinceScrape = Infinity
    /** On-time of the series under way, ms. */
    let onMs = 0
    /** One phase in `next` mode, PHASE_MS long, scraping at its start when on and `every` ms of on-time went by: its distributes per second. */
    const phase = async (next: 'on' | 'off', every: number): Promise<number> => {
      mode = CONTROL ? 'off' : next
      const started = performance.now()
      const scrapeNow = mode === 'on' && sinceScrape >= every
      if (scrapeNow) sinceScrape = 0
      const scraped = scrapeNow ? scrapeAll(scraper!, ports) : null
      let writes = 0
      while (performance.now() - started < PHASE_MS) {
        await writer.distribute({ address: `ucxl://bench/metrics/f${n++}.go`, kind: 'file', summary: `file ${n}` }, undefined, 'bench')
        writes++
      }
      const ms = performance.now() - started
      if (mode === 'on') { sinceScrape += ms; onMs += ms }
      // The scrapes were served within the phase (they take milliseconds): waiting here keeps any out of the next one.
      if (scraped !== null) latencies.push(...await scraped)
      return writes / (ms / 1000)
    }
    /** METRICS_PAIRS pairs of phases, on-time scraped every `every` ms: each mode's rates, pair by pair. */
    const series = async (every: number): Promise<{ on: number[], off: number[], scrapes: number, scrapeShare: number }> => {
      sinceScrape = Infinity
      onMs = 0
      const rates = { on: [] as number[], off: [] as number[] }
      const before = latencies.length
      for (let pair = 0; pair < METRICS_PAIRS; pair++) {
        for (const next of pair % 2 === 0 ? ['on', 'off'] as const : ['off', 'on'] as const) rates[next].push(await phase(next, every))
      }
      const scraped = latencies.slice(before)
      return { ...rates, scrapes: scraped.length, scrapeShare: scraped.reduce((sum, ms) => sum + ms, 0) / onMs }
    }
    // A first pair, not counted: the code paths of both modes (and the scrape's) compiled before they are timed.
    await phase('on', 0)
    await phase('off', 0)
    latencies.length = 0
    const harsh = await series(PHASE_MS)
    const deployed = await series(DEPLOYED_SCRAPE_MS)
    latencies.sort((a, b) => a - b)
    const ratios = harsh.on.map((on, i) => on / harsh.off[i]!).sort((a, b) => a - b)
    const harshPooled = pooled(harsh.on, harsh.off)
    const deployedPooled = pooled(deployed.on, deployed.off)
    const deployedRatios = deployed.on.map((on, i) => on / deployed.off[i]!).sort((a, b) => a - b)
    // The scrapes' share of the on-time comes off the median (see the head of this file), and off its interval.
    const lessScrapes = (ratio: number): number => round(ratio * (1 - deployed.scrapeShare), 3)
    const deployedInterval = medianInterval(deployedRatios).split(' .. ').map(Number)
    // One scrape's own cost: each peer scraped in turn, in this thread, once the last writes have settled.
    await new Promise(resolve => setTimeout(resolve, 1_000))
    const idleStarted = performance.now()
    for (let i = 0; i < IDLE_SCRAPES; i++) for (const metrics of registries) await metrics.scrape()
    const idleMs = (performance.now() - idleStarted) / (IDLE_SCRAPES * registries.length)
    const mean = (values: readonly number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length
    return {
      ...(CONTROL ? { metrics_control: 'A/A: both phases off' } : {}),
      metrics_phase_ms: PHASE_MS,
      metrics_pairs: METRICS_PAIRS,
      metrics_scrapes: latencies.length,
      metrics_scrape_p50_ms: round(percentile(latencies, 50), 2),
      metrics_scrape_max_ms: round(latencies.at(-1) ?? NaN, 2),
      metrics_scrape_idle_ms: round(idleMs, 3),
      metrics_on_distributes_per_s: round(mean([...harsh.on, ...deployed.on]), 1),
      metrics_off_distributes_per_s: round(mean([...harsh.off, ...deployed.off]), 1),
      metrics_scrape_200ms_scrapes: harsh.scrapes,
      metrics_on_vs_off_scrape_200ms_iqr: band(ratios, 25, 75),
      metrics_on_vs_off_scrape_200ms_ci95: medianInterval(ratios),
      metrics_on_vs_off_scrape_200ms_pooled: round(harshPooled.ratio, 3),
      metrics_on_vs_off_scrape_200ms: round(percentile(ratios, 50), 3),
      metrics_scrape_15s_scrapes: deployed.scrapes,
      metrics_scrape_15s_share: round(deployed.scrapeShare, 5),
      metrics_on_vs_off_scrape_15s_pooled: round(deployedPooled.ratio, 3),
      metrics_on_vs_off_scrape_15s_pooled_ci95: deployedPooled.interval,
      metrics_on_vs_off_scrape_15s_median: round(percentile(deployedRatios, 50), 3),
      metrics_on_vs_off_ci95: deployedInterval.length === 2 ? deployedInterval.map(lessScrapes).join(' .. ') : 'too few pairs',
      metrics_on_vs_off: lessScrapes(percentile(deployedRatios, 50))
    }
  } finally {
    scraper?.kill()
    for (const server of servers) await server.close().catch(() => {})
    for (const node of nodes) await node.close().catch(() => {})
    await dht.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
