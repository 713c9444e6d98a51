// sync and retrieve keep their bound when a download never finishes (its peer went away mid-transfer),
// and nothing is lost: once the download goes on, the peer catches up. Real nodes on a loopback DHT.
import t from 'tap'
import { agreed, startNodes, until } from '../helpers/in-process.js'
import type { ClusterNode } from '../../src/node/cluster/index.js'

/** The length this node holds of a writer's log. */
const held = (node: ClusterNode, writer: string): number => node.peer.store.heads().find(h => h.writer === writer)?.length ?? 0

/** The length of a writer's log that some connected peer announced to this node. */
const announced = (node: ClusterNode, writer: string): number =>
  Math.max(0, ...node.peers().flatMap(row => row.logs.filter(log => log.writer === writer).map(log => log.length)))

t.test('a download that hangs holds neither sync nor retrieve past their bound', async t => {
  const nodes = await startNodes(t, ['developer'], { project: 'stuck' })
  const leader = nodes.find(n => n.nodeId === agreed(nodes)!.leader)!
  const follower = nodes.find(n => n !== leader)!
  const writer = leader.peer.store.writer

  // The follower's downloads wait at a gate, as a transfer from a peer that stopped answering does.
  const store = follower.peer.store
  const download = store.downloadRemote.bind(store)
  let open: () => void = () => {}
  const gate = new Promise<void>(resolve => { open = resolve })
  store.downloadRemote = async (...args) => { await gate; return await download(...args) }
  t.teardown(() => { open() })

  const record = { address: 'ucxl://stuck/src/late.go', kind: 'file', summary: 'arrives after the gate opens', language: 'go' }
  // The leader waits for the follower's acknowledgement, which comes only after the gate opens.
  const distributed = leader.distribute(record, undefined, 'the test').catch((err: unknown) => err)
  await until('the follower to hear of the new entry', () => announced(follower, writer) > held(follower, writer), 20_000)

  let started = performance.now()
  const report = await follower.sync(1)
  const syncMs = performance.now() - started
  t.equal(report.caughtUp, false, 'sync says it did not catch up')
  t.ok(syncMs < 4_000, `sync returned within its 1 s bound (took ${Math.round(syncMs)} ms), not after the download's 30 s`)

  started = performance.now()
  await t.rejects(follower.retrieve(record.address, 'developer'), { code: 'NOT_FOUND' }, 'not here yet: not found')
  const retrieveMs = performance.now() - started
  t.ok(retrieveMs < 10_000, `retrieve gave up within its catch-up bound (took ${Math.round(retrieveMs)} ms)`)

  // The transfer goes on: the follower catches up, and the leader's write is acknowledged.
  open()
  const after = await follower.sync(20)
  t.equal(after.caughtUp, true, 'caught up once the download finished')
  const got = await follower.retrieve(record.address, 'developer')
  t.equal(got.context.summary, record.summary)
  const result = await distributed
  t.notOk(result instanceof Error, `the leader's distribute succeeded: ${String(result)}`)
})

t.test('sync with no peer connected is not caught up: nothing was compared', async t => {
  const nodes = await startNodes(t, ['developer'], { project: 'alone' })
  const [a, b] = nodes as [ClusterNode, ClusterNode]
  a.block([b.nodeId])
  b.block([a.nodeId])
  await until('the two to part', () => a.peers().length === 0 && b.peers().length === 0, 20_000)
  const report = await b.sync(1)
  t.equal(report.peers, 0)
  t.equal(report.caughtUp, false, 'in a cluster of two, alone is not in step')
  b.unblock()
  a.unblock()
  await until('the two to meet again', () => b.peers().length === 1, 60_000)
  t.equal((await b.sync(10)).caughtUp, true)
})
