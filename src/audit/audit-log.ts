/**
 * A peer's audit log: its own audit core (a second Hypercore in its Corestore, so signed and append-only like its writer
 * log) and the replicas of the other members' audit cores it learnt of. Events are appended in batches: `record` only
 * queues, and one append takes whatever queued while the previous one was written, so a burst of writes costs a few
 * appends. As a witness it co-signs another member's head once its own replica of that core agrees with it.
 */
import type Hypercore from 'hypercore'
import type { Clock } from '../clock.js'
import type { NodeIdentity } from '../crypto/identity.js'
import { KEY_HEX_PATTERN } from '../crypto/key-text.js'
import { corrupt, unavailable } from '../errors.js'
import { decodeAuditEvent, encodeAuditEvent, type AuditEvent, type AuditKind } from './audit-event.js'
import { signBinding, signCheckpoint, type AuditHead } from './checkpoint.js'

/** A witness co-signs a member's head at most this often (and only when the member logged more than checkpoints). */
export const WITNESS_INTERVAL_MS = 30_000
/**
 * How long an event waits in memory for others to join its append. Appending at once after each write cost a third of
 * the distribute throughput of a three-peer cluster (single-record distributes: 190 against 277 a second): the audit
 * core's append shares the store's database with the log's. An event waits at most this long (`flushed` appends at once).
 */
export const AUDIT_FLUSH_MS = 250
/** How long a witness waits for a member's audit core to download up to the head it announced. */
export const AUDIT_DOWNLOAD_TIMEOUT_MS = 10_000

export interface AuditLogHost {
  /** This peer's audit core; null when the store is open read-only and has none yet. */
  own: Hypercore | null
  /** Another peer's audit core, by key, from the same store (opened, so replicated, from then on). */
  coreOf: (key: Buffer) => Hypercore
  node: string
  role: string
  cluster: string
  identity: NodeIdentity
  clock: Clock
  /** Told of an append that failed (the events of that batch are lost: the caller logs it). */
  onError?: (err: unknown) => void
}

/** An audit core this peer holds: its own or a member's, and the node it belongs to. */
export interface HeldCore { node: string, key: string, core: Hypercore, own: boolean }

/** An event with where it is: which node's core, which block. */
export interface PlacedEvent { core: string, owner: string, index: number, event: AuditEvent }

/** The fixed fields of an event, which the fields given to `record` never replace. */
type EventFields = Record<string, unknown> & { kind?: never, at?: never, node?: never }

export class AuditLog {
  private readonly known = new Map<string, HeldCore>()
  private pending: Buffer[] = []
  /** Who waits on the queued events' append (`recordNow`): told of its outcome, with the batch it joins. */
  private waiters: Array<{ resolve: () => void, reject: (err: unknown) => void }> = []
  private flushing: Promise<void> | null = null
  private flushTimer: unknown = null
  /** Per member core: the length last co-signed here, and when. */
  private readonly cosigned = new Map<string, { length: number, at: number }>()
  /** Appends that failed (each lost its batch's events). */
  failedAppends = 0
  /** False: `record` records nothing (the baseline `audit_overhead` is measured against). */
  recording = true
  /** Told of an append that failed, beside the host's `onError` (the cluster node logs it: fail-open is never silent). */
  onAppendError: ((err: unknown) => void) | null = null

  private constructor (private readonly host: AuditLogHost) {}

  /** Opens the log: block 0 binds a new core to this node; the members' cores it learnt of are opened again. */
  static async open (host: AuditLogHost): Promise<AuditLog> {
    const log = new AuditLog(host)
    const own = host.own
    if (own === null) return log
    await own.ready()
    const key = own.key!.toString('hex')
    log.known.set(key, { node: host.node, key, core: own, own: true })
    if (own.writable && own.length === 0) {
      log.record('open', { key, proof: signBinding(host.identity, host.cluster, key) })
      await log.flushed()
    }
    for (let index = 0; index < own.length; index++) {
      const block = await own.get(index, { wait: false })
      if (block === null) continue
      let event: AuditEvent
      try {
        event = decodeAuditEvent(block, `block ${index} of this peer's audit core`)
      } catch {
        continue
      }
      if (event.kind === 'audit-core' && typeof event.subject === 'string' && typeof event.key === 'string') await log.hold(event.subject, event.key)
      if (event.kind === 'checkpoint' && typeof event.key === 'string' && typeof event.length === 'number') log.cosigned.set(event.key, { length: event.length, at: event.at })
    }
    return log
  }

  get writable (): boolean {
    return this.host.own?.writable === true
  }

  /** Queues an event for the next batch; a read-only log records nothing. */
  record (kind: AuditKind, fields: EventFields = {}, role = this.host.role): void {
    if (!this.recording || !this.writable) return
    const fixed = { kind, at: this.host.clock.now(), node: this.host.node, role }
    this.pending.push(encodeAuditEvent(Object.assign({ ...fixed }, fields, fixed)))
    if (this.flushTimer === null && this.flushing === null) this.flushTimer = this.host.clock.setTimeout(() => this.flush(), AUDIT_FLUSH_MS)
  }

  /**
   * Appends an event now, joining whatever else is queued, and resolves once it is in the core: a write that must not
   * happen unrecorded (`auditFailClosed`) waits on it. Rejects UNAVAILABLE when the core cannot take it (closed,
   * read-only, or its append failed).
   */
  async recordNow (kind: AuditKind, fields: EventFields = {}, role = this.host.role): Promise<void> {
    if (!this.recording) return
    if (!this.writable) throw unavailable('this peer\'s audit core is not open for writing')
    const appended = new Promise<void>((resolve, reject) => { this.waiters.push({ resolve, reject }) })
    this.record(kind, fields, role)
    this.flush()
    await appended
  }

  /** Starts appending what is queued, unless an append runs already (it takes what queued before it ends). */
  private flush (): void {
    if (this.flushTimer !== null) this.host.clock.clearTimeout(this.flushTimer)
    this.flushTimer = null
    this.flushing ??= this.drain()
  }

  private async drain (): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending
      const waiters = this.waiters
      this.pending = []
      this.waiters = []
      try {
        await this.host.own!.append(batch)
        for (const waiter of waiters) waiter.resolve()
      } catch (err) {
        this.failedAppends++
        this.host.onError?.(err)
        this.onAppendError?.(err)
        const failed = unavailable(`this peer's audit core could not append (${err instanceof Error ? err.message : String(err)})`)
        for (const waiter of waiters) waiter.reject(failed)
      }
    }
    this.flushing = null
  }

  /** Resolves once every event recorded so far is appended (or its append failed). */
  async flushed (): Promise<void> {
    if (this.pending.length > 0) this.flush()
    while (this.flushing !== null) await this.flushing
  }

  /** This peer's head: what it announces to its members. */
  async head (): Promise<AuditHead | null> {
    const own = this.host.own
    if (own === null) return null
    return { key: own.key!.toString('hex'), length: own.length, treeHash: (await own.treeHash(own.length)).toString('hex') }
  }

  /** Every audit core held here: this peer's first, then the members' in the order they were learnt. */
  cores (): HeldCore[] {
    return [...this.known.values()]
  }

  /** Opens a member's audit core (replicated from now on) and remembers it in this peer's log the first time. */
  async learn (node: string, key: string): Promise<HeldCore> {
    const held = this.known.get(key)
    if (held !== undefined) return held
    const core = await this.hold(node, key)
    this.record('audit-core', { subject: node, key })
    return core
  }

  private async hold (node: string, key: string): Promise<HeldCore> {
    if (!KEY_HEX_PATTERN.test(key) || !KEY_HEX_PATTERN.test(node)) throw corrupt(`not an audit core key: ${key.slice(0, 80)}`)
    const core = this.host.coreOf(Buffer.from(key, 'hex'))
    await core.ready()
    const held = { node, key, core, own: false }
    this.known.set(key, held)
    return held
  }

  /**
   * A member announced its audit head: its core is downloaded up to it, and the head checked against what arrived.
   * A head that agrees is co-signed (a checkpoint in this peer's log) when the member logged more than checkpoints
   * since the last one and the interval passed; one that does not is recorded as a mismatch. Returns what came of it.
   */
  async witness (node: string, head: AuditHead, options: { intervalMs?: number, timeoutMs?: number } = {}): Promise<'cosigned' | 'agrees' | 'behind' | 'mismatch'> {
    if (node === this.host.node) return 'agrees'
    const { core } = await this.learn(node, head.key)
    if (head.length === 0) return 'agrees'
    await this.download(core, head.length, options.timeoutMs ?? AUDIT_DOWNLOAD_TIMEOUT_MS)
    if (core.length < head.length) return 'behind'
    const held = (await core.treeHash(head.length)).toString('hex')
    if (held !== head.treeHash) {
      this.record('audit-mismatch', { subject: node, key: head.key, length: head.length, announced: head.treeHash, held })
      return 'mismatch'
    }
    const last = this.cosigned.get(head.key)
    const now = this.host.clock.now()
    if (last !== undefined && (head.length <= last.length || now - last.at < (options.intervalMs ?? WITNESS_INTERVAL_MS))) return 'agrees'
    if (!(await this.loggedMoreThanCheckpoints(core, last?.length ?? 0, head.length))) return 'agrees'
    this.cosigned.set(head.key, { length: head.length, at: now })
    this.record('checkpoint', { subject: node, ...head, signature: signCheckpoint(this.host.identity, this.host.cluster, node, head) })
    return 'cosigned'
  }

  /** Whether blocks [from, to) hold an event other than a checkpoint: co-signing only checkpoints would never settle. */
  private async loggedMoreThanCheckpoints (core: Hypercore, from: number, to: number): Promise<boolean> {
    for (let index = from; index < to; index++) {
      const block = await core.get(index, { wait: false })
      if (block === null) return true
      try {
        const kind = decodeAuditEvent(block, 'a block').kind
        if (kind !== 'checkpoint' && kind !== 'audit-core') return true
      } catch {
        return true
      }
    }
    return false
  }

  private async download (core: Hypercore, length: number, timeoutMs: number): Promise<void> {
    if (core.contiguousLength >= length) return
    const range = core.download({ start: core.contiguousLength, end: length })
    let timer: unknown
    try {
      await Promise.race([range.done(), new Promise((_resolve, reject) => {
        timer = this.host.clock.setTimeout(() => reject(unavailable(`downloading audit core ${core.key!.toString('hex').slice(0, 12)} timed out`)), timeoutMs)
      })])
    } finally {
      this.host.clock.clearTimeout(timer)
      range.destroy()
    }
  }

  /** Every event of every audit core held here, in block order per core (blocks that do not decode are left out). */
  async events (): Promise<PlacedEvent[]> {
    await this.flushed()
    const placed: PlacedEvent[] = []
    for (const held of this.known.values()) {
      for (let index = 0; index < held.core.contiguousLength; index++) {
        const block = await held.core.get(index, { wait: false })
        if (block === null) break
        try {
          placed.push({ core: held.key, owner: held.node, index, event: decodeAuditEvent(block, `block ${index}`) })
        } catch {}
      }
    }
    return placed
  }
}
