// A partition at the connection level (in-process ClusterNodes on a loopback DHT, cut by their firewalls): the
// minority elects no leader and an old leader on its side steps down; after the heal, one leader and one view.
import t from 'tap'
import { agreed, startNodes, until } from '../helpers/in-process.js'
import { sleep } from '../helpers/cluster.js'

const TIMEOUT_MS = 300

t.test('five peers: cut the leader and one follower off, then heal', async t => {
  const nodes = await startNodes(t, ['developer', 'qa', 'architect', 'security'], { project: 'part', electionTimeoutMs: TIMEOUT_MS })
  const first = agreed(nodes)!

  const oldLeader = nodes.find(n => n.nodeId === first.leader)!
  const minority = [oldLeader, nodes.find(n => n !== oldLeader)!]
  const majority = nodes.filter(n => !minority.includes(n))
  for (const n of minority) n.block(majority.map(m => m.nodeId))
  for (const n of majority) n.block(minority.map(m => m.nodeId))

  await until('the majority to elect a new leader', () => agreed(majority) !== null && agreed(majority)!.term > first.term)
  const second = agreed(majority)!
  t.ok(majority.some(n => n.nodeId === second.leader), 'the new leader is on the majority side')
  await until('the old leader to step down (CheckQuorum)', () => oldLeader.election.state !== 'leader', 5 * TIMEOUT_MS)
  t.pass(`the old leader stepped down; the majority elected ${second.leader.slice(0, 8)} in term ${second.term}`)
  // For many election timeouts the minority campaigns (PreVote keeps its term) and never elects anyone.
  const minorityTerms = minority.map(n => n.election.term)
  let minorityLeaders = 0
  for (let i = 0; i < 40; i++) {
    if (minority.some(n => n.election.state === 'leader')) minorityLeaders++
    await sleep(TIMEOUT_MS / 4)
  }
  t.equal(minorityLeaders, 0, 'no leader on the minority side in 40 looks over 10 election timeouts')
  t.ok(minority.every((n, i) => n.election.term === minorityTerms[i]), 'PreVote: the minority did not inflate its terms')

  // Work on the majority side while the minority is cut off, then heal: one leader, one view.
  const record = { address: 'ucxl://part/src/during.go', kind: 'file', summary: 'written during the partition', language: 'go' }
  const distributed = await majority[1]!.distribute(record, undefined, 'the test')
  t.equal(distributed.written, 1)
  for (const n of nodes) n.unblock()
  await until('a full mesh after the heal', () => nodes.every(n => n.peers().length === 4), 90_000)
  await until('one leader agreed by all five', () => agreed(nodes) !== null)
  t.equal(agreed(nodes)!.term, second.term, 'the rejoining minority did not disrupt the leader (PreVote)')
  for (const n of nodes) await n.sync(20)
  await until('one view', () => new Set(nodes.map(n => n.peer.store.viewHash)).size === 1, 30_000)
  const got = await minority[0]!.retrieve(record.address, minority[0]!.peer.config.role)
  t.equal(got.context.summary, record.summary, 'the old leader has what the majority wrote')
})
