// Simulator figures: how many peers one process holds (memory mode, a light workload), how fast simulated time
// runs against real time, and how many gossip rounds a cut-off peer needs to converge after the heal, against N.
import { runSimulation } from '../../sim/runner.js'
import { parseScenario } from '../../sim/scenario.js'

/** Up to 1,000 peers (about 8 minutes and 4 GB of the bench on this machine); BZZZ_BENCH_SIM_NODES=5,10,... for fewer. */
export const SIM_SIZES = (process.env.BZZZ_BENCH_SIM_NODES ?? '5,10,20,40,100,200,1000').split(',').map(Number).filter(n => n > 0)
/** The full-against-sharded comparison runs twice more a size: up to this many peers. */
export const SIM_SHARDED_MAX = Number(process.env.BZZZ_BENCH_SIM_SHARDED_MAX ?? 40)

function lightScenario (nodes: number, shape: { replication?: 'full' | 'sharded', batch?: boolean } = {}): ReturnType<typeof parseScenario> {
  const distribute = shape.batch === true ? { op: 'distribute', count: 40, batch: true } : { op: 'distribute', count: 10 }
  return parseScenario({
    nodes,
    seed: 1,
    replicationFactor: Math.min(3, nodes),
    ...(shape.replication !== undefined ? { replication: shape.replication } : {}),
    electionTimeoutMs: 300,
    duration: '5s',
    steps: [
      { at: '1s', nemesis: 'partition', kind: 'isolate', node: nodes - 1 },
      { at: '1500ms', ...distribute },
      { at: '3s', nemesis: 'crash', node: 'leader' },
      { at: '4s', op: 'retrieve', count: 5 }
    ],
    checks: ['election-safety', 'no-lost-acks', 'convergence']
  }, `light-${nodes}${shape.replication === 'sharded' ? '-sharded' : ''}${shape.batch === true ? '-batch' : ''}`)
}

export async function benchSim (log: (line: string) => void = () => {}): Promise<Record<string, number | string>> {
  const figures: Record<string, number | string> = {}
  let largest = 0
  for (const nodes of SIM_SIZES) {
    const rssBefore = process.memoryUsage().rss
    const report = await runSimulation({ scenario: lightScenario(nodes), seed: 1, mode: 'memory' })
    const m = report.metrics
    log(`  ${nodes} peers: ${report.ok ? 'every check held' : 'VIOLATED ' + Object.entries(report.checks).filter(([, c]) => !c.ok).map(([n]) => n).join(',')}; ${m.real_ms} ms real for ${m.simulated_ms} ms simulated; converged in ${m.converged_within_ms} ms; ${m.messages} messages over ${m.connections} connections`)
    figures[`sim_n${nodes}_ok`] = report.ok ? 1 : 0
    figures[`sim_n${nodes}_simulated_to_real`] = m.simulated_to_real ?? 0
    figures[`sim_n${nodes}_gossip_rounds_to_converge`] = m.gossip_rounds_to_converge ?? -1
    figures[`sim_n${nodes}_failover_ms`] = m.failover_ms_max ?? -1
    figures[`sim_n${nodes}_rss_mb`] = Math.round(Math.max(process.memoryUsage().rss, rssBefore) / 1e6)
    // The process's peak so far (sizes run in increasing order, so it is this size's peak once it is the largest yet).
    figures[`sim_n${nodes}_peak_rss_mb`] = Math.round(process.resourceUsage().maxRSS / 1024)
    figures[`sim_n${nodes}_messages`] = m.messages ?? 0
    figures[`sim_n${nodes}_us_per_message`] = Math.round((m.real_ms ?? 0) * 1000 / Math.max(1, m.messages ?? 0))
    if (report.ok) largest = nodes
    if (nodes > SIM_SHARDED_MAX) continue
    // Where sharded replication starts to pay: the same writes of 40 records, full against sharded (five voters hold
    // every payload either way; the other members hold their shards), by the bytes of payloads the live peers hold.
    const [full, sharded] = [await runSimulation({ scenario: lightScenario(nodes, { batch: true }), seed: 1, mode: 'memory' }),
      await runSimulation({ scenario: lightScenario(nodes, { batch: true, replication: 'sharded' }), seed: 1, mode: 'memory' })]
    const share = (sharded.metrics.payload_bytes_held ?? 0) / Math.max(1, full.metrics.payload_bytes_held ?? 0)
    log(`  ${nodes} peers, writes of 40 records: full ${full.ok ? 'held' : 'VIOLATED'}, sharded ${sharded.ok ? 'held' : 'VIOLATED'}; the live peers hold ${sharded.metrics.payload_bytes_held} bytes of payloads sharded against ${full.metrics.payload_bytes_held} full (${share.toFixed(2)})`)
    figures[`sim_n${nodes}_sharded_ok`] = full.ok && sharded.ok ? 1 : 0
    figures[`sim_n${nodes}_sharded_payload_share`] = Math.round(share * 1000) / 1000
  }
  figures.sim_peers_per_process = largest
  return figures
}
