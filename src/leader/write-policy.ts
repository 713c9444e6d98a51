/**
 * Who may write what: the rule the leader applies to every request it serves and every peer to every entry it
 * replicates. Without a cluster policy (none signed yet) it is the built-in one: a role whose clearance does not cover
 * `internal` (the viewer) only reads; any other role may generate, distribute and decide, and what it writes by hand
 * (a record's sections, a decision's rationale) may be sealed only at levels its clearance covers. A policy the admin
 * signed (src/node/cluster-policy.ts) names, per role, the ops it may do and the highest level it may write; a role it
 * does not name only reads. A policy never lifts a role above its clearance: a writer seals only what it may read.
 * A generate's sections are the analysis's, not the requester's words, so its levels are never checked.
 */
import { ACCESS_LEVELS, covers, levelRank, type AccessLevel } from '../crypto/levels.js'

export const WRITE_OPS = ['generate', 'distribute', 'decide'] as const
export type WriteOp = typeof WRITE_OPS[number]

/** The least clearance that may write at all: a role that may not read source may not have it analysed either. */
export const WRITER_CLEARANCE_MIN: AccessLevel = 'internal'

/** What one role may do under a policy: these ops, writing sections up to `level`. */
export interface RoleRule {
  ops: readonly WriteOp[]
  level: AccessLevel
}

/** The rules of a signed policy, by role name; its version names it in the entries written under it. */
export interface PolicyRules {
  version: number
  roles: Readonly<Record<string, RoleRule>>
}

/** The version entries carry when they were written under the built-in rule (no policy signed yet). */
export const BUILT_IN_POLICY_VERSION = 0

/** The built-in rule as rules per role, for the roles of a cluster (what `policy show` prints when none is signed). */
export function builtInRules (roles: ReadonlyArray<{ name: string, clearance: AccessLevel }>): Record<string, RoleRule> {
  const rules: Record<string, RoleRule> = {}
  for (const role of roles) rules[role.name] = { ops: covers(role.clearance, WRITER_CLEARANCE_MIN) ? [...WRITE_OPS] : [], level: role.clearance }
  return rules
}

/** The lower of two levels. */
function lowest (a: AccessLevel, b: AccessLevel): AccessLevel {
  return ACCESS_LEVELS[Math.min(levelRank(a), levelRank(b))]!
}

/**
 * Why `role` (of `clearance`) may not do `op` with sections at `levels` under `policy` (null: the built-in rule);
 * null when it may.
 */
export function writeRefusal (op: WriteOp, role: string, clearance: AccessLevel, levels: readonly AccessLevel[] = [], policy: PolicyRules | null = null): string | null {
  if (policy === null) {
    if (!covers(clearance, WRITER_CLEARANCE_MIN)) return `role ${role} only reads: it may not ${op} (a role that writes needs clearance ${WRITER_CLEARANCE_MIN} or above)`
    const above = [...new Set(levels.filter(level => !covers(clearance, level)))]
    if (above.length > 0) return `role ${role} (clearance ${clearance}) may not write sections at ${above.join(', ')}: a writer seals only what its own clearance covers`
    return null
  }
  const rule = Object.hasOwn(policy.roles, role) ? policy.roles[role] : undefined
  if (rule === undefined || !rule.ops.includes(op)) return `the cluster's policy (version ${policy.version}) does not let role ${role} ${op}`
  const highest = lowest(rule.level, clearance)
  const above = [...new Set(levels.filter(level => !covers(highest, level)))]
  if (above.length > 0) return `the cluster's policy (version ${policy.version}) lets role ${role} write sections up to ${highest}, not at ${above.join(', ')}`
  return null
}
