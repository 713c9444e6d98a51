// audit_overhead: distribute throughput with the audit log recording against not recording, in one run on one cluster
// (three in-process peers on a loopback DHT), rounds interleaved so both modes see the same machine and the same logs.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalPeer } from '../../src/node/local-peer.js'
import { createInvite, redeemInvite } from '../../src/node/invite.js'
import { ClusterNode, agreedLeader } from '../../src/node/cluster/index.js'
import { startBootstrap } from '../../src/net/bootstrap.js'
import { silentLogger } from '../../src/node/logger.js'
import { round } from './stats.js'
import { waitUntil } from './wait.js'

/** Rounds per mode, and single-record distributes per round: each is one acknowledged write (RF 3), one audit event. */
export const AUDIT_ROUNDS = Number(process.env.BZZZ_BENCH_AUDIT_ROUNDS ?? 10)
export const AUDIT_WRITES_PER_ROUND = 20


export async function benchAudit (): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'bzzz-bench-audit-'))
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  const homes = [join(dir, 'admin'), join(dir, 'a'), join(dir, 'b')]
  const nodes: ClusterNode[] = []
  try {
    await LocalPeer.init(homes[0]!, { cluster: 'bench', role: 'admin' })
    for (const home of homes.slice(1)) await redeemInvite(home, (await createInvite(homes[0]!, 'developer')).invite)
    for (const home of homes) nodes.push(await ClusterNode.start({ home, bootstrap: dht.addresses, host: '127.0.0.1', logger: silentLogger(), ackTimeoutMs: 60_000 }))
    await waitUntil(() => nodes.every(n => n.peers().length === 2), 30_000, 'a full mesh')
    await waitUntil(() => agreedLeader(nodes) !== null, 30_000, 'an elected leader')
    const leader = agreedLeader(nodes)!.node
    const writer = nodes.find(n => n !== leader)!
    const ms = { on: 0, off: 0 }
    let n = 0
    const round_ = async (mode: 'on' | 'off'): Promise<void> => {
      for (const node of nodes) node.peer.audit.recording = mode === 'on'
      const started = performance.now()
      for (let i = 0; i < AUDIT_WRITES_PER_ROUND; i++) {
        await writer.distribute({ address: `ucxl://bench/audit/f${n++}.go`, kind: 'file', summary: `file ${n}` }, undefined, 'bench')
      }
      ms[mode] += performance.now() - started
    }
    await round_('on')
    ms.on = 0
    for (let r = 0; r < AUDIT_ROUNDS; r++) {
      // Alternate which mode goes first, so neither always follows the other.
      for (const mode of r % 2 === 0 ? ['on', 'off'] as const : ['off', 'on'] as const) await round_(mode)
    }
    const writes = AUDIT_ROUNDS * AUDIT_WRITES_PER_ROUND
    const perSecond = { on: writes / (ms.on / 1000), off: writes / (ms.off / 1000) }
    return {
      audit_writes_per_mode: writes,
      audit_on_distributes_per_s: round(perSecond.on, 1),
      audit_off_distributes_per_s: round(perSecond.off, 1),
      audit_overhead: round(1 - perSecond.on / perSecond.off, 3)
    }
  } finally {
    for (const node of nodes) await node.close().catch(() => {})
    await dht.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
