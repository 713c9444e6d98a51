/** What a simulated run observed: the Observation (observation.ts) records it, the checkers read it. */
import type { CheckName } from './scenario.js'

export interface LeadershipEvent { atMs: number, node: string, term: number, state: 'leader' | 'follower' | 'candidate' | 'pre-candidate' }

/** A distribute that returned OK; marker = the record's unique summary. Each acked write has its own address. */
export interface AckedWrite { atMs: number, node: string, address: string, marker: string }

/** A generate that was accepted. */
export interface AcceptedRequest { atMs: number, node: string, id: string, address: string }

/** A generate its client saw completed: `records` generated records at or below `address` are promised durable. */
export interface GeneratedAck { atMs: number, node: string, id: string, address: string, records: number }

/** A vote a peer granted, recorded as it was sent. */
export interface VoteEvent { atMs: number, node: string, term: number, candidate: string }

export interface PeerFinal {
  node: string
  live: boolean
  viewHash: string
  /** for every acked address: the summary this peer's store holds, or null if it cannot retrieve it */
  acked: Record<string, string | null>
  /** for every acked address: the summary a client's retrieve on this peer returned after the liveness phase */
  reads: Record<string, string | null>
  /** for every address of a completed generate: how many generated records this peer holds at or below it */
  generated: Record<string, number>
  /** the queue as this peer rebuilt it: per request id, its state and the term of each completion entry it holds */
  requests: Record<string, { state: string, completionTerms: number[] }>
}

export interface IsolationAttempt { node: string, role: string, held: boolean, address: string, outcome: 'denied' | 'opened', fieldsSeen: string[], fieldsAllowed: string[] }

export interface SimHistory {
  seed: number
  nodes: string[]
  leadership: LeadershipEvent[]
  votes: VoteEvent[]
  acked: AckedWrite[]
  generated: GeneratedAck[]
  accepted: AcceptedRequest[]
  final: PeerFinal[]
  isolation: IsolationAttempt[]
  /** ms from the final heal until every live peer had the same view; null if they never did */
  convergedWithinMs: number | null
  livenessBoundMs: number
}

export interface CheckResult { name: CheckName, ok: boolean, detail: string, violations: string[] }
