// Reads of a sharded cluster's records a member holds no copy of, when none of its links holds one either (issue 22):
// the member dials a holder for the read (a visit), keeps the link while reads use it, and closes it once idle. The rule
// first, on a clock of its own; then on real peers (Hyperswarm on loopback, Corestores on disk), where the reader is cut
// from every voter and the record's one holder is a member the roster does not link it with.
import t from 'tap'
import type { Clock } from '../../src/clock.js'
import { shardHolders, shardOf } from '../../src/distribution/placement.js'
import { MAX_VISITS, ShardReads, VISIT_CONNECT_MS, VISIT_FAILED_MS } from '../../src/node/cluster/shard-reads.js'
import { startNodes, until } from '../helpers/in-process.js'

function rule (holders: Record<string, string[]>, idleMs = 10_000): { reads: ShardReads, log: string[], connected: Set<string>, advance: (ms: number) => void } {
  let now = 0
  const log: string[] = []
  const connected = new Set<string>()
  const reads = new ShardReads({
    clock: { now: () => now } as unknown as Clock,
    idleMs,
    holdersOf: address => holders[address] ?? [],
    voter: peer => peer.startsWith('v'),
    connected: peer => connected.has(peer),
    visit: peer => { log.push(`visit ${peer}`) },
    unvisit: peer => { log.push(`unvisit ${peer}`) },
    release: peer => { log.push(`release ${peer}`) }
  })
  return { reads, log, connected, advance: ms => { now += ms } }
}

t.test('a read served by a linked holder dials nothing; else the first holder is visited, once', async t => {
  const { reads, log, connected } = rule({ a: ['h1', 'h2', 'v1'] })
  connected.add('v1')
  reads.missing('a')
  t.same(log, [], 'a linked voter holds every payload: nothing is dialled')
  connected.delete('v1')
  reads.missing('a')
  reads.missing('a')
  t.same(log, ['visit h1'], 'no holder linked: the first is visited, and a second read waits for that visit')
  t.same(reads.visited(), ['h1'])
  t.ok(reads.visiting('h1'))
})

t.test('a visit that does not open in time is given up, and the next holder visited; the first is not tried again for a while', async t => {
  const { reads, log, advance } = rule({ a: ['h1', 'h2', 'v1'], b: ['h1', 'v2'] })
  reads.missing('a')
  advance(VISIT_CONNECT_MS - 1)
  reads.tick()
  t.same(log, ['visit h1'], 'still within its time')
  advance(1)
  reads.tick()
  t.same(log, ['visit h1', 'unvisit h1', 'release h1', 'visit h2'], 'h1 given up, h2 visited for the same read')
  reads.missing('b')
  t.same(log.at(-1), 'visit v2', 'another shard held by h1 goes past it while it failed')
  advance(VISIT_FAILED_MS)
  reads.tick()
  log.length = 0
  reads.clear()
  reads.missing('b')
  t.same(log.at(-1), 'visit h1', `after ${VISIT_FAILED_MS} ms h1 is tried again`)
})

t.test('a visit lasts while reads use it, and ends once idle; past MAX_VISITS the idlest ends', async t => {
  const holders: Record<string, string[]> = {}
  for (let i = 0; i <= MAX_VISITS; i++) holders[`a${i}`] = [`h${i}`]
  const { reads, log, connected, advance } = rule(holders, 10_000)
  reads.missing('a0')
  connected.add('h0')
  advance(6_000)
  reads.missing('a0')
  advance(6_000)
  reads.tick()
  t.ok(reads.visiting('h0'), 'used 6 s ago: kept')
  advance(4_000)
  reads.tick()
  t.notOk(reads.visiting('h0'), 'idle 10 s: ended')
  t.same(log.slice(-2), ['unvisit h0', 'release h0'])
  for (let i = 0; i < MAX_VISITS; i++) { reads.missing(`a${i}`); connected.add(`h${i}`); advance(1) }
  reads.missing('a1')
  reads.missing(`a${MAX_VISITS}`)
  t.equal(reads.visited().length, MAX_VISITS, `at most ${MAX_VISITS} visits`)
  t.notOk(reads.visiting('h0'), 'the idlest (h0) ended for the new one')
  t.ok(reads.visiting('h1'), 'one read since is kept')
})

t.test('at the bound, a voter among the holders is visited: it serves every read after', async t => {
  const holders: Record<string, string[]> = {}
  for (let i = 0; i < MAX_VISITS + 2; i++) holders[`a${i}`] = [`h${i}`, 'v1']
  const { reads, log, connected, advance } = rule(holders)
  for (let i = 0; i < MAX_VISITS; i++) { reads.missing(`a${i}`); connected.add(`h${i}`); advance(1) }
  t.notOk(reads.visiting('v1'), 'under the bound, the shards\' own holders')
  reads.missing(`a${MAX_VISITS}`)
  t.ok(reads.visiting('v1'), 'at the bound, the voter')
  t.notOk(reads.visiting(`h${MAX_VISITS}`))
  connected.add('v1')
  const before = log.length
  reads.missing(`a${MAX_VISITS + 1}`)
  t.equal(log.length, before, 'the next shard\'s read is served by the visited voter: nothing dialled')
})

t.test('a member cut from every voter reads a record whose only holder it is not linked with: it visits the holder, then lets it go', async t => {
  // Three voters taking one gateway each, seven members, factor 1: each shard has one holder, chained to a voter.
  const nodes = await startNodes(t, Array.from({ length: 9 }, () => 'developer'), {
    project: 'visits', maxVoters: 3, voterGateways: 1, replication: 'sharded', replicationFactor: 1, hooks: () => ({ visitIdleMs: 3_000 })
  })
  const voterIds = nodes[0]!.electStatus().voters
  const ids = nodes.map(n => n.nodeId)
  const graph = nodes[0]!.linkGraph()
  const holders = shardHolders(ids.map(id => ({ id })), 1)
  const records = Array.from({ length: 80 }, (_, i) => ({ address: `ucxl://visits/src/f${i}.py`, kind: 'file', summary: `file ${i}` }))
  const leader = nodes.find(n => n.election.state === 'leader')!
  t.equal((await leader.distribute(records, ['developer'], 'the visits test')).written, records.length)
  await until('every peer to hold the records', () => nodes.every(n => n.peer.store.recordCount === records.length), 30_000)
  // A reader and a record (not its write's first: that one's envelope is in the log) whose one holder is a member the
  // roster does not link it with.
  let pick: { reader: typeof nodes[number], record: typeof records[number], holder: string } | undefined
  for (const reader of nodes.filter(n => !voterIds.includes(n.nodeId))) {
    for (const record of records.slice(1)) {
      const holder = holders[shardOf(record.address)]![0]!
      if (holder !== reader.nodeId && !voterIds.includes(holder) && !graph.get(reader.nodeId)!.has(holder)) { pick = { reader, record, holder }; break }
    }
    if (pick !== undefined) break
  }
  if (pick === undefined) { t.fail('no member is unlinked from a member holding one of the records'); return }
  const { reader, record, holder } = pick
  const holderNode = nodes[ids.indexOf(holder)]!
  await until('the holder to hold its shard\'s payloads', () => holderNode.peer.store.recordCount === records.length, 30_000)
  reader.block(voterIds)
  for (const voter of nodes.filter(n => voterIds.includes(n.nodeId))) voter.block([reader.nodeId])
  await until('the reader to be cut from every voter', () => reader.peers().every(p => !voterIds.includes(p.id)), 10_000)
  t.notOk(reader.peers().some(p => p.id === holder), 'the reader is not linked with the holder')

  const read = await reader.retrieve(record.address, 'developer')
  t.equal(read.context.summary, record.summary, 'the record is read, its payload fetched from the holder')
  t.same(reader.visits(), [holder], 'through a link dialled to the holder for the read')
  t.ok(reader.peers().some(p => p.id === holder), 'linked with the holder now')
  // The holder keeps the link a member dialled to read (two gossip ticks pass), the reader ends it once idle.
  await new Promise(resolve => setTimeout(resolve, 2_500))
  t.ok(reader.peers().some(p => p.id === holder), 'the holder has not closed it')
  await until('the visit to end once idle', () => reader.visits().length === 0 && !reader.peers().some(p => p.id === holder), 15_000)
  t.equal((await reader.retrieve(record.address, 'developer')).context.summary, record.summary, 'read again from the copy kept here, with no link to any holder')
  t.same(reader.visits(), [], 'no visit needed')
})
