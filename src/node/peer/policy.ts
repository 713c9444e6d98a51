/**
 * The cluster's signed policy on the local peer: the one saved in its home, each one the logs carry as the view applies
 * it (the newest in force, saved and audited), and the appending of a new one the admin signed.
 */
import { badInput } from '../../errors.js'
import type { Clock } from '../../clock.js'
import type { AuditLog } from '../../audit/audit-log.js'
import type { AccessLevel } from '../../crypto/levels.js'
import type { ContextStore } from '../../storage/context-store.js'
import { loadPolicy, parseSignedPolicy, writePolicy, type SignedPolicy } from '../cluster-policy.js'
import type { PeerConfig } from '../home.js'
import { PolicyBook } from '../policy-book.js'
import type { WriteHost } from './types.js'

/** The policies the home holds, before the store opens (whose view checks each entry against the one in force). */
export function openPolicyBook (home: string, config: PeerConfig, clearance: (role: string) => AccessLevel | undefined): PolicyBook {
  const trust = { cluster: config.cluster.id, adminKey: config.cluster.adminKey }
  const policies = new PolicyBook(trust, clearance)
  const saved = loadPolicy(home, trust)
  if (saved !== null) policies.add(saved)
  return policies
}

/** What the policy needs of the peer that holds it. */
export interface PolicyHost extends WriteHost {
  home: string
  config: PeerConfig
  /** Opened to read only: a policy taken up is not saved to the home (the daemon saves it). */
  readOnly: boolean
  store: ContextStore
  clock: Clock
  audit: Pick<AuditLog, 'record'>
}

export class PeerPolicy {
  /** The last save of policy.json, awaited at close. */
  #saved: Promise<void> = Promise.resolve()

  constructor (readonly book: PolicyBook, private readonly host: PolicyHost) {}

  /**
   * Takes up each policy entry as the view applies it (before the entries after it are checked), and those the logs
   * held already (applied before this open, or while the store opened).
   */
  follow (): void {
    const { store } = this.host
    store.subscribe(event => { if (!Array.isArray(event) && event.entry.type === 'policy') this.adopt(event.entry.document as unknown as SignedPolicy) })
    for (const event of store.queueEvents()) if (event.entry.type === 'policy') this.adopt(event.entry.document as unknown as SignedPolicy)
  }

  /**
   * Keeps a policy from the logs (the view checked its signature); a newer one than in force is adopted, saved to the
   * home (so it holds across restarts) and audited. Returns whether it was adopted.
   */
  private adopt (policy: SignedPolicy): boolean {
    if (this.book.add(policy) !== 'adopted') return false
    this.host.audit.record('policy', { version: policy.version, issuer: policy.issuer })
    if (!this.host.readOnly) {
      const inForce = this.book.inForce!
      this.#saved = this.#saved.then(async () => { if (this.book.inForce === inForce) await writePolicy(this.host.home, inForce) })
    }
    return true
  }

  /** Publishes a policy the admin signed, alone (a cluster's daemon sends it to its leader instead). */
  async publish (policy: SignedPolicy): Promise<{ version: number }> {
    await this.append(policy)
    return { version: policy.version }
  }

  /**
   * Appends a policy the admin signed to this peer's log, as the leader of `term` (alone: the solo term), and takes it
   * up; one not newer than the policy in force is refused (BAD_INPUT), a forged one (ACCESS_DENIED).
   */
  async append (value: unknown, term?: number): Promise<void> {
    const { config } = this.host
    const policy = parseSignedPolicy(value, { cluster: config.cluster.id, adminKey: config.cluster.adminKey })
    if (policy.version <= this.book.version) throw badInput(`policy version ${policy.version} is not newer than the one in force (${this.book.version}): give it version ${this.book.version + 1} or more`)
    if (term === undefined) this.host.requireWriter('a policy change')
    await this.host.store.appendQueueEntry({ type: 'policy', address: '', policyVersion: policy.version, document: policy as unknown as Record<string, unknown> }, {
      term: term ?? this.host.soloTerm(), nowMs: this.host.clock.now()
    })
    await this.#saved
  }

  /** Once the last save of policy.json is done (a failed save is not the closer's to report). */
  async saved (): Promise<void> {
    await this.#saved.catch(() => {})
  }
}
