/**
 * The generation queue as this peer shows it (`queue status`, `queue ls`): the counts, and each queued request the
 * current leader may not open marked with the roles it waits for, judged by which roles' keys that leader holds.
 */
import type { Clock } from '../../clock.js'
import type { GenerationQueue, QueueTally } from '../../leader/queue.js'
import type { QueueListRow, QueueStatus } from './types.js'

/** What the queue's view needs of the node: the queue, the election, and who holds which role. */
export interface QueueViewHost {
  clock: Clock
  nodeId: string
  adminKey: string
  queue: () => GenerationQueue
  election: () => { leader: string | null, term: number, isLeader: boolean }
  /** The roles this peer holds keys for, and every role of the cluster. */
  heldRoles: () => string[]
  clusterRoles: () => string[]
  /** A member's certified role, from its connection or as remembered; undefined when unknown. */
  memberRole: (node: string) => string | null | undefined
}

export class QueueView {
  constructor (private readonly host: QueueViewHost) {}

  status (): QueueStatus {
    const queue = this.host.queue()
    const keys = this.leaderKeys()
    // Only queued requests wait, so the pending ones are enough (the history can be long): active ones come first.
    const waiting = queue.pending().slice(queue.activeCount).filter(request => this.waits(request.readers, keys)).length
    const { leader, term, isLeader } = this.host.election()
    return { ...queue.counts(this.host.clock.now()), waiting, leader, term, isLeader }
  }

  tally (): QueueTally {
    return this.host.queue().tally()
  }

  /** The queue, each queued request the current leader may not open marked with the roles it waits for. */
  list (): QueueListRow[] {
    const now = this.host.clock.now()
    const keys = this.leaderKeys()
    return this.host.queue().list().map(row => {
      const waits = row.state === 'queued' && this.waits(row.readers, keys)
      return { ...row, ...(waits ? { waitingFor: row.readers } : {}), ageMs: Math.max(0, now - row.acceptedAt) }
    })
  }

  /** Whether a queued request sealed for `readers` waits for another leader: this one holds none of their keys. */
  private waits (readers: readonly string[] | undefined, keys: readonly string[] | null): boolean {
    return readers !== undefined && keys !== null && !readers.some(role => keys.includes(role))
  }

  /**
   * The roles whose keys the current leader holds (null while none is known): this peer's own when it leads; else as
   * keys are given out, every role for the admin (the cluster's creator) and its certified role for any other member.
   */
  private leaderKeys (): string[] | null {
    const { leader } = this.host.election()
    if (leader === null) return null
    if (leader === this.host.nodeId) return this.host.heldRoles()
    if (leader === this.host.adminKey) return this.host.clusterRoles()
    const role = this.host.memberRole(leader)
    return typeof role === 'string' ? [role] : null
  }
}
