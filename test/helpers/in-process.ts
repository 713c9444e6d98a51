// In-process ClusterNodes on a loopback DHT for tests that cut connections or call the node directly: an admin and
// invited members, started together, closed (and their homes removed) by the test's teardown. Waits are bounded.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Test } from 'tap'
import { startBootstrap } from '../../src/net/bootstrap.js'
import { ClusterNode, agreedLeader, type ClusterNodeOptions } from '../../src/node/cluster/index.js'
import { LocalPeer } from '../../src/node/local-peer.js'
import { createInvite, redeemInvite } from '../../src/node/invite.js'
import { silentLogger } from '../../src/node/logger.js'
import { sleep } from './cluster.js'
import { scratchDir } from './scratch.js'

/** Polls `check` every 50 ms until it holds, at most `timeoutMs`. */
export async function until (what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(50)
  }
}

export { agreedLeader as agreed } from '../../src/node/cluster/index.js'

/**
 * Starts the admin and one member per role (those `campaigns` refuses never stand), waits for every link and an agreed
 * leader. `hooks` gives the i-th node (0 the admin) more options, such as the metrics' hooks.
 */
export async function startNodes (t: Test, roles: readonly string[], options: {
  project: string, electionTimeoutMs?: number, noLeaderTimeoutMs?: number, campaigns?: (role: string) => boolean,
  hooks?: (index: number) => Partial<ClusterNodeOptions>,
  /** The admin's voting set: invites past it join as members that do not vote. */
  maxVoters?: number
  /** How records' payloads replicate (the admin's init; default full). */
  replication?: 'full' | 'sharded'
  /** Holders of each shard, or copies a write waits for (the admin's init; default 3). */
  replicationFactor?: number
  /** Each invited member's declared capacity (`invite --capacity`), in the order of `roles`; default 1. */
  capacities?: readonly number[]
  /** Members each voter takes as gateways (every node is given the same; default VOTER_GATEWAYS). */
  voterGateways?: number
}): Promise<ClusterNode[]> {
  const dir = scratchDir('bzzz-nodes-')
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  const nodes: ClusterNode[] = []
  t.teardown(async () => {
    for (const node of nodes) await node.close().catch(() => {})
    await dht.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const homes = ['admin', ...roles].map((role, i) => ({ role, home: join(dir, `${i}-${role}`) }))
  await LocalPeer.init(homes[0]!.home, {
    cluster: options.project, role: 'admin', project: options.project, ...(options.maxVoters !== undefined ? { maxVoters: options.maxVoters } : {}),
    ...(options.replication !== undefined ? { replication: options.replication } : {}),
    ...(options.replicationFactor !== undefined ? { replicationFactor: options.replicationFactor } : {})
  })
  for (const [i, { role, home }] of homes.slice(1).entries()) {
    await redeemInvite(home, (await createInvite(homes[0]!.home, role, { capacity: options.capacities?.[i] ?? 1 })).invite)
  }
  for (const [i, { role, home }] of homes.entries()) {
    nodes.push(await ClusterNode.start({
      ...options.hooks?.(i),
      home, bootstrap: dht.addresses, host: '127.0.0.1', logger: silentLogger(), electionTimeoutMs: options.electionTimeoutMs ?? 300,
      ...(options.noLeaderTimeoutMs !== undefined ? { noLeaderTimeoutMs: options.noLeaderTimeoutMs } : {}),
      ...(options.voterGateways !== undefined ? { voterGateways: options.voterGateways } : {}),
      ...(options.campaigns !== undefined && !options.campaigns(role) ? { campaign: false } : {})
    }))
  }
  // Every link the roster gives (the full mesh while every member votes; see src/distribution/links.ts).
  await until('every link of the mesh', () => {
    const graph = nodes[0]!.linkGraph()
    return nodes.every(n => n.peers().length >= (graph.get(n.nodeId)?.size ?? Infinity))
  }, 90_000)
  await until('one agreed leader', () => agreedLeader(nodes) !== null, 60_000)
  return nodes
}
