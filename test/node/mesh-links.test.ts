// The two-tier mesh (src/distribution/links.ts) on eight in-process peers, three of them voters: each member is linked
// with the voters and a few members, not all; a voter demoted drops the links the new roster does not give it, and a
// member promoted is linked with every peer; status says which tier each is in.
import t from 'tap'
import { linkGraph } from '../../src/distribution/links.js'
import { changeVoter } from '../../src/node/voters-admin.js'
import type { ClusterNode } from '../../src/node/cluster/index.js'
import { agreed, startNodes, until } from '../helpers/in-process.js'

/** The links the roster every node holds gives each, as a map of sorted ids. */
function expected (nodes: readonly ClusterNode[]): Map<string, string[]> {
  const graph = linkGraph({ members: nodes.map(n => n.nodeId), voters: nodes[0]!.electStatus().voters })
  return new Map([...graph].map(([id, peers]) => [id, [...peers].sort()]))
}

const linkedOf = (node: ClusterNode): string[] => node.peers().map(p => p.id).sort()

t.test('eight peers, three voters: members hold the voters and a few members; demoted and promoted peers follow the roster', async t => {
  const nodes = await startNodes(t, Array.from({ length: 7 }, () => 'developer'), { project: 'mesh', maxVoters: 3, hooks: () => ({ witnessIntervalMs: 200 }) })
  await until('every peer to hold the roster of eight', () => nodes.every(n => n.electStatus().roster.members === 8), 30_000)
  const voters = nodes.filter(n => n.electStatus().voter)
  const members = nodes.filter(n => !n.electStatus().voter)
  t.equal(voters.length, 3)
  let want = expected(nodes)
  await until('every link the roster gives, and no other', () => nodes.every(n => linkedOf(n).join() === want.get(n.nodeId)!.join()), 30_000)
  for (const voter of voters) {
    t.equal(linkedOf(voter).length, 7, 'a voter is linked with every peer')
    t.match((await voter.status()).mesh, { kind: 'two-tier', hub: true, dials: 2, dialsConnected: 2 })
  }
  for (const member of members) {
    t.ok(voters.every(v => linkedOf(member).includes(v.nodeId)), 'a member is linked with every voter')
    t.match((await member.status()).mesh, { kind: 'two-tier', hub: false, dials: 5, dialsConnected: 5 })
  }
  // Each member dials two of the four others (and may be dialled by more): not every pair of members is linked.
  const memberPairs = members.reduce((sum, m) => sum + linkedOf(m).length - 3, 0) / 2
  t.ok(memberPairs < 10, `${memberPairs} of the 10 pairs of members linked`)

  // Audit heads are witnessed within a tier: a voter co-signs only voters, a member only members (links.ts), so no voter
  // downloads every member's audit core. What each co-signs from now on (while peers started, a member invited before
  // the others knew no other member, and its voters witnessed it): every peer reads a record, which its audit log
  // records, and announces at the next tick.
  const isVoter = (id: string): boolean => voters.some(v => v.nodeId === id)
  const checkpoints = async (node: ClusterNode): Promise<Array<{ index: number, subject: string }>> => (await node.peer.audit.events())
    .filter(e => e.owner === node.nodeId && e.event.kind === 'checkpoint').map(e => ({ index: e.index, subject: e.event.subject as string }))
  const watched = [voters[0]!, members[0]!]
  const from = await Promise.all(watched.map(async node => (await node.peer.audit.head())?.length ?? 0))
  await nodes[0]!.distribute({ address: 'ucxl://mesh/src/a.py', kind: 'file', summary: 'read by all' }, ['developer'], 'a.json')
  await until('every peer to hold the record', () => nodes.every(n => n.peer.store.recordCount === 1), 30_000)
  for (const node of nodes) await node.retrieve('ucxl://mesh/src/a.py', 'developer')
  for (const [i, node] of watched.entries()) {
    let later: Array<{ index: number, subject: string }> = []
    await until('a head co-signed since', () => { void checkpoints(node).then(c => { later = c.filter(e => e.index >= from[i]!) }); return later.length > 0 }, 30_000)
    const subjects = [...new Set(later.map(e => e.subject))]
    t.ok(subjects.every(subject => isVoter(subject) === isVoter(node.nodeId)), `${isVoter(node.nodeId) ? 'a voter' : 'a member'} co-signed ${subjects.length} heads since, each of its own tier`)
  }

  // A member promoted is a voter: every member dials it.
  const promoted = members[0]!
  await changeVoter(nodes[0]!.peer.home, promoted.nodeId, 'promote')
  await until('every peer to count the promoted voter', () => nodes.every(n => n.electStatus().voters.includes(promoted.nodeId)), 30_000)
  await until('the promoted voter linked with every peer', () => linkedOf(promoted).length === 7, 30_000)
  t.match((await promoted.status()).mesh, { kind: 'two-tier', hub: true, dials: 3 })

  // A voter demoted is a member again: it keeps the voters and the members the roster gives it, and drops the rest. The
  // one demoted is one the new roster gives fewer than seven links (ids are random: any member may be picked by all).
  const linksOnceDemoted = (voter: ClusterNode): number => {
    const voterIds = nodes[0]!.electStatus().voters.filter(v => v !== voter.nodeId)
    return linkGraph({ members: nodes.map(n => n.nodeId), voters: voterIds }).get(voter.nodeId)!.size
  }
  const demoted = nodes.filter(n => n !== nodes[0] && n !== promoted && n.electStatus().voter).sort((a, b) => linksOnceDemoted(a) - linksOnceDemoted(b))[0]!
  const fewer = linksOnceDemoted(demoted)
  await changeVoter(nodes[0]!.peer.home, demoted.nodeId, 'demote')
  await until('every peer to drop the demoted voter', () => nodes.every(n => !n.electStatus().voters.includes(demoted.nodeId)), 30_000)
  want = expected(nodes)
  t.equal(want.get(demoted.nodeId)!.length, fewer)
  await until('the links of the new roster, and no other', () => nodes.every(n => linkedOf(n).join() === want.get(n.nodeId)!.join()), 30_000)
  t.match((await demoted.status()).mesh, { kind: 'two-tier', hub: false, dials: 5 })
})

t.test('past its gateways, a voter is linked with the other voters and its gateways only; a member no voter takes still knows the leader, writes and reads', async t => {
  // Three voters that take one gateway each, five members: at least two members are no voter's gateway.
  const nodes = await startNodes(t, Array.from({ length: 7 }, () => 'developer'), { project: 'gates', maxVoters: 3, voterGateways: 1 })
  await until('every peer to hold the roster of eight', () => nodes.every(n => n.electStatus().roster.members === 8), 30_000)
  const voterIds = nodes[0]!.electStatus().voters
  const graph = linkGraph({ members: nodes.map(n => n.nodeId), voters: voterIds }, { gateways: 1 })
  const want = new Map([...graph].map(([id, peers]) => [id, [...peers].sort()]))
  await until('every link the roster gives, and no other', () => nodes.every(n => linkedOf(n).join() === want.get(n.nodeId)!.join()), 30_000)
  const voters = nodes.filter(n => voterIds.includes(n.nodeId))
  for (const voter of voters) t.equal(linkedOf(voter).length, 2 + 1, 'a voter: the two other voters and its gateway')
  const cutOff = nodes.filter(n => !voterIds.includes(n.nodeId) && !linkedOf(n).some(id => voterIds.includes(id)))
  t.ok(cutOff.length >= 2, `${cutOff.length} members linked with no voter`)

  // The leader's name comes with the heads of the members linked with them (the election's leader hint).
  await until('every peer to follow the one leader', () => agreed(nodes) !== null, 30_000)
  const { leader, term } = agreed(nodes)!
  for (const member of cutOff) {
    t.same([member.election.leader, member.election.term], [leader, term], 'a member with no link to a voter knows the leader and its term')
    const ready = member.readiness()
    t.ok(ready.ready, `and is ready: ${ready.reason}`)
    t.match(ready.reason, /^following \w+ through \w+$/)
  }

  // Its write goes through a relay, and reaches every peer, member to member.
  const writer = cutOff[0]!
  const record = { address: 'ucxl://gates/src/far.py', kind: 'file', summary: 'written from the edge of the mesh' }
  const written = await writer.distribute(record, ['developer'], 'the mesh test')
  t.equal(written.written, 1, 'the write went through')
  t.ok(writer.counters.forwarded >= 1, 'sent through a relay')
  await until('every peer to hold the record', () => nodes.every(n => n.peer.store.recordCount === 1), 30_000)
  for (const node of nodes) t.equal((await node.retrieve(record.address, 'developer')).context.summary, record.summary)
})
