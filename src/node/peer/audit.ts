/**
 * src/node/peer/ holds the parts of the local peer, each one job, which src/node/local-peer.ts wires (no part imports
 * it or another part). This one is the peer's side of its audit log: the events of what it writes to its own log and
 * what its view refuses, reads with the address in clear or hashed, writes that fail closed, and the admin's events.
 */
import { accessDenied, unavailable } from '../../errors.js'
import type { AuditLog } from '../../audit/audit-log.js'
import type { AdminAuditEvent } from '../../audit/audit-event.js'
import { hashAddress, readSalt } from '../../audit/read-hash.js'
import type { Keyring } from '../../crypto/keyring.js'
import type { ContextStore } from '../../storage/context-store.js'
import type { QueueEvent } from '../../storage/view-items.js'
import type { PeerConfig } from '../home.js'
import type { AuditOptions } from './types.js'

export class PeerAudit {
  /** How this peer audits; a test may change a field of it on an open peer. */
  readonly options: AuditOptions
  /** The salt of hashed reads, once derived (null: this peer holds no digest key, so cannot hash). */
  #salt: Buffer | null | undefined

  constructor (
    readonly log: AuditLog,
    private readonly config: PeerConfig,
    private readonly keyring: Pick<Keyring, 'digestKey' | 'digestKeys'>,
    options: Partial<AuditOptions> | undefined
  ) {
    this.options = { hashReads: false, failClosed: false, ...options }
  }

  /** What this peer writes to its own log, and what its view refuses, go to its audit log as they are applied. */
  follow (store: ContextStore): void {
    const { log } = this
    store.subscribe(event => { if (!Array.isArray(event) && event.writer === store.writer) auditEntry(log, event) })
    store.onRefusal(refusal => log.record('refused-entry', { writer: refusal.writer, seq: refusal.seq, entry: refusal.type, term: refusal.term, reason: refusal.reason }))
  }

  /**
   * What a read's event says of its address: the address, or with `hashReads` its hash with the cluster's salt. A peer
   * that holds no digest key (a viewer) cannot hash it: the address is left out (`addressHidden`), never written in clear.
   */
  readFields (address: string, depth: number): Record<string, unknown> {
    if (!this.options.hashReads) return { address, depth }
    const salt = this.readSalt()
    return salt === null ? { addressHidden: true, depth } : { addressHash: hashAddress(salt, address), depth }
  }

  /** The salt reads are hashed with (see src/audit/read-hash.ts); null without the cluster's digest key. */
  readSalt (): Buffer | null {
    if (this.#salt === undefined) {
      const key = this.keyring.digestKey
      this.#salt = key === null ? null : readSalt(key, this.config.cluster.id)
    }
    return this.#salt
  }

  /** The salts of every digest key held, the current first: reads hashed before a revocation used an older one. */
  readSalts (): Buffer[] {
    return this.keyring.digestKeys.map(key => readSalt(key, this.config.cluster.id))
  }

  /** Told when a digest key was taken up: the next hashed read derives its salt again. */
  forgetReadSalt (): void {
    this.#salt = undefined
  }

  /**
   * With `failClosed`, a write's event is appended before the write, which is refused (UNAVAILABLE, exit 5) when it cannot
   * be: nothing is written unrecorded. Without, nothing waits: the write's events come after it, and one lost is logged.
   */
  async beforeWrite (op: string, fields: Record<string, unknown>, role?: string): Promise<void> {
    if (!this.options.failClosed) return
    try {
      await this.log.recordNow('write', { op, ...fields }, role)
    } catch (err) {
      throw unavailable(`refused the ${op}: its audit event could not be appended, and auditFailClosed is set (${err instanceof Error ? err.message : String(err)})`)
    }
  }

  /**
   * Records what the admin did outside the logs (see AdminAuditEvent) in this peer's audit log, and resolves once it is
   * appended. Only the admin invites and revokes: any other peer is refused.
   */
  async recordAdmin (event: AdminAuditEvent): Promise<void> {
    if (this.config.nodeId !== this.config.cluster.adminKey) throw accessDenied('only the cluster\'s admin records invites and revocations')
    // `role` of every event is its writer's (the admin's): the invited or revoked node's is `subjectRole`.
    const { kind, node, role, ...fields } = event
    await this.log.recordNow(kind, { subject: node, subjectRole: role, ...fields })
  }
}

/** The audit event of an entry this peer wrote to its own log: a request it accepted, a completion, a decision, keys. */
function auditEntry (audit: AuditLog, event: QueueEvent): void {
  const { entry } = event
  const where = { seq: event.seq, term: entry.version.term }
  switch (entry.type) {
    case 'request':
      audit.record('request-accepted', { id: entry.id, address: entry.address, requester: entry.requester, priority: entry.priority, ...(entry.readers !== undefined ? { readers: entry.readers } : {}), ...where })
      break
    case 'completion':
      audit.record('request-completed', { id: entry.id, address: entry.address, status: entry.status, ...(entry.report !== undefined ? { records: entry.report.records } : {}), ...where })
      break
    case 'decision':
      audit.record('decision', { id: entry.id, title: entry.title, address: entry.address, ...where }, entry.author)
      break
    case 'keys':
      audit.record('keys', { published: true, rolesVersion: entry.rolesVersion, ...where })
      break
    case 'policy':
      audit.record('policy', { published: true, version: entry.policyVersion, ...where })
      break
  }
}
