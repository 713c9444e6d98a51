/**
 * The daemon's feed of what happens in its cluster as this peer sees it (elections, members coming and going,
 * generation requests accepted and completed, decisions, refused peers and dropped frames), kept for `watch` on the
 * control socket: each event is numbered, stamped with the node's clock, kept among the last RECENT_EVENTS and told
 * to every subscriber as it happens.
 */
import type { Clock } from '../clock.js'
import type { ClusterNodeOptions } from './cluster/index.js'
import type { QueueEvent, VersionLine } from '../storage/view-items.js'

/** How many past events a new watcher is given, so a screen opened late still shows what led up to now. */
export const RECENT_EVENTS = 200

/** What happened, without its number and time. Decisions carry their id only: a title may be above a watcher's role. */
export type ClusterEventBody =
  | { kind: 'election', term: number, state: string, leader: string | null }
  | { kind: 'member', node: string, role: string | null, connected: boolean }
  | { kind: 'request', id: string, address: string, priority: string, requester: string }
  | { kind: 'completion', id: string, address: string, status: string, error?: string }
  | { kind: 'decision', id: string }
  | { kind: 'rejected', what: 'peer' | 'frame', node: string, reason: string }

export type ClusterEvent = ClusterEventBody & { seq: number, at: number }

type FeedHooks = Required<Pick<ClusterNodeOptions, 'onElection' | 'onMembership' | 'onRejected'>>

/** The event a log entry makes, or null for entries nobody watches (keys, context versions). */
export function eventOfEntry (event: QueueEvent | VersionLine): ClusterEventBody | null {
  if (Array.isArray(event)) return null
  const { entry } = event
  switch (entry.type) {
    case 'request': return { kind: 'request', id: entry.id, address: entry.address, priority: entry.priority, requester: entry.requester }
    case 'completion': return { kind: 'completion', id: entry.id, address: entry.address, status: entry.status, ...(entry.error !== undefined ? { error: entry.error } : {}) }
    case 'decision': return { kind: 'decision', id: entry.id }
    default: return null
  }
}

export class EventFeed {
  private seq = 0
  private readonly recent: ClusterEvent[] = []
  private readonly listeners = new Set<(event: ClusterEvent) => void>()

  constructor (private readonly clock: Clock) {}

  /** The node's options that feed this: give them to ClusterNode.start, then `attach` the started node's store. */
  hooks (): FeedHooks {
    return {
      onElection: ({ term, state, leader }) => { this.publish({ kind: 'election', term, state, leader }) },
      onMembership: ({ node, role, connected }) => { this.publish({ kind: 'member', node, role, connected }) },
      onRejected: ({ what, node, reason }) => { this.publish({ kind: 'rejected', what, node, reason }) }
    }
  }

  /** Follows the log entries as the store applies them; returns the unsubscribe. */
  attach (store: { subscribe: (listener: (event: QueueEvent | VersionLine) => void) => () => void }): () => void {
    return store.subscribe(entry => {
      const body = eventOfEntry(entry)
      if (body !== null) this.publish(body)
    })
  }

  publish (body: ClusterEventBody): void {
    const event = { ...body, seq: ++this.seq, at: this.clock.now() } as ClusterEvent
    this.recent.push(event)
    if (this.recent.length > RECENT_EVENTS) this.recent.shift()
    for (const listener of this.listeners) listener(event)
  }

  /** Tells `listener` of each event from now on; returns the unsubscribe. Never calls it before returning. */
  subscribe (listener: (event: ClusterEvent) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** The last RECENT_EVENTS events, oldest first. */
  recentEvents (): ClusterEvent[] {
    return [...this.recent]
  }
}
