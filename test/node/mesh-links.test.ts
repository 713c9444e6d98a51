// The two-tier mesh (src/distribution/links.ts) on eight in-process peers, three of them voters: each member is linked
// with the voters and a few members, not all; a voter demoted drops the links the new roster does not give it, and a
// member promoted is linked with every peer; status says which tier each is in.
import t from 'tap'
import { linkGraph } from '../../src/distribution/links.js'
import { changeVoter } from '../../src/node/voters-admin.js'
import type { ClusterNode } from '../../src/node/cluster/index.js'
import { startNodes, until } from '../helpers/in-process.js'

/** The links the roster every node holds gives each, as a map of sorted ids. */
function expected (nodes: readonly ClusterNode[]): Map<string, string[]> {
  const graph = linkGraph({ members: nodes.map(n => n.nodeId), voters: nodes[0]!.electStatus().voters })
  return new Map([...graph].map(([id, peers]) => [id, [...peers].sort()]))
}

const linkedOf = (node: ClusterNode): string[] => node.peers().map(p => p.id).sort()

t.test('eight peers, three voters: members hold the voters and a few members; demoted and promoted peers follow the roster', async t => {
  const nodes = await startNodes(t, Array.from({ length: 7 }, () => 'developer'), { project: 'mesh', maxVoters: 3 })
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

  // A member promoted is a voter: every member dials it.
  const promoted = members[0]!
  await changeVoter(nodes[0]!.peer.home, promoted.nodeId, 'promote')
  await until('every peer to count the promoted voter', () => nodes.every(n => n.electStatus().voters.includes(promoted.nodeId)), 30_000)
  await until('the promoted voter linked with every peer', () => linkedOf(promoted).length === 7, 30_000)
  t.match((await promoted.status()).mesh, { kind: 'two-tier', hub: true, dials: 3 })

  // A voter demoted is a member again: it keeps the voters and the members the roster gives it, and drops the rest.
  const demoted = voters.find(v => v !== nodes[0])!
  await changeVoter(nodes[0]!.peer.home, demoted.nodeId, 'demote')
  await until('every peer to drop the demoted voter', () => nodes.every(n => !n.electStatus().voters.includes(demoted.nodeId)), 30_000)
  want = expected(nodes)
  t.ok(want.get(demoted.nodeId)!.length < 7, `the roster gives the demoted peer ${want.get(demoted.nodeId)!.length} links`)
  await until('the links of the new roster, and no other', () => nodes.every(n => linkedOf(n).join() === want.get(n.nodeId)!.join()), 30_000)
  t.match((await demoted.status()).mesh, { kind: 'two-tier', hub: false, dials: 5 })
})
