// 10,000 hostile frames against a real daemon process: it stays up, counts and closes each bad connection, and
// keeps serving its members.
import t from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import HyperDHT from 'hyperdht'
import Protomux from 'protomux'
import c from 'compact-encoding'
import { startCluster, waitFor, waitForMesh } from '../helpers/cluster.js'
import { WIRE_PROTOCOL, WIRE_VERSION, encodeMessage } from '../../src/net/messages.js'
import { parseBootstrap } from '../../src/net/bootstrap.js'

const FRAMES = 10_000
const PER_CONNECTION = 100

function mutate (frame: Buffer): Buffer {
  const out = Buffer.from(frame)
  const flips = 1 + Math.floor(Math.random() * 4)
  for (let i = 0; i < flips; i++) out[Math.floor(Math.random() * out.length)] = Math.floor(Math.random() * 256)
  return Math.random() < 0.2 ? out.subarray(0, Math.floor(Math.random() * out.length)) : out
}

t.test('a daemon survives 10,000 random and mutated frames', async t => {
  const cluster = await startCluster(['developer'], { project: 'fuzz' })
  t.teardown(() => cluster.stop())
  const [admin, developer] = cluster.peers as [typeof cluster.peers[0], typeof cluster.peers[0]]
  await waitForMesh(cluster)
  // The logs column is never blank: before anything is written it says so, and a new leader writes its term entry at
  // once (to state where earlier terms end), which may have reached the developer already.
  const developerId: string = (await developer.run(['status', '--json'])).json.node.id
  const before = await admin.run(['peers'])
  t.match(before.stdout, new RegExp(`${developerId.slice(0, 16)} .* (none written yet|[0-9a-f]{8}: \\d+)`))
  const config = JSON.parse(readFileSync(join(admin.home, 'config.json'), 'utf8'))
  const channelId = createHash('sha256').update('bzzz-ctx/channel\u0000').update(config.cluster.id).digest()
  const target = Buffer.from(config.cluster.adminKey, 'hex')
  const valid = [
    encodeMessage({ type: 'hello', version: WIRE_VERSION, certificate: JSON.stringify(config.certificate) }),
    encodeMessage({ type: 'heads', term: 1, heads: [{ writer: 'ab'.repeat(32), length: 7 }] }),
    encodeMessage({ type: 'request', id: 'x1', op: 'generate', body: '{}' })
  ]
  const dht = new HyperDHT({ bootstrap: parseBootstrap(cluster.bootstrap), host: '127.0.0.1' })
  t.teardown(() => dht.destroy())
  let sent = 0
  let connections = 0
  while (sent < FRAMES) {
    const socket = dht.connect(target)
    socket.on('error', () => {})
    const opened = await new Promise<boolean>(resolve => {
      const timer = setTimeout(() => resolve(false), 5_000)
      socket.once('open', () => { clearTimeout(timer); resolve(true) })
      socket.once('close', () => { clearTimeout(timer); resolve(false) })
    })
    if (!opened) continue
    connections++
    const raw = connections % 4 === 0
    if (raw) {
      // Bytes below Protomux: random frames straight into the encrypted stream.
      for (let i = 0; i < PER_CONNECTION; i++, sent++) socket.write(randomBytes(1 + Math.floor(Math.random() * 300)))
    } else {
      const mux = Protomux.from(socket)
      const channel = mux.createChannel({ protocol: WIRE_PROTOCOL, id: channelId })!
      const message = channel.addMessage({ encoding: c.raw })
      channel.open()
      for (let i = 0; i < PER_CONNECTION; i++, sent++) {
        const frame = Math.random() < 0.5 ? randomBytes(Math.floor(Math.random() * 200)) : mutate(valid[i % valid.length]!)
        message.send(frame)
      }
    }
    await new Promise(resolve => setTimeout(resolve, 20))
    socket.destroy()
  }
  t.ok(sent >= FRAMES, `${sent} hostile frames over ${connections} connections`)

  const status = await admin.run(['status', '--json'])
  t.equal(status.code, 0, 'the daemon is up')
  t.ok(status.json.counters.rejectedPeers + status.json.counters.invalidFrames > 0, `it refused them (${JSON.stringify(status.json.counters)})`)
  t.equal((await admin.run(['peers', '--json'])).json.peers.length, 1, 'its member is still connected')
  const record = join(cluster.dir, 'after.json')
  const { writeFileSync } = await import('node:fs')
  writeFileSync(record, JSON.stringify({ address: 'ucxl://fuzz/ok.go', kind: 'file', summary: 'still serving' }))
  const distributed = await developer.run(['distribute', '--file', record, '--json'])
  t.equal(distributed.code, 0, `a member still distributes through it: ${distributed.stderr}`)
  t.equal((await developer.run(['retrieve', 'ucxl://fuzz/ok.go', '--json'])).json.context.summary, 'still serving')

  // Alone in a cluster of two, sync cannot be in step: exit 5, and --json prints one document, the report.
  t.equal((await developer.run(['node', 'stop'])).code, 0)
  await waitFor('the admin to see its member go', async () => (await admin.run(['peers', '--json'])).json?.peers?.length === 0, 20_000)
  const alone = await admin.run(['sync', '--timeout', '2', '--json'])
  t.equal(alone.code, 5, 'not caught up: exit 5')
  t.match(alone.stderr, /no peer is connected/)
  t.match(JSON.parse(alone.stdout), { caughtUp: false, peers: 0 }, 'stdout is one JSON document: the report')
})
