/** No lost acks: every acknowledged write is retrievable, with its own marker, from every live peer at the end. */
import type { CheckResult, SimHistory } from '../history.js'
import { livePeers } from './live-peers.js'
import { checkResult } from './result.js'

export function noLostAcks (history: SimHistory): CheckResult {
  const violations: string[] = []
  const live = livePeers(history, violations)
  for (const write of history.acked) {
    for (const peer of live) {
      const got = peer.acked[write.address]
      if (got === write.marker) continue
      const what = got === undefined || got === null ? 'cannot retrieve' : `retrieves "${got}" instead of "${write.marker}" for`
      violations.push(`${peer.node} ${what} ${write.address} (acked by ${write.node} at ${write.atMs}ms)`)
    }
  }
  return checkResult('no-lost-acks', `${history.acked.length} acked writes checked on ${live.length} live peers`, violations)
}
