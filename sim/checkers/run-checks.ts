/** Runs the named checkers over a history, in the order named. */
import type { CheckResult, SimHistory } from '../history.js'
import type { CheckName } from '../scenario.js'
import { convergence } from './convergence.js'
import { electionSafety } from './election-safety.js'
import { noLostAcks } from './no-lost-acks.js'
import { noLostRequests } from './no-lost-requests.js'
import { roleIsolation } from './role-isolation.js'

export const CHECKERS: Record<CheckName, (history: SimHistory) => CheckResult> = {
  'election-safety': electionSafety,
  'no-lost-acks': noLostAcks,
  'no-lost-requests': noLostRequests,
  convergence,
  'role-isolation': roleIsolation
}

export function runChecks (history: SimHistory, names: CheckName[]): CheckResult[] {
  return names.map(name => CHECKERS[name](history))
}
