/**
 * Who is the project manager, the one peer that generates context. In a cluster the election decides
 * (src/election, driven by the node); a peer working alone is its own leader.
 */

export interface Leadership {
  term: number
  leader: string | null
  isLeader: boolean
}

/** The term of a peer that works alone. */
export const SOLO_TERM = 1

/** Without a daemon a peer works alone: a one-peer cluster in which it is the leader. */
export function soloLeadership (nodeId: string): Leadership {
  return { term: SOLO_TERM, leader: nodeId, isLeader: true }
}
