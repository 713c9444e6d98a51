// Peers that start at the same moment and know each other by key meet at once, not at Hyperswarm's next retry. Each
// dials the others before any of them is findable, so every one of those dials fails; Hyperswarm would try again 5 to
// 11 s later. The transport dials again once its own key is announced. Here Hyperswarm's retries are a minute away, so
// only that second dial can connect them within the bound (without it, this test times out).
import t from 'tap'
import type { Test } from 'tap'
import HyperDHT from 'hyperdht'
import { parseBootstrap, startBootstrap } from '../../src/net/bootstrap.js'
import { HALF_OPEN_MAX_MS, HALF_OPEN_MS, halfOpenAfterMs, hyperswarmTransport, type PeerConnection, type Transport } from '../../src/node/environment.js'
import { waitFor } from '../helpers/cluster.js'

const PEERS = 4

/**
 * `count` transports on a fresh loopback DHT, started at once, each knowing the others by key and writing a hello on
 * each link (as a daemon does; a link from which nothing comes is closed as half-open). `linked[i]`: the peers peer i
 * holds a link with; `onClose` hears each link closed.
 */
async function startTogether (t: Test, count: number, topicFill: number, retryBackoffsMs: [number, number, number], onClose: (i: number, remote: string, connection: PeerConnection) => void = () => {}): Promise<{ ids: string[], linked: Array<Set<string>> }> {
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  t.teardown(async () => { await dht.close() })
  const bootstrap = parseBootstrap(dht.nodes.join(','))
  const keyPairs = Array.from({ length: count }, () => HyperDHT.keyPair())
  const ids = keyPairs.map(keyPair => keyPair.publicKey.toString('hex'))
  const linked = ids.map(() => new Set<string>())
  const transports: Transport[] = keyPairs.map(keyPair => hyperswarmTransport({ keyPair, bootstrap, host: '127.0.0.1', lookup: false, retryBackoffsMs }))
  t.teardown(async () => { await Promise.all(transports.map(async transport => { await transport.destroy() })) })
  await Promise.all(transports.map(async (transport, i) => {
    await transport.join({
      topic: Buffer.alloc(32, topicFill),
      known: ids.filter(id => id !== ids[i]),
      isConnected: peer => linked[i]!.has(peer),
      onConnection: (connection: PeerConnection) => {
        const remote = connection.remotePublicKey.toString('hex')
        connection.on('error', () => {})
        connection.write(Buffer.from('hello'))
        linked[i]!.add(remote)
        connection.on('close', () => { linked[i]!.delete(remote); onClose(i, remote, connection) })
      }
    })
  }))
  return { ids, linked }
}

t.test('peers started together meet without waiting for a retry', async t => {
  const { ids, linked } = await startTogether(t, PEERS, 7, [60_000, 60_000, 60_000])
  await waitFor('every peer linked with every other', async () => linked.every(set => set.size === PEERS - 1), 20_000)
  for (const [i, set] of linked.entries()) t.same([...set].sort(), ids.filter(id => id !== ids[i]).sort(), `peer ${i} is linked with the other ${PEERS - 1}`)
})

// A link this peer dialled from which nothing comes is closed after HALF_OPEN_MS: while it stayed, this end's Hyperswarm
// dropped the other end's own dials in its favour. The other end here is a bare HyperDHT server that takes the link and
// says nothing (as an end whose Hyperswarm never reported the link); one that answers keeps its link.
t.test('a dialled link from which nothing comes is closed as half-open; one that answers stays', async t => {
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  t.teardown(async () => { await dht.close() })
  const bootstrap = parseBootstrap(dht.nodes.join(','))
  const servers = await Promise.all(['silent', 'answers'].map(async kind => {
    const node = new HyperDHT({ bootstrap, host: '127.0.0.1' })
    const keyPair = HyperDHT.keyPair()
    const server = node.createServer(connection => {
      connection.on('error', () => {})
      if (kind === 'answers') connection.write(Buffer.from('hello'))
    })
    await server.listen(keyPair)
    t.teardown(async () => { await node.destroy({ force: true }) })
    return { kind, id: keyPair.publicKey.toString('hex') }
  }))
  const transport = hyperswarmTransport({ keyPair: HyperDHT.keyPair(), bootstrap, host: '127.0.0.1', lookup: false, retryBackoffsMs: [60_000, 60_000, 60_000] })
  t.teardown(async () => { await transport.destroy() })
  const links = new Map<string, { openedAt: number, closedAt: number | null }>()
  await transport.join({
    topic: Buffer.alloc(32, 8),
    known: servers.map(server => server.id),
    isConnected: peer => links.get(peer)?.closedAt === null,
    onConnection: (connection: PeerConnection) => {
      const remote = connection.remotePublicKey.toString('hex')
      connection.on('error', () => {})
      connection.write(Buffer.from('hello'))
      if (links.has(remote)) return
      const link = { openedAt: performance.now(), closedAt: null as number | null }
      links.set(remote, link)
      connection.on('close', () => { link.closedAt = performance.now() })
    }
  })
  const [silent, answers] = servers.map(server => server.id) as [string, string]
  await waitFor('the silent end\'s link closed', async () => (links.get(silent)?.closedAt ?? null) !== null, 10_000)
  const closedAfter = links.get(silent)!.closedAt! - links.get(silent)!.openedAt
  // The connection's own timeout (nothing received, not even a keepalive) would close it only after 5 s.
  t.ok(closedAfter >= HALF_OPEN_MS - 50 && closedAfter < 2_500, `closed ${Math.round(closedAfter)} ms after it opened (half-open after ${HALF_OPEN_MS} ms)`)
  await waitFor('the answering end linked', async () => links.has(answers), 10_000)
  await new Promise(resolve => setTimeout(resolve, HALF_OPEN_MS * 2))
  t.equal(links.get(answers)!.closedAt, null, 'the link whose other end answered is still open')
})

// A peer whose answers are slower than HALF_OPEN_MS (a slow or relayed path) must not lose every link: each link to it
// closed as half-open doubles the wait for the next, up to the hello timeout's, and a measured round trip is waited
// for four times over.
t.test('the wait for a first byte grows for a peer whose links were closed silent, and with the round trip', async t => {
  t.equal(halfOpenAfterMs(0, 0), HALF_OPEN_MS, 'a first link: HALF_OPEN_MS')
  t.equal(halfOpenAfterMs(1, 0), HALF_OPEN_MS * 2, 'after one closed silent: twice')
  t.equal(halfOpenAfterMs(2, 0), HALF_OPEN_MAX_MS, 'then the hello timeout\'s wait')
  t.equal(halfOpenAfterMs(10, 0), HALF_OPEN_MAX_MS, 'and never more')
  t.equal(halfOpenAfterMs(0, 300), 1_200, 'a 300 ms round trip: four of them')
  t.equal(halfOpenAfterMs(0, 0.4), HALF_OPEN_MS, 'loopback\'s round trip changes nothing')
  t.equal(halfOpenAfterMs(-1, Number.NaN), HALF_OPEN_MS, 'nonsense in: the base wait')
})

// Hyperswarm's retries of a peer known by key whose links keep closing are its three short backoffs, then its fourth
// for every later try: about ten minutes by default, so a cluster under load lost links for good. The transport makes
// the fourth REDIAL_MAX_MS (15 s). Here the other end closes its first four links at once, then keeps the fifth, with
// the short retries made short: the fifth link comes one long backoff later (ten minutes with Hyperswarm's default).
t.test('a peer whose links closed again and again is dialled again within 15 s, not parked for ten minutes', async t => {
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  t.teardown(async () => { await dht.close() })
  const bootstrap = parseBootstrap(dht.nodes.join(','))
  const node = new HyperDHT({ bootstrap, host: '127.0.0.1' })
  const keyPair = HyperDHT.keyPair()
  const CLOSED = 4
  let links = 0
  const server = node.createServer(connection => {
    connection.on('error', () => {})
    links++
    if (links <= CLOSED) connection.destroy()
    else connection.write(Buffer.from('hello'))
  })
  await server.listen(keyPair)
  t.teardown(async () => { await node.destroy({ force: true }) })
  const transport = hyperswarmTransport({ keyPair: HyperDHT.keyPair(), bootstrap, host: '127.0.0.1', lookup: false, retryBackoffsMs: [100, 100, 100] })
  t.teardown(async () => { await transport.destroy() })
  const peer = keyPair.publicKey.toString('hex')
  let linked = false
  await transport.join({
    topic: Buffer.alloc(32, 9),
    known: [peer],
    isConnected: () => linked,
    onConnection: (connection: PeerConnection) => {
      connection.on('error', () => {})
      connection.write(Buffer.from('hello'))
      connection.once('data', () => { linked = true })
      connection.on('close', () => { linked = false })
    }
  })
  await waitFor('a link that stays', async () => linked, 30_000)
  t.ok(links > CLOSED, `linked at its ${links}th dial, after ${CLOSED} links closed at once`)
})

// On a private DHT every node counts itself firewalled for its first minutes, so HyperDHT ran a holepunch round for
// every connect; the server aborted it (its NAT analysis not yet stable) and destroyed its end of the stream, and a
// client whose direct LAN ping had won held a link the server never had: closed as half-open and dialled again, a
// quarter of the links of a 12-daemon start. Bound to loopback, the transport tells HyperDHT it is not firewalled, so
// the server answers "open" and the client dials it directly: every link opened is a link both ends hold.
t.test('on a loopback DHT, peers started together hold every link they open: none closes having carried nothing', async t => {
  const COUNT = 6
  const silent: string[] = []
  let meshed = false
  const { ids, linked } = await startTogether(t, COUNT, 10, [500, 500, 500], (i, remote, connection) => {
    // A link that closes having carried nothing: one end never had it (half-open, or dropped at the server).
    if (!meshed && ((connection as { rawBytesRead?: number }).rawBytesRead ?? 0) === 0) silent.push(`${i} with ${ids.indexOf(remote)}`)
  })
  await waitFor('every peer linked with every other', async () => linked.every(set => set.size === COUNT - 1), 30_000)
  meshed = true
  // Without `firewalled: false` it failed in 3 runs of 3 (7 to 11 links closed before the mesh formed); with it, none.
  t.same(silent, [], 'no link closed before the mesh formed having carried nothing')
})
