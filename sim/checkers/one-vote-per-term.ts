/**
 * One vote per term: no peer grants votes to two candidates in one term, judged on each vote as it was sent, so a
 * double vote is caught where it happens even when no second leader follows from it.
 */
import type { CheckResult, SimHistory } from '../history.js'
import { checkResult } from './result.js'

export function oneVotePerTerm (history: SimHistory): CheckResult {
  const granted = new Map<string, { candidate: string, atMs: number }>()
  const violations: string[] = []
  for (const vote of history.votes) {
    const key = `${vote.node}\n${vote.term}`
    const first = granted.get(key)
    if (first === undefined) { granted.set(key, { candidate: vote.candidate, atMs: vote.atMs }); continue }
    if (first.candidate === vote.candidate) continue
    violations.push(`${vote.node} voted twice in term ${vote.term}: for ${first.candidate} (at ${first.atMs}ms) and ${vote.candidate} (at ${vote.atMs}ms)`)
  }
  return checkResult('one-vote-per-term', `${history.votes.length} votes granted, ${granted.size} (peer, term) pairs`, violations)
}
