/** The newest acknowledged write of each address, in the order the addresses were first acknowledged. */
import type { AckedWrite } from '../history.js'

export function newestAcked (acked: readonly AckedWrite[]): AckedWrite[] {
  const byAddress = new Map<string, AckedWrite>()
  for (const write of acked) byAddress.set(write.address, write)
  return [...byAddress.values()]
}
