// A decision resent to the next leader during a failover is the same decision: the requester chooses its id.
import t from 'tap'
import { agreed, startNodes, until } from '../helpers/in-process.js'

t.test('decide sent twice with one id (a retry after a failover) writes one decision', async t => {
  const nodes = await startNodes(t, ['developer', 'qa'], { project: 'dup' })
  const leader = nodes.find(n => n.nodeId === agreed(nodes)!.leader)!
  const follower = nodes.find(n => n !== leader)!
  const input = { id: 'd-retryRetry12', affects: ['ucxl://dup/a.go'], title: 'One decision', rationale: 'Asked twice' }
  const first = await follower.decide(input)
  t.equal(first.id, input.id, 'the id the requester chose')
  // The second request carries a new request id, as a resend to a new leader does: only the decision id is the same.
  const second = await follower.decide(input)
  t.equal(second.id, input.id)
  t.equal(second.title, 'One decision')
  const entries = leader.peer.store.queueEvents().filter(e => e.entry.type === 'decision')
  t.equal(entries.length, 1, 'one decision entry in the log')
  await until('the follower to hold it', () => follower.peer.store.queueEvents().some(e => e.entry.type === 'decision'), 10_000)
  const history = await follower.history('ucxl://dup/a.go', 'developer')
  t.same(history.decisions.map(d => d.id), [input.id], 'history lists it once')
  // Without an id each decide is a new decision.
  const other = await follower.decide({ affects: ['ucxl://dup/a.go'], title: 'Another', rationale: 'New' })
  t.not(other.id, input.id)
  t.match(other.id, /^d-[A-Za-z0-9_-]{12}$/)
})
