// The simulator end to end: every scenario of fixtures/scenarios in memory mode (real nodes, in-memory network,
// virtual clock), one in swarm mode (real Hyperswarm on a loopback DHT), the same seed giving the same faults, and
// a failing run's exit and replay line (each checker's proof is in proofs.test.ts).
import t from 'tap'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { runSimulation, type SimReport } from '../../sim/runner.js'
import { randomScenario, readScenario } from '../../sim/scenario.js'
import { seededRandom } from '../../sim/random.js'
import { cli } from '../helpers/cli.js'

const SCENARIOS = join(PACKAGE_ROOT, 'fixtures', 'scenarios')
const PROOFS = join(PACKAGE_ROOT, 'fixtures', 'proofs')

function failed (report: SimReport): string[] {
  return Object.entries(report.checks).filter(([, c]) => !c.ok).map(([name]) => `${name}: ${c(report, name)}`)
}
function c (report: SimReport, name: string): string {
  return report.checks[name]?.detail ?? ''
}

for (const file of readdirSync(SCENARIOS).filter(f => f.endsWith('.json')).sort()) {
  t.test(`scenario ${file} (memory): every check holds`, async t => {
    const scenario = readScenario(join(SCENARIOS, file))
    const lines: string[] = []
    const report = await runSimulation({ scenario, seed: scenario.seed ?? 1, mode: 'memory', log: line => lines.push(line), progressIntervalMs: 250 })
    t.same(failed(report), [], `seed ${report.seed}: ${report.faults.length} faults, ${report.metrics.acked_writes} acked writes`)
    t.ok(lines.some(line => /^ {2}\d+\.\d s simulated in \d+ s; (leader n\d+|no leader)$/.test(line)), `a long run says where it is (${lines.length} lines)`)
    t.ok(Number(report.metrics.acked_writes) > 0, 'the workload wrote')
    t.ok(report.faults.some(f => !f.kind.startsWith('handover ')), 'the nemesis acted')
    t.ok(report.faults.some(f => f.kind === 'handover partition isolate-leader'), 'the probe handed a request over to another leader')
  })
}

t.test('a scenario in swarm mode: real Hyperswarm peers, partitions by their firewalls', async t => {
  const scenario = readScenario(join(SCENARIOS, 'isolate-leader.json'))
  const report = await runSimulation({ scenario, seed: 5, mode: 'swarm' })
  t.same(failed(report), [])
  t.ok(report.faults.some(f => f.kind === 'partition isolate-leader' && f.targets.length === 1), 'the leader was isolated')
  t.ok(Number(report.metrics.failovers) >= 1, 'and a new leader took over')
  const simulated = Number(report.metrics.simulated_ms)
  t.ok(simulated >= scenario.durationMs && simulated <= Number(report.metrics.real_ms) + 1, `simulated time is the run's real time on the wall clock (${simulated} ms), not the epoch's`)
})

t.test('the same seed gives the same fault schedule', async t => {
  const scenario = randomScenario(seededRandom(99), { nodes: 5, durationMs: 16_000 })
  t.same(randomScenario(seededRandom(99), { nodes: 5, durationMs: 16_000 }), scenario, 'the same generated scenario')
  const [a, b] = [await runSimulation({ scenario, seed: 99, mode: 'memory' }), await runSimulation({ scenario, seed: 99, mode: 'memory' })]
  // The nemesis's faults (the liveness phase's handover comes when the cluster has settled, which real time decides).
  const nemesis = (report: SimReport): SimReport['faults'] => report.faults.filter(f => !f.kind.startsWith('handover '))
  t.same(nemesis(b), nemesis(a), 'the same faults, at the same times, on the same peers')
  t.ok(nemesis(a).length >= 8, `${nemesis(a).length} faults`)
  t.same(failed(a), [])
})

t.test('bzzz-ctx sim: a failing run exits 1, names the check, and prints the command that replays it', async t => {
  const file = join(PROOFS, 'slow-network-elections.json')
  const run = await cli(['sim', '--scenario', file, '--seed', '1', '--break', 'leak-role', '--json'])
  t.equal(run.code, 1)
  t.match(run.stderr, /^bzzz-ctx: role-isolation violated with seed 1; replay it with: bzzz-ctx sim --seed 1 --scenario .*slow-network-elections\.json --break leak-role\n$/)
  t.equal(run.json.seed, 1)
  t.equal(run.json.ok, false)
  t.equal(run.json.checks['role-isolation'].ok, false)
  t.match(run.json, { nodes: 5, faults: Array, metrics: { simulated_ms: Number } })
  const ok = await cli(['sim', '--scenario', join(SCENARIOS, 'halves.json'), '--seed', '2'])
  t.equal(ok.code, 0, ok.stderr)
  t.match(ok.stderr, /^seed 2\n/, 'the seed is printed first')
  t.match(ok.stdout, /election-safety\s*│ held/)
})

t.test('bzzz-ctx sim refuses bad input with one line and exit 2', async t => {
  const cases: Array<[string[], RegExp]> = [
    [['sim', '--scenario', '/nonexistent/x.json'], /scenario file \/nonexistent\/x\.json/],
    [['sim', '--scenario', join(PACKAGE_ROOT, 'package.json')], /scenario/],
    [['sim', '--nodes', '0'], /--nodes must be from 1/],
    // 1,000 peers ran out of heap after 6 minutes, with a V8 stack dump; 200 were past 13 GB while still starting.
    [['sim', '--nodes', '1001'], /--nodes must be from 1 to 1000, not 1001: every peer runs a real node and store in this one process \(200 peers: 2 minutes/],
    [['sim', '--seed', '-1'], /--seed/],
    [['sim', '--break', 'everything'], /everything/],
    [['sim', '--mode', 'cloud'], /cloud/],
    [['sim', '--scenario', join(SCENARIOS, 'halves.json'), '--random-faults'], /exclude each other/]
  ]
  for (const [args, pattern] of cases) {
    const run = await cli(args)
    t.equal(run.code, 2, args.join(' '))
    t.match(run.stderr, pattern)
    t.equal(run.stderr.trim().split('\n').length, 1, 'one line')
  }
})
