/**
 * Who is the project manager, the one peer that generates context. The single, replaceable decision: until the
 * election lands, a peer with no cluster around it (the one-peer cluster) is its own leader in term 1.
 */

export interface Leadership {
  term: number
  leader: string | null
  isLeader: boolean
}

export const SOLO_TERM = 1

export function soloLeadership (nodeId: string): Leadership {
  return { term: SOLO_TERM, leader: nodeId, isLeader: true }
}
