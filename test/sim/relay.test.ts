// Relayed calls in the simulator: a member cut off from the leader alone (partition "from-leader") keeps its other
// links, and its writes are acknowledged during the cut, through a voter, on every seed tried; every check holds.
import t from 'tap'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { runSimulation } from '../../sim/runner.js'
import { readScenario } from '../../sim/scenario.js'
import type { SimEvent } from '../../sim/events.js'

const scenario = readScenario(join(PACKAGE_ROOT, 'fixtures', 'scenarios', 'member-cut-from-leader.json'))

for (const seed of [1, 2]) {
  t.test(`seed ${seed}: n3's writes are acknowledged while its link to the leader is cut`, async t => {
    const events: SimEvent[] = []
    const report = await runSimulation({ scenario, seed, mode: 'memory', onEvent: event => events.push(event) })
    for (const [name, check] of Object.entries(report.checks)) t.ok(check.ok, `${name}: ${check.detail.slice(0, 160)}`)
    const faults = events.flatMap(e => e.kind === 'fault' ? [e.fault] : [])
    const cut = faults.find(f => f.kind === 'partition from-leader')!
    const heal = faults.find(f => f.kind === 'heal')!
    t.same(cut.targets, ['n3'])
    t.equal(cut.cut?.length, 1, 'one link cut')
    t.ok(cut.cut![0]!.includes('n3') && ['n0', 'n1', 'n2'].some(v => cut.cut![0]!.includes(v)), `between n3 and the leader (${cut.cut![0]!.join('-')})`)
    const during = events.filter(e => e.kind === 'ack' && e.node === 'n3' && e.atMs > cut.atMs && e.atMs < heal.atMs)
    t.equal(during.length, 5, 'all 5 of n3\'s writes acknowledged before the heal')
    t.ok(events.some(e => e.kind === 'accept' && e.node === 'n3' && e.atMs < heal.atMs), 'and its generate accepted')
    const leaders = events.flatMap(e => e.kind === 'leader' && e.atMs > cut.atMs && e.atMs < heal.atMs ? [e.leader] : [])
    t.same(leaders, [], 'the leader kept its majority: it led on through the cut')
  })
}
