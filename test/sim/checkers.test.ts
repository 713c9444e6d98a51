import t from 'tap'
import { CHECKERS, convergence, electionSafety, noLostAcks, noLostRequests, oneVotePerTerm, readAfterAck, roleIsolation, runChecks, VIOLATIONS_MAX } from '../../sim/checkers/index.js'
import type { PeerFinal, SimHistory } from '../../sim/history.js'
import { CHECKS } from '../../sim/scenario.js'

const A1 = 'ucxl://alice:backend@demo:main/^/src/a.py'
const A2 = 'ucxl://alice:backend@demo:main/^/src/b.py'
const ROOT = 'ucxl://sim/'

function peer (node: string, overrides: Partial<PeerFinal> = {}): PeerFinal {
  return {
    node,
    live: true,
    viewHash: 'abcdef0123456789',
    acked: { [A1]: 'marker-1', [A2]: 'marker-2' },
    reads: { [A1]: 'marker-1', [A2]: 'marker-2' },
    generated: { [ROOT]: 10 },
    requests: { r1: { state: 'completed', completionTerms: [1] }, r2: { state: 'superseded', completionTerms: [1] } },
    ...overrides
  }
}

/** A run where everything held: one leader per term, every ack and request on every live peer, one view in time. */
function healthy (): SimHistory {
  return {
    seed: 7,
    nodes: ['n0', 'n1', 'n2'],
    leadership: [
      { atMs: 400, node: 'n0', term: 1, state: 'pre-candidate' },
      { atMs: 410, node: 'n0', term: 1, state: 'candidate' },
      { atMs: 420, node: 'n0', term: 1, state: 'leader' },
      { atMs: 430, node: 'n0', term: 1, state: 'leader' },
      { atMs: 3000, node: 'n0', term: 1, state: 'follower' },
      { atMs: 3400, node: 'n2', term: 2, state: 'leader' },
      { atMs: 3400, node: 'n1', term: 2, state: 'follower' }
    ],
    votes: [
      { atMs: 410, node: 'n1', term: 1, candidate: 'n0' },
      { atMs: 412, node: 'n1', term: 1, candidate: 'n0' },
      { atMs: 3390, node: 'n1', term: 2, candidate: 'n2' }
    ],
    acked: [{ atMs: 1000, node: 'n0', address: A1, marker: 'marker-1' }, { atMs: 4000, node: 'n2', address: A2, marker: 'marker-2' }],
    generated: [{ atMs: 2500, node: 'n1', id: 'r1', address: ROOT, records: 10 }],
    accepted: [{ atMs: 1200, node: 'n0', id: 'r1', address: A1 }, { atMs: 1300, node: 'n1', id: 'r2', address: A2 }],
    // A crashed peer is not judged on its end state.
    final: [peer('n0'), peer('n1'), peer('n2'), peer('n3', { live: false, viewHash: 'stale', acked: {}, reads: {}, generated: {}, requests: {} })],
    isolation: [
      { node: 'n0', role: 'backend', held: true, address: A1, outcome: 'opened', fieldsSeen: ['summary', 'purpose'], fieldsAllowed: ['summary', 'purpose', 'dependencies'] },
      { node: 'n1', role: 'security', held: false, address: A1, outcome: 'denied', fieldsSeen: [], fieldsAllowed: [] }
    ],
    convergedWithinMs: 1800,
    livenessBoundMs: 5000
  }
}

t.test('every checker passes on a healthy history', async t => {
  const results = runChecks(healthy(), [...CHECKS])
  t.same(results.map(r => r.name), [...CHECKS], 'in the order asked')
  for (const result of results) {
    t.ok(result.ok, `${result.name}: ${result.detail}`)
    t.same(result.violations, [])
  }
  t.same(Object.keys(CHECKERS).sort(), [...CHECKS].sort(), 'one checker per check name')
  t.same(runChecks(healthy(), ['convergence']).map(r => r.name), ['convergence'])
  t.equal(electionSafety(healthy()).detail, '2 terms with a leader, 2 distinct leaders, 7 events')
  t.equal(noLostAcks(healthy()).detail, '2 acked writes and 1 completed generates (10 records) checked on 3 live peers')
  t.equal(oneVotePerTerm(healthy()).detail, '3 votes granted, 2 (peer, term) pairs', 'the same vote sent twice is one vote')
  t.equal(readAfterAck(healthy()).detail, '2 acked addresses read on 3 live peers')
  t.equal(noLostRequests(healthy()).detail, '2 accepted requests checked on 3 live peers, 0 failed, 0 also completed by a deposed leader')
  t.equal(convergence(healthy()).detail, '3 live peers, 1 distinct view (abcdef012345), converged in 1800ms (bound 5000ms)')
  t.equal(roleIsolation(healthy()).detail, '2 attempts: 1 opened, 1 denied')
})

t.test('election-safety fails on two leaders in one term', async t => {
  const history = healthy()
  history.leadership.push({ atMs: 3500, node: 'n1', term: 2, state: 'leader' }, { atMs: 3600, node: 'n1', term: 2, state: 'leader' })
  const result = electionSafety(history)
  t.notOk(result.ok)
  t.same(result.violations, ['term 2: two leaders, n2 (at 3400ms) and n1 (at 3500ms)'], 'once per pair, naming the term and both nodes')
  t.match(result.detail, /; 1 violation, first: term 2: two leaders/)
  history.leadership = [{ atMs: 1, node: 'n0', term: 5, state: 'leader' }, { atMs: 2, node: 'n0', term: 5, state: 'leader' }, { atMs: 3, node: 'n1', term: 6, state: 'leader' }]
  t.ok(electionSafety(history).ok, 'one node leading a term twice, or two nodes in different terms, is fine')
})

t.test('no-lost-acks fails on a lost or overwritten ack, on every live peer that lost it', async t => {
  const history = healthy()
  history.final[1] = peer('n1', { acked: { [A1]: null, [A2]: 'marker-2' } })
  history.final[2] = peer('n2', { acked: { [A1]: 'someone-else', [A2]: 'marker-2' } })
  const result = noLostAcks(history)
  t.notOk(result.ok)
  t.same(result.violations, [
    `n1 cannot retrieve ${A1} (acked by n0 at 1000ms)`,
    `n2 retrieves "someone-else" instead of "marker-1" for ${A1} (acked by n0 at 1000ms)`
  ])
  const many = healthy()
  many.acked = Array.from({ length: 30 }, (_, i) => ({ atMs: i, node: 'n0', address: `ucxl://x/${i}`, marker: `m${i}` }))
  const capped = noLostAcks(many)
  t.equal(capped.violations.length, VIOLATIONS_MAX + 1, 'the list is capped')
  t.equal(capped.violations[VIOLATIONS_MAX], '… and 70 more', '30 writes on 3 peers: 90 violations')
  t.match(capped.detail, /90 violations, first: n0 cannot retrieve ucxl:\/\/x\/0/)
})

t.test('no-lost-acks judges the newest ack of an address, and each record of a completed generate', async t => {
  const rewritten = healthy()
  rewritten.acked.push({ atMs: 5000, node: 'n2', address: A1, marker: 'marker-1b' })
  t.same(noLostAcks(rewritten).violations.length, 3, 'an address acked again must hold its newest marker')
  for (const p of rewritten.final) p.acked[A1] = 'marker-1b'
  t.ok(noLostAcks(rewritten).ok, 'and the older marker is not asked for')
  const short = healthy()
  short.final[2] = peer('n2', { generated: { [ROOT]: 9 } })
  t.same(noLostAcks(short).violations, [
    `n2 holds 9 generated records at or below ${ROOT}, fewer than the 10 of request r1 (completed for n1 at 2500ms)`
  ])
})

t.test('one-vote-per-term fails where a peer grants a second candidate its vote in one term', async t => {
  const history = healthy()
  history.votes.push({ atMs: 415, node: 'n1', term: 1, candidate: 'n2' }, { atMs: 3395, node: 'n0', term: 2, candidate: 'n2' })
  const result = oneVotePerTerm(history)
  t.notOk(result.ok)
  t.same(result.violations, ['n1 voted twice in term 1: for n0 (at 410ms) and n2 (at 415ms)'], 'even though no second leader followed')
  t.ok(electionSafety(history).ok, 'which election-safety alone does not see')
})

t.test('read-after-ack fails on a peer that serves an older version than the newest acked', async t => {
  const history = healthy()
  history.acked.push({ atMs: 6000, node: 'n0', address: A1, marker: 'marker-1b' })
  for (const p of history.final) { p.acked[A1] = 'marker-1b'; p.reads[A1] = 'marker-1b' }
  t.ok(readAfterAck(history).ok)
  history.final[1]!.reads[A1] = 'marker-1'
  history.final[2]!.reads[A2] = null
  t.same(readAfterAck(history).violations, [
    `n1 read "marker-1" instead of "marker-1b" at ${A1} after the liveness phase (acked by n0 at 6000ms)`,
    `n2 could not read ${A2} after the liveness phase (acked by n2 at 4000ms)`
  ])
  t.ok(noLostAcks(history).ok, 'the stores hold it: no-lost-acks alone does not see it')
})

t.test('no-lost-requests fails on a request completed twice, never completed, or missing', async t => {
  const history = healthy()
  history.final[0] = peer('n0', { requests: { r1: { state: 'completed', completionTerms: [1, 1] }, r2: { state: 'superseded', completionTerms: [1] } } })
  history.final[1] = peer('n1', { requests: { r1: { state: 'pending', completionTerms: [] }, r2: { state: 'superseded', completionTerms: [1] } } })
  history.final[2] = peer('n2', { requests: { r1: { state: 'completed', completionTerms: [] } } })
  const result = noLostRequests(history)
  t.notOk(result.ok)
  t.same(result.violations, [
    'n0: request r1 was completed 2 times in term 1, not exactly once (accepted by n0 at 1200ms)',
    'n1: request r1 is still pending (accepted by n0 at 1200ms)',
    'n2: request r1 is completed with no completion entry (accepted by n0 at 1200ms)',
    'n2: request r2 is missing (accepted by n1 at 1300ms)'
  ])
  const failed = healthy()
  for (const p of failed.final) p.requests.r2 = { state: 'failed', completionTerms: [1] }
  const failedResult = noLostRequests(failed)
  t.ok(failedResult.ok, 'a request that failed once is finished')
  t.match(failedResult.detail, /1 failed/, 'and reported')
  const deposed = healthy()
  for (const p of deposed.final) p.requests.r1 = { state: 'completed', completionTerms: [1, 2] }
  const deposedResult = noLostRequests(deposed)
  t.ok(deposedResult.ok, 'a deposed leader\'s earlier completion does not count twice')
  t.match(deposedResult.detail, /1 also completed by a deposed leader/)
})

t.test('convergence fails on divergent views, on a slow convergence, and on none', async t => {
  const divergent = healthy()
  divergent.final[2] = peer('n2', { viewHash: '999999999999999999' })
  const result = convergence(divergent)
  t.notOk(result.ok)
  t.same(result.violations, ['view hashes differ: abcdef012345 on n0, n1; 999999999999 on n2'])
  const slow = healthy()
  slow.convergedWithinMs = 5001
  t.same(convergence(slow).violations, ['converged in 5001ms, over the 5000ms bound'])
  const never = healthy()
  never.convergedWithinMs = null
  t.same(convergence(never).violations, ['never converged (bound 5000ms)'])
  const allDown = healthy()
  for (const p of allDown.final) p.live = false
  t.same(convergence(allDown).violations, ['no live peer at the end of the run (4 peers recorded)'], 'nothing left to judge is a failure')
  t.notOk(noLostAcks(allDown).ok)
  t.notOk(noLostRequests(allDown).ok)
})

t.test('role-isolation fails on an opened section of a role not held, and on a field not allowed', async t => {
  const history = healthy()
  history.isolation.push(
    { node: 'n2', role: 'security', held: false, address: A2, outcome: 'opened', fieldsSeen: [], fieldsAllowed: [] },
    { node: 'n1', role: 'frontend', held: true, address: A1, outcome: 'opened', fieldsSeen: ['summary', 'secrets', 'keys'], fieldsAllowed: ['summary'] }
  )
  const result = roleIsolation(history)
  t.notOk(result.ok)
  t.same(result.violations, [
    `n2 as role "security" opened ${A2} without holding the role`,
    `n1 as role "frontend" saw "secrets", "keys" at ${A1}, allowed only summary`
  ])
  const none = healthy()
  none.isolation = []
  t.same(roleIsolation(none).violations, ['no read was attempted: nothing to judge'], 'a run that read nothing proved nothing')
})
