// Leadership in the logs (issue 17): what a term entry must show, and a view that applies a writer's entries of a term
// only after that writer proved it led the term, across a restart from its checkpoint.
import t from 'tap'
import { join } from 'node:path'
import { generateIdentity } from '../../src/crypto/identity.js'
import { issueRoster } from '../../src/node/roster.js'
import { signVote, termEvidence, termEvidenceProblem } from '../../src/node/term-evidence.js'
import { ContextView } from '../../src/storage/view.js'
import type { ContextEntry, TermEntry } from '../../src/storage/log-entry.js'
import { scratchDir } from '../helpers/scratch.js'

const cluster = 'c'.repeat(32)
const admin = generateIdentity()
const dev = generateIdentity()
const qa = generateIdentity()
const trust = { cluster, adminKey: admin.nodeId }
const roster = issueRoster(admin, cluster, 3, [admin.nodeId, dev.nodeId, qa.nodeId])
const LOG = 'a'.repeat(64)
const OTHER_LOG = 'b'.repeat(64)

function termEntry (leader: string, term: number, evidence: Buffer, writer = LOG): TermEntry {
  return { type: 'term', address: '', leader, version: { term, hlc: { wall: term, logical: 0 }, writer, vv: {} }, envelope: evidence }
}

t.test('a term entry proves leadership only with a majority of the signed roster\'s signed votes, in its own log', async t => {
  const vote = (voter: typeof admin, term = 4, candidate = dev.nodeId) => ({ voter: voter.nodeId, signature: signVote(voter, cluster, term, candidate) })
  const good = termEntry(dev.nodeId, 4, termEvidence(dev, trust, 4, LOG, roster, [vote(dev), vote(qa)]))
  t.equal(termEvidenceProblem(LOG, good, trust), null, 'two of three signed votes for it: it led term 4')
  t.match(termEvidenceProblem(OTHER_LOG, good, trust), /not bound to the leader/, 'copied into another log: refused')
  const lone = termEntry(dev.nodeId, 4, termEvidence(dev, trust, 4, LOG, roster, [vote(dev)]))
  t.match(termEvidenceProblem(LOG, lone, trust), /1 valid votes of the roster's 3 voters, and a term needs 2/, 'its own vote alone')
  const twice = termEntry(dev.nodeId, 4, termEvidence(dev, trust, 4, LOG, roster, [vote(dev), vote(dev)]))
  t.match(termEvidenceProblem(LOG, twice, trust), /needs 2/, 'one voter counted once')
  const stale = termEntry(dev.nodeId, 4, termEvidence(dev, trust, 4, LOG, roster, [vote(dev), vote(qa, 3)]))
  t.match(termEvidenceProblem(LOG, stale, trust), /does not verify/, 'a vote of another term')
  const forOther = termEntry(dev.nodeId, 4, termEvidence(dev, trust, 4, LOG, roster, [vote(dev), vote(qa, 4, admin.nodeId)]))
  t.match(termEvidenceProblem(LOG, forOther, trust), /does not verify/, 'a vote for another candidate')
  // The offline forgery: a roster of itself alone, signed by itself as admin.
  const own = issueRoster(dev, cluster, 1, [dev.nodeId])
  const forged = termEntry(dev.nodeId, 1, termEvidence(dev, trust, 1, LOG, own, [vote(dev, 1)]))
  t.match(termEvidenceProblem(LOG, forged, trust), /roster is not valid \(not issued by this cluster's admin\)/)
  const outsider = generateIdentity()
  const stranger = termEntry(outsider.nodeId, 4, termEvidence(outsider, trust, 4, LOG, roster, [vote(dev, 4, outsider.nodeId), vote(qa, 4, outsider.nodeId)]))
  t.match(termEvidenceProblem(LOG, stranger, trust), /not a voter of the roster/, 'a leader outside the roster')
  for (const text of ['', 'null', '{"format":2}', '{"format":1,"roster":{}}']) {
    t.type(termEvidenceProblem(LOG, termEntry(dev.nodeId, 4, Buffer.from(text)), trust), 'string', `evidence ${JSON.stringify(text)} refused, not thrown`)
  }
})

t.test('with members that do not vote, a term needs a majority of the voters, and a member that does not vote never leads', async t => {
  const [m1, m2, m3] = [generateIdentity(), generateIdentity(), generateIdentity()]
  const all = [admin, dev, qa, m1, m2, m3].map(i => i.nodeId)
  const voters = [admin.nodeId, dev.nodeId, qa.nodeId]
  const wide = issueRoster(admin, cluster, 7, all, voters)
  const vote = (voter: typeof admin, candidate = dev.nodeId) => ({ voter: voter.nodeId, signature: signVote(voter, cluster, 4, candidate) })
  const byVoters = termEntry(dev.nodeId, 4, termEvidence(dev, trust, 4, LOG, wide, [vote(dev), vote(qa)]))
  t.equal(termEvidenceProblem(LOG, byVoters, trust), null, 'two of the three voters elect, out of six members')
  const byMembers = termEntry(dev.nodeId, 4, termEvidence(dev, trust, 4, LOG, wide, [vote(dev), vote(m1), vote(m2), vote(m3)]))
  t.match(termEvidenceProblem(LOG, byMembers, trust), /1 valid votes of the roster's 3 voters, and a term needs 2/, 'votes of members that do not vote count for nothing')
  const nonVoter = termEntry(m1.nodeId, 4, termEvidence(m1, trust, 4, LOG, wide, [vote(admin, m1.nodeId), vote(dev, m1.nodeId), vote(qa, m1.nodeId)]))
  t.match(termEvidenceProblem(LOG, nonVoter, trust), /not a voter of the roster/, 'a member that does not vote never leads, whoever signs for it')
})

t.test('a view with the rule applies a writer\'s entries of a term only after its admitted term entry, also after a restart', async t => {
  const dir = scratchDir('bzzz-term-view-')
  const rule = { admit: (writer: string, entry: TermEntry) => termEvidenceProblem(writer, entry, trust) }
  const record = (address: string, term: number, n: number): ContextEntry => ({
    type: 'context', address, kind: 'file', inherits: true, envelope: Buffer.alloc(0),
    version: { term, hlc: { wall: n, logical: 0 }, writer: LOG, vv: { [LOG]: n } }
  })
  const votes = [dev, qa].map(voter => ({ voter: voter.nodeId, signature: signVote(voter, cluster, 4, dev.nodeId) }))
  const view = new ContextView(join(dir, 'view'), false, () => 0, rule)
  await view.ready()
  t.same(await view.apply(LOG, [{ seq: 0, index: 0, entry: record('ucxl://p/a', 4, 1) }]), [], 'before its term entry: not applied')
  t.equal(view.refusals().count, 1)
  t.match(view.refusals().recent[0], { writer: LOG, seq: 0, type: 'context', term: 4, reason: /gave no evidence that it led term 4/ })
  const entry = termEntry(dev.nodeId, 4, termEvidence(dev, trust, 4, LOG, roster, votes))
  t.same(await view.apply(LOG, [{ seq: 1, index: 0, entry }, { seq: 2, index: 0, entry: record('ucxl://p/b', 4, 2) }]), ['ucxl://p/b'], 'after it: applied')
  t.same(await view.apply(LOG, [{ seq: 3, index: 0, entry: record('ucxl://p/c', 5, 3) }]), [], 'a term it did not prove: refused')
  t.same([...view.termLeaders()], [[4, [LOG]]])
  await view.close()

  const again = new ContextView(join(dir, 'view'), false, () => 0, rule)
  await again.ready()
  t.same([...again.termLeaders()], [[4, [LOG]]], 'the checkpoint keeps who proved each term')
  t.equal(again.refusals().count, 2, '... and how many entries were refused')
  t.same(await again.apply(LOG, [{ seq: 4, index: 0, entry: record('ucxl://p/d', 4, 4) }]), ['ucxl://p/d'], 'so its later entries of the term apply after a restart')

  const free = new ContextView(join(dir, 'free'))
  await free.ready()
  t.same(await free.apply(LOG, [{ seq: 0, index: 0, entry: record('ucxl://p/a', 4, 1) }]), ['ucxl://p/a'], 'a view without a rule applies every entry')
})
