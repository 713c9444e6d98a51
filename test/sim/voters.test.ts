// The acknowledgement rule with voters and members, in the simulator: seven members, three voters, writes under a
// partition and while voters crash, then all but two voters gone for good. Every acknowledged write survives and no
// term has two leaders across seeds; a rule that counts the copies of members that do not vote (ack-non-voters) loses
// writes, and no-lost-acks reports it.
import t from 'tap'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { runSimulation } from '../../sim/runner.js'
import { readScenario } from '../../sim/scenario.js'
import { hasNonVoters } from '../../sim/proofs.js'
import { proof } from '../helpers/sim-proof.js'
import { cli } from '../helpers/cli.js'

const FILE = 'voters-crash-and-partition.json'

t.test('sim --voters takes an odd count', async t => {
  const even = await cli(['sim', '--voters', '4', '--nodes', '7'])
  t.equal(even.code, 2)
  t.match(even.stderr, /^bzzz-ctx: --voters must be odd/)
})

t.test('proof: ack-non-voters breaks no-lost-acks (7 members, 3 voters)', async t => {
  await proof(t, FILE, 'ack-non-voters', 'no-lost-acks')
})

t.test('7 members, 3 voters: every check holds on more seeds', async t => {
  const scenario = readScenario(join(PACKAGE_ROOT, 'fixtures', 'proofs', FILE))
  t.ok(hasNonVoters(scenario))
  for (const seed of [2, 3, 4]) {
    const report = await runSimulation({ scenario, seed, mode: 'memory' })
    t.equal(report.voters, 3)
    for (const [name, check] of Object.entries(report.checks)) t.ok(check.ok, `seed ${seed}: ${name}: ${check.detail.slice(0, 160)}`)
    t.ok((report.metrics.acked_writes ?? 0) > 0, `seed ${seed}: ${report.metrics.acked_writes} writes acknowledged`)
  }
})
