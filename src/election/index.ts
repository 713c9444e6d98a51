/**
 * The leader election: a pure state machine (Raft's election, PreVote, CheckQuorum, transfer) that the node and the
 * simulator drive.
 */
export * from './election.js'
