/**
 * Read after ack: once the liveness phase is over, a client's retrieve on any live peer returns the newest acknowledged
 * version of every acknowledged address (a store that holds it but a peer that serves an older one is caught here).
 */
import type { CheckResult, SimHistory } from '../history.js'
import { livePeers } from './live-peers.js'
import { newestAcked } from './newest-acked.js'
import { checkResult } from './result.js'

export function readAfterAck (history: SimHistory): CheckResult {
  const violations: string[] = []
  const live = livePeers(history, violations)
  const newest = newestAcked(history.acked)
  for (const write of newest) {
    for (const peer of live) {
      const got = peer.reads[write.address]
      if (got === write.marker) continue
      const what = got === undefined || got === null ? 'could not read' : `read "${got}" instead of "${write.marker}" at`
      violations.push(`${peer.node} ${what} ${write.address} after the liveness phase (acked by ${write.node} at ${write.atMs}ms)`)
    }
  }
  return checkResult('read-after-ack', `${newest.length} acked addresses read on ${live.length} live peers`, violations)
}
