// Simulator figures: how many peers one process holds (memory mode, a light workload), how fast simulated time
// runs against real time, and how many gossip rounds a cut-off peer needs to converge after the heal, against N.
import { runSimulation } from '../../sim/runner.js'
import { parseScenario } from '../../sim/scenario.js'

export const SIM_SIZES = (process.env.BZZZ_BENCH_SIM_NODES ?? '5,10,20,40').split(',').map(Number).filter(n => n > 0)

function lightScenario (nodes: number): ReturnType<typeof parseScenario> {
  return parseScenario({
    nodes,
    seed: 1,
    replicationFactor: Math.min(3, nodes),
    electionTimeoutMs: 300,
    duration: '5s',
    steps: [
      { at: '1s', nemesis: 'partition', kind: 'isolate', node: nodes - 1 },
      { at: '1500ms', op: 'distribute', count: 10 },
      { at: '3s', nemesis: 'crash', node: 'leader' },
      { at: '4s', op: 'retrieve', count: 5 }
    ],
    checks: ['election-safety', 'no-lost-acks', 'convergence']
  }, `light-${nodes}`)
}

export async function benchSim (log: (line: string) => void = () => {}): Promise<Record<string, number | string>> {
  const figures: Record<string, number | string> = {}
  let largest = 0
  for (const nodes of SIM_SIZES) {
    const rssBefore = process.memoryUsage().rss
    const report = await runSimulation({ scenario: lightScenario(nodes), seed: 1, mode: 'memory' })
    const m = report.metrics
    log(`  ${nodes} peers: ${report.ok ? 'every check held' : 'VIOLATED ' + Object.entries(report.checks).filter(([, c]) => !c.ok).map(([n]) => n).join(',')}; ${m.real_ms} ms real for ${m.simulated_ms} ms simulated; converged in ${m.converged_within_ms} ms`)
    figures[`sim_n${nodes}_ok`] = report.ok ? 1 : 0
    figures[`sim_n${nodes}_simulated_to_real`] = m.simulated_to_real ?? 0
    figures[`sim_n${nodes}_gossip_rounds_to_converge`] = m.gossip_rounds_to_converge ?? -1
    figures[`sim_n${nodes}_failover_ms`] = m.failover_ms_max ?? -1
    figures[`sim_n${nodes}_rss_mb`] = Math.round(Math.max(process.memoryUsage().rss, rssBefore) / 1e6)
    if (report.ok) largest = nodes
  }
  figures.sim_peers_per_process = largest
  return figures
}
