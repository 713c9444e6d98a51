// Five peers, three voters (the admin's maxVoters): every peer sees who votes, only voters lead, and members that do
// not vote follow whichever voter leads, also after the leader goes.
import t from 'tap'
import { agreed, startNodes, until } from '../helpers/in-process.js'

t.test('5 peers and 3 voters: elect status and peers show who votes; a leader is always a voter, and everyone follows it', async t => {
  const nodes = await startNodes(t, ['developer', 'developer', 'developer', 'developer'], { project: 'voters', maxVoters: 3 })
  const voters = nodes.slice(0, 3).map(n => n.nodeId).sort()
  for (const node of nodes) {
    const status = node.electStatus()
    t.same(status.voters, voters, 'the admin and the first two invited vote')
    t.match(status.roster, { members: 5, voters: 3 })
    t.equal(status.voter, voters.includes(node.nodeId))
    t.equal(status.canCampaign, voters.includes(node.nodeId), 'a member that does not vote never stands')
    for (const peer of status.peers) t.equal(peer.voter, voters.includes(peer.id))
    for (const row of node.peers()) t.equal(row.voter, voters.includes(row.id), 'peers marks the voters too')
  }
  const first = agreed(nodes)!
  t.ok(voters.includes(first.leader), 'the leader is a voter')
  const nonVoter = nodes[4]!
  await t.rejects(nonVoter.campaign(), { code: 'BAD_USAGE', message: /does not vote/ })

  // The leader goes: the two voters left are a majority of three, and the members that do not vote follow their pick.
  await first.node.close()
  const rest = nodes.filter(n => n !== first.node)
  await until('a new leader that all four follow', () => agreed(rest) !== null && agreed(rest)!.leader !== first.leader, 30_000)
  const next = agreed(rest)!
  t.ok(voters.includes(next.leader), 'the new leader is one of the two voters left')
  t.ok(rest.every(n => n.electStatus().leader === next.leader), 'the members that do not vote follow it')
})
