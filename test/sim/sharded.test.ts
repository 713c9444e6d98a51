// Sharded replication in the simulator: seven members, three voters, factor 3, writes of several records (payloads
// packed by shard), the leader and every member that does not vote gone for good at the end. Every acknowledged record
// reads on the two voters left, across seeds; voters that held only their shards (shard-voters) lose records, and
// no-lost-acks reports it.
import t from 'tap'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { runSimulation } from '../../sim/runner.js'
import { parseScenario, readScenario } from '../../sim/scenario.js'
import { proof } from '../helpers/sim-proof.js'
import { cli } from '../helpers/cli.js'

const FILE = 'sharded-crash-and-partition.json'

t.test('proof: shard-voters breaks no-lost-acks (7 members, 3 voters, sharded)', async t => {
  await proof(t, FILE, 'shard-voters', 'no-lost-acks')
})

t.test('sharded, 7 members and 3 voters: every check holds on more seeds', async t => {
  const scenario = readScenario(join(PACKAGE_ROOT, 'fixtures', 'proofs', FILE))
  t.equal(scenario.replication, 'sharded')
  for (const seed of [2, 3]) {
    const report = await runSimulation({ scenario, seed, mode: 'memory' })
    for (const [name, check] of Object.entries(report.checks)) t.ok(check.ok, `seed ${seed}: ${name}: ${check.detail.slice(0, 160)}`)
    t.ok((report.metrics.acked_writes ?? 0) >= 24, `seed ${seed}: ${report.metrics.acked_writes} records acknowledged`)
  }
})

t.test('a scenario\'s replication and batch writes: parsed, and refused when malformed', async t => {
  const parsed = parseScenario({ nodes: 3, replication: 'sharded', steps: [{ at: 0, op: 'distribute', count: 4, batch: true }] })
  t.equal(parsed.replication, 'sharded')
  t.same(parsed.steps[0], { atMs: 0, type: 'op', op: { op: 'distribute', count: 4, batch: true } })
  t.equal(parseScenario({ nodes: 3 }).replication, 'full', 'full by default')
  t.throws(() => parseScenario({ nodes: 3, replication: 'half' }), { code: 'BAD_INPUT', message: /replication/ })
  t.throws(() => parseScenario({ nodes: 3, steps: [{ at: 0, op: 'distribute', count: 4, batch: 'yes' }] }), { code: 'BAD_INPUT', message: /batch/ })
  const bad = await cli(['sim', '--replication', 'half'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /^bzzz-ctx: [^\n]*--replication[^\n]*\n$/)
})
