// node start --metrics: a bad address refused at once (2), and real daemons' /metrics, /healthz and /readyz: the names a
// dashboard reads are there, the values move with a distribute, a generate, a retrieve, a key rotation and a resign, and
// /readyz turns 503 on a peer whose others stopped and 200 again once one is back.
import t from 'tap'
import { cpSync, existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { cliProcess, tempHome } from '../helpers/cli.js'
import { agreedLeader, distributeStream, freePort, startCluster, waitFor, waitForMesh, type TestPeer } from '../helpers/cluster.js'

/** One scrape: each sample line's `name{labels}` to its value. */
async function scrape (peer: TestPeer): Promise<Map<string, number>> {
  const text = await (await fetch(`${peer.metrics!}/metrics`)).text()
  const samples = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const cut = line.lastIndexOf(' ')
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)))
  }
  return samples
}

async function sample (peer: TestPeer, name: string): Promise<number> {
  return (await scrape(peer)).get(name) ?? 0
}

async function probe (peer: TestPeer, path: string): Promise<{ status: number, body: string }> {
  const response = await fetch(`${peer.metrics!}${path}`)
  return { status: response.status, body: await response.text() }
}

function nodeIdOf (peer: TestPeer): string {
  return JSON.parse(readFileSync(join(peer.home, 'config.json'), 'utf8')).nodeId
}

t.test('an address --metrics cannot bind is refused at once, exit 2, in one line, and no daemon starts', async t => {
  const home = tempHome()
  t.equal((await cliProcess(['--home', home, 'init', '--cluster', 'm', '--role', 'admin'])).code, 0)
  const taken = createServer()
  const port = await freePort()
  await new Promise<void>(resolve => taken.listen(port, '127.0.0.1', resolve))
  t.teardown(() => { taken.close() })
  const cases: Array<[string[], RegExp]> = [
    [['--detach', '--metrics', `127.0.0.1:${port}`], /^bzzz-ctx: --metrics 127\.0\.0\.1:\d+: the port is in use/],
    [['--metrics', `${port}`], /^bzzz-ctx: --metrics 127\.0\.0\.1:\d+: the port is in use/],
    // 192.0.2.0/24 is TEST-NET-1: never an address of this machine.
    [['--detach', '--metrics', '192.0.2.1:9464'], /^bzzz-ctx: --metrics 192\.0\.2\.1:9464: 192\.0\.2\.1 is not an address of this machine/],
    [['--metrics', 'metrics.example:9464'], /^bzzz-ctx: --metrics must name an IP address/],
    [['--metrics', '127.0.0.1:70000'], /^bzzz-ctx: --metrics must be HOST:PORT/]
  ]
  for (const [args, message] of cases) {
    const started = Date.now()
    const run = await cliProcess(['--home', home, 'node', 'start', '--bootstrap', '127.0.0.1:1', ...args])
    t.equal(run.code, 2, `${args.join(' ')}: exit 2`)
    t.match(run.stderr, message, args.join(' '))
    t.equal(run.stderr.trim().split('\n').length, 1, 'one line')
    t.ok(Date.now() - started < 10_000, `refused at once (${Date.now() - started} ms)`)
    t.notOk(existsSync(join(home, 'daemon.pid')), 'no daemon started')
  }
})

t.test('real daemons: the names are there, the values move, /readyz follows the quorum', async t => {
  const cluster = await startCluster(['developer', 'developer'], { project: 'mt', metrics: true })
  t.teardown(() => cluster.stop())
  await waitForMesh(cluster)
  const first = await agreedLeader(cluster)
  const leader = cluster.peers.find(p => nodeIdOf(p) === first.leader)!
  const followers = cluster.peers.filter(p => p !== leader)
  const requester = followers[0]!

  for (const peer of cluster.peers) {
    t.equal((await probe(peer, '/healthz')).status, 200, `${peer.name}: /healthz 200`)
    await waitFor(`${peer.name} ready`, async () => (await probe(peer, '/readyz')).status === 200, 20_000)
    const samples = await scrape(peer)
    for (const name of [
      'bzzz_election_term', 'bzzz_is_leader', 'bzzz_leader_changes_total', 'bzzz_queue_requests{state="queued",priority="normal"}',
      'bzzz_queue_requests{state="active",priority="critical"}', 'bzzz_queue_oldest_queued_age_seconds',
      'bzzz_requests_accepted_total', 'bzzz_requests_completed_total', 'bzzz_requests_failed_total', 'bzzz_view_records',
      'bzzz_connected_members', 'bzzz_rejected_peers_total', 'bzzz_relayed_calls_total', 'bzzz_rejected_frames_total{reason="malformed"}',
      'bzzz_rejected_frames_total{reason="oversized"}', 'bzzz_refused_entries_total', 'bzzz_ready', 'bzzz_leaderless_seconds_total',
      'bzzz_role_key_epoch{role="developer"}', 'bzzz_role_key_epoch{role="admin"}',
      'hypercore_total_cores', 'hypercore_total_length', 'hyperswarm_nr_peers', 'dht_nr_nodes'
    ]) t.ok(samples.has(name), `${peer.name}: ${name}`)
    // A daemon starts knowing no leader: that time is counted (and it stops growing once one is known).
    t.ok(samples.get('bzzz_leaderless_seconds_total')! > 0, `${peer.name}: time without a leader at start`)
    t.equal(samples.get('bzzz_queue_oldest_queued_age_seconds'), 0, `${peer.name}: nothing queued`)
    // One lag series per connected peer, labelled by the start of its id.
    const lagPeers = [...samples.keys()].filter(key => key.startsWith('bzzz_replication_lag_blocks{')).map(key => /peer="([0-9a-f]+)"/.exec(key)?.[1])
    const others = cluster.peers.filter(p => p !== peer).map(p => nodeIdOf(p).slice(0, 12)).sort()
    t.same(lagPeers.sort(), others, `${peer.name}: replication lag of each other peer`)
    t.equal(samples.get('bzzz_election_term'), first.term, `${peer.name}: the term`)
    t.equal(samples.get('bzzz_is_leader'), peer === leader ? 1 : 0, `${peer.name}: is leader`)
    t.equal(samples.get('bzzz_connected_members'), 2, `${peer.name}: two members connected`)
    t.ok(samples.get('bzzz_leader_changes_total')! >= 1, `${peer.name}: it saw a leader`)
  }

  // A distribute: the leader's acknowledgement histogram counts it, and every peer's view holds the records.
  const ackCount = 'bzzz_acknowledgement_duration_seconds_count{kind="records"}'
  const acksBefore = await sample(leader, ackCount)
  t.same(await distributeStream(requester, cluster.dir, 'mt', 2, 'developer'), [0, 0], 'two distributes')
  t.ok(await sample(leader, ackCount) >= acksBefore + 2, 'the leader observed two acknowledgement waits')
  const holders = await scrape(leader)
  const holderCount = holders.get('bzzz_acknowledgement_holders_count{kind="records"}')!
  t.ok(holderCount >= 2, 'the leader counted the holders of the two writes')
  // replicationFactor 3 (the default) in a cluster of three: each write held by all three.
  t.equal(holders.get('bzzz_acknowledgement_holders_sum{kind="records"}')! / holderCount, 3, 'every write held by three peers')
  for (const peer of cluster.peers) {
    await waitFor(`${peer.name} to hold the records`, async () => await sample(peer, 'bzzz_view_records') >= 2, 20_000)
  }

  // A retrieve answered by the requester's daemon is timed.
  const retrieved = await requester.run(['retrieve', 'ucxl://mt/src/f0.py', '--role', 'developer', '--json'])
  t.equal(retrieved.code, 0, retrieved.stderr)
  t.ok(await sample(requester, 'bzzz_retrieve_duration_seconds_count{source="local"}') >= 1, 'the retrieve was timed')

  // A generate: every peer counts the request accepted and completed, from the logs.
  const repo = join(cluster.dir, 'repo')
  cpSync(join(PACKAGE_ROOT, 'fixtures', 'repos', 'mixed', 'src'), repo, { recursive: true })
  const generated = await requester.run(['generate', repo, '--root', repo, '--roles', 'developer', '--priority', 'high', '--json'], 120_000)
  t.equal(generated.code, 0, generated.stderr)
  for (const peer of cluster.peers) {
    await waitFor(`${peer.name} to count the request`, async () => {
      const samples = await scrape(peer)
      return samples.get('bzzz_requests_accepted_total')! >= 1 && samples.get('bzzz_requests_completed_total')! >= 1 &&
        samples.get('bzzz_queue_requests{state="completed",priority="high"}')! >= 1
    }, 20_000)
  }

  // The admin rotates the developer role's key: every peer's epoch gauge moves.
  const epochBefore = await sample(requester, 'bzzz_role_key_epoch{role="developer"}')
  const rotated = await cluster.peers[0]!.run(['keys', 'rotate', '--role', 'developer', '--json'])
  t.equal(rotated.code, 0, rotated.stderr)
  for (const peer of cluster.peers) {
    await waitFor(`${peer.name} to take up the new epoch`, async () => await sample(peer, 'bzzz_role_key_epoch{role="developer"}') === epochBefore + 1, 20_000)
  }

  // The leader resigns: the others count a leader change.
  const changesBefore = await Promise.all(followers.map(async peer => await sample(peer, 'bzzz_leader_changes_total')))
  const resigned = await leader.run(['elect', 'resign', '--json'])
  t.equal(resigned.code, 0, resigned.stderr)
  const second = await agreedLeader(cluster)
  t.not(second.leader, first.leader, 'a new leader')
  for (const [i, peer] of followers.entries()) {
    t.ok(await sample(peer, 'bzzz_leader_changes_total') > changesBefore[i]!, `${peer.name}: the change is counted`)
  }

  // The new leader alone: not ready, with a reason, while it still serves /healthz; ready again once a peer is back.
  const alone = cluster.peers.find(p => nodeIdOf(p) === second.leader)!
  const others = cluster.peers.filter(p => p !== alone)
  for (const peer of others) t.equal((await peer.run(['node', 'stop'])).code, 0, `${peer.name} stopped`)
  await waitFor(`${alone.name} unready`, async () => (await probe(alone, '/readyz')).status === 503, 30_000)
  t.match((await probe(alone, '/readyz')).body, /^not ready: .+\n$/, 'a one-line reason')
  t.equal((await probe(alone, '/healthz')).status, 200, 'it still serves')
  t.equal(await sample(alone, 'bzzz_ready'), 0, 'bzzz_ready says so too')
  const back = others[0]!
  const restarted = await back.run(['node', 'start', '--bootstrap', cluster.bootstrap, '--detach', '--election-timeout', '1000', '--metrics', back.metrics!.slice('http://'.length)])
  t.equal(restarted.code, 0, restarted.stderr)
  await waitFor(`${alone.name} ready again`, async () => (await probe(alone, '/readyz')).status === 200, 60_000)
  await waitFor(`${back.name} ready`, async () => (await probe(back, '/readyz')).status === 200, 60_000)
})
