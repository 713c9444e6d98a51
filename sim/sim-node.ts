/**
 * What the simulator asks of a running peer, whether its node runs in this process (memory mode, on the virtual clock)
 * or is a real daemon in a process of its own (swarm mode, sim/peer-process.ts), which the simulator can SIGKILL.
 *
 * The accessors are read on every tick (convergence, leadership); a process's are a snapshot it pushes as it changes
 * and on a short period. Everything else is a call.
 */
import type { ClusterNode } from '../src/node/cluster/index.js'
import type { Priority } from '../src/storage/vocabulary.js'

export interface SimElection { state: string, term: number, leader: string | null }

/** What a completed generate told its client, as the workload reads it. */
export interface SimCompletion { status: string, acknowledged: boolean, records: number | null }

export interface SimNode {
  readonly nodeId: string
  readonly role: string
  readonly election: SimElection
  readonly viewHash: string
  /** Whether this peer is linked with every peer its roster's link graph gives it (the mesh formed around it). */
  readonly meshed: boolean
  /** The state of a queued request in this peer's view, if it holds it. */
  queueState: (id: string) => string | undefined
  /** One record, or several in one write. */
  distribute: (record: Record<string, unknown> | Array<Record<string, unknown>>) => Promise<void>
  /** A generate accepted by the leader: its request id. */
  generate: (options: { path: string, root: string, project: string, priority?: Priority }) => Promise<string>
  completion: (id: string, timeoutMs: number) => Promise<SimCompletion>
  /** A client's retrieve (it may pull from peers first): the context's fields. */
  retrieve: (address: string, role: string) => Promise<Record<string, unknown>>
  /** What this peer's own store opens as `role`, pulling nothing: the context's fields. */
  read: (address: string, role: string) => Promise<Record<string, unknown>>
  /** The terms of every completion entry this peer holds, by request id. */
  completionTerms: () => Promise<Record<string, number[]>>
  /** How many generated records this peer holds at or below `address`. */
  generatedUnder: (address: string) => Promise<number>
  /** How many payloads blocks of other writers this peer holds, of how many they have (see ContextStore.heldPayloadBlocks). */
  heldPayloadBlocks: () => Promise<{ held: number, of: number, bytes: number }>
  /** The cluster's roles and their clearances, as this peer's directory holds them. */
  roles: () => Promise<Array<{ name: string, clearance: string }>>
  block: (peers: readonly string[]) => void
  unblock: () => void
}

/** A node of this process, as the simulator sees it. */
export function localSimNode (node: ClusterNode): SimNode {
  return {
    nodeId: node.nodeId,
    role: node.peer.config.role,
    get election () { return { state: node.election.state, term: node.election.term, leader: node.election.leader } },
    get viewHash () { return node.peer.store.viewHash },
    get meshed () { return meshed(node) },
    queueState: id => node.coordinator.queue.get(id)?.state,
    distribute: async record => { await node.distribute(record, undefined, 'the simulator') },
    generate: async options => {
      const report = await node.generate({ ...options, noWait: true })
      return report.request.id
    },
    completion: async (id, timeoutMs) => {
      const completion = await node.coordinator.completion(id, timeoutMs)
      return { status: completion.status, acknowledged: completion.report?.acknowledged !== undefined, records: completion.report?.records ?? null }
    },
    retrieve: async (address, role) => (await node.retrieve(address, role)).context as unknown as Record<string, unknown>,
    read: async (address, role) => (await node.peer.store.retrieve(address, role)).context as unknown as Record<string, unknown>,
    completionTerms: async () => completionTermsOf(node),
    generatedUnder: async address => node.peer.store.generatedUnder(address).length,
    heldPayloadBlocks: async () => {
      const { held, of, bytes } = await node.peer.store.heldPayloadBlocks({ bytes: true })
      return { held, of, bytes: bytes ?? 0 }
    },
    roles: async () => node.peer.directory.names().map(name => ({ name, clearance: String(node.peer.directory.get(name)!.clearance) })),
    block: peers => { node.block(peers) },
    unblock: () => { node.unblock() }
  }
}

/** Whether `node` is linked with every peer its roster's link graph gives it. */
export function meshed (node: ClusterNode): boolean {
  const wanted = node.linkGraph().get(node.nodeId)
  if (wanted === undefined) return false
  const linked = new Set(node.peers().map(peer => peer.id))
  return [...wanted].every(peer => linked.has(peer))
}

/** The terms of every completion entry `node` holds, by request id (one request may be completed in several terms). */
function completionTermsOf (node: ClusterNode): Record<string, number[]> {
  const terms: Record<string, number[]> = {}
  for (const event of node.peer.store.queueEvents()) {
    if (event.entry.type === 'completion') (terms[event.entry.id] ??= []).push(event.entry.version.term)
  }
  return terms
}
