// A peer's analysis runtime: a daemon that becomes leader starts its workers and reads its cache before any request.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { LocalPeer } from '../../src/node/local-peer.js'
import { scratchDir } from '../helpers/scratch.js'

async function openPeer (t: Test): Promise<LocalPeer> {
  const home = join(scratchDir('bzzz-runtime-'), 'home')
  await LocalPeer.init(home, { cluster: 'test', role: 'admin' })
  const peer = await LocalPeer.open(home)
  t.teardown(() => peer.close())
  return peer
}

t.test('warm starts the kept workers and reads the cache ahead of a run; the run then uses both', async t => {
  const peer = await openPeer(t)
  peer.analysis.keepWorkers = true
  await peer.analysis.warm()
  const pool = await peer.analysis.poolFor(false)
  t.ok(pool !== undefined && pool.running > 0, `${pool?.running ?? 0} workers running before any run`)
  const cache = await peer.analysis.cache()
  t.equal(await peer.analysis.cache(), cache, 'the cache read is the one kept')
  t.equal(await peer.analysis.poolFor(false), pool, 'a run gets the pool already started')
  await peer.analysis.close()
  t.equal(pool!.running, 0, 'closing lets the workers go')
})

t.test('a peer that keeps no workers (a command without a daemon) starts none', async t => {
  const peer = await openPeer(t)
  await peer.analysis.warm()
  t.equal(await peer.analysis.poolFor(false), undefined, 'no kept pool')
})
