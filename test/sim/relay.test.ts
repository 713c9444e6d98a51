// Relayed calls in the simulator: a member cut off from the leader alone (partition "from-leader") keeps its other
// links, and its writes are acknowledged during the cut, through a voter, on every seed tried, in memory mode and with
// real daemon processes (swarm mode, the link cut by their firewalls); every check holds.
import t from 'tap'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { runSimulation } from '../../sim/runner.js'
import { readScenario } from '../../sim/scenario.js'
import type { SimEvent } from '../../sim/events.js'

const scenario = readScenario(join(PACKAGE_ROOT, 'fixtures', 'scenarios', 'member-cut-from-leader.json'))

for (const [seed, mode] of [[1, 'memory'], [2, 'memory'], [3, 'swarm']] as const) {
  t.test(`seed ${seed}, ${mode} mode: n3's writes are acknowledged while its link to the leader is cut`, async t => {
    const events: SimEvent[] = []
    const report = await runSimulation({ scenario, seed, mode, onEvent: event => events.push(event) })
    for (const [name, check] of Object.entries(report.checks)) t.ok(check.ok, `${name}: ${check.detail.slice(0, 160)}`)
    const faults = events.flatMap(e => e.kind === 'fault' ? [e.fault] : [])
    const cut = faults.find(f => f.kind === 'partition from-leader')!
    const heal = faults.find(f => f.kind === 'heal')!
    t.same(cut.targets, ['n3'])
    t.equal(cut.cut?.length, 1, 'one link cut')
    t.ok(cut.cut![0]!.includes('n3') && ['n0', 'n1', 'n2'].some(v => cut.cut![0]!.includes(v)), `between n3 and the leader (${cut.cut![0]!.join('-')})`)
    // n3 writes only during the cut (the scenario's other writes go to n0 and n1).
    const acks = events.flatMap(e => e.kind === 'ack' && e.node === 'n3' ? [e.atMs - cut.atMs] : [])
    t.ok(acks.length === 5 && acks.every(ms => ms > 0 && ms < heal.atMs - cut.atMs), `all 5 of n3's writes acknowledged during the cut (ms after it: ${acks.join(', ')}; the heal at ${heal.atMs - cut.atMs})`)
    t.ok(events.some(e => e.kind === 'accept' && e.node === 'n3' && e.atMs < heal.atMs), 'and its generate accepted')
    const leaders = events.flatMap(e => e.kind === 'leader' && e.atMs > cut.atMs && e.atMs < heal.atMs ? [e.leader] : [])
    t.same(leaders, [], 'the leader kept its majority: it led on through the cut')
  })
}
