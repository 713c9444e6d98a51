// Peers that start at the same moment and know each other by key meet at once, not at Hyperswarm's next retry. Each
// dials the others before any of them is findable, so every one of those dials fails; Hyperswarm would try again 5 to
// 11 s later. The transport dials again once its own key is announced. Here Hyperswarm's retries are a minute away, so
// only that second dial can connect them within the bound (without it, this test times out).
import t from 'tap'
import HyperDHT from 'hyperdht'
import { startBootstrap } from '../../src/net/bootstrap.js'
import { hyperswarmTransport, type PeerConnection, type Transport } from '../../src/node/environment.js'
import { waitFor } from '../helpers/cluster.js'

const PEERS = 4

t.test('peers started together meet without waiting for a retry', async t => {
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  t.teardown(async () => { await dht.close() })
  const bootstrap = dht.nodes.map(node => { const [host, port] = node.split(':'); return { host: host!, port: Number(port) } })
  const keyPairs = Array.from({ length: PEERS }, () => HyperDHT.keyPair())
  const ids = keyPairs.map(keyPair => keyPair.publicKey.toString('hex'))
  const linked = ids.map(() => new Set<string>())
  const transports: Transport[] = keyPairs.map(keyPair => hyperswarmTransport({
    keyPair, bootstrap, host: '127.0.0.1', lookup: false, retryBackoffsMs: [60_000, 60_000, 60_000, 600_000]
  }))
  t.teardown(async () => { await Promise.all(transports.map(async transport => { await transport.destroy() })) })
  const topic = Buffer.alloc(32, 7)
  await Promise.all(transports.map(async (transport, i) => {
    await transport.join({
      topic,
      known: ids.filter(id => id !== ids[i]),
      isConnected: peer => linked[i]!.has(peer),
      onConnection: (connection: PeerConnection) => {
        const remote = connection.remotePublicKey.toString('hex')
        connection.on('error', () => {})
        linked[i]!.add(remote)
        connection.on('close', () => { linked[i]!.delete(remote) })
      }
    })
  }))
  await waitFor('every peer linked with every other', async () => linked.every(set => set.size === PEERS - 1), 20_000)
  for (const [i, set] of linked.entries()) t.same([...set].sort(), ids.filter(id => id !== ids[i]).sort(), `peer ${i} is linked with the other ${PEERS - 1}`)
})
