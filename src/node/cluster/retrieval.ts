/**
 * `retrieve` on a cluster peer: an address not here yet is read again once this peer has pulled what its peers
 * announced, and each answer is timed (local, or remote when it had to pull). With the simulator's stale-read fault, an
 * address and role are answered with what was first answered, however new the versions written since.
 */
import type { Clock } from '../../clock.js'
import { isBzzzError } from '../../errors.js'
import type { Retrieved } from '../../storage/context-store.js'

/** How long `retrieve` of an address not here yet waits for the logs its peers announced. */
export const RETRIEVE_CATCH_UP_SECONDS = 5

/** What a retrieve needs of the node: the local read, and whether (and how) to catch up with the peers. */
export interface RetrievalHost {
  clock: Clock
  /** The local peer's read (see LocalPeer.retrieve). */
  read: (address: string, role: string, depth: number) => Promise<Retrieved>
  /** True when every head the peers announced is local (see Replication.caughtUp). */
  caughtUp: () => boolean
  /** Pulls from peers until caught up or the timeout (see Replication.sync). */
  sync: (timeoutSeconds: number) => Promise<unknown>
  /** The deliberate stale-read fault (ClusterNodeOptions.faults.staleRead). */
  staleRead: boolean
  onRetrieved?: ((event: { ms: number, source: 'local' | 'remote' }) => void) | undefined
}

export class Retrieval {
  /** The deliberate stale-read fault: what `retrieve` first answered, per address and role; null when not broken. */
  private readonly firstServed: Map<string, Retrieved> | null

  constructor (private readonly host: RetrievalHost) {
    this.firstServed = host.staleRead ? new Map() : null
  }

  async retrieve (address: string, role: string, depth: number): Promise<Retrieved> {
    if (this.firstServed === null) return await this.retrieveHere(address, role, depth)
    const key = `${address}\n${role}\n${depth}`
    const served = this.firstServed.get(key) ?? await this.retrieveHere(address, role, depth)
    this.firstServed.set(key, served)
    return served
  }

  private async retrieveHere (address: string, role: string, depth: number): Promise<Retrieved> {
    const { clock } = this.host
    const started = clock.now()
    let found: Retrieved
    try {
      found = await this.host.read(address, role, depth)
    } catch (err) {
      // Not here yet: finish applying what was downloaded, pull what the peers announced, then try once more.
      if (!isBzzzError(err) || err.code !== 'NOT_FOUND') throw err
      if (this.host.caughtUp()) throw err
      await this.host.sync(RETRIEVE_CATCH_UP_SECONDS)
      found = await this.host.read(address, role, depth)
      this.host.onRetrieved?.({ ms: clock.now() - started, source: 'remote' })
      return found
    }
    this.host.onRetrieved?.({ ms: clock.now() - started, source: 'local' })
    return found
  }
}
