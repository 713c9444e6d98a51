/**
 * A new leader first pulls what its peers hold, then runs the queue. The old leader may have written a completion that
 * reached only some peers before it died: a leader that had not applied it would run the request again, and both
 * completions would be in the logs (a duplicate). Bounded: past it, the queue runs on what this peer has (a late
 * completion is then counted as a duplicate, never lost work).
 *
 * A former leader killed mid-write still looks connected until the transport's timeout (CONNECTION_TIMEOUT_MS), and
 * Hypercore waits on the block requests it sent there rather than asking the peers that hold the blocks: the five-peer
 * failover test caught a new leader whose download of the old leader's last completion stalled so, ran the request
 * again and wrote a second completion (1 run in 4 on a loaded machine). So a former leader silent for an election
 * timeout (which is why this peer leads) is disconnected first (a live one reconnects), and the bound covers a
 * transport's timeout.
 */
import type { Clock } from '../../clock.js'
import { majorityOf } from '../../election/election.js'
import { CONNECTION_TIMEOUT_MS } from '../environment.js'
import type { Logger } from '../logger.js'
import type { GossipCore } from '../../distribution/gossip.js'
import type { Member, SyncReport, SyncUntil } from './types.js'

/**
 * How long a new leader may pull from its peers before it runs the queue (or two election timeouts, when longer): past
 * the transport's timeout, so a download stuck on a peer that died has moved to the peers that hold the blocks.
 */
export const LEADER_CATCH_UP_MIN_MS = CONNECTION_TIMEOUT_MS + 1_000

/**
 * How many voters a new leader caught up from, when that is enough for it to state where earlier terms end (a
 * majority of the voters); null when it is not. Every acknowledgement needs a majority of the voters to hold the write
 * (src/distribution/acks.ts), and any two majorities of one voting set share a voter, so a leader that pulled every head
 * that itself and a majority of the voters announced holds every acknowledged write: none lies past the ends it states.
 * Members that do not vote count for nothing here, as they count for nothing in an acknowledgement's majority.
 */
export function votersCaughtUpFrom (report: SyncReport | null, self: string, voters: readonly string[]): number | null {
  if (report === null || !report.caughtUp) return null
  return votersMajority(report.reached, self, voters)
}

/** How many of the voters are this peer or among `heard`, when that is a majority of them; null when it is not. */
export function votersMajority (heard: readonly string[], self: string, voters: readonly string[]): number | null {
  const reached = voters.filter(id => id === self || heard.includes(id)).length
  return reached >= majorityOf(voters.length) ? reached : null
}

export interface CatchUpHost {
  clock: Clock
  logger: Logger
  electionTimeoutMs: number
  members: { get: (node: string) => Member | undefined }
  /** Replication's sync (bounded on its clock) and its gossip core (what each peer announced). */
  replication: { sync: (timeoutSeconds: number, until?: SyncUntil) => Promise<SyncReport>, gossip: GossipCore }
  /**
   * Whether the peers that sent heads in the new term (with this peer) are enough to state ends: the catch-up waits for
   * that too, bounded. Heads sent in an earlier term do not count: the peer may have taken blocks since, which an
   * acknowledgement of the earlier term counted (src/distribution/acks.ts).
   */
  enough: (heardFrom: readonly string[]) => boolean
  /** The last other peer known to lead. */
  formerLeader: () => string | null
  /**
   * Hands the queue to this peer, if it still leads the term; `report` is the catch-up's (null when it ran out of time
   * or failed): only one that caught up lets the leader state where earlier terms end.
   */
  lead: (report: SyncReport | null) => void
}

export async function catchUpThenLead (term: number, host: CatchUpHost): Promise<void> {
  const { clock, logger, replication } = host
  const former = host.formerLeader()
  const silent = former === null ? undefined : host.members.get(former)
  if (silent !== undefined && clock.now() - silent.lastHeardAt >= host.electionTimeoutMs) {
    logger.info({ peer: silent.node.slice(0, 12), term }, 'closed the silent former leader\'s connection before catching up')
    silent.connection.destroy()
  }
  const boundMs = Math.max(LEADER_CATCH_UP_MIN_MS, 2 * host.electionTimeoutMs)
  let report: SyncReport | null = null
  try {
    // sync bounds its waits for downloads in real time; this bound is on the node's clock (the simulator's).
    report = await Promise.race([replication.sync(boundMs / 1000, { term, enough: host.enough }), clock.sleep(boundMs + 100).then(() => null)])
  } catch (err) {
    logger.warn({ err: String(err) }, 'the new leader could not catch up with its peers; it runs the queue on what it has')
  }
  if (report !== null && !report.caughtUp) {
    const { gossip } = replication
    const behind = gossip.writers().filter(w => gossip.target(w) > gossip.localLength(w))
      .map(w => ({ writer: w.slice(0, 12), held: gossip.localLength(w), announced: gossip.target(w), holders: gossip.holders(w, gossip.target(w)).map(p => p.slice(0, 12)) }))
    logger.warn({ term, ms: report.ms, peers: report.peers, behind }, 'the new leader runs the queue before it caught up with its peers (a request may run twice)')
  }
  host.lead(report)
}
