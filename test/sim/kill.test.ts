// The hard crash (nemesis `kill`, a kill -9): a peer stops at once and its home is left as it was on disk at that
// instant, without the flush and close of `crash`; restarted, it recovers from what it left. The disk image is shown
// to undo what closing the abandoned store wrote; the checkers hold on a scenario that kills a leader during work and
// a follower; and the acknowledged-writes checker catches a leader that acknowledges before its writes are held
// elsewhere when that leader is killed.
import t from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { ContextStore } from '../../src/storage/context-store.js'
import { restoreDiskImage, takeDiskImage } from '../../sim/disk-image.js'
import { runSimulation } from '../../sim/runner.js'
import { parseScenario, randomScenario, readScenario } from '../../sim/scenario.js'
import { seededRandom } from '../../sim/random.js'
import { testKeys } from '../helpers/crypto-store.js'
import { proof } from '../helpers/sim-proof.js'

const ALL = ['viewer', 'developer', 'qa', 'architect', 'security', 'admin']

function filesOf (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => e.isDirectory() ? filesOf(join(dir, e.name)).map(f => join(e.name, f)) : [e.name]).sort()
}

t.test('a killed store is left as it was at the instant, and reopens from it (its log replayed)', async t => {
  const keys = await testKeys()
  const dir = join(keys.dir, 'store')
  const store = await ContextStore.open(dir, keys.crypto)
  await store.write([{ address: 'ucxl://p/a.go', kind: 'file', summary: 'before the kill', language: 'go' }], { term: 1, recipients: ALL, nowMs: 1_000 })
  const marker = statSync(join(dir, 'CORESTORE'))
  const image = takeDiskImage(keys.dir)
  const atKill = filesOf(keys.dir)
  // Letting the abandoned store go (its locks are this process's) writes: the view's checkpoint, RocksDB's flush.
  await store.close()
  t.not(filesOf(keys.dir).join(), atKill.join(), 'closing the store changed its files')
  t.ok(restoreDiskImage(keys.dir, image) > 0, 'the image undid what the close wrote')
  t.same(filesOf(keys.dir), atKill, 'the same files as at the kill')
  for (const [name, { content }] of image) t.ok(readFileSync(join(keys.dir, name)).equals(content), `${name} as at the kill`)
  t.equal(statSync(join(dir, 'CORESTORE')).ino, marker.ino, 'the marker (the store\'s lock) untouched: not taken for a moved store')
  t.equal(restoreDiskImage(keys.dir, image), 0, 'restoring twice changes nothing')
  const reopened = await ContextStore.open(dir, keys.crypto)
  t.teardown(() => reopened.close())
  t.equal((await reopened.retrieve('ucxl://p/a.go', 'viewer')).context.summary, 'before the kill', 'the write survived the kill')
})

t.test('scenarios and random faults have the kill; it takes a live node', async t => {
  const scenario = parseScenario({ nodes: 3, steps: [{ at: '1s', nemesis: 'kill', node: 'leader' }, { at: '2s', nemesis: 'restart', node: 'all-down' }] })
  t.same(scenario.steps[0], { atMs: 1_000, type: 'fault', fault: { kind: 'kill', node: 'leader' } })
  t.throws(() => parseScenario({ nodes: 3, steps: [{ at: '1s', nemesis: 'kill', node: 'all-down' }] }), /steps\[0\]\.node: bad node "all-down"/)
  for (let seed = 1; seed <= 20; seed++) {
    const kills = randomScenario(seededRandom(seed), { nodes: 5 }).steps.filter(s => s.type === 'fault' && s.fault.kind === 'kill')
    t.ok(kills.length >= 1, `random faults, seed ${seed}: ${kills.length} kills`)
  }
})

t.test('scenario kill-leader-restart: the killed leader and follower come back on what they left; every check holds', async t => {
  const scenario = readScenario(join(PACKAGE_ROOT, 'fixtures', 'scenarios', 'kill-leader-restart.json'))
  const report = await runSimulation({ scenario, seed: scenario.seed ?? 1, mode: 'memory' })
  t.same(Object.entries(report.checks).filter(([, c]) => !c.ok).map(([name, c]) => `${name}: ${c.detail}`), [], `seed ${report.seed}`)
  t.same(report.faults.filter(f => f.kind === 'kill').map(f => f.targets.length), [1, 1], 'a leader and a follower killed')
  t.ok(report.faults.some(f => f.kind === 'restart' && f.targets.length === 2), 'both restarted')
  t.ok(Number(report.metrics.failovers) >= 1, 'a new leader took over')
  t.ok(Number(report.metrics.acked_writes) > 10, `${report.metrics.acked_writes} writes acknowledged`)
})

t.test('proof: ack-before-replicate breaks no-lost-acks when the leader is killed', async t => {
  await proof(t, 'leader-kill-during-work.json', 'ack-before-replicate', 'no-lost-acks')
})

t.test('swarm mode: every peer is a daemon process, a kill is its SIGKILL, and every check holds', async t => {
  const scenario = readScenario(join(PACKAGE_ROOT, 'fixtures', 'scenarios', 'kill-leader-restart.json'))
  const report = await runSimulation({ scenario, seed: 3, mode: 'swarm' })
  t.same(Object.entries(report.checks).filter(([, c]) => !c.ok).map(([name, c]) => `${name}: ${c.detail}`), [])
  const kills = report.faults.filter(f => f.kind === 'kill')
  t.same(kills.map(f => f.targets.length), [1, 1], 'a leader and a follower killed')
  const pids = kills.flatMap(f => f.pids ?? [])
  t.equal(pids.length, 2, 'each kill names the daemon process it killed')
  t.notOk(pids.includes(process.pid), 'the peers are not this process')
  t.equal(new Set(pids).size, 2, 'two processes, one per peer killed')
  for (const pid of pids) t.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `process ${pid} is gone`)
  t.ok(report.faults.some(f => f.kind === 'restart' && f.targets.length > 0), 'the killed peers were started again, as new processes')
})
