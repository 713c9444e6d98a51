// Keys benchmarks on four in-process peers (an admin and three developers, real Hyperswarm on a loopback DHT, real stores
// on disk): rotate_reseal_ms, a rotation of the developer role and the leader's reseal of its 10,000 current records, as
// the admin sees it; revoke_to_refused_ms, from the admin's revocation of a developer (as `keys revoke` makes it) until
// every other member has dropped its connection and it is connected to no one.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalPeer } from '../../src/node/local-peer.js'
import { createInvite, redeemInvite } from '../../src/node/invite.js'
import { ClusterNode, agreedLeader } from '../../src/node/cluster/index.js'
import { planRevocation, planRotation } from '../../src/node/keys-admin.js'
import { startBootstrap } from '../../src/net/bootstrap.js'
import { silentLogger } from '../../src/node/logger.js'
import type { ContextRecord } from '../../src/context/record.js'
import { round } from './stats.js'
import { waitUntil } from './wait.js'

export const RESEAL_RECORDS = Number(process.env.BZZZ_BENCH_RESEAL_RECORDS ?? 10_000)

function records (count: number): ContextRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    address: `ucxl://bench/keys/d${i % 100}/f${i}.go`, kind: 'file' as const, summary: `File ${i}`, language: 'go',
    symbols: [{ name: `Func${i}`, kind: 'function' as const, line: 1 + (i % 50) }], imports: ['fmt'],
    insights: [{ role: 'developer', text: `entry point Func${i}` }]
  }))
}


export async function benchKeys (): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'bzzz-bench-keys-'))
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  const homes = [join(dir, 'admin'), join(dir, 'a'), join(dir, 'b'), join(dir, 'c')]
  const nodes: ClusterNode[] = []
  const connected = (node: ClusterNode): string[] => node.peers().filter(p => p.connected).map(p => p.id)
  try {
    await LocalPeer.init(homes[0]!, { cluster: 'bench', role: 'admin' })
    for (const home of homes.slice(1)) await redeemInvite(home, (await createInvite(homes[0]!, 'developer')).invite)
    for (const home of homes) nodes.push(await ClusterNode.start({ home, bootstrap: dht.addresses, host: '127.0.0.1', logger: silentLogger(), ackTimeoutMs: 120_000 }))
    await waitUntil(() => nodes.every(n => connected(n).length === nodes.length - 1), 60_000, 'a full mesh', 5)
    await waitUntil(() => agreedLeader(nodes) !== null, 60_000, 'an elected leader', 5)
    const admin = nodes[0]!
    await admin.distribute(records(RESEAL_RECORDS), ['developer'], 'bench')

    let started = performance.now()
    const { bundle } = planRotation(admin.peer, ['developer'], { op: 'rotate', roles: ['developer'] })
    await admin.publishKeys(bundle)
    const reseal = await admin.reseal(['developer'])
    const rotateResealMs = performance.now() - started
    if (reseal.resealed !== RESEAL_RECORDS) throw new Error(`the reseal wrote ${reseal.resealed} of ${RESEAL_RECORDS} records (left ${reseal.unopened})`)

    // The member to revoke is one that does not lead: its leadership would add an election to the figure.
    const leader = agreedLeader(nodes)?.leader
    const gone = nodes.slice(1).find(n => n.nodeId !== leader)!
    started = performance.now()
    const revocation = await planRevocation(admin.peer, gone.nodeId)
    await admin.publishKeys(revocation.bundle)
    const others = nodes.filter(n => n !== gone)
    await waitUntil(() => others.every(n => !connected(n).includes(gone.nodeId)) && connected(gone).length === 0, 60_000, 'the revoked node refused by every member', 5)
    const revokeToRefusedMs = performance.now() - started
    return {
      reseal_records: RESEAL_RECORDS,
      rotate_reseal_ms: round(rotateResealMs, 0),
      reseal_leader_ms: reseal.ms,
      reseal_bytes: reseal.bytes,
      revoke_to_refused_ms: round(revokeToRefusedMs, 0)
    }
  } finally {
    for (const node of nodes) await node.close().catch(() => {})
    await dht.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
