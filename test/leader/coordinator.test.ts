// The coordinator on a real store: a batch whose acknowledgement fails while the leader has lost its lease stays in
// the queue and runs again once the lease is back (it must not be left queued for good), and completes once.
import t from 'tap'
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { LocalPeer } from '../../src/node/local-peer.js'
import { Coordinator, packFiles } from '../../src/leader/coordinator.js'
import { coordinatorHostOf, sealRequestFiles } from '../../src/node/coordinator-host.js'
import { silentLogger } from '../../src/node/logger.js'
import { systemClock } from '../../src/clock.js'
import { unavailable } from '../../src/errors.js'
import { homePaths } from '../../src/node/home.js'
import type { QueueEvent } from '../../src/storage/view-items.js'
import { sleep } from '../helpers/cluster.js'
import { scratchDir } from '../helpers/scratch.js'

t.test('a batch not acknowledged while the lease is lost runs again when it is back, and completes once', async t => {
  const dir = scratchDir('bzzz-coordinator-')
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  await LocalPeer.init(join(dir, 'home'), { cluster: 'c', role: 'admin', project: 'p' })
  const peer = await LocalPeer.open(join(dir, 'home'))
  t.teardown(() => peer.close())
  const tree = join(dir, 'tree')
  mkdirSync(tree)
  writeFileSync(join(tree, 'a.py'), 'def a():\n    return 1\n')

  const state = { term: 1, isLeader: true, hasLease: true }
  let acknowledgements = 0
  let failures = 0
  const coordinator = new Coordinator({
    ...coordinatorHostOf(peer),
    logger: silentLogger(),
    clock: systemClock,
    leadership: () => ({ ...state }),
    acknowledge: async (kind: string) => {
      acknowledgements++
      // The first batch acknowledgement times out while the leader cannot hear a majority.
      if (kind === 'records' && state.hasLease === false) { failures++; throw unavailable('not acknowledged') }
      return { holders: 1, required: 1 }
    },
    announce: () => {}
  }, { concurrency: 1 })
  coordinator.start()
  t.teardown(() => coordinator.stop())
  coordinator.leadership(true, 1)
  const payload = (await packFiles(tree, tree)).parts[0]!.payload
  const request = { id: 'req-1', address: 'ucxl://p/', project: 'p', path: '.' }
  await coordinator.accept({ ...request, priority: 'normal', requester: peer.config.nodeId, sealed: sealRequestFiles(peer, request, payload).sealed })
  state.hasLease = false // the lease is lost while the batch runs
  const deadline = Date.now() + 20_000
  while (failures === 0 && Date.now() < deadline) await sleep(20)
  t.ok(failures >= 1, 'the batch was not acknowledged while the lease was lost')
  state.hasLease = true // heard from a majority again, still the leader of term 1
  const completion = await coordinator.completion('req-1', 20_000)
  t.equal(completion.status, 'completed', 'it ran again and completed')
  t.equal(peer.store.queueEvents().filter(e => e.entry.type === 'completion' && e.entry.id === 'req-1').length, 1, 'exactly one completion entry')
  t.ok(acknowledgements >= 2)
})

t.test('a request\'s files are analysed in memory, never written to the leader\'s home, and leftovers of a killed leader go at start', async t => {
  const dir = scratchDir('bzzz-coordinator-')
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const home = join(dir, 'home')
  await LocalPeer.init(home, { cluster: 'c', role: 'admin', project: 'p' })
  const peer = await LocalPeer.open(home)
  t.teardown(() => peer.close())
  // What a leader killed half way through a request left behind.
  const requests = homePaths(home).requests
  mkdirSync(join(requests, 'gen-killed', 'tree'), { recursive: true })
  writeFileSync(join(requests, 'gen-killed', 'tree', 'secret.py'), 'TOKEN = 1\n')
  const tree = join(dir, 'tree')
  mkdirSync(tree)
  writeFileSync(join(tree, 'a.py'), 'def a():\n    return 1\n')
  const seen: string[][] = []
  const host = coordinatorHostOf(peer)
  const coordinator = new Coordinator({
    ...host,
    // What the home holds while the analysis runs on the request's files.
    generate: async run => {
      seen.push(existsSync(requests) ? readdirSync(requests) : [])
      return await host.generate(run)
    },
    logger: silentLogger(),
    clock: systemClock,
    leadership: () => ({ term: 1, isLeader: true, hasLease: true }),
    acknowledge: async () => ({ holders: 1, required: 1 }),
    announce: () => {}
  }, { concurrency: 1 })
  coordinator.start()
  t.teardown(() => coordinator.stop())
  t.notOk(existsSync(join(requests, 'gen-killed')), 'the leftovers are gone once the coordinator starts')
  coordinator.leadership(true, 1)
  const payload = (await packFiles(tree, tree)).parts[0]!.payload
  const request = { id: 'req-1', address: 'ucxl://p/', project: 'p', path: '.' }
  await coordinator.accept({ ...request, priority: 'normal', requester: peer.config.nodeId, sealed: sealRequestFiles(peer, request, payload).sealed })
  const completion = await coordinator.completion('req-1', 20_000)
  t.equal(completion.status, 'completed')
  t.equal(completion.report?.files, 1, 'the request\'s file was analysed')
  t.same(seen, [[]], 'nothing was written under the home while the request ran')
  const context = (await peer.store.retrieve('ucxl://p/a.py', 'admin')).context as unknown as { symbols?: Array<{ name: string }> }
  t.ok(JSON.stringify(context).includes('"a"'), 'the record of the file in memory names its function')
})

t.test('after the view is rebuilt, a completion it retracted no longer marks its request done', async t => {
  const dir = scratchDir('bzzz-coordinator-')
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const writer = 'a'.repeat(64)
  const version = (term: number, wall: number) => ({ term, hlc: { wall, logical: 0 }, writer, vv: {} })
  const request = { writer, seq: 1, index: 0, entry: { type: 'request', id: 'req-1', address: 'ucxl://p/', project: 'p', path: '.', priority: 'normal', requester: writer, acceptedAt: 1, version: version(2, 1) } } as unknown as QueueEvent
  // Written by the leader of term 2 after it lost the term, never acknowledged: a later leader's end retracts it.
  const late = { writer, seq: 2, index: 0, entry: { type: 'completion', id: 'req-1', address: 'ucxl://p/', status: 'completed', at: 2, version: version(2, 2) } } as unknown as QueueEvent
  let events: QueueEvent[] = [request, late]
  const rebuilt = new Set<() => void>()
  const coordinator = new Coordinator({
    store: {
      appendQueueEntry: async () => {},
      queueEvents: () => events,
      subscribe: () => () => {},
      onRebuilt: (listener: () => void) => { rebuilt.add(listener); return () => { rebuilt.delete(listener) } },
      sealedPayload: async () => Buffer.alloc(0)
    },
    role: 'admin', heldRoles: () => ['admin'], roles: () => [], sealedFor: () => ['admin'], requestsDir: join(dir, 'requests'),
    generate: async () => { throw new Error('a follower runs nothing') },
    logger: silentLogger(), clock: systemClock,
    leadership: () => ({ term: 3, isLeader: false, hasLease: false }),
    acknowledge: async () => ({ holders: 1, required: 1 }),
    announce: () => {}
  }, { concurrency: 1 })
  coordinator.start()
  t.teardown(() => coordinator.stop())
  coordinator.leadership(false, 3)
  t.equal(coordinator.queue.get('req-1')?.state, 'completed', 'fed the late completion, the queue takes the request for done')
  events = [request]
  for (const listener of rebuilt) listener()
  t.equal(coordinator.queue.get('req-1')?.state, 'queued', 'after the rebuild it is queued again, for whoever leads next')
})
