// Cluster benchmarks: three in-process peers on real Hyperswarm over a loopback DHT, real stores on disk.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalPeer } from '../../src/node/local-peer.js'
import { createInvite, redeemInvite } from '../../src/node/invite.js'
import { ClusterNode } from '../../src/node/cluster/index.js'
import { startBootstrap, type RunningBootstrap } from '../../src/net/bootstrap.js'
import { silentLogger } from '../../src/node/logger.js'
import type { ContextRecord } from '../../src/context/record.js'
import { percentile, round } from './stats.js'
import { cliProcess } from '../helpers/cli.js'
import { formatHostPort } from '../../src/net/bootstrap.js'
import { waitUntil } from './wait.js'

export const DISTRIBUTE_RECORDS = 10_000
export const REMOTE_RETRIEVES = 1_000
export const CATCHUP_RECORDS = 10_000

function records (count: number, prefix: string): ContextRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    address: `ucxl://bench/${prefix}/d${i % 100}/f${i}.go`, kind: 'file' as const, summary: `File ${i} of the ${prefix} batch`, language: 'go',
    symbols: [{ name: `Func${i}`, kind: 'function' as const, line: 1 + (i % 50) }], imports: ['fmt', 'net/http'],
    insights: [{ role: 'developer', text: `entry point Func${i}` }]
  }))
}


interface Bench {
  dir: string
  dht: RunningBootstrap
  homes: string[]
  nodes: ClusterNode[]
}

async function startNode (bench: Bench, home: string): Promise<ClusterNode> {
  return await ClusterNode.start({ home, bootstrap: bench.dht.addresses, host: '127.0.0.1', logger: silentLogger(), ackTimeoutMs: 60_000 })
}

export async function benchCluster (): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'bzzz-bench-cluster-'))
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  const bench: Bench = { dir, dht, homes: [join(dir, 'leader'), join(dir, 'a'), join(dir, 'b')], nodes: [] }
  try {
    await LocalPeer.init(bench.homes[0]!, { cluster: 'bench', role: 'admin' })
    await redeemInvite(bench.homes[1]!, (await createInvite(bench.homes[0]!, 'developer')).invite)
    await redeemInvite(bench.homes[2]!, (await createInvite(bench.homes[0]!, 'developer')).invite)
    for (const home of bench.homes) bench.nodes.push(await startNode(bench, home))
    await waitUntil(() => bench.nodes.every(n => n.peers().length === 2), 30_000, 'a full mesh')
    await waitUntil(() => bench.nodes.filter(n => n.election.state === 'leader').length === 1 && bench.nodes.every(n => n.election.leader !== null), 30_000, 'an elected leader')
    const leader = bench.nodes.find(n => n.election.state === 'leader')!
    const [a, other] = bench.nodes.filter(n => n !== leader) as [ClusterNode, ClusterNode]

    // distribute_records_per_s: one acknowledged batch (RF 3) of 10,000 records.
    let started = performance.now()
    const report = await leader.distribute(records(DISTRIBUTE_RECORDS, 'batch'), undefined, 'bench')
    const distributeMs = performance.now() - started
    if (report.acknowledged === undefined || report.acknowledged.required !== 3) throw new Error('the batch was not acknowledged by 3 peers')

    // remote_retrieve_p99_ms: a follower's first retrieve of records the leader wrote.
    const sample = records(DISTRIBUTE_RECORDS, 'batch').slice(0, REMOTE_RETRIEVES)
    await a.sync(30)
    const latencies: number[] = []
    for (const record of sample) {
      const t0 = performance.now()
      await a.retrieve(record.address, 'developer')
      latencies.push(performance.now() - t0)
    }
    latencies.sort((x, y) => x - y)

    // catchup_10k_ms: a follower leaves, 10,000 records are written, it comes back.
    bench.nodes.splice(bench.nodes.indexOf(other), 1)
    await other.close()
    await waitUntil(() => leader.peers().length === 1, 30_000, 'the leader to see the follower gone')
    await leader.distribute(records(CATCHUP_RECORDS, 'missed'), undefined, 'bench')
    const target = leader.peer.store.logLength
    started = performance.now()
    const back = await startNode(bench, other.peer.home)
    bench.nodes.push(back)
    await waitUntil(async () => (back.peer.store.heads().find(h => h.writer === leader.peer.store.writer)?.length ?? 0) >= target &&
      back.peer.store.viewHash === leader.peer.store.viewHash, 120_000, 'the follower to catch up')
    const catchupMs = performance.now() - started

    return {
      distribute_records: DISTRIBUTE_RECORDS,
      distribute_ms: round(distributeMs, 0),
      distribute_records_per_s: round(DISTRIBUTE_RECORDS / (distributeMs / 1000), 0),
      remote_retrieve_p50_ms: round(percentile(latencies, 50), 3),
      remote_retrieve_p99_ms: round(percentile(latencies, 99), 3),
      catchup_records: CATCHUP_RECORDS,
      catchup_10k_ms: round(catchupMs, 0),
      ...await distributeToDaemons(),
      ...await relayedWrites()
    }
  } finally {
    for (const node of bench.nodes) await node.close().catch(() => {})
    await dht.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * distribute_daemons_records_per_s: the same acknowledged batch, the two followers real daemons in processes of their
 * own (as deployed) and the leader in this process. In the figure above all three peers share this one thread, so the
 * followers' replication is counted in the leader's time; here it runs beside it, on the machine's other core.
 */
async function distributeToDaemons (): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'bzzz-bench-daemons-'))
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  const homes = [join(dir, 'leader'), join(dir, 'a'), join(dir, 'b')]
  const followers = homes.slice(1)
  const started: string[] = []
  let leader: ClusterNode | null = null
  try {
    await LocalPeer.init(homes[0]!, { cluster: 'bench', role: 'admin' })
    for (const home of followers) await redeemInvite(home, (await createInvite(homes[0]!, 'developer')).invite)
    const bootstrap = dht.addresses.map(formatHostPort).join(',')
    for (const home of followers) {
      // They vote but never stand: the peer in this process leads, and its distribute is what is timed.
      const run = await cliProcess(['--home', home, 'node', 'start', '--bootstrap', bootstrap, '--detach', '--no-campaign', '--election-timeout', '1000'])
      if (run.code !== 0) throw new Error(`a follower's daemon did not start: ${run.stderr}`)
      started.push(home)
    }
    leader = await ClusterNode.start({ home: homes[0]!, bootstrap: dht.addresses, host: '127.0.0.1', logger: silentLogger(), ackTimeoutMs: 60_000 })
    const node = leader
    await waitUntil(() => node.peers().length === 2 && node.election.state === 'leader', 60_000, 'the leader with both daemons')
    const t0 = performance.now()
    const report = await node.distribute(records(DISTRIBUTE_RECORDS, 'daemons'), undefined, 'bench')
    const ms = performance.now() - t0
    if (report.acknowledged === undefined || report.acknowledged.required !== 3) throw new Error('the batch was not acknowledged by 3 peers')
    return { distribute_daemons_ms: round(ms, 0), distribute_daemons_records_per_s: round(DISTRIBUTE_RECORDS / (ms / 1000), 0) }
  } finally {
    await leader?.close().catch(() => {})
    for (const home of started) await cliProcess(['--home', home, 'node', 'stop']).catch(() => {})
    await dht.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Writes a side of relayedWrites times. */
export const RELAYED_WRITES = 100

/**
 * relayed_write_ms_p50: a member's one-record writes (three voters and a member that does not vote, in-process, on
 * real Hyperswarm), over its link to the leader, then with that link cut, each then going through a voter (a relayed
 * call, src/node/relayed-call.ts), side by side in one run: what the relay's extra hop and its signature cost.
 */
async function relayedWrites (): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'bzzz-bench-relay-'))
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  const bench: Bench = { dir, dht, homes: ['admin', 'dev', 'qa', 'member'].map(name => join(dir, name)), nodes: [] }
  try {
    await LocalPeer.init(bench.homes[0]!, { cluster: 'bench', role: 'admin', maxVoters: 3 })
    for (const home of bench.homes.slice(1)) await redeemInvite(home, (await createInvite(bench.homes[0]!, 'developer')).invite)
    for (const home of bench.homes) bench.nodes.push(await startNode(bench, home))
    const member = bench.nodes[3]!
    await waitUntil(() => bench.nodes.slice(0, 3).every(n => n.peers().length === 3) && member.peers().length === 3, 60_000, 'every link')
    await waitUntil(() => bench.nodes.filter(n => n.election.state === 'leader').length === 1 && bench.nodes.every(n => n.election.leader !== null), 30_000, 'an elected leader')
    const leader = bench.nodes.find(n => n.election.state === 'leader')!
    const writes = async (side: string): Promise<number[]> => {
      const ms: number[] = []
      for (const [i, record] of records(RELAYED_WRITES, side).entries()) {
        const t0 = performance.now()
        const report = await member.distribute(record, undefined, 'bench')
        ms.push(performance.now() - t0)
        if (report.acknowledged === undefined) throw new Error(`write ${i} of the ${side} side was not acknowledged`)
      }
      return ms.sort((x, y) => x - y)
    }
    // Untimed writes first, so that neither side pays for the code's first runs (the direct side would, going first).
    await writes('warm-up')
    const direct = await writes('direct')
    member.block([leader.nodeId])
    leader.block([member.nodeId])
    await waitUntil(() => !member.peers().some(p => p.id === leader.nodeId), 30_000, 'the member\'s link to the leader to close')
    const relayedBefore = bench.nodes.reduce((sum, n) => sum + n.counters.relayed, 0)
    const relayed = await writes('relayed')
    if (bench.nodes.reduce((sum, n) => sum + n.counters.relayed, 0) - relayedBefore !== RELAYED_WRITES) throw new Error('not every write of the relayed side went through a relay')
    return {
      relayed_writes: RELAYED_WRITES,
      direct_write_ms_p50: round(percentile(direct, 50), 2),
      direct_write_ms_p99: round(percentile(direct, 99), 2),
      relayed_write_ms_p50: round(percentile(relayed, 50), 2),
      relayed_write_ms_p99: round(percentile(relayed, 99), 2),
      relayed_write_vs_direct_p50: round(percentile(relayed, 50) / percentile(direct, 50), 2)
    }
  } finally {
    for (const node of bench.nodes) await node.close().catch(() => {})
    await dht.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
