// /readyz on a real cut: three in-process peers on a loopback DHT, each serving the daemon's metrics endpoint; one
// follower is cut off at the connection level (its firewall and the others' refuse each other, as in partition.test.ts):
// it turns 503 with a reason and counts time without a leader while the majority stays ready, and is ready again once
// the cut heals.
import t from 'tap'
import { NodeMetrics } from '../../src/node/metrics.js'
import { startMetricsServer } from '../../src/node/metrics-server.js'
import { agreed, startNodes, until } from '../helpers/in-process.js'
import { freePort, waitFor } from '../helpers/cluster.js'
import type { ClusterNode } from '../../src/node/cluster/index.js'

interface Served { node: ClusterNode, url: string }

async function readyz (peer: Served): Promise<{ status: number, body: string }> {
  const response = await fetch(`${peer.url}/readyz`)
  return { status: response.status, body: await response.text() }
}

async function sample (peer: Served, name: string): Promise<number> {
  const text = await (await fetch(`${peer.url}/metrics`)).text()
  const line = text.split('\n').find(l => l.startsWith(name + ' '))
  return line === undefined ? NaN : Number(line.slice(name.length + 1))
}

t.test('a follower cut off from the majority is not ready, and is ready again after the heal', async t => {
  const metrics = [new NodeMetrics(), new NodeMetrics(), new NodeMetrics()]
  const nodes = await startNodes(t, ['developer', 'developer'], { project: 'ready', electionTimeoutMs: 300, hooks: i => metrics[i]!.hooks() })
  const served: Served[] = []
  for (const [i, node] of nodes.entries()) {
    metrics[i]!.attach(node)
    const server = await startMetricsServer({ host: '127.0.0.1', port: await freePort() }, metrics[i]!)
    t.teardown(async () => { await server.close() })
    served.push({ node, url: `http://127.0.0.1:${server.address.port}` })
  }
  for (const peer of served) await waitFor('every peer ready', async () => (await readyz(peer)).status === 200, 20_000)

  const leader = agreed(nodes)!.leader
  const cut = served.find(peer => peer.node.nodeId !== leader)!
  const majority = served.filter(peer => peer !== cut)
  cut.node.block(majority.map(peer => peer.node.nodeId))
  for (const peer of majority) peer.node.block([cut.node.nodeId])

  await waitFor('the cut peer unready', async () => (await readyz(cut)).status === 503, 20_000)
  const unready = await readyz(cut)
  t.match(unready.body, /^not ready: .+\n$/, `a one-line reason: ${unready.body.trim()}`)
  t.equal(await sample(cut, 'bzzz_ready'), 0, 'bzzz_ready 0 on the cut peer')
  for (const peer of majority) t.equal((await readyz(peer)).status, 200, 'the majority stays ready')
  await until('the cut peer to lose its leader', () => cut.node.election.leader === null, 20_000)
  const leaderless = await sample(cut, 'bzzz_leaderless_seconds_total')
  await waitFor('time without a leader to grow', async () => await sample(cut, 'bzzz_leaderless_seconds_total') >= leaderless + 0.5, 10_000)

  for (const peer of served) peer.node.unblock()
  await waitFor('the cut peer ready again after the heal', async () => (await readyz(cut)).status === 200, 60_000)
  t.equal(await sample(cut, 'bzzz_ready'), 1, 'bzzz_ready 1 again')
  const healed = await sample(cut, 'bzzz_leaderless_seconds_total')
  t.ok(healed >= leaderless + 0.5, `the cut counted ${healed.toFixed(2)} s without a leader`)
  await new Promise(resolve => setTimeout(resolve, 500))
  t.ok(await sample(cut, 'bzzz_leaderless_seconds_total') - healed < 0.3, 'and stops counting once it follows a leader again')
})
