// double-vote and forget-queue used to be caught only where the scenario made the event they break (two candidates in
// a term; a request pending across a leader change): on bridge, halves, drop-and-delay, crash-follower-restart and
// crash-leader-restart neither was. Now a double-voting peer grants, with each vote, one more unasked, and the liveness
// phase hands a request from one leader to the next (Simulator.handover), so each is caught on any scenario: here on
// three that used to miss both and one seed of random faults, both faults in one run each (a lost request waits out the
// liveness bound in real time). Every scenario: `npm run sim:proofs`.
import t from 'tap'
import { runSimulation } from '../../sim/runner.js'
import { proofTargets, CAUGHT_BY } from '../../sim/proofs.js'

const SAMPLE = ['bridge', 'halves', 'crash-leader-restart', 'random seed 1']
const targets = proofTargets(1).filter(target => SAMPLE.includes(target.name))

t.test('the sample is the four scenarios', async t => {
  t.same(targets.map(target => target.name).sort(), [...SAMPLE].sort())
})

for (const target of targets) {
  t.test(`${target.name}: double-vote and forget-queue are caught by their checkers`, async t => {
    const report = await runSimulation({ scenario: target.scenario, seed: target.seed, mode: 'memory', break: ['double-vote', 'forget-queue'] })
    for (const fault of ['double-vote', 'forget-queue'] as const) {
      const result = report.checks[CAUGHT_BY[fault]]
      t.equal(result?.ok, false, `--break ${fault}: ${CAUGHT_BY[fault]}: ${result?.detail.slice(0, 200) ?? 'not run'} (replay: ${target.replay(fault)})`)
    }
    t.ok(report.faults.some(f => f.kind === 'handover partition isolate-leader'), 'the request was handed over')
  })
}
