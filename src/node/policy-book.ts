/**
 * The cluster policies a peer holds: every version the admin signed that reached it (from its home's policy.json and
 * the logs), the newest of which is in force. An entry names the version its leader checked it against; a peer checks
 * it again against that same version, so every peer judges it alike however late the policy reached it. An entry that
 * names a version this peer has not received yet is applied (it cannot judge it; the version's own entry is on its way).
 *
 * A hand-written record is judged at the levels its sections are sealed at (plain in its envelope), as the leader judged
 * the record it was asked to write. What it does not stop: a leader that lies about who asked (it writes the
 * requester's role itself); the term rule (term-evidence.ts) only proves it was elected.
 */
import type { AccessLevel } from '../crypto/levels.js'
import { isAccessLevel } from '../crypto/levels.js'
import { BUILT_IN_POLICY_VERSION, writeRefusal, type PolicyRules, type WriteOp } from '../leader/write-policy.js'
import { envelopeLevels } from '../crypto/envelope-codec.js'
import type { LogEntry } from '../storage/log-entry.js'
import { policyProblem, type SignedPolicy } from './cluster-policy.js'

/**
 * The levels a context entry's sections are sealed at, read from its envelope without opening it (none for a removal,
 * whose envelope is empty, or for an envelope that does not decode, which no reader can open either).
 */
function sealedLevels (envelope: Buffer): AccessLevel[] {
  if (envelope.byteLength === 0) return []
  try {
    return envelopeLevels(envelope)
  } catch {
    return []
  }
}

export class PolicyBook {
  private readonly versions = new Map<number, SignedPolicy>()
  #inForce: SignedPolicy | null = null

  /** `clearanceOf`: a role's clearance in the cluster now, undefined for a role it does not have. */
  constructor (
    private readonly trust: { cluster: string, adminKey: string },
    private readonly clearanceOf: (role: string) => AccessLevel | undefined
  ) {}

  /** The newest policy held (null: none signed yet, the built-in rule is in force). */
  get inForce (): SignedPolicy | null {
    return this.#inForce
  }

  /** The version entries are stamped with now (0 for the built-in rule). */
  get version (): number {
    return this.#inForce?.version ?? BUILT_IN_POLICY_VERSION
  }

  /**
   * Keeps a policy already checked (policyProblem): `adopted` when it is newer than the one in force, `older` when a
   * newer one is in force (kept, as older entries name it), `held` when this version was held already.
   */
  add (policy: SignedPolicy): 'adopted' | 'older' | 'held' {
    if (this.versions.has(policy.version)) return 'held'
    this.versions.set(policy.version, policy)
    if (this.#inForce !== null && this.#inForce.version > policy.version) return 'older'
    this.#inForce = policy
    return 'adopted'
  }

  /** The rules of a version: null for the built-in rule, undefined for a version not held. */
  rulesOf (version: number): PolicyRules | null | undefined {
    if (version === BUILT_IN_POLICY_VERSION) return null
    return this.versions.get(version)
  }

  /** Why `role` may not do `op` at `levels` under the policy in force; null when it may. */
  refusal (op: WriteOp, role: string, levels: readonly AccessLevel[] = []): string | null {
    const clearance = this.clearanceOf(role)
    if (clearance === undefined) return `role ${role} is not a role of this cluster`
    return writeRefusal(op, role, clearance, levels, this.#inForce)
  }

  /** Why a replicated entry breaks the policy it names (or is a forged policy); null when it does not, or cannot be judged. */
  entryRefusal (entry: LogEntry): string | null {
    switch (entry.type) {
      case 'policy': {
        const problem = policyProblem(entry.document, this.trust)
        if (problem !== null) return `a cluster policy that is not the admin's: ${problem}`
        return (entry.document as { version?: unknown }).version === entry.policyVersion ? null : 'a policy entry whose version is not its document\'s'
      }
      case 'request':
        return entry.requesterRole === undefined ? null : this.stampRefusal('generate', entry.requesterRole, entry.policyVersion, [])
      case 'decision':
        return this.stampRefusal('decide', entry.author, entry.policyVersion, isAccessLevel(entry.level) ? [entry.level] : [])
      case 'context':
        // A hand-written record's section levels are plain in its envelope: the leader checked the same levels.
        return entry.requesterRole === undefined || entry.generated === true ? null : this.stampRefusal('distribute', entry.requesterRole, entry.policyVersion, sealedLevels(entry.envelope))
      default:
        return null
    }
  }

  private stampRefusal (op: WriteOp, role: string, version: number | undefined, levels: readonly AccessLevel[]): string | null {
    if (version === undefined) return null
    const rules = this.rulesOf(version)
    if (rules === undefined) return null
    const clearance = this.clearanceOf(role)
    if (clearance === undefined) return `written for role ${role}, which is not a role of this cluster`
    const refusal = writeRefusal(op, role, clearance, levels, rules)
    return refusal === null ? null : `written against the policy: ${refusal}`
  }
}
