/** What a simulated run observed: the Observation (observation.ts) records it, the checkers read it. */
import type { CheckName } from './scenario.js'

export interface LeadershipEvent { atMs: number, node: string, term: number, state: 'leader' | 'follower' | 'candidate' | 'pre-candidate' }

/** A distribute that returned OK; marker = the record's unique summary. Each acked write has its own address. */
export interface AckedWrite { atMs: number, node: string, address: string, marker: string }

/** A generate that was accepted. */
export interface AcceptedRequest { atMs: number, node: string, id: string, address: string }

export interface PeerFinal {
  node: string
  live: boolean
  viewHash: string
  /** for every acked address: the summary this peer retrieves, or null if it cannot */
  acked: Record<string, string | null>
  /** the queue as this peer rebuilt it: per request id, its state and the term of each completion entry it holds */
  requests: Record<string, { state: string, completionTerms: number[] }>
}

export interface IsolationAttempt { node: string, role: string, held: boolean, address: string, outcome: 'denied' | 'opened', fieldsSeen: string[], fieldsAllowed: string[] }

export interface SimHistory {
  seed: number
  nodes: string[]
  leadership: LeadershipEvent[]
  acked: AckedWrite[]
  accepted: AcceptedRequest[]
  final: PeerFinal[]
  isolation: IsolationAttempt[]
  /** ms from the final heal until every live peer had the same view; null if they never did */
  convergedWithinMs: number | null
  livenessBoundMs: number
}

export interface CheckResult { name: CheckName, ok: boolean, detail: string, violations: string[] }
