/** Election safety: never two different leaders in the same term, over every leadership event of the run. */
import type { CheckResult, SimHistory } from '../history.js'
import { checkResult } from './result.js'

export function electionSafety (history: SimHistory): CheckResult {
  const firstLeader = new Map<number, { node: string, atMs: number }>()
  const reported = new Set<string>()
  const leaders = new Set<string>()
  const violations: string[] = []
  for (const event of history.leadership) {
    if (event.state !== 'leader') continue
    leaders.add(event.node)
    const first = firstLeader.get(event.term)
    if (first === undefined) { firstLeader.set(event.term, { node: event.node, atMs: event.atMs }); continue }
    if (first.node === event.node || reported.has(`${event.term}\n${event.node}`)) continue
    reported.add(`${event.term}\n${event.node}`)
    violations.push(`term ${event.term}: two leaders, ${first.node} (at ${first.atMs}ms) and ${event.node} (at ${event.atMs}ms)`)
  }
  const detail = `${firstLeader.size} term${firstLeader.size === 1 ? '' : 's'} with a leader, ${leaders.size} distinct leader${leaders.size === 1 ? '' : 's'}, ${history.leadership.length} events`
  return checkResult('election-safety', detail, violations)
}
