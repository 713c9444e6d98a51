// A partition at the connection level (in-process ClusterNodes on a loopback DHT, cut by their firewalls): the
// minority elects no leader and an old leader on its side steps down; after the heal, one leader and one view.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBootstrap } from '../../src/net/bootstrap.js'
import { ClusterNode } from '../../src/node/cluster-node.js'
import { LocalPeer } from '../../src/node/local-peer.js'
import { createInvite, redeemInvite } from '../../src/node/invite.js'
import { silentLogger } from '../../src/node/logger.js'
import { sleep } from '../helpers/cluster.js'

const TIMEOUT_MS = 300

async function until (what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(50)
  }
}

function agreed (nodes: readonly ClusterNode[]): { leader: string, term: number } | null {
  const leaders = nodes.filter(n => n.election.state === 'leader')
  if (leaders.length !== 1) return null
  const { nodeId, election } = leaders[0]!
  return nodes.every(n => n.election.leader === nodeId && n.election.term === election.term) ? { leader: nodeId, term: election.term } : null
}

t.test('five peers: cut the leader and one follower off, then heal', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'bzzz-partition-'))
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  const nodes: ClusterNode[] = []
  t.teardown(async () => {
    for (const node of nodes) await node.close().catch(() => {})
    await dht.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const homes = ['admin', 'developer', 'qa', 'architect', 'security'].map(role => ({ role, home: join(dir, role) }))
  await LocalPeer.init(homes[0]!.home, { cluster: 'part', role: 'admin', project: 'part' })
  for (const { role, home } of homes.slice(1)) await redeemInvite(home, (await createInvite(homes[0]!.home, role)).invite)
  for (const { home } of homes) nodes.push(await ClusterNode.start({ home, bootstrap: dht.addresses, host: '127.0.0.1', logger: silentLogger(), electionTimeoutMs: TIMEOUT_MS }))
  await until('a full mesh', () => nodes.every(n => n.peers().length === 4), 90_000)
  const first = await (async () => { await until('one agreed leader', () => agreed(nodes) !== null); return agreed(nodes)! })()

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
