// One invite redeemed twice gives two processes one identity: they must not both take part (each could vote in a term).
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { startBootstrap } from '../../src/net/bootstrap.js'
import { ClusterNode } from '../../src/node/cluster/index.js'
import { LocalPeer } from '../../src/node/local-peer.js'
import { createInvite, redeemInvite } from '../../src/node/invite.js'
import { silentLogger } from '../../src/node/logger.js'
import { until } from '../helpers/in-process.js'
import { scratchDir } from '../helpers/scratch.js'

/** A private DHT and an admin home; the nodes the test starts are closed by its teardown. */
async function setUp (t: Test): Promise<{ dir: string, dht: Awaited<ReturnType<typeof startBootstrap>>, nodes: ClusterNode[], admin: string }> {
  const dir = scratchDir('bzzz-dup-')
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  const nodes: ClusterNode[] = []
  t.teardown(async () => {
    for (const node of nodes) await node.close().catch(() => {})
    await dht.close()
  })
  const admin = join(dir, 'admin')
  await LocalPeer.init(admin, { cluster: 'dup', role: 'admin', project: 'dup' })
  return { dir, dht, nodes, admin }
}

t.test('two processes with one member\'s identity: a peer that meets both stops one, which says why', async t => {
  const { dir, dht, nodes, admin } = await setUp(t)
  const { invite } = await createInvite(admin, 'developer')
  // The same invite, redeemed on two machines (here two homes): one node identity in two processes.
  const homes = [join(dir, 'dev-a'), join(dir, 'dev-b')]
  for (const home of homes) await redeemInvite(home, invite)
  const halts: Array<{ which: number, reason: string }> = []
  const start = async (home: string, which: number): Promise<ClusterNode> => {
    const node = await ClusterNode.start({ home, bootstrap: dht.addresses, host: '127.0.0.1', logger: silentLogger(), electionTimeoutMs: 300, onHalt: reason => { halts.push({ which, reason }) } })
    nodes.push(node)
    return node
  }
  const adminNode = await start(admin, 0)
  const a = await start(homes[0]!, 1)
  t.equal(a.nodeId, (await start(homes[1]!, 2)).nodeId, 'both developers have one identity')
  t.not(nodes[1]!.instance, nodes[2]!.instance, 'but each process has its own instance')
  await until('a peer to stop one of the two', () => halts.length > 0, 60_000)
  t.equal(halts.length, 1, 'one of them stopped')
  t.match(halts[0]!.reason, /two processes use the identity of member [0-9a-f]{12} \(developer\): was its invite redeemed twice\?/)
  t.ok(adminNode.counters.duplicateIdentities >= 1, 'the admin counted it')
  const stopped = nodes[halts[0]!.which]!
  t.match((await stopped.status()).halted, /invite redeemed twice/, 'its status says why')
  // The other keeps its place: the admin stays connected to it.
  const survivor = nodes[halts[0]!.which === 1 ? 2 : 1]!
  await until('the admin and the remaining developer connected', () => adminNode.peers().length === 1 && survivor.peers().length === 1, 30_000)
  t.same(halts.map(h => h.which), [halts[0]!.which], 'and nobody else stopped')
})

t.test('a restart is a new instance, never an old one back: it is welcome', async t => {
  const { dir, dht, nodes, admin } = await setUp(t)
  const dev = join(dir, 'dev')
  await redeemInvite(dev, (await createInvite(admin, 'developer')).invite)
  const halts: string[] = []
  const options = { bootstrap: dht.addresses, host: '127.0.0.1', logger: silentLogger(), electionTimeoutMs: 300, onHalt: (reason: string) => { halts.push(reason) } }
  const adminNode = await ClusterNode.start({ home: admin, ...options })
  nodes.push(adminNode)
  for (let run = 0; run < 3; run++) {
    const node = await ClusterNode.start({ home: dev, ...options })
    nodes.push(node)
    await until(`run ${run} connected`, () => adminNode.peers().length === 1 && node.peers().length === 1, 60_000)
    await node.close()
    await until(`run ${run} gone`, () => adminNode.peers().length === 0, 30_000)
  }
  t.same(halts, [], 'nobody stopped')
  t.equal(adminNode.counters.duplicateIdentities, 0)
})
