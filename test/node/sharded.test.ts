// Sharded replication (issue 22 item 3), six in-process peers on a loopback DHT, three of them voters, replication
// factor 3: a write is acknowledged by the voters' copies; every voter holds every payload; a member that does not vote
// holds the payloads of the shards placed on it (it reads them cut off from every peer) and no others, in proportion to
// its declared capacity, and fetches one of another shard when a read needs it, keeping it; promoted, it fetches all.
import t from 'tap'
import { shardOf, shardsPlacedOn } from '../../src/distribution/placement.js'
import { changeVoter } from '../../src/node/voters-admin.js'
import { agreed, startNodes, until } from '../helpers/in-process.js'

const RECORDS = 400

t.test('sharded: voters hold every payload, members their shards, and a member fetches another shard on demand', async t => {
  const nodes = await startNodes(t, ['developer', 'developer', 'developer', 'developer', 'developer'], { project: 'sh', maxVoters: 3, replication: 'sharded', capacities: [1, 1, 1, 1, 4] })
  const ids = nodes.map(n => n.nodeId)
  const voters = nodes.filter(n => n.electStatus().voter)
  const members = nodes.filter(n => !n.electStatus().voter)
  t.equal(voters.length, 3)
  t.equal(members.length, 3)
  await until('every peer to hold the roster of six', () => nodes.every(n => n.electStatus().roster.members === 6), 30_000)

  const records = Array.from({ length: RECORDS }, (_, i) => ({ address: `ucxl://sh/src/f${i}.py`, kind: 'file', summary: `file ${i}` }))
  const written = await members[0]!.distribute(records, ['developer'], 'the test')
  t.equal(written.written, RECORDS)
  t.ok(written.acknowledged !== undefined && written.acknowledged.required === 3, 'the factor of 3 counted')
  const { leader } = agreed(nodes)!
  const leaderNode = nodes.find(n => n.nodeId === leader)!
  const length = leaderNode.peer.store.logLength
  const holds = (node: typeof nodes[number]): boolean => node.peer.store.heads().find(h => h.writer === leaderNode.peer.store.writer)?.length === length
  await until('every peer to say it holds the write', () => nodes.every(n => n === leaderNode || holds(n)), 60_000)

  for (const voter of voters.filter(v => v !== leaderNode)) {
    const { held, of } = await voter.peer.store.heldPayloadBlocks()
    t.ok(of > 1 && held === of, `a voter holds every payloads block (${held} of ${of})`)
  }
  const placedOn = (node: typeof nodes[number]): Set<number> => shardsPlacedOn(node.nodeId, ids.map((id, i) => ({ id, weight: i === 5 ? 4 : 1 })), 3)
  const held: number[] = []
  for (const member of members) {
    const blocks = await member.peer.store.heldPayloadBlocks()
    const shards = placedOn(member)
    t.ok(blocks.held < blocks.of && blocks.held > 0, `a member holds only some payloads blocks (${blocks.held} of ${blocks.of}; ${shards.size} of 256 shards placed on it)`)
    held.push(blocks.held)
  }
  t.equal(members[2], nodes[5], 'the last invited is a member')
  // Of weights 4 and 1 among six members, factor 3: about 0.9 of the shards against about 0.42 (without the weight, all
  // about 0.5).
  t.ok(held[2]! > 1.5 * (held[0]! + held[1]!) / 2, `the member of capacity 4 holds about twice the others' (${held.join(', ')})`)

  // Cut off from every peer, a member reads every record placed on it (the write's first record's envelope is in the
  // log, which every peer holds whole).
  const reader = members[1]!
  const shards = placedOn(reader)
  const placed = records.filter(r => shards.has(shardOf(r.address)))
  const elsewhere = records.filter(r => !shards.has(shardOf(r.address)) && r !== records[0])
  t.ok(placed.length > 0 && elsewhere.length > 0)
  reader.block(ids)
  await until('the member to be cut off', () => reader.peers().length === 0, 30_000)
  for (const record of placed) {
    const got = await reader.retrieve(record.address, 'developer')
    if (got.context?.summary !== record.summary) t.fail(`${record.address} read cut off: ${JSON.stringify(got).slice(0, 200)}`)
  }
  t.pass(`read the ${placed.length} records placed on it with no peer connected`)
  reader.unblock()
  await until('the member to be connected again', () => reader.peers().length === nodes.length - 1, 60_000)

  // A record of another shard is fetched from a holder when read, and kept.
  const before = await reader.peer.store.heldPayloadBlocks()
  const other = elsewhere[0]!
  const got = await reader.retrieve(other.address, 'developer')
  t.equal(got.context?.summary, other.summary, 'a record of a shard not placed on it reads, fetched on demand')
  const after = await reader.peer.store.heldPayloadBlocks()
  t.equal(after.held, before.held + 1, 'one payloads block more is held: the one the record is in')

  // Promoted to voter, a member fetches every payload it lacks: a later leader may be elected by it.
  const promoted = members[0]!
  t.ok((await promoted.peer.store.heldPayloadBlocks()).held < after.of)
  await changeVoter(nodes[0]!.peer.home, promoted.nodeId, 'promote')
  await until('the promoted member to vote', () => promoted.electStatus().voter, 30_000)
  let blocks = await promoted.peer.store.heldPayloadBlocks()
  for (let i = 0; i < 300 && blocks.held < blocks.of; i++) {
    await new Promise(resolve => setTimeout(resolve, 100))
    blocks = await promoted.peer.store.heldPayloadBlocks()
  }
  t.same(blocks, { held: after.of, of: after.of }, 'the promoted voter holds every payloads block')
})
