/** The peer API through a running daemon's control socket: what every command uses when a daemon runs. */
import { resolve } from 'node:path'
import type { Retrieved } from '../storage/context-store.js'
import type { RecordKind } from '../context/record.js'
import { ControlClient } from './control.js'
import type { KeysBundle } from './keys-bundle.js'
import type { SignedPolicy } from './cluster-policy.js'
import type { AdminAuditEvent } from '../audit/audit-event.js'
import { readConfig, type PeerConfig } from './home.js'
import type { DistributeReport, GenerateOptions, GeneratePart, GenerateReport, ResealReport, StatusReport } from './local-peer.js'
import type { FreshnessReport } from './freshness.js'
import type { DecideInput, DecisionView, HistoryReport, HopsReport } from '../temporal/decisions.js'
import type { ElectStatus, PeerRow, QueueListRow, QueueStatus, SyncReport } from './cluster/index.js'
import type { ClusterEvent } from './events.js'
import type { BzzzError } from '../errors.js'
import type { InfluenceOrder, InfluenceRow } from '../temporal/graph.js'

function isPartEvent (event: unknown): event is GeneratePart & { kind: 'part' } {
  const e = event as Record<string, unknown> | null
  return typeof e === 'object' && e !== null && e.kind === 'part' && typeof e.id === 'string' &&
    ['index', 'count', 'files', 'bytes'].every(key => Number.isSafeInteger(e[key]))
}

export class DaemonClient {
  readonly config: PeerConfig
  private constructor (private readonly client: ControlClient, home: string) {
    this.config = readConfig(home)
  }

  static async connect (home: string, socket: string): Promise<DaemonClient | null> {
    const client = await ControlClient.connect(socket)
    return client === null ? null : new DaemonClient(client, home)
  }

  async generate (options: GenerateOptions & { noWait?: boolean }): Promise<GenerateReport> {
    const { onProgress: _, onPart, ...rest } = options
    const args = { ...rest, path: resolve(rest.path), ...(rest.root !== undefined ? { root: resolve(rest.root) } : {}) }
    return await this.client.callTelling('generate', args, event => {
      if (isPartEvent(event)) onPart?.({ index: event.index, count: event.count, id: event.id, files: event.files, bytes: event.bytes })
    })
  }

  async distribute (record: unknown, roles: readonly string[] | undefined, source: string, _term?: number, decision?: string): Promise<DistributeReport> {
    return await this.client.call('distribute', { record, roles, source, ...(decision !== undefined ? { decision } : {}) })
  }

  async publishKeys (bundle: KeysBundle): Promise<{ rolesVersion: number, grants: number }> {
    return await this.client.call('keys', { bundle })
  }

  async publishPolicy (policy: SignedPolicy): Promise<{ version: number }> {
    return await this.client.call('policy', { policy })
  }

  async reseal (roles: readonly string[]): Promise<ResealReport> {
    return await this.client.call('reseal', { roles })
  }

  async recordAdmin (event: AdminAuditEvent): Promise<void> {
    await this.client.call('audit-admin', { event })
  }

  async decide (input: DecideInput): Promise<DecisionView> {
    return await this.client.call('decide', { input })
  }

  async history (address: string, role: string): Promise<HistoryReport> {
    return await this.client.call('history', { address, role })
  }

  async hops (target: string, role: string, max?: number): Promise<HopsReport> {
    return await this.client.call('hops', { target, role, ...(max !== undefined ? { max } : {}) })
  }

  async influence (role: string, max?: number, limit?: number, order?: InfluenceOrder): Promise<InfluenceRow[]> {
    return await this.client.call('influence', { role, ...(max !== undefined ? { max } : {}), ...(limit !== undefined ? { limit } : {}), ...(order !== undefined ? { order } : {}) })
  }

  async addresses (under?: string): Promise<Array<{ address: string, kind: RecordKind }>> {
    return await this.client.call('addresses', under !== undefined ? { under } : {})
  }

  async freshness (root: string, project?: string): Promise<FreshnessReport> {
    return await this.client.call('freshness', { root: resolve(root), ...(project !== undefined ? { project } : {}) })
  }

  async retrieve (address: string, role: string, depth: number): Promise<Retrieved> {
    return await this.client.call('retrieve', { address, role, depth })
  }

  async status (): Promise<StatusReport> {
    return await this.client.call('status')
  }

  async peers (): Promise<PeerRow[]> {
    return await this.client.call('peers')
  }

  async sync (timeout: number): Promise<SyncReport> {
    return await this.client.call('sync', { timeout })
  }

  async electStatus (): Promise<ElectStatus> {
    return await this.client.call('elect-status')
  }

  async campaign (): Promise<ElectStatus> {
    return await this.client.call('elect-campaign')
  }

  async resign (): Promise<ElectStatus> {
    return await this.client.call('elect-resign')
  }

  async queueStatus (): Promise<QueueStatus> {
    return await this.client.call('queue-status')
  }

  async queueList (): Promise<QueueListRow[]> {
    return await this.client.call('queue-ls')
  }

  /** Follows the daemon's events (see events.ts): the recent ones now, then each as it happens, until `close`. */
  async watch (onEvent: (event: ClusterEvent | { kind: 'lost', count: number }) => void, onEnd: (err: BzzzError) => void): Promise<{ node: string, recent: ClusterEvent[] }> {
    return await this.client.watch('watch', {}, onEvent as (event: unknown) => void, onEnd)
  }

  async stop (): Promise<{ pid: number }> {
    return await this.client.call('stop')
  }

  async close (): Promise<void> {
    this.client.close()
  }
}
