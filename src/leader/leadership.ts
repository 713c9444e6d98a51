/**
 * Who is the project manager, the one peer that generates context. The single, replaceable decision: until the
 * election lands, the cluster's creator (its admin) is the leader, in term 1.
 */

export interface Leadership {
  term: number
  leader: string | null
  isLeader: boolean
}

export const FIXED_TERM = 1

/** The leader is the peer that created the cluster. */
export function fixedLeadership (nodeId: string, adminKey: string): Leadership {
  return { term: FIXED_TERM, leader: adminKey, isLeader: nodeId === adminKey }
}

/** Without a daemon a peer works alone: a one-peer cluster in which it is the leader. */
export function soloLeadership (nodeId: string): Leadership {
  return { term: FIXED_TERM, leader: nodeId, isLeader: true }
}
