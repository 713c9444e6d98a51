/** The simulator's invariant checkers, by name. */
export { convergence } from './convergence.js'
export { electionSafety } from './election-safety.js'
export { noLostAcks } from './no-lost-acks.js'
export { noLostRequests } from './no-lost-requests.js'
export { roleIsolation } from './role-isolation.js'
export { checkResult, VIOLATIONS_MAX } from './result.js'
export { CHECKERS, runChecks } from './run-checks.js'
