/** The shapes the cluster node's parts share: a connected member, the node's counters, and its public reports. */
import type { WireChannel } from '../../net/channel.js'
import type { ElectionState } from '../../election/election.js'
import type { QueueCounts, QueueRow } from '../../leader/queue.js'
import type { PeerConnection } from '../environment.js'

/** A peer that proved its membership on this connection. */
export interface Member {
  node: string
  role: string
  channel: WireChannel
  connection: PeerConnection
  connectedAt: number
  /** When this peer last received any message from it (gossip sends heads to every member each tick). */
  lastHeardAt: number
}

/** The members connected now, as the parts that send to them see them. */
export interface MemberDirectory {
  get: (node: string) => Member | undefined
  has: (node: string) => boolean
  readonly size: number
  values: () => IterableIterator<Member>
}

/** What the node counts, for `status`. */
export interface NodeCounters {
  rejectedPeers: number
  invalidFrames: number
  /** Calls this peer sent to the leader: over its link, or through a relay when it had none (relayed-call.ts). */
  forwarded: number
  served: number
  /** Other peers' calls this peer passed on toward the leader (relayed-call.ts). */
  relayed: number
  retried: number
  elections: number
  duplicateIdentities: number
  /** Granted votes that came without a valid signature: counted as refused (a leader must show the votes it won by). */
  unprovenVotes: number
  /** Cluster policies handed to this peer that were refused: forged (not the admin's) or not newer than the one in force. */
  refusedPolicies: number
  /**
   * Members' heads whose hash did not match this peer's copy of that log (a forked log, or a member lying about what it
   * holds): one per member and writer, whose heads count towards acknowledgements no more.
   */
  mismatchedHeads: number
}

export function newCounters (): NodeCounters {
  return { rejectedPeers: 0, invalidFrames: 0, forwarded: 0, served: 0, relayed: 0, retried: 0, elections: 0, duplicateIdentities: 0, unprovenVotes: 0, refusedPolicies: 0, mismatchedHeads: 0 }
}

export interface ElectStatus {
  term: number
  state: 'leader' | 'follower' | 'candidate'
  /** The election core's own state (a pre-candidate is reported as candidate above). */
  phase: ElectionState
  leader: string | null
  votedFor: string | null
  /** This peer votes and may stand: false for a member that does not vote, whatever its role. */
  canCampaign: boolean
  electionTimeoutMs: number
  /** This peer votes. */
  voter: boolean
  /** The roster's voters (ids, sorted): they alone elect, and count toward majorities. */
  voters: string[]
  roster: { version: number | null, members: number, voters: number }
  peers: Array<{ id: string, role: string | null, connected: boolean, voter: boolean, lastContactMs: number | null }>
}

export interface QueueStatus extends QueueCounts {
  /** Queued requests the current leader may not open: they wait for a leader holding one of their readers' keys. */
  waiting: number
  leader: string | null
  term: number
  isLeader: boolean
}

export interface QueueListRow extends QueueRow {
  ageMs: number
}

export interface PeerRow {
  id: string
  role: string
  connected: boolean
  since: number | null
  /** It votes (it is among the roster's voters); absent where the row is built, before the node marks it. */
  voter?: boolean
  /** Per writer log: the length this peer says it holds, and how far it lags the longest known. */
  logs: Array<{ writer: string, length: number, lag: number }>
}

/** What `sync` waits for besides every announced head: enough of the peers that sent heads in `term` or later. */
export interface SyncUntil { term: number, enough: (heardFrom: readonly string[]) => boolean }

export interface SyncReport {
  caughtUp: boolean
  ms: number
  peers: number
  /** The members connected when it ended whose heads it had heard and fetched (a new leader counts the voters among them). */
  reached: string[]
  logs: Array<{ writer: string, before: number, after: number, moved: number }>
}
