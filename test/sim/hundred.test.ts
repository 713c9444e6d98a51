// Issue 22's "the simulator's checkers hold at 100 peers": a hundred real nodes in this process, five voters, the
// rest in the two-tier mesh (each links with the voters and two members), under a partition, an isolated and then
// crashed leader, and a kill and restart; every check holds, and the links stay far below a full mesh's 4,950.
import t from 'tap'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { runSimulation } from '../../sim/runner.js'
import { readScenario } from '../../sim/scenario.js'

t.test('100 peers, 5 voters: every check holds', async t => {
  const scenario = readScenario(join(PACKAGE_ROOT, 'fixtures', 'scale', 'hundred-peers.json'))
  const report = await runSimulation({ scenario, seed: scenario.seed ?? 7, mode: 'memory' })
  t.equal(report.nodes, 100)
  t.equal(report.voters, 5)
  for (const [name, check] of Object.entries(report.checks)) t.ok(check.ok, `${name}: ${check.detail.slice(0, 200)}`)
  t.equal(Object.keys(report.checks).length, 7, 'every checker ran')
  t.ok((report.metrics.acked_writes ?? 0) >= 10, `${report.metrics.acked_writes} writes acknowledged`)
  t.ok((report.metrics.failovers ?? 0) >= 1, 'a leader was replaced')
  // Connections made over the run (every redial after a cut or a crash counted): a full mesh would be 4,950 at least.
  t.ok((report.metrics.connections ?? Infinity) < 2_000, `${report.metrics.connections} connections`)
})
