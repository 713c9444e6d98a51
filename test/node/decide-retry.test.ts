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

t.test('a decide with the id of someone else\'s decision is refused, and never answers with its rationale', async t => {
  const nodes = await startNodes(t, ['developer', 'viewer'], { project: 'leak' })
  const [admin, developer, viewer] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]]
  const secret = { id: 'd-topSecret123', affects: ['ucxl://leak/keys.py'], title: 'Rotate keys', rationale: 'TOP SECRET: the PIN is 1234', level: 'top-secret' as const }
  const written = await admin.decide(secret)
  t.equal(written.rationale, secret.rationale, 'its author gets its own words back')
  await until('every peer to hold it', () => nodes.every(n => n.peer.store.queueEvents().some(e => e.entry.type === 'decision')), 10_000)
  for (const [who, node] of [['viewer', viewer], ['developer', developer]] as const) {
    // Another member resends the id, with anything at all (it need not know the decision) or with its exact header.
    for (const input of [
      { id: secret.id, affects: ['ucxl://leak/anything'], title: 'x', rationale: 'x' },
      { id: secret.id, affects: secret.affects, title: secret.title, rationale: 'x', level: secret.level }
    ]) {
      const err = await node.decide(input).then(() => null, (e: any) => e)
      // The write policy refuses first what the role may not write at all: a viewer's decision, a top-secret one.
      const forbidden = who === 'viewer' || input.level === 'top-secret'
      t.equal(err?.code, forbidden ? 'ACCESS_DENIED' : 'BAD_INPUT', `${who}: refused`)
      t.match(err?.message, forbidden ? /may not (decide|write sections at top-secret)/ : /is taken by another decision/)
      t.notMatch(String(err?.message) + JSON.stringify(err), /PIN|TOP SECRET/, `${who}: nothing of the rationale`)
    }
  }
  // The author's own retry is still answered (with its own rationale), and nothing was written twice.
  const again = await admin.decide(secret)
  t.equal(again.id, secret.id)
  t.equal(again.rationale, secret.rationale)
  const leader = nodes.find(n => n.nodeId === agreed(nodes)!.leader)!
  t.equal(leader.peer.store.queueEvents().filter(e => e.entry.type === 'decision').length, 1, 'one decision entry in the log')
})
