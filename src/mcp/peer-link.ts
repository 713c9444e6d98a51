/**
 * The peer an MCP server talks to for its whole life: the home's daemon when one answers (one connection, kept), else
 * the home's store opened read-only (kept, and opened again when another process changed it). A server that lost its
 * daemon finds the daemon again, or the home, on the next call.
 */
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { isBzzzError } from '../errors.js'
import type { RecordKind } from '../context/record.js'
import { DaemonClient } from '../node/daemon-client.js'
import { homePaths, readConfig, type PeerConfig } from '../node/home.js'
import { LocalPeer, type StatusReport } from '../node/local-peer.js'
import type { Retrieved } from '../storage/context-store.js'
import type { FreshnessReport } from '../node/freshness.js'
import type { DecideInput, DecisionView, HistoryReport, HopsReport } from '../temporal/decisions.js'

/** What the tools ask of a peer: the same calls on a LocalPeer and on a DaemonClient. */
export type LinkedPeer = Pick<LocalPeer, 'retrieve' | 'addresses' | 'freshness' | 'status' | 'history' | 'hops' | 'decide' | 'close'>

export class PeerLink {
  readonly config: PeerConfig
  private peer: LinkedPeer | null = null
  private mode: 'daemon' | 'local' | null = null
  /** The local store's checkpoint as it was when opened: its change means another process wrote. */
  private seen = ''

  constructor (readonly home: string) {
    this.config = readConfig(home)
  }

  private checkpointStamp (): string {
    try {
      const stat = statSync(join(homePaths(this.home).store, 'view.checkpoint'))
      return `${stat.mtimeMs}:${stat.size}`
    } catch {
      return ''
    }
  }

  /** The peer, opened on first use; a local store another process wrote to since is opened again. */
  async current (): Promise<LinkedPeer> {
    if (this.peer !== null && this.mode === 'local' && this.checkpointStamp() !== this.seen) await this.drop()
    if (this.peer !== null) return this.peer
    const daemon = await DaemonClient.connect(this.home, homePaths(this.home).controlSocket)
    if (daemon !== null) {
      this.mode = 'daemon'
      return (this.peer = daemon)
    }
    this.seen = this.checkpointStamp()
    this.mode = 'local'
    return (this.peer = await LocalPeer.open(this.home, { readOnly: true }))
  }

  get connectedTo (): 'daemon' | 'local' | null {
    return this.mode
  }

  private async drop (): Promise<void> {
    const peer = this.peer
    this.peer = null
    this.mode = null
    await peer?.close().catch(() => {})
  }

  /** Runs `work` on the peer; a daemon that went away is let go, so the next call finds what runs then. */
  async use<T> (work: (peer: LinkedPeer) => Promise<T>): Promise<T> {
    const peer = await this.current()
    try {
      return await work(peer)
    } catch (err) {
      if (this.mode === 'daemon' && (!isBzzzError(err) || err.code === 'UNAVAILABLE')) await this.drop()
      throw err
    }
  }

  /**
   * A decision: through the daemon (so through the leader), or without one on the home itself as its one-peer cluster,
   * which needs the store's lock: the read-only store is let go for the write and opened again after it.
   */
  async decide (input: DecideInput): Promise<DecisionView> {
    await this.current()
    if (this.mode === 'daemon') return await this.use(p => p.decide(input))
    await this.drop()
    const writer = await LocalPeer.open(this.home)
    try {
      return await writer.decide(input)
    } finally {
      await writer.close()
    }
  }

  async retrieve (address: string, role: string, depth: number): Promise<Retrieved> {
    return await this.use(p => p.retrieve(address, role, depth))
  }

  async addresses (under?: string): Promise<Array<{ address: string, kind: RecordKind }>> {
    return await this.use(p => p.addresses(under))
  }

  async status (): Promise<StatusReport> {
    return await this.use(p => p.status())
  }

  async freshness (root: string, project?: string): Promise<FreshnessReport> {
    return await this.use(p => p.freshness(root, project))
  }

  async history (address: string, role: string): Promise<HistoryReport> {
    return await this.use(p => p.history(address, role))
  }

  async hops (target: string, role: string, max?: number): Promise<HopsReport> {
    return await this.use(p => p.hops(target, role, max))
  }

  async close (): Promise<void> {
    await this.drop()
  }
}
