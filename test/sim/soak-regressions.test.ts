// Seeds the soak (npm run sim:soak) found failing, replayed as it runs them (random faults, five peers, memory mode),
// each holding every check since its fix:
// - 24 and 41: a new leader's term entry stating the ends of earlier terms was never announced when no write followed
//   it, so its view differed from every other peer's and the cluster never converged;
// - 43: a partition isolating the leader while none led failed the run ("needs a target node") instead of cutting
//   nothing.
import t from 'tap'
import { runSimulation } from '../../sim/runner.js'
import { randomScenario } from '../../sim/scenario.js'
import { seededRandom } from '../../sim/random.js'

/** The soak's peers (sim/soak.ts's SOAK_NODES; that module runs the soak when imported). */
const SOAK_NODES = 5

for (const seed of [24, 41, 43]) {
  t.test(`soak seed ${seed} holds every check`, async t => {
    const report = await runSimulation({ scenario: randomScenario(seededRandom(seed), { nodes: SOAK_NODES }), seed, mode: 'memory' })
    t.same(Object.entries(report.checks).filter(([, check]) => !check.ok).map(([name, check]) => `${name}: ${check.detail}`), [], 'no check violated')
    t.ok(report.ok)
  })
}
