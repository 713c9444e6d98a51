// Calls to the leader relayed through a linked peer (src/node/relayed-call.ts), on real Hyperswarm connections: a
// member cut off from the leader still writes, generates and decides, and the leader serves each as the member's own
// (its id and its certified role in history, its role as a decision's author); with no peer left to relay through,
// the call says why it failed. A voter cut off from the leader, which then knows no leader (its pre-votes are refused
// while the others follow the leader), still writes: through a voter that knows it.
import t from 'tap'
import { join } from 'node:path'
import { agreed, startNodes, until } from '../helpers/in-process.js'
import { PACKAGE_ROOT } from '../../src/paths.js'

t.test('a member cut off from the leader reaches it through a voter', async t => {
  // Three voters (the admin, the developer, qa) and the architect, a member that does not vote.
  const nodes = await startNodes(t, ['developer', 'qa', 'architect'], { project: 'relay', maxVoters: 3, noLeaderTimeoutMs: 3000 })
  const { leader: leaderId } = agreed(nodes)!
  const voters = nodes[0]!.electStatus().voters
  const member = nodes.find(n => !voters.includes(n.nodeId))!
  const leader = nodes.find(n => n.nodeId === leaderId)!
  t.equal(member.peer.config.role, 'architect')

  member.block([leaderId])
  leader.block([member.nodeId])
  await until('the member\'s link to the leader to close', () => !member.peers().some(p => p.id === leaderId), 10_000)
  t.equal(member.election.leader, leaderId, 'the member still follows the leader (it heard of no other)')
  t.equal(member.peers().length, 2, 'linked with the two other voters')

  const record = { address: 'ucxl://relay/src/cut.go', kind: 'file', summary: 'written through a relay', language: 'go' }
  const written = await member.distribute(record, undefined, 'the relay test')
  t.equal(written.written, 1, 'the write went through')
  t.ok((written.acknowledged?.holders ?? 0) >= 2, 'and was acknowledged by a majority of the voters')
  const relays = nodes.filter(n => n.counters.relayed > 0)
  t.equal(relays.length, 1, 'one peer passed it on')
  t.ok(voters.includes(relays[0]!.nodeId) && relays[0] !== leader, 'a voter other than the leader')
  t.equal(leader.counters.relayed, 0)

  // Served as the member's own: history names it and the role its certificate gives, not the relay's.
  const history = await leader.history(record.address, leader.peer.config.role)
  const version = history.versions.at(-1)!
  t.equal(version.requester, member.nodeId, 'the requester is the member')
  t.equal(version.requesterRole, 'architect', 'with its certified role')

  const decision = await member.decide({ title: 'Cut links are relayed', rationale: 'a member keeps writing', affects: [record.address] })
  t.equal(decision.author, 'architect', 'a decision made through a relay is the member\'s')

  // For the developer and qa: its files are sealed for those two (both cleared for internal, the highest level the
  // records reach for them), and the admin holds every role's key, so whichever voter leads may run it. (With the
  // developer alone, a qa leader may not: the test failed whenever qa won the election.)
  const generated = await member.generate({ path: join(PACKAGE_ROOT, 'fixtures', 'repos', 'mixed', 'src', 'server'), root: join(PACKAGE_ROOT, 'fixtures', 'repos', 'mixed'), project: 'relay', roles: ['developer', 'qa'] })
  t.ok(generated.records > 0, `a generate through a relay completed (${generated.records} records)`)
  t.equal(generated.request.state, 'completed')

  // No peer left to relay through: the call fails, and says why.
  member.block(nodes.filter(n => n !== member).map(n => n.nodeId))
  for (const n of nodes) if (n !== member) n.block([member.nodeId])
  await until('the member to be cut off from every peer', () => member.peers().length === 0, 10_000)
  const started = Date.now()
  await t.rejects(member.distribute({ ...record, summary: 'nowhere to go' }, undefined, 'the relay test'), { message: /not connected, nor any peer to relay through/ })
  t.ok(Date.now() - started < 60_000, 'within its bound')
})

t.test('a voter cut off from the leader knows no leader, and still writes through a voter that does', async t => {
  const nodes = await startNodes(t, ['developer', 'qa'], { project: 'relayv', noLeaderTimeoutMs: 10_000 })
  const { leader: leaderId, term } = agreed(nodes)!
  const leader = nodes.find(n => n.nodeId === leaderId)!
  const [cut, other] = nodes.filter(n => n !== leader) as [typeof leader, typeof leader]
  cut.block([leaderId])
  leader.block([cut.nodeId])
  await until('the cut voter to lose the leader (its pre-vote refused)', () => cut.election.leader === null, 10_000)
  t.equal(other.election.leader, leaderId, 'the other voter still follows the leader')

  const record = { address: 'ucxl://relayv/src/voter.go', kind: 'file', summary: 'a voter with no leader writes', language: 'go' }
  const written = await cut.distribute(record, undefined, 'the relay test')
  t.equal(written.written, 1, 'its write went through')
  t.ok(other.counters.relayed >= 1, 'passed on by the other voter')
  const history = await leader.history(record.address, leader.peer.config.role)
  t.equal(history.versions.at(-1)!.requester, cut.nodeId, 'served as the cut voter\'s own')
  t.equal(agreed([leader, other])!.term, term, 'and the leader led on in its term')
})

t.test('a member with no link to the leader learns of a new leader from its peers\' heads (leader hints), and writes through them', async t => {
  // Voters: the admin, qa, and the developer, which votes but never stands; the architect is a member that does not vote.
  const nodes = await startNodes(t, ['developer', 'qa', 'architect'], { project: 'relayh', maxVoters: 3, noLeaderTimeoutMs: 10_000, campaigns: role => role !== 'developer' })
  const { leader: leaderId, term } = agreed(nodes)!
  const byRole = (role: string): typeof nodes[number] => nodes.find(n => n.peer.config.role === role)!
  const member = byRole('architect')
  const gateway = byRole('developer')
  t.not(leaderId, gateway.nodeId, 'the developer never stands')
  const campaigners = nodes.filter(n => n !== member && n !== gateway)
  // The member keeps one link: to the developer. The leader to come is one it has no link to.
  member.block(campaigners.map(n => n.nodeId))
  for (const n of campaigners) n.block([member.nodeId])
  await until('the member to keep only its link to the developer', () => member.peers().length === 1 && member.peers()[0]!.id === gateway.nodeId, 10_000)

  const old = nodes.find(n => n.nodeId === leaderId)!
  await old.resign()
  await until('a new leader, of a later term', () => { const a = agreed(campaigners.concat(gateway)); return a !== null && a.term > term }, 20_000)
  const next = agreed(campaigners.concat(gateway))!
  t.not(next.leader, leaderId, 'the other campaigner leads now')
  await until('the member to learn of it through the developer', () => member.election.term === next.term && member.election.leader === next.leader, 10_000)
  t.same([member.electStatus().term, member.electStatus().leader], [next.term, next.leader], '`elect status` on the member shows the new leader')

  const record = { address: 'ucxl://relayh/src/hinted.go', kind: 'file', summary: 'written to a leader heard of second-hand', language: 'go' }
  const written = await member.distribute(record, undefined, 'the relay test')
  t.equal(written.written, 1, 'the write went through')
  t.ok(gateway.counters.relayed >= 1, 'passed on by the developer')
  const leader = nodes.find(n => n.nodeId === next.leader)!
  t.equal((await leader.history(record.address, leader.peer.config.role)).versions.at(-1)!.requester, member.nodeId, 'served as the member\'s own by the new leader')
})
