/** Convergence: after the faults end, every live peer reaches the same view, within the liveness bound. */
import type { CheckResult, SimHistory } from '../history.js'
import { livePeers } from './live-peers.js'
import { checkResult } from './result.js'

export function convergence (history: SimHistory): CheckResult {
  const violations: string[] = []
  const live = livePeers(history, violations)
  const byHash = new Map<string, string[]>()
  for (const peer of live) byHash.set(peer.viewHash, [...(byHash.get(peer.viewHash) ?? []), peer.node])
  if (byHash.size > 1) {
    violations.push(`view hashes differ: ${[...byHash].map(([hash, nodes]) => `${hash.slice(0, 12)} on ${nodes.join(', ')}`).join('; ')}`)
  }
  const { convergedWithinMs, livenessBoundMs } = history
  if (convergedWithinMs === null) violations.push(`never converged (bound ${livenessBoundMs}ms)`)
  else if (convergedWithinMs > livenessBoundMs) violations.push(`converged in ${convergedWithinMs}ms, over the ${livenessBoundMs}ms bound`)
  const [hash] = byHash.keys()
  const detail = `${live.length} live peers, ${byHash.size} distinct view${byHash.size === 1 ? ` (${(hash ?? '').slice(0, 12)})` : 's'}, converged in ${convergedWithinMs === null ? 'never' : `${convergedWithinMs}ms`} (bound ${livenessBoundMs}ms)`
  return checkResult('convergence', detail, violations)
}
