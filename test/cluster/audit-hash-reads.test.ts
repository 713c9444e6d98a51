// auditHashReads with a real daemon: reads served before the setting name their address; after `config set
// auditHashReads true` and a restart, they hold only its hash with the cluster's salt (the address is nowhere in the
// audit log's listing), and `audit ls --address X` on the peer that holds the salt finds the reads of X, in clear and
// hashed alike, and no other. (A distribute's event still names its address: writes are not reads.)
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startBootstrap } from '../../src/net/bootstrap.js'
import { peerAt, waitFor } from '../helpers/cluster.js'
import { scratchDir } from '../helpers/scratch.js'

const A = 'ucxl://p/src/a.py'
const B = 'ucxl://p/src/b.py'

t.test('reads are recorded hashed once auditHashReads is set, and found by their address', async t => {
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 } as never)
  const dir = scratchDir('bzzz-hash-reads-')
  const peer = peerAt('admin', join(dir, 'admin'))
  t.teardown(async () => { await peer.run(['node', 'stop']).catch(() => {}); await dht.close() })
  t.equal((await peer.run(['init', '--cluster', 'c', '--role', 'admin', '--project', 'p'])).code, 0)
  for (const [name, address] of [['a', A], ['b', B]]) {
    const file = join(dir, `${name}.json`)
    writeFileSync(file, JSON.stringify({ address, kind: 'file', summary: `file ${name}` }))
    t.equal((await peer.run(['distribute', '--file', file])).code, 0)
  }
  const start = async (): Promise<void> => {
    const started = await peer.run(['node', 'start', '--bootstrap', dht.nodes.join(','), '--detach'])
    t.equal(started.code, 0, started.stderr)
  }
  const reads = async (...filter: string[]): Promise<Array<Record<string, unknown>>> =>
    (await peer.run(['audit', 'ls', '--kind', 'read', '--json', ...filter])).json?.events ?? []

  await start()
  t.equal((await peer.run(['retrieve', A, '--role', 'developer'])).code, 0)
  t.equal((await peer.run(['node', 'stop'])).code, 0)
  t.match(await reads(), [{ address: A, role: 'developer' }], 'without the setting the address is in clear')

  const set = await peer.run(['config', 'set', 'auditHashReads', 'yes', '--json'])
  t.same(set.json, { key: 'auditHashReads', value: true }, set.stderr)
  await start()
  t.equal((await peer.run(['retrieve', A, '--role', 'developer'])).code, 0)
  t.equal((await peer.run(['retrieve', B, '--role', 'qa'])).code, 0)
  await waitFor('the two hashed reads', async () => (await reads()).length === 3)

  const all = await reads()
  const hashed = all.slice(1)
  for (const read of hashed) {
    t.notOk('address' in read, 'a hashed read names no address')
    t.match(read.addressHash, /^[0-9a-f]{64}$/)
  }
  t.not(hashed[0]!.addressHash, hashed[1]!.addressHash, 'two addresses, two hashes')
  t.notOk(JSON.stringify(hashed).includes('src/'), 'no path in the hashed reads\' events')

  const ofA = await reads('--address', A)
  t.equal(ofA.length, 2, 'the reads of a.py: in clear before, hashed after')
  t.match(ofA[1], { role: 'developer', addressHash: hashed[0]!.addressHash })
  t.match(await reads('--address', 'src/b.py'), [{ role: 'qa', addressHash: hashed[1]!.addressHash }], 'an address relative to the project')
  t.same(await reads('--address', 'ucxl://p/src/c.py'), [], 'an address never read')
  const bad = await peer.run(['config', 'set', 'auditHashReads', 'maybe'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /^bzzz-ctx: auditHashReads: must be true or false/)
})
