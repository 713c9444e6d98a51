// metrics_on_vs_off: distribute throughput with the daemon's metrics on against off, in one run on one cluster (three
// in-process peers on a loopback DHT), rounds interleaved so both modes see the same machine, leader and logs. On: every
// peer's registry is told of each write by its hooks and scraped over HTTP every second, as a (keen) Prometheus would.
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
import { round } from './stats.js'

/** Rounds per mode, and single-record distributes per round: each one acknowledged write (RF 3). */
export const METRICS_ROUNDS = Number(process.env.BZZZ_BENCH_METRICS_ROUNDS ?? 60)
export const METRICS_WRITES_PER_ROUND = 10
/** Far more often than Prometheus's default (15 s): the cost of scrapes is not hidden by their rarity. */
const SCRAPE_EVERY_MS = 1_000

async function waitUntil (check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

/** The metrics' hooks, passed on only while `on()` says so. */
function gated (hooks: ReturnType<NodeMetrics['hooks']>, on: () => boolean): Partial<ClusterNodeOptions> {
  return {
    onElection: event => { if (on()) hooks.onElection(event) },
    onAcknowledged: event => { if (on()) hooks.onAcknowledged(event) },
    onRetrieved: event => { if (on()) hooks.onRetrieved(event) }
  }
}

export async function benchMetrics (): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'bzzz-bench-metrics-'))
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  const homes = [join(dir, 'admin'), join(dir, 'a'), join(dir, 'b')]
  const nodes: ClusterNode[] = []
  const servers: MetricsServer[] = []
  let mode: 'on' | 'off' = 'on'
  let scraping: NodeJS.Timeout | null = null
  try {
    await LocalPeer.init(homes[0]!, { cluster: 'bench', role: 'admin' })
    for (const home of homes.slice(1)) await redeemInvite(home, (await createInvite(homes[0]!, 'developer')).invite)
    for (const home of homes) {
      const metrics = new NodeMetrics()
      const node = await ClusterNode.start({
        home, bootstrap: dht.addresses, host: '127.0.0.1', logger: silentLogger(), ackTimeoutMs: 60_000, ...gated(metrics.hooks(), () => mode === 'on')
      })
      nodes.push(node)
      metrics.attach(node)
      servers.push(await startMetricsServer({ host: '127.0.0.1', port: await freePort() }, metrics))
    }
    await waitUntil(() => nodes.every(n => n.peers().length === 2), 30_000, 'a full mesh')
    await waitUntil(() => agreedLeader(nodes) !== null, 30_000, 'an elected leader')
    const writer = nodes.find(n => n !== agreedLeader(nodes)!.node)!
    let scrapes = 0
    let scrapeMs = 0
    scraping = setInterval(() => {
      if (mode !== 'on') return
      for (const server of servers) {
        const started = performance.now()
        fetch(`http://127.0.0.1:${server.address.port}/metrics`).then(async r => {
          await r.text()
          scrapes++
          scrapeMs += performance.now() - started
        }, () => {})
      }
    }, SCRAPE_EVERY_MS)
    const ms = { on: 0, off: 0 }
    let n = 0
    const round_ = async (): Promise<void> => {
      const started = performance.now()
      for (let i = 0; i < METRICS_WRITES_PER_ROUND; i++) {
        await writer.distribute({ address: `ucxl://bench/metrics/f${n++}.go`, kind: 'file', summary: `file ${n}` }, undefined, 'bench')
      }
      ms[mode] += performance.now() - started
    }
    await round_()
    ms.on = 0
    for (let r = 0; r < METRICS_ROUNDS; r++) {
      // Alternate which mode goes first, so neither always follows the other.
      for (const next of r % 2 === 0 ? ['on', 'off'] as const : ['off', 'on'] as const) {
        mode = next
        await round_()
      }
    }
    const writes = METRICS_ROUNDS * METRICS_WRITES_PER_ROUND
    const perSecond = { on: writes / (ms.on / 1000), off: writes / (ms.off / 1000) }
    return {
      metrics_writes_per_mode: writes,
      metrics_scrapes: scrapes,
      metrics_scrape_ms: round(scrapeMs / Math.max(1, scrapes), 2),
      metrics_on_distributes_per_s: round(perSecond.on, 1),
      metrics_off_distributes_per_s: round(perSecond.off, 1),
      metrics_on_vs_off: round(perSecond.on / perSecond.off, 3)
    }
  } finally {
    if (scraping !== null) clearInterval(scraping)
    for (const server of servers) await server.close().catch(() => {})
    for (const node of nodes) await node.close().catch(() => {})
    await dht.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
