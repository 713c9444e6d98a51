/** Runs the named checkers over a history, in the order named. */
import type { CheckResult, SimHistory } from '../history.js'
import type { CheckName } from '../scenario.js'
import { convergence } from './convergence.js'
import { electionSafety } from './election-safety.js'
import { noLostAcks } from './no-lost-acks.js'
import { noLostRequests } from './no-lost-requests.js'
import { roleIsolation } from './role-isolation.js'
import { oneVotePerTerm } from './one-vote-per-term.js'
import { readAfterAck } from './read-after-ack.js'

export const CHECKERS: Record<CheckName, (history: SimHistory) => CheckResult> = {
  'election-safety': electionSafety,
  'one-vote-per-term': oneVotePerTerm,
  'no-lost-acks': noLostAcks,
  'read-after-ack': readAfterAck,
  'no-lost-requests': noLostRequests,
  convergence,
  'role-isolation': roleIsolation
}

export function runChecks (history: SimHistory, names: CheckName[]): CheckResult[] {
  return names.map(name => CHECKERS[name](history))
}
