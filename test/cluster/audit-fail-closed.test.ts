// auditFailClosed (two in-process peers on a loopback DHT, both with it set): once the leader's audit core cannot append
// (its append fails, then the core is closed), a member's distribute, decide and generate and the admin's keys change
// are each refused with UNAVAILABLE (exit 5) and one line, and nothing reaches the leader's log. With the setting off,
// the same broken core lets a write through and counts the lost event (fail-open, the default).
import t from 'tap'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startNodes, agreed, until } from '../helpers/in-process.js'
import { rejectsCode } from '../helpers/errors.js'
import { scratchDir } from '../helpers/scratch.js'
import { EXIT_BY_CODE } from '../../src/cli/exit-codes.js'
import { openKeysHome, planRotation } from '../../src/node/keys-admin.js'

t.test('writes are refused while the leader cannot append their audit event; without the setting they pass', async t => {
  const nodes = await startNodes(t, ['developer'], { project: 'p', hooks: () => ({ audit: { failClosed: true } }) })
  const { node: leader } = agreed(nodes)!
  const member = nodes.find(n => n !== leader)!
  const admin = nodes[0]!
  // A new leader that caught up writes its term entry (the ends of earlier terms) at once: let it come first.
  await until('the leader to state the ends of earlier terms', () => leader.peer.store.statedEndsIn === leader.election.term)
  const record = (summary: string): unknown => ({ address: 'ucxl://p/src/a.py', kind: 'file', summary })
  t.match(await member.distribute(record('while the audit log works'), ['developer'], 'a.json'), { written: 1 }, 'a write with a working audit log')

  const own = leader.peer.audit.cores().find(c => c.own)!.core
  const append = own.append.bind(own)
  own.append = async () => { throw new Error('no space left on device') }
  const log = leader.peer.store.logLength
  const queued = leader.peer.store.queueEvents().length
  const refused = /^(the leader says: )?refused the (distribute|decide|generate-request|keys): its audit event could not be appended, and auditFailClosed is set \(.*no space left on device\)\)$/
  await rejectsCode(t, async () => await member.distribute(record('unrecorded'), ['developer'], 'a.json'), 'UNAVAILABLE', refused, 'a distribute')
  await rejectsCode(t, async () => await member.decide({ affects: ['ucxl://p/src/a.py'], title: 'unrecorded', rationale: 'r' }), 'UNAVAILABLE', refused, 'a decision')
  const tree = scratchDir('bzzz-fail-closed-')
  mkdirSync(join(tree, 'src'))
  writeFileSync(join(tree, 'src', 'b.py'), 'def b():\n    return 1\n')
  await rejectsCode(t, async () => await member.generate({ path: tree, root: tree, project: 'p', roles: ['developer'] }), 'UNAVAILABLE', refused, 'a generate, at its acceptance')
  const { bundle } = planRotation(await openKeysHome(admin.peer.home), ['developer'], { op: 'rotate', roles: ['developer'] })
  await rejectsCode(t, async () => await admin.publishKeys(bundle), 'UNAVAILABLE', refused, 'a keys change')
  t.equal(EXIT_BY_CODE.UNAVAILABLE, 5, 'each exits 5')
  t.equal(leader.peer.store.logLength, log, 'nothing was appended to the leader\'s log')
  t.equal(leader.peer.store.queueEvents().length, queued, 'no request, decision or keys entry')
  t.match((await leader.peer.retrieve('ucxl://p/src/a.py', 'developer')).context, { summary: 'while the audit log works' }, 'the refused distribute left the record as it was')

  // Fail-open, the default: the write goes through, and the event its append lost is counted (and logged by the node).
  leader.peer.auditOptions.failClosed = false
  const failed = leader.peer.audit.failedAppends
  t.match(await member.distribute(record('written, its event lost'), ['developer'], 'a.json'), { written: 1 }, 'without the setting the write is done')
  await leader.peer.audit.flushed()
  t.ok(leader.peer.store.logLength > log, 'and appended')
  t.ok(leader.peer.audit.failedAppends > failed, 'the lost event is counted')

  // A core that is closed cannot take the event either.
  leader.peer.auditOptions.failClosed = true
  own.append = append
  await own.close()
  const before = leader.peer.store.logLength
  await rejectsCode(t, async () => await member.distribute(record('unrecorded'), ['developer'], 'a.json'), 'UNAVAILABLE', /^(the leader says: )?refused the distribute: .*audit core is not open for writing/, 'a distribute, the core closed')
  t.equal(leader.peer.store.logLength, before, 'nothing appended')
})
