/**
 * The simulator's event stream: what a run does as it goes (peers up and down, the nemesis's faults, elections and the
 * cluster's leader, acknowledged writes, the checkers' state), for a watcher such as `sim --tui`. Peers appear by name
 * (n0..), as in the report. Emitting is observation only: nothing here is folded into the trace hash.
 */
import { electionSafety } from './checkers/election-safety.js'
import { oneVotePerTerm } from './checkers/one-vote-per-term.js'
import type { LeadershipEvent, SimHistory, VoteEvent } from './history.js'
import type { AppliedFault } from './nemesis.js'
import type { SimReport } from './report.js'
import type { CheckName } from './scenario.js'

export type SimPhase = 'starting' | 'safety' | 'liveness' | 'checking' | 'done' | 'stopped'

/**
 * A checker as the run stands: `holding` (judged on the events so far, nothing violated yet), `violated`, or
 * `pending` (it judges what every peer holds at the end); after the run, `held` or `violated`.
 */
export interface LiveCheck { name: CheckName, state: 'holding' | 'pending' | 'held' | 'violated', detail: string }

export type SimEvent =
  | { kind: 'start', seed: number, scenario: string, mode: string, durationMs: number, peers: Array<{ name: string, role: string }>, checks: CheckName[] }
  | { kind: 'phase', atMs: number, phase: SimPhase }
  | { kind: 'peer', atMs: number, node: string, up: boolean }
  | { kind: 'election', atMs: number, node: string, term: number, state: LeadershipEvent['state'] }
  /** The cluster's leader (the one a majority follows in its term) changed; null while there is none. */
  | { kind: 'leader', atMs: number, leader: string | null, term: number | null }
  | { kind: 'fault', fault: AppliedFault }
  | { kind: 'ack', atMs: number, node: string, address: string }
  | { kind: 'accept', atMs: number, node: string, address: string }
  | { kind: 'generated', atMs: number, node: string, address: string, records: number }
  /** Simulated time moved on (told at most every TIME_EVENT_MS of it). */
  | { kind: 'time', atMs: number }
  | { kind: 'checks', atMs: number, checks: LiveCheck[] }
  | { kind: 'report', report: SimReport }

/** Simulated ms between two `time` events: often enough for a clock on screen, rare enough to cost nothing. */
export const TIME_EVENT_MS = 100

/** The checkers that judge the run as it goes: they read only the elections and the votes so far. */
const ONLINE: Partial<Record<CheckName, (history: SimHistory) => ReturnType<typeof electionSafety>>> = {
  'election-safety': electionSafety,
  'one-vote-per-term': oneVotePerTerm
}

/** Each named checker's state on the elections and votes so far; the rest wait for the end of the run. */
export function liveChecks (names: readonly CheckName[], leadership: LeadershipEvent[], votes: VoteEvent[]): LiveCheck[] {
  const partial: SimHistory = {
    seed: 0, nodes: [], leadership, votes, acked: [], generated: [], accepted: [], final: [], isolation: [], convergedWithinMs: null, livenessBoundMs: 0
  }
  return names.map(name => {
    const check = ONLINE[name]
    if (check === undefined) return { name, state: 'pending', detail: 'judged on what every peer holds at the end' }
    const result = check(partial)
    return { name, state: result.ok ? 'holding' : 'violated', detail: result.detail }
  })
}

/** The checkers' verdicts once the run is over. */
export function finalChecks (report: SimReport): LiveCheck[] {
  return Object.entries(report.checks).map(([name, c]) => ({ name: name as CheckName, state: c.ok ? 'held' : 'violated', detail: c.detail }))
}
