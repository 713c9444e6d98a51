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
import { shardOf, shardsPlacedOn } from '../../src/distribution/placement.js'
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
    await waitUntil(() => nodes.filter(n => n.election.state === 'leader').length === 1 && nodes.every(n => n.election.leader !== null), 60_000, 'an elected leader', 20)
    const leader = nodes.find(n => n.election.state === 'leader')!
    const member = nodes.find(n => !n.electStatus().voter)!
    const written: ContextRecord[] = []
    for (let w = 0; w < SHARDED_WRITES; w++) {
      const batch = records(w)
      await leader.distribute(batch, undefined, 'bench')
      written.push(...batch)
    }
    const length = leader.peer.store.logLength
    await waitUntil(() => member.peer.store.heads().find(h => h.writer === leader.peer.store.writer)?.length === length, 120_000, 'the member to hold the log', 20)
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
      sharded_retrieve_not_held_vs_held_p99: round(percentile(fetched, 99) / percentile(held, 99), 2)
    }
  } finally {
    for (const node of nodes) await node.close().catch(() => {})
    await dht.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
