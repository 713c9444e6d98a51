// Sharded replication (issue 22 item 3): four in-process peers on a loopback DHT, three voters and one member that does
// not vote, replication factor 3. What the member holds of the payloads, and a retrieve of a record it does not hold
// (fetched from a holder on demand) against one it holds, side by side in one run.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalPeer } from '../../src/node/local-peer.js'
import { createInvite, redeemInvite } from '../../src/node/invite.js'
import { ClusterNode } from '../../src/node/cluster/index.js'
import { startBootstrap } from '../../src/net/bootstrap.js'
import { silentLogger } from '../../src/node/logger.js'
import { shardHolders, shardOf, shardsPlacedOn } from '../../src/distribution/placement.js'
import type { ContextRecord } from '../../src/context/record.js'
import { percentile, round } from './stats.js'
import { waitUntil } from './wait.js'

/** Writes of this many records each: each write packs its payloads by shard, so more writes give more blocks to fetch. */
export const SHARDED_WRITES = 10
export const SHARDED_WRITE_RECORDS = 1_000
/** Retrieves timed of each kind. */
export const SHARDED_RETRIEVES = 400

function records (write: number): ContextRecord[] {
  return Array.from({ length: SHARDED_WRITE_RECORDS }, (_, i) => ({
    address: `ucxl://bench/w${write}/d${i % 50}/f${i}.go`, kind: 'file' as const, summary: `File ${i} of write ${write}`, language: 'go',
    symbols: [{ name: `Func${i}`, kind: 'function' as const, line: 1 + (i % 50) }], imports: ['fmt'], insights: [{ role: 'developer', text: `entry point Func${i}` }]
  }))
}


/** The one leader every node follows. */
async function electedLeader (nodes: readonly ClusterNode[]): Promise<ClusterNode> {
  await waitUntil(() => nodes.filter(n => n.election.state === 'leader').length === 1 && nodes.every(n => n.election.leader !== null), 60_000, 'an elected leader', 20)
  return nodes.find(n => n.election.state === 'leader')!
}

/** The leader's SHARDED_WRITES writes, once `readers` hold its whole log. */
async function writeAll (leader: ClusterNode, readers: readonly ClusterNode[]): Promise<ContextRecord[]> {
  const written: ContextRecord[] = []
  for (let w = 0; w < SHARDED_WRITES; w++) {
    const batch = records(w)
    await leader.distribute(batch, undefined, 'bench')
    written.push(...batch)
  }
  const length = leader.peer.store.logLength
  const holds = (n: ClusterNode): boolean => n.peer.store.heads().find(h => h.writer === leader.peer.store.writer)?.length === length
  await waitUntil(() => readers.every(n => n === leader || holds(n)), 120_000, 'the peers to hold the log', 20)
  return written
}

export async function benchSharded (): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'bzzz-bench-sharded-'))
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  const homes = ['admin', 'a', 'b', 'member'].map(name => join(dir, name))
  const nodes: ClusterNode[] = []
  try {
    await LocalPeer.init(homes[0]!, { cluster: 'bench', role: 'admin', maxVoters: 3, replication: 'sharded' })
    for (const home of homes.slice(1)) await redeemInvite(home, (await createInvite(homes[0]!, 'developer')).invite)
    for (const home of homes) nodes.push(await ClusterNode.start({ home, bootstrap: dht.addresses, host: '127.0.0.1', logger: silentLogger(), ackTimeoutMs: 60_000 }))
    await waitUntil(() => nodes.every(n => n.peers().length === 3), 60_000, 'a full mesh', 20)
    const leader = await electedLeader(nodes)
    const member = nodes.find(n => !n.electStatus().voter)!
    const written = await writeAll(leader, [member])
    const share = await member.peer.store.heldPayloadBlocks()

    // One record a payloads block, each block read once: a record of a block not held is a fetch from a holder.
    const placed = shardsPlacedOn(member.nodeId, nodes.map(n => ({ id: n.nodeId })), leader.peer.config.replicationFactor)
    const firsts = new Set(Array.from({ length: SHARDED_WRITES }, (_, w) => records(w)[0]!.address))
    const seen = new Set<string>()
    const away: ContextRecord[] = []
    const here: ContextRecord[] = []
    for (const record of written) {
      if (firsts.has(record.address)) continue
      const key = `${record.address.split('/')[3]} ${shardOf(record.address)}`
      if (seen.has(key)) continue
      seen.add(key)
      ;(placed.has(shardOf(record.address)) ? here : away).push(record)
    }
    const timed = async (sample: readonly ContextRecord[]): Promise<number[]> => {
      const ms: number[] = []
      for (const record of sample.slice(0, SHARDED_RETRIEVES)) {
        const t0 = performance.now()
        const got = await member.retrieve(record.address, 'developer')
        ms.push(performance.now() - t0)
        if (got.context?.summary !== record.summary) throw new Error(`${record.address} read wrong`)
      }
      return ms.sort((x, y) => x - y)
    }
    const held = await timed(here)
    const fetched = await timed(away)
    return {
      sharded_records: SHARDED_WRITES * SHARDED_WRITE_RECORDS,
      sharded_member_payload_blocks_held: share.held,
      sharded_member_payload_blocks_of: share.of,
      sharded_member_payload_share: round(share.held / share.of, 3),
      sharded_placed_share: round(placed.size / 256, 3),
      sharded_retrieve_held_p50_ms: round(percentile(held, 50), 3),
      sharded_retrieve_held_p99_ms: round(percentile(held, 99), 3),
      sharded_retrieve_not_held_samples: fetched.length,
      sharded_retrieve_not_held_p50_ms: round(percentile(fetched, 50), 3),
      sharded_retrieve_not_held_p99_ms: round(percentile(fetched, 99), 3),
      sharded_retrieve_not_held_vs_held_p99: round(percentile(fetched, 99) / percentile(held, 99), 2),
      ...await benchShardVisits()
    }
  } finally {
    for (const node of nodes) await node.close().catch(() => {})
    await dht.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Members of the visits run: three voters taking one gateway each, and nine members; factor 1. */
export const VISIT_MEMBERS = 9

/**
 * Reads through visits (src/node/cluster/shard-reads.ts): a member cut from every voter reads records whose one holder
 * (factor 1) is a member it has no link with, so each read fetches over a link it dials for reads. A read that had to
 * dial (no holder linked or visited yet) is timed apart from one over a visit already open.
 */
async function benchShardVisits (): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'bzzz-bench-visits-'))
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  const homes = ['admin', ...Array.from({ length: VISIT_MEMBERS + 2 }, (_, i) => `p${i}`)].map(name => join(dir, name))
  const nodes: ClusterNode[] = []
  try {
    await LocalPeer.init(homes[0]!, { cluster: 'visits', role: 'admin', maxVoters: 3, replication: 'sharded', replicationFactor: 1 })
    for (const home of homes.slice(1)) await redeemInvite(home, (await createInvite(homes[0]!, 'developer')).invite)
    for (const home of homes) nodes.push(await ClusterNode.start({ home, bootstrap: dht.addresses, host: '127.0.0.1', logger: silentLogger(), ackTimeoutMs: 60_000, voterGateways: 1 }))
    const graph = nodes[0]!.linkGraph()
    await waitUntil(() => nodes.every(n => n.peers().length >= graph.get(n.nodeId)!.size), 90_000, 'every link the roster gives', 20)
    const leader = await electedLeader(nodes)
    const voterIds = leader.electStatus().voters
    const ids = nodes.map(n => n.nodeId)
    const holders = shardHolders(ids.map(id => ({ id })), 1)
    const written = await writeAll(leader, nodes)
    // The reader: the member with the most records whose holder is a member it has no link with.
    const firsts = new Set(Array.from({ length: SHARDED_WRITES }, (_, w) => records(w)[0]!.address))
    const holderOf = (record: ContextRecord): string => holders[shardOf(record.address)]![0]!
    const farFrom = (reader: ClusterNode): ContextRecord[] => {
      const seen = new Set<string>()
      return written.filter(record => {
        const holder = holderOf(record)
        const key = `${record.address.split('/')[3]} ${shardOf(record.address)}`
        if (firsts.has(record.address) || seen.has(key) || holder === reader.nodeId || voterIds.includes(holder) || graph.get(reader.nodeId)!.has(holder)) return false
        seen.add(key)
        return true
      })
    }
    const reader = nodes.filter(n => !voterIds.includes(n.nodeId)).map(n => ({ n, far: farFrom(n) })).sort((a, b) => b.far.length - a.far.length)[0]!
    // Every holder has its shards' blocks before the reads (they come down the chains).
    await waitUntil(async () => (await Promise.all(nodes.map(async n => await n.peer.store.heldPayloadBlocks()))).every((held, i) => voterIds.includes(ids[i]!) || held.held > 0), 120_000, 'the holders to hold their shards', 50)
    reader.n.block(voterIds)
    for (const voter of nodes.filter(n => voterIds.includes(n.nodeId))) voter.block([reader.n.nodeId])
    await waitUntil(() => reader.n.peers().every(p => !voterIds.includes(p.id)), 10_000, 'the reader cut from the voters', 20)
    const dialled: number[] = []
    const open: number[] = []
    for (const record of reader.far.slice(0, SHARDED_RETRIEVES)) {
      const visitedAlready = reader.n.visits().includes(holderOf(record))
      const linkedBefore = reader.n.peers().some(p => p.id === holderOf(record))
      const t0 = performance.now()
      const got = await reader.n.retrieve(record.address, 'developer')
      const ms = performance.now() - t0
      // BZZZ_BENCH_DEBUG=1 (with node --trace-gc, say): each read over 10 ms, to see what it waited for.
      if (process.env.BZZZ_BENCH_DEBUG !== undefined && ms > 10) console.error(JSON.stringify({ ms: Math.round(ms), visitedAlready, linkedBefore, visits: reader.n.visits().length, peers: reader.n.peers().length, heap: Math.round(process.memoryUsage().heapUsed / 1e6) }))
      ;(visitedAlready ? open : dialled).push(ms)
      if (got.context?.summary !== record.summary) throw new Error(`${record.address} read wrong`)
    }
    const all = [...dialled, ...open].sort((x, y) => x - y)
    dialled.sort((x, y) => x - y)
    open.sort((x, y) => x - y)
    return {
      sharded_visit_reads: all.length,
      sharded_visit_dials: dialled.length,
      sharded_visit_dial_p50_ms: round(percentile(dialled, 50), 3),
      sharded_visit_dial_max_ms: round(dialled.at(-1) ?? 0, 3),
      sharded_visit_open_p50_ms: round(percentile(open, 50), 3),
      sharded_visit_open_p99_ms: round(percentile(open, 99), 3),
      sharded_visit_all_p99_ms: round(percentile(all, 99), 3)
    }
  } finally {
    for (const node of nodes) await node.close().catch(() => {})
    await dht.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
