// Without a majority there is no leader: a call that needs one fails soon with why, instead of waiting two minutes.
import t from 'tap'
import { agreed, startNodes, until } from '../helpers/in-process.js'

t.test('a peer cut off from the majority: distribute and decide fail after the no-leader wait, saying what is missing', async t => {
  const nodes = await startNodes(t, ['developer', 'qa'], { project: 'lone', noLeaderTimeoutMs: 2_000 })
  const lone = nodes.find(n => n.nodeId !== agreed(nodes)!.leader)!
  const others = nodes.filter(n => n !== lone)
  lone.block(others.map(n => n.nodeId))
  for (const n of others) n.block([lone.nodeId])
  await until('the lone peer to know no leader', () => lone.leadership.leader === null, 10_000)

  const started = performance.now()
  const record = { address: 'ucxl://lone/a.go', kind: 'file', summary: 'not accepted' }
  await t.rejects(lone.distribute(record, undefined, 'the test'), { code: 'UNAVAILABLE', message: /^no leader for 2 s, so distribute was not accepted: this peer reaches 1 of the roster's 3 voters \(itself included\) and electing a leader needs 2/ })
  const ms = performance.now() - started
  t.ok(ms < 10_000, `failed after the no-leader wait (${Math.round(ms)} ms), not the two-minute request timeout`)
  await t.rejects(lone.decide({ affects: ['ucxl://lone/a.go'], title: 'T', rationale: 'R' }), { code: 'UNAVAILABLE' })

  // The majority side still has its leader and takes the write.
  const majority = others.find(n => n.leadership.isLeader) ?? others[0]!
  t.equal((await majority.distribute(record, undefined, 'the test')).written, 1)
})
