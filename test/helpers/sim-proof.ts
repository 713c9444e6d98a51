// Each checker proven: a deliberately broken peer makes the matching check fail (on a proof scenario, within a few
// seeds), and the same scenario without the fault passes (run once per scenario and file, however many proofs use it).
import type { Test } from 'tap'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { runSimulation, type BreakMode, type SimReport } from '../../sim/runner.js'
import { readScenario } from '../../sim/scenario.js'
import { CAUGHT_BY, proofTargets } from '../../sim/proofs.js'

const PROOFS = join(PACKAGE_ROOT, 'fixtures', 'proofs')

function failed (report: SimReport): string[] {
  return Object.entries(report.checks).filter(([, c]) => !c.ok).map(([name, c]) => `${name}: ${c.detail}`)
}

const healthy = new Map<string, Promise<SimReport>>()

/** Runs a proof scenario with a broken peer until the check fails (at most `tries` seeds). */
export async function proof (t: Test, file: string, fault: BreakMode, check: string, tries = 4): Promise<void> {
  const scenario = readScenario(join(PROOFS, file))
  if (!healthy.has(file)) healthy.set(file, runSimulation({ scenario, seed: 1, mode: 'memory' }))
  t.same(failed(await healthy.get(file)!), [], `without the fault, ${file} passes`)
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

/**
 * Each fault alone on every fixture scenario and five random seeds (sim/proofs.ts's targets), one tap test per scenario:
 * the checker that must catch it fails every time.
 */
export function proveEach (t: Test, faults: readonly BreakMode[]): void {
  for (const target of proofTargets(5)) {
    t.test(`${target.name}: ${faults.join(', ')}, each caught by its checker`, async t => {
      for (const fault of faults) {
        const report = await runSimulation({ scenario: target.scenario, seed: target.seed, mode: 'memory', break: fault })
        const result = report.checks[CAUGHT_BY[fault]]
        t.equal(result?.ok, false, `--break ${fault}: ${CAUGHT_BY[fault]}: ${result?.detail.slice(0, 200) ?? 'not run'} (replay: ${target.replay(fault)})`)
        if (fault === 'forget-queue') t.ok(report.faults.some(f => f.kind === 'handover partition isolate-leader'), 'a request was handed over')
      }
    })
  }
}
