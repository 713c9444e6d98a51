// elect status on a follower: when it last heard from each peer, the other followers included (they exchange no
// election messages, only gossip, so by the election alone a follower had "never" heard from them).
import t from 'tap'
import { agreed, startNodes, until } from '../helpers/in-process.js'

t.test('a follower has heard from the other followers, not only from the leader', async t => {
  const nodes = await startNodes(t, ['developer', 'qa'], { project: 'heard' })
  const { leader } = agreed(nodes)!
  const followers = nodes.filter(n => n.nodeId !== leader)
  t.equal(followers.length, 2)
  const [follower, other] = followers as [typeof followers[0], typeof followers[0]]
  // Bounded: gossip sends heads every tick; a few seconds is plenty.
  const heardFrom = () => follower.electStatus().peers.find(p => p.id === other.nodeId)
  await until('the follower to list the other follower as heard from', () => heardFrom()?.lastContactMs != null, 10_000)
  const heard = heardFrom()!
  t.equal(heard.connected, true)
  t.ok(heard.lastContactMs! < 5_000, `heard ${heard.lastContactMs} ms ago`)
  const fromLeader = follower.electStatus().peers.find(p => p.id === leader)!
  t.ok(fromLeader.lastContactMs !== null && fromLeader.lastContactMs < 5_000, 'and from the leader')
})

t.test('elect campaign: another peer\'s win is an answer; no leader at all is UNAVAILABLE, saying why', async t => {
  const nodes = await startNodes(t, ['developer', 'qa'], { project: 'alone' })
  const { leader } = agreed(nodes)!
  const follower = nodes.find(n => n.nodeId !== leader)!
  const won = await follower.campaign()
  t.ok(won.leader !== null, 'a healthy cluster answers with its leader (this one, or the one its followers keep)')
  // The other two go: one peer of three reaches no majority.
  for (const node of nodes) if (node !== follower) await node.close()
  await until('the lone peer to know it has no leader', () => follower.electStatus().leader === null, 20_000)
  await t.rejects(follower.campaign(), { code: 'UNAVAILABLE', message: /the campaign elected no leader: this peer reaches 1 of the roster's 3 voters .* needs 2/ })
})
