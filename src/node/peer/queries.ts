/**
 * What the local peer answers from its view: a record as a role may read it (the read audited), the addresses it holds,
 * the decision graph's history, hops and influence up to the asking role's clearance, freshness against a working
 * tree, and its status. A role asks only if this peer holds its key.
 */
import { accessDenied, badInput } from '../../errors.js'
import type { AuditLog } from '../../audit/audit-log.js'
import type { Keyring } from '../../crypto/keyring.js'
import type { RoleDirectory } from '../../crypto/role-directory.js'
import type { RecordKind } from '../../context/record.js'
import type { Leadership } from '../../leader/leadership.js'
import type { ContextStore, Retrieved } from '../../storage/context-store.js'
import { DEFAULT_HOPS, type DecideInput, type DecisionIndex, type DecisionView, type HistoryReport, type HopsReport } from '../../temporal/decisions.js'
import type { InfluenceOrder, InfluenceRow } from '../../temporal/graph.js'
import { freshnessOf, type FreshnessReport } from '../freshness.js'
import { roleEntry, type PeerConfig } from '../home.js'
import type { StatusReport } from './types.js'

/** What the queries need of the peer that answers them. */
export interface QueriesHost {
  home: string
  config: PeerConfig
  keyring: Pick<Keyring, 'hasRole' | 'roles'>
  store: ContextStore
  directory: () => RoleDirectory
  /** The decision graph, built the first time it is asked for (see LocalPeer.decisions). */
  decisions: () => DecisionIndex
  audit: Pick<AuditLog, 'record'>
  /** What a read's event says of its address (see PeerAudit.readFields). */
  readFields: (address: string, depth: number) => Record<string, unknown>
  /** The members of the roster this home holds (see WritePermission.rosterSize). */
  rosterSize: () => number
  leadership: () => Leadership
}

export class PeerQueries {
  constructor (private readonly host: QueriesHost) {}

  async retrieve (address: string, role: string, depth: number): Promise<Retrieved> {
    // Checked first: a role this peer holds no key for is refused (3) whether or not the address has a record.
    this.clearanceOf(role)
    const retrieved = await this.host.store.retrieve(address, role, depth)
    this.host.audit.record('read', this.host.readFields(address, depth), role)
    return retrieved
  }

  /** The addresses with a live record at or below `under` (all when undefined), and their kinds, sorted. */
  async addresses (under?: string): Promise<Array<{ address: string, kind: RecordKind }>> {
    return this.host.store.liveAddresses(under)
  }

  /** The clearance of a role this peer holds; a role it does not hold may not ask (its answers would reveal more). */
  private clearanceOf (role: string): ReturnType<typeof roleEntry>['clearance'] {
    const { config, keyring } = this.host
    const entry = roleEntry(config, role)
    if (!keyring.hasRole(role)) throw accessDenied(`this peer holds no key for role "${role}": ask as a role it holds (${keyring.roles().join(', ') || 'none'})`)
    return entry.clearance
  }

  /** A retry of a decision the graph holds already (see DecisionIndex.retryOf); undefined when it holds none with that id. */
  decisionRetry (input: DecideInput, author: string): DecisionView | undefined {
    return this.host.decisions().retryOf(input, author)
  }

  async history (address: string, role: string): Promise<HistoryReport> {
    return await this.host.decisions().history(address, role, this.clearanceOf(role))
  }

  async hops (target: string, role: string, max = DEFAULT_HOPS): Promise<HopsReport> {
    return this.host.decisions().hops(target, max, role, this.clearanceOf(role))
  }

  async influence (role: string, max = DEFAULT_HOPS, limit = 10, order?: InfluenceOrder): Promise<InfluenceRow[]> {
    return this.host.decisions().influence(max, limit, this.clearanceOf(role), order)
  }

  /** Which of the project's generated addresses are stale against the working tree at `root`, and when it was last generated. */
  async freshness (root: string, project?: string): Promise<FreshnessReport> {
    const name = project ?? this.host.config.project
    if (name === undefined) throw badInput('this peer has no default project: name one')
    return await freshnessOf(this.host.store, root, name)
  }

  async status (): Promise<StatusReport> {
    const { config, keyring, store } = this.host
    const directory = this.host.directory()
    const members = this.host.rosterSize()
    // Alone, this peer leads; one of several without its daemon, it cannot know who does (its own vote may be for another).
    const leadership = members > 1 ? { leader: null, term: 0 } : this.host.leadership()
    return {
      node: { id: config.nodeId, role: config.role },
      cluster: config.cluster.name,
      leader: leadership.leader,
      term: leadership.term,
      peers: 0,
      viewHash: store.viewHash,
      mode: 'local' as const,
      members,
      home: this.host.home,
      records: store.recordCount,
      log: { length: store.logLength, bytes: store.logBytes },
      replication: { mode: config.replication ?? 'full', payloadBlocks: await store.heldPayloadBlocks() },
      roles: directory.names().map(name => {
        const entry = directory.get(name)!
        return { name, clearance: entry.clearance, epoch: entry.epoch, held: keyring.hasRole(name) }
      })
    }
  }
}
