// A cancelled invite's node is refused by every member that holds the roster signed without it, and one invited after
// a member's roster is admitted once it shows the newer roster (real nodes on a loopback DHT).
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startBootstrap } from '../../src/net/bootstrap.js'
import { ClusterNode } from '../../src/node/cluster/index.js'
import { LocalPeer } from '../../src/node/local-peer.js'
import { cancelInvite, createInvite, listInvites, redeemInvite } from '../../src/node/invite.js'
import { silentLogger } from '../../src/node/logger.js'
import { sleep } from '../helpers/cluster.js'
import { until } from '../helpers/in-process.js'
import { scratchDir } from '../helpers/scratch.js'

t.test('cancel: members that hold the new roster drop the node and refuse it from then on', async t => {
  const dir = scratchDir('bzzz-cancel-')
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  const running = new Set<ClusterNode>()
  t.teardown(async () => {
    for (const node of running) await node.close().catch(() => {})
    await dht.close()
  })
  const start = async (home: string): Promise<ClusterNode> => {
    const node = await ClusterNode.start({ home, bootstrap: dht.addresses, host: '127.0.0.1', logger: silentLogger(), electionTimeoutMs: 300 })
    running.add(node)
    return node
  }
  const stop = async (node: ClusterNode): Promise<void> => { running.delete(node); await node.close() }
  const ids = (node: ClusterNode): string[] => node.peers().map(p => p.id)

  const adminHome = join(dir, 'admin')
  const devHome = join(dir, 'dev')
  const qaHome = join(dir, 'qa')
  await LocalPeer.init(adminHome, { cluster: 'cancel', role: 'admin', project: 'cancel' })
  await redeemInvite(devHome, (await createInvite(adminHome, 'developer')).invite)
  let admin = await start(adminHome)
  const dev = await start(devHome)
  await until('the admin and the developer connected', () => ids(admin).includes(dev.nodeId) && ids(dev).includes(admin.nodeId), 60_000)
  await stop(admin)

  // Invited while the admin's daemon is down: the developer still holds roster v2, which does not list the qa.
  const qaInvite = await createInvite(adminHome, 'qa')
  await redeemInvite(qaHome, qaInvite.invite)
  t.equal(dev.electStatus().roster.version, 2)
  const qa = await start(qaHome)
  await until('the developer admitted the qa once it showed roster v3', () => ids(dev).includes(qa.nodeId) && ids(qa).includes(dev.nodeId), 60_000)
  t.equal(dev.electStatus().roster.version, 3, 'the developer adopted the newer roster the qa brought')
  t.match(listInvites(adminHome).map(i => [i.id, i.state]), [[String, 'redeemed'], [qaInvite.id, 'pending']], 'the admin has met the developer, not the qa')

  const rosterV3 = readFileSync(join(qaHome, 'roster.json'), 'utf8')
  // Cancelled on the admin's home with its daemon down: the qa redeemed it, but the admin never saw it.
  const cancelled = await cancelInvite(adminHome, qaInvite.id)
  t.match(cancelled.roster, { version: 4, voters: 2, majority: 2 })
  const rejectedBefore = dev.counters.rejectedPeers
  admin = await start(adminHome)
  await until('the developer dropped the qa on adopting roster v4', () => dev.electStatus().roster.version === 4 && !ids(dev).includes(qa.nodeId), 60_000)
  await until('the admin and the developer connected', () => ids(admin).includes(dev.nodeId) && ids(dev).includes(admin.nodeId), 60_000)
  await until('the qa learned roster v4', () => qa.electStatus().roster.version === 4, 30_000)
  t.ok(dev.counters.rejectedPeers > rejectedBefore, 'the developer counted the refusal')
  t.notOk(qa.electStatus().peers.find(p => p.id === qa.nodeId)?.voter, 'the qa is no voter')
  t.equal(qa.electStatus().roster.members, 2, 'the qa counts the two voters of roster v4')
  t.match((await qa.status()).halted, /not on the cluster's roster v4: its invite was cancelled/, 'the qa stopped taking part, and its status says why')
  // Its certificate still verifies: were it to dial again, it would stay refused.
  await sleep(3_000)
  t.same(ids(qa), [], 'the qa is connected to nobody')
  t.notOk(ids(dev).includes(qa.nodeId) || ids(admin).includes(qa.nodeId), 'neither member holds a connection to it')
  t.match(listInvites(adminHome).find(i => i.id === qaInvite.id), { state: 'cancelled', voter: false })

  // The qa's home given back the roster that listed it (as its holder could): its certificate still verifies, and it
  // is refused at connect all the same.
  await stop(qa)
  writeFileSync(join(qaHome, 'roster.json'), rosterV3)
  const refusedBefore = dev.counters.rejectedPeers + admin.counters.rejectedPeers
  let admitted = false
  const again = await start(qaHome)
  await until('a member refused the qa at connect', () => {
    admitted ||= ids(dev).includes(again.nodeId) || ids(admin).includes(again.nodeId)
    return dev.counters.rejectedPeers + admin.counters.rejectedPeers > refusedBefore
  }, 60_000)
  t.notOk(admitted, 'no member admitted it meanwhile')
  await until('the qa learned roster v4 again', () => again.electStatus().roster.version === 4, 30_000)
  t.match((await again.status()).halted, /not on the cluster's roster v4/)
})
