// Each checker proven: a deliberately broken peer makes the matching check fail (on a proof scenario, within a few
// seeds), and the same scenario without the fault passes. (Apart from run.test.ts so the two files run side by side.)
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { runSimulation, type BreakMode, type SimReport } from '../../sim/runner.js'
import { readScenario } from '../../sim/scenario.js'

const PROOFS = join(PACKAGE_ROOT, 'fixtures', 'proofs')

function failed (report: SimReport): string[] {
  return Object.entries(report.checks).filter(([, c]) => !c.ok).map(([name, c]) => `${name}: ${c.detail}`)
}

/** Runs a proof scenario with a broken peer until the check fails (at most `tries` seeds): returns the failing report. */
async function proof (t: Test, file: string, fault: BreakMode, check: string, tries = 4): Promise<void> {
  const scenario = readScenario(join(PROOFS, file))
  const healthy = await runSimulation({ scenario, seed: 1, mode: 'memory' })
  t.same(failed(healthy), [], `without the fault, ${file} passes`)
  for (let seed = 1; seed <= tries; seed++) {
    const report = await runSimulation({ scenario, seed, mode: 'memory', break: fault })
    if (report.checks[check]?.ok === false) {
      t.pass(`--break ${fault}: ${check} reports it (seed ${seed}): ${report.checks[check]!.detail.slice(0, 160)}`)
      t.ok(report.checks[check]!.violations.length > 0, 'with violations')
      return
    }
  }
  t.fail(`--break ${fault}: ${check} never failed in ${tries} seeds`)
}

t.test('proof: double-vote breaks election-safety', async t => { await proof(t, 'slow-network-elections.json', 'double-vote', 'election-safety') })
t.test('proof: ack-before-replicate breaks no-lost-acks', async t => { await proof(t, 'leader-crash-during-work.json', 'ack-before-replicate', 'no-lost-acks') })
t.test('proof: leak-role breaks role-isolation', async t => { await proof(t, 'slow-network-elections.json', 'leak-role', 'role-isolation') })
t.test('proof: double-vote breaks one-vote-per-term where the vote is cast', async t => { await proof(t, 'slow-network-elections.json', 'double-vote', 'one-vote-per-term') })
t.test('proof: unheld-record breaks no-lost-acks (a generate reports a record no peer holds)', async t => { await proof(t, 'leader-crash-during-work.json', 'unheld-record', 'no-lost-acks') })
t.test('proof: stale-read breaks read-after-ack', async t => { await proof(t, 'leader-crash-during-work.json', 'stale-read', 'read-after-ack') })
t.test('proof: forget-queue breaks no-lost-requests', async t => { await proof(t, 'leader-crash-during-work.json', 'forget-queue', 'no-lost-requests') })

