/**
 * No lost requests: every accepted generate request is, on every live peer, finished by exactly one completion of
 * the highest term that completed it. A deposed leader's completion of an earlier term (written before it learned
 * it was deposed, and replicated after the heal) does not count twice: it is reported, not a violation.
 */
import type { CheckResult, SimHistory } from '../history.js'
import { livePeers } from './live-peers.js'
import { checkResult } from './result.js'

/** 'failed' is finished too: the request ran once and gave up, which the detail reports. */
const FINISHED = new Set(['completed', 'superseded', 'failed'])

export function noLostRequests (history: SimHistory): CheckResult {
  const violations: string[] = []
  const live = livePeers(history, violations)
  const failed = new Set<string>()
  const deposed = new Set<string>()
  for (const request of history.accepted) {
    const accepted = `(accepted by ${request.node} at ${request.atMs}ms)`
    for (const peer of live) {
      const entry = peer.requests[request.id]
      if (entry === undefined) { violations.push(`${peer.node}: request ${request.id} is missing ${accepted}`); continue }
      const terms = entry.completionTerms
      const top = terms.length === 0 ? -1 : Math.max(...terms)
      const atTop = terms.filter(term => term === top).length
      if (!FINISHED.has(entry.state)) violations.push(`${peer.node}: request ${request.id} is still ${entry.state} ${accepted}`)
      else if (terms.length === 0) violations.push(`${peer.node}: request ${request.id} is ${entry.state} with no completion entry ${accepted}`)
      else if (atTop !== 1) violations.push(`${peer.node}: request ${request.id} was completed ${atTop} times in term ${top}, not exactly once ${accepted}`)
      if (terms.length > atTop) deposed.add(request.id)
      if (entry.state === 'failed') failed.add(request.id)
    }
  }
  const detail = `${history.accepted.length} accepted requests checked on ${live.length} live peers, ${failed.size} failed, ${deposed.size} also completed by a deposed leader`
  return checkResult('no-lost-requests', detail, violations)
}
