// Each deliberately broken peer whose fault shows on every run is caught by its checker on every fixture scenario and
// on five random seeds with faults, every time: a checker that caught it only on a scenario made for it would be
// trusted on less than it judges. The three faults run together, one run per scenario, to keep this within a couple of
// minutes; each checker is asserted on its own. The other three breaks: breaks-handover.test.ts and breaks-acks.test.ts
// (and the table of all six: `npm run sim:proofs`).
import t from 'tap'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { runSimulation, type BreakMode } from '../../sim/runner.js'
import { randomScenario, readScenario, type Scenario } from '../../sim/scenario.js'
import { seededRandom } from '../../sim/random.js'

const SCENARIOS = join(PACKAGE_ROOT, 'fixtures', 'scenarios')
const CAUGHT_BY: Array<[BreakMode, string]> = [['unheld-record', 'no-lost-acks'], ['stale-read', 'read-after-ack'], ['leak-role', 'role-isolation']]
const RANDOM_SEEDS = [101, 202, 303, 404, 505]

const runs: Array<{ label: string, scenario: Scenario, seed: number }> = [
  ...readdirSync(SCENARIOS).filter(f => f.endsWith('.json')).sort().map(file => {
    const scenario = readScenario(join(SCENARIOS, file))
    return { label: file, scenario, seed: scenario.seed ?? 1 }
  }),
  ...RANDOM_SEEDS.map(seed => ({ label: `random faults, seed ${seed}`, scenario: randomScenario(seededRandom(seed), { nodes: 5, durationMs: 16_000 }), seed }))
]

for (const { label, scenario, seed } of runs) {
  t.test(`${label}: every broken peer is caught by its checker`, async t => {
    const report = await runSimulation({ scenario, seed, mode: 'memory', break: CAUGHT_BY.map(([fault]) => fault) })
    for (const [fault, check] of CAUGHT_BY) {
      const result = report.checks[check]
      t.equal(result?.ok, false, `--break ${fault}: ${check}: ${result?.detail.slice(0, 200) ?? 'not run'}`)
    }
  })
}
