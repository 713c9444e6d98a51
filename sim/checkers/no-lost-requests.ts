/** No lost requests: every accepted generate request is, on every live peer, finished with exactly one completion entry. */
import type { CheckResult, SimHistory } from '../history.js'
import { livePeers } from './live-peers.js'
import { checkResult } from './result.js'

/** 'failed' is finished too: the request ran once and gave up, which the detail reports. */
const FINISHED = new Set(['completed', 'superseded', 'failed'])

export function noLostRequests (history: SimHistory): CheckResult {
  const violations: string[] = []
  const live = livePeers(history, violations)
  const failed = new Set<string>()
  for (const request of history.accepted) {
    const accepted = `(accepted by ${request.node} at ${request.atMs}ms)`
    for (const peer of live) {
      const entry = peer.requests[request.id]
      if (entry === undefined) { violations.push(`${peer.node}: request ${request.id} is missing ${accepted}`); continue }
      if (!FINISHED.has(entry.state)) violations.push(`${peer.node}: request ${request.id} is still ${entry.state} ${accepted}`)
      else if (entry.completions !== 1) violations.push(`${peer.node}: request ${request.id} is ${entry.state} with ${entry.completions} completion entries, not exactly one ${accepted}`)
      if (entry.state === 'failed') failed.add(request.id)
    }
  }
  const detail = `${history.accepted.length} accepted requests checked on ${live.length} live peers, ${failed.size} failed`
  return checkResult('no-lost-requests', detail, violations)
}
