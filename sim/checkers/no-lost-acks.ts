/**
 * No lost acks: every acknowledgement a client saw holds on every live peer at the end: the newest acknowledged write
 * of each address is in its store with its own marker, and each generate seen completed left at least as many
 * generated records at or below its address as it reported.
 */
import type { CheckResult, SimHistory } from '../history.js'
import { livePeers } from './live-peers.js'
import { newestAcked } from './newest-acked.js'
import { checkResult } from './result.js'

export function noLostAcks (history: SimHistory): CheckResult {
  const violations: string[] = []
  const live = livePeers(history, violations)
  const writes = newestAcked(history.acked)
  for (const write of writes) {
    for (const peer of live) {
      const got = peer.acked[write.address]
      if (got === write.marker) continue
      const what = got === undefined || got === null ? 'cannot retrieve' : `retrieves "${got}" instead of "${write.marker}" for`
      violations.push(`${peer.node} ${what} ${write.address} (acked by ${write.node} at ${write.atMs}ms)`)
    }
  }
  let records = 0
  for (const generate of history.generated) {
    records += generate.records
    for (const peer of live) {
      const held = peer.generated[generate.address] ?? 0
      if (held >= generate.records) continue
      violations.push(`${peer.node} holds ${held} generated records at or below ${generate.address}, fewer than the ${generate.records} of request ${generate.id} (completed for ${generate.node} at ${generate.atMs}ms)`)
    }
  }
  const detail = `${writes.length} acked writes and ${history.generated.length} completed generates (${records} records) checked on ${live.length} live peers`
  return checkResult('no-lost-acks', detail, violations)
}
