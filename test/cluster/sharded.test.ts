// Issue 22's test of sharded replication, on twelve real daemons: five voters, replication factor 3. Voters hold every
// payload and members those of the shards placed on them; with two voters killed (the leader among them when it is not
// the admin), writes are still acknowledged; a member that holds no copy of a record retrieves it on demand; and a member
// that joins downloads about its share of the payloads while no member already there fetches anything more.
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { shardOf, shardsPlacedOn } from '../../src/distribution/placement.js'
import { clusterLinkOptions, linkGraph } from '../../src/distribution/links.js'
import { cliProcess } from '../helpers/cli.js'
import { agreedLeader, peerAt, startCluster, waitFor, waitForMesh, type TestPeer } from '../helpers/cluster.js'

const FACTOR = 3

function nodeId (peer: TestPeer): string {
  return JSON.parse(readFileSync(join(peer.home, 'config.json'), 'utf8')).nodeId
}

interface Status { records: number, replication: { mode: string, payloadBlocks: { held: number, of: number } } }

async function status (peer: TestPeer): Promise<Status> {
  const run = await peer.run(['status', '--json'])
  if (run.code !== 0) throw new Error(`status of ${peer.name}: ${run.stderr}`)
  return run.json as Status
}

function recordsFile (dir: string, name: string, from: number, count: number): { file: string, addresses: string[] } {
  const records = Array.from({ length: count }, (_, i) => ({ address: `ucxl://sh/src/f${from + i}.py`, kind: 'file', summary: `file ${from + i}` }))
  const file = join(dir, `${name}.json`)
  writeFileSync(file, JSON.stringify(records))
  return { file, addresses: records.map(r => r.address) }
}

t.test('12 daemons, 5 voters, factor 3, sharded', async t => {
  const cluster = await startCluster(Array.from({ length: 11 }, () => 'developer'), { project: 'sh', maxVoters: 5, replication: 'sharded' })
  t.teardown(() => cluster.stop())
  const ids = cluster.peers.map(nodeId)
  await waitForMesh(cluster, 240_000)
  const first = await agreedLeader(cluster, 120_000)
  const voterIds = (await cluster.peers[0]!.run(['elect', 'status', '--json'])).json.voters as string[]
  t.equal(voterIds.length, 5, 'five voters')
  const voters = cluster.peers.filter((_, i) => voterIds.includes(ids[i]!))
  const members = cluster.peers.filter((_, i) => !voterIds.includes(ids[i]!))
  const leaderPeer = cluster.peers[ids.indexOf(first.leader)]!
  // The partial mesh (src/distribution/links.ts): each voter is linked with all eleven others, each member with the five
  // voters and a few members, never all of them; status says which tier a peer is in.
  const graph = linkGraph({ members: ids, voters: voterIds }, clusterLinkOptions({ replication: 'sharded', replicationFactor: FACTOR }))
  const linkedOf = async (peer: TestPeer): Promise<string[]> => ((await peer.run(['peers', '--json'])).json.peers as Array<{ id: string }>).map(p => p.id).sort()
  // A link dialled under an older roster (the invites came one after another) is closed within a gossip tick or two.
  await waitFor('every peer to hold the links the roster gives, and no other', async () =>
    (await Promise.all(cluster.peers.map(linkedOf))).every((linked, i) => linked.join() === [...graph.get(ids[i]!)!].sort().join()), 60_000)
  for (const [i, peer] of cluster.peers.entries()) {
    const linked = await linkedOf(peer)
    const { mesh } = (await peer.run(['status', '--json'])).json
    if (voters.includes(peer)) {
      t.equal(linked.length, 11, `voter ${peer.name} is linked with every peer`)
      t.match(mesh, { kind: 'two-tier', hub: true, dials: 4, dialsConnected: 4 })
    } else {
      // Ids are random: a member may be picked by every other member, so it can be linked with all 6 of them.
      t.ok(voterIds.every(v => linked.includes(v)), `member ${peer.name} is linked with the voters and ${linked.length - 5} of the 6 other members`)
      t.same(linked, [...graph.get(ids[i]!)!].sort(), 'the links the roster gives it')
      t.match(mesh, { kind: 'two-tier', hub: false, dials: 7, dialsConnected: 7 })
    }
  }

  const batch1 = recordsFile(cluster.dir, 'batch1', 0, 300)
  const written = await members[0]!.run(['distribute', '--file', batch1.file, '--roles', 'developer', '--json'], 120_000)
  t.equal(written.code, 0, written.stderr)
  t.equal(written.json.acknowledged.required, FACTOR, 'the factor counts copies: three')
  await waitFor('every peer to hold the 300 records', async () => (await Promise.all(cluster.peers.map(status))).every(s => s.records === 300), 120_000)
  for (const peer of cluster.peers.filter(p => p !== leaderPeer)) {
    const { mode, payloadBlocks: { held, of } } = (await status(peer)).replication
    t.equal(mode, 'sharded')
    if (voters.includes(peer)) t.ok(of > 1 && held === of, `voter ${peer.name} holds every payloads block (${held} of ${of})`)
    else t.ok(held > 0 && held < of * 0.6, `member ${peer.name} holds about its share (${held} of ${of}; ${FACTOR} of 12 is a quarter)`)
  }

  // Two voters go for good: the leader (unless it is the admin, which the join below needs) and another.
  const admin = cluster.peers[0]!
  const killed = [leaderPeer !== admin ? leaderPeer : voters.find(v => v !== admin)!]
  killed.push(voters.find(v => v !== admin && !killed.includes(v))!)
  for (const peer of killed) process.kill(Number(readFileSync(join(peer.home, 'daemon.pid'), 'utf8').trim()), 'SIGKILL')
  const alive = cluster.peers.filter(p => !killed.includes(p))
  await agreedLeader({ peers: alive }, 120_000)
  const batch2 = recordsFile(cluster.dir, 'batch2', 300, 50)
  const again = await members[1]!.run(['distribute', '--file', batch2.file, '--roles', 'developer', '--json'], 120_000)
  t.equal(again.code, 0, `written with two of five voters gone: ${again.stderr}`)
  t.ok(again.json.acknowledged.holders >= FACTOR, `acknowledged by ${again.json.acknowledged.holders} peers`)
  await waitFor('every peer left to hold the 350 records', async () => (await Promise.all(alive.map(status))).every(s => s.records === 350), 120_000)

  // A member reads a record of a shard not placed on it: fetched from a holder when read, and kept.
  const reader = members[2]!
  const placed = shardsPlacedOn(nodeId(reader), ids.map(id => ({ id })), FACTOR)
  const address = batch2.addresses.slice(1).find(a => !placed.has(shardOf(a)))!
  const before = await Promise.all(members.map(status))
  const read = await reader.run(['retrieve', address, '--role', 'developer', '--json'])
  t.equal(read.code, 0, read.stderr)
  t.equal(read.json.context.summary, `file ${address.slice('ucxl://sh/src/f'.length, -'.py'.length)}`, 'a member with no copy reads it on demand')
  const readerAfter = await status(reader)
  t.equal(readerAfter.replication.payloadBlocks.held, before[2]!.replication.payloadBlocks.held + 1, 'and keeps the one block it fetched')

  // A member joins: it downloads about its share; no member already there downloads more (rendezvous moves only the
  // slots the newcomer takes).
  const invite = join(cluster.dir, 'late.invite')
  t.equal((await admin.run(['invite', '--role', 'developer', '--out', invite])).code, 0)
  const late = peerAt('late', join(cluster.dir, 'late'))
  t.equal((await late.run(['init', '--join', invite])).code, 0)
  cluster.peers.push(late)
  const started = await cliProcess(['--home', late.home, 'node', 'start', '--bootstrap', cluster.bootstrap, '--detach', '--election-timeout', '1000'])
  t.equal(started.code, 0, started.stderr)
  await waitFor('the new member to hold the 350 records', async () => (await status(late)).records === 350, 120_000)
  const lateHeld = (await status(late)).replication.payloadBlocks
  t.ok(lateHeld.held > 0 && lateHeld.held < lateHeld.of * 0.5, `the new member holds about its share (${lateHeld.held} of ${lateHeld.of}; ${FACTOR} of 13)`)
  const after = await Promise.all(members.map(status))
  for (const [i, member] of members.entries()) {
    const was = (member === reader ? readerAfter : before[i]!).replication.payloadBlocks.held
    t.equal(after[i]!.replication.payloadBlocks.held, was, `member ${member.name} fetched nothing when the new one joined`)
  }
})
