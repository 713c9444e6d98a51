/** The peers the end-state checkers judge: the live ones, or a violation when none is left to judge. */
import type { PeerFinal, SimHistory } from '../history.js'

export function livePeers (history: SimHistory, violations: string[]): PeerFinal[] {
  const live = history.final.filter(peer => peer.live)
  if (live.length === 0) violations.push(`no live peer at the end of the run (${history.final.length} peers recorded)`)
  return live
}
