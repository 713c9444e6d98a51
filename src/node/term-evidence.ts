/**
 * Leadership in the logs: the evidence a leader writes at the start of its term, and the rule every peer applies to
 * it. A voter signs each vote it grants ("node V votes for C in term T of cluster K"); the winner writes a term entry
 * before anything else of that term, holding the admin-signed roster it was elected from, a majority of that roster's
 * signed votes for it, and its own signature binding the log the entry is in to its node. A peer applies a writer's
 * entries of a term only after that writer's term entry for the term passed this check (src/storage/view.ts), so an
 * entry written without being elected (a member that made itself admin of a one-peer cluster offline, then wrote) is
 * reported and never applied: it would need a majority of the real roster's signatures.
 *
 * What it does not stop: a majority of members colluding, or a voter that signs two votes in one term (the election's
 * own rule, checked by the simulator); both winners' entries then apply, and the versions' order decides between them.
 */
import { majorityOf } from '../election/election.js'
import { signMessage, verifySignature, type NodeIdentity } from '../crypto/identity.js'
import { KEY_HEX_PATTERN } from '../crypto/key-text.js'
import type { TermEntry } from '../storage/log-entry.js'
import { rosterProblem, rosterVoters, type SignedRoster } from './roster.js'

export const TERM_EVIDENCE_FORMAT = 1
const SIGNATURE_HEX = /^[0-9a-f]{128}$/

export interface SignedVote { voter: string, signature: string }

/** A term entry's envelope (JSON): unsealed, every member checks it. */
export interface TermEvidence {
  format: number
  roster: SignedRoster
  votes: SignedVote[]
  /** The leader's signature binding the log that holds the entry (its writer key) to the leader's node and the term. */
  log: string
}

export interface ClusterTrust { cluster: string, adminKey: string }

function votePayload (cluster: string, term: number, candidate: string): Buffer {
  return Buffer.from(JSON.stringify(['bzzz-ctx/vote', cluster, term, candidate]))
}

function logPayload (cluster: string, term: number, leader: string, writer: string): Buffer {
  return Buffer.from(JSON.stringify(['bzzz-ctx/term-log', cluster, term, leader, writer]))
}

/** The signature a voter sends with a vote it grants (hex). */
export function signVote (voter: NodeIdentity, cluster: string, term: number, candidate: string): string {
  return signMessage(voter, votePayload(cluster, term, candidate)).toString('hex')
}

export function voteVerifies (cluster: string, term: number, candidate: string, voter: string, signature: string): boolean {
  return SIGNATURE_HEX.test(signature) && verifySignature(voter, votePayload(cluster, term, candidate), Buffer.from(signature, 'hex'))
}

/** The envelope of the term entry the leader of `term` writes first in its log `writer`. */
export function termEvidence (leader: NodeIdentity, trust: ClusterTrust, term: number, writer: string, roster: SignedRoster, votes: readonly SignedVote[]): Buffer {
  const evidence: TermEvidence = {
    format: TERM_EVIDENCE_FORMAT,
    roster,
    votes: [...votes].sort((a, b) => a.voter < b.voter ? -1 : a.voter > b.voter ? 1 : 0),
    log: signMessage(leader, logPayload(trust.cluster, term, leader.nodeId, writer)).toString('hex')
  }
  return Buffer.from(JSON.stringify(evidence))
}

/** Why this term entry, found in the log `writer`, does not prove that its leader won its term; null when it does. */
export function termEvidenceProblem (writer: string, entry: TermEntry, trust: ClusterTrust): string | null {
  const term = entry.version.term
  let value: unknown
  try {
    value = JSON.parse(entry.envelope.toString('utf8'))
  } catch {
    return 'its evidence is not JSON'
  }
  if (typeof value !== 'object' || value === null) return 'its evidence is not an object'
  const evidence = value as Partial<TermEvidence>
  if (evidence.format !== TERM_EVIDENCE_FORMAT) return 'its evidence has an unknown format'
  const problem = rosterProblem(evidence.roster, trust)
  if (problem !== null) return `its roster is not valid (${problem})`
  const roster = evidence.roster!
  // Only voters elect and stand: a member that does not vote never wins a term, whatever it signs.
  const electors = rosterVoters(roster)
  if (!electors.includes(entry.leader)) return `its leader ${entry.leader.slice(0, 12)} is not a voter of the roster it cites`
  if (typeof evidence.log !== 'string' || !SIGNATURE_HEX.test(evidence.log) ||
      !verifySignature(entry.leader, logPayload(trust.cluster, term, entry.leader, writer), Buffer.from(evidence.log, 'hex'))) {
    return `the log ${writer.slice(0, 12)} is not bound to the leader it names (a term entry copied from another log)`
  }
  if (!Array.isArray(evidence.votes)) return 'its votes are malformed'
  const voters = new Set<string>()
  for (const vote of evidence.votes as unknown[]) {
    const { voter, signature } = (vote ?? {}) as Partial<SignedVote>
    if (typeof voter !== 'string' || !KEY_HEX_PATTERN.test(voter) || typeof signature !== 'string') return 'a vote is malformed'
    if (!electors.includes(voter) || voters.has(voter)) continue
    if (!voteVerifies(trust.cluster, term, entry.leader, voter, signature)) return `the vote of ${voter.slice(0, 12)} does not verify`
    voters.add(voter)
  }
  const needed = majorityOf(electors.length)
  if (voters.size < needed) return `it holds ${voters.size} valid votes of the roster's ${electors.length} voters, and a term needs ${needed}`
  return null
}
