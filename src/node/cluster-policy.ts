/**
 * The cluster policy as a document: which roles may generate, distribute and decide, and up to which level, signed by
 * the admin's node key with a version that grows with each change. The admin writes a plain file (`policy set FILE`),
 * checked here field by field; the signed policy travels to the leader, which writes it into its log (a `policy`
 * entry), and every peer adopts the newest valid one and keeps it in its home (policy.json). The rules themselves are
 * pure (src/leader/write-policy.ts).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { signMessage, verifySignature, type NodeIdentity } from '../crypto/identity.js'
import { writeFileAtomic } from '../crypto/atomic-file.js'
import { ACCESS_LEVELS, covers, ROLE_NAME_PATTERN, type AccessLevel } from '../crypto/levels.js'
import { KEY_HEX_PATTERN } from '../crypto/key-text.js'
import { accessDenied, badInput, corrupt } from '../errors.js'
import { WRITE_OPS, type PolicyRules, type RoleRule, type WriteOp } from '../leader/write-policy.js'

export const POLICY_FORMAT = 1
export const POLICY_FILE = 'policy.json'
/** More roles than any cluster defines; it bounds a policy entry's header. */
export const MAX_POLICY_ROLES = 64

export interface SignedPolicy extends PolicyRules {
  format: number
  cluster: string
  roles: Record<string, RoleRule>
  issuer: string
  signature: string
}

const roleRuleSchema = z.object({
  ops: z.array(z.enum(WRITE_OPS)).max(WRITE_OPS.length),
  level: z.enum(ACCESS_LEVELS)
}).strict()

const rolesSchema = z.record(z.string().regex(ROLE_NAME_PATTERN, 'not a role name'), roleRuleSchema)
  .refine(roles => Object.keys(roles).length <= MAX_POLICY_ROLES, `at most ${MAX_POLICY_ROLES} roles`)

/** What the admin writes: the rules per role, and optionally the version (else the one in force plus one). */
const policyFileSchema = z.object({
  format: z.literal(POLICY_FORMAT).optional(),
  version: z.number().int().min(1).optional(),
  roles: rolesSchema
}).passthrough()

const signedPolicySchema = z.object({
  format: z.literal(POLICY_FORMAT),
  cluster: z.string(),
  version: z.number().int().min(1),
  roles: rolesSchema,
  issuer: z.string().regex(KEY_HEX_PATTERN),
  signature: z.string().regex(/^[0-9a-f]{128}$/)
}).strict()

export type PolicyInput = { kind: 'plain', version?: number, roles: Record<string, RoleRule> } | { kind: 'signed', policy: SignedPolicy }

/** The rules in one order, so the signature covers the meaning, not how the file was laid out. */
function canonicalRoles (roles: Readonly<Record<string, RoleRule>>): Array<[string, WriteOp[], AccessLevel]> {
  return Object.keys(roles).sort().map(name => {
    const rule = roles[name]!
    return [name, WRITE_OPS.filter(op => rule.ops.includes(op)), rule.level]
  })
}

function payload (p: Omit<SignedPolicy, 'signature'>): Buffer {
  return Buffer.from(JSON.stringify(['bzzz-ctx/policy', p.format, p.cluster, p.version, canonicalRoles(p.roles), p.issuer]))
}

export function signPolicy (admin: NodeIdentity, cluster: string, version: number, roles: Readonly<Record<string, RoleRule>>): SignedPolicy {
  const rules = Object.fromEntries(canonicalRoles(roles).map(([name, ops, level]) => [name, { ops, level }]))
  const unsigned = { format: POLICY_FORMAT, cluster, version, roles: rules, issuer: admin.nodeId }
  return { ...unsigned, signature: signMessage(admin, payload(unsigned)).toString('hex') }
}

/** The first problem zod found, as `field: what is wrong`. */
function zodProblem (error: z.ZodError): string {
  const issue = error.issues[0]!
  const field = issue.path.length === 0 ? 'the document' : issue.path.join('.')
  return `${field}: ${issue.message}`
}

/** Why a value is not a policy this cluster's admin signed; null when it is. */
export function policyProblem (value: unknown, trust: { cluster: string, adminKey: string }): string | null {
  const parsed = signedPolicySchema.safeParse(value)
  if (!parsed.success) return `malformed (${zodProblem(parsed.error)})`
  const policy = parsed.data as SignedPolicy
  if (policy.cluster !== trust.cluster) return 'a policy of another cluster'
  if (policy.issuer !== trust.adminKey) return 'not issued by this cluster\'s admin'
  if (!verifySignature(policy.issuer, payload(policy), Buffer.from(policy.signature, 'hex'))) return 'the signature does not verify (forged or altered)'
  return null
}

/** A policy the admin signed, checked; ACCESS_DENIED when it is not the admin's (whoever hands it on). */
export function parseSignedPolicy (value: unknown, trust: { cluster: string, adminKey: string }): SignedPolicy {
  const problem = policyProblem(value, trust)
  if (problem !== null) throw accessDenied(`refused a cluster policy that is not the admin's: ${problem}`)
  return value as SignedPolicy
}

/**
 * A policy file's JSON as `policy set` reads it (`source` names it in errors): a plain one (the admin signs it), or one the
 * admin signed already (`policy show --json` on any peer prints it), which any member may hand on. BAD_INPUT naming the
 * field for a file out of shape.
 */
export function parsePolicyFile (value: unknown, source: string): PolicyInput {
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, 'signature')) {
    const signed = signedPolicySchema.safeParse(value)
    if (!signed.success) throw badInput(`${source}: ${zodProblem(signed.error)}`)
    return { kind: 'signed', policy: signed.data as SignedPolicy }
  }
  const plain = policyFileSchema.safeParse(value)
  if (!plain.success) throw badInput(`${source}: ${zodProblem(plain.error)}`)
  const unknownField = Object.keys(plain.data).find(key => !['format', 'version', 'roles'].includes(key))
  if (unknownField !== undefined) throw badInput(`${source}: ${unknownField.slice(0, 40)}: not a field of a policy (format, version, roles)`)
  return { kind: 'plain', roles: plain.data.roles as Record<string, RoleRule>, ...(plain.data.version !== undefined ? { version: plain.data.version } : {}) }
}

/**
 * Refuses (BAD_INPUT, naming the field) rules that name a role the cluster does not have, or a level above a role's
 * clearance (a writer seals only what it may read itself).
 */
export function checkRulesAgainstRoles (roles: Readonly<Record<string, RoleRule>>, cluster: ReadonlyArray<{ name: string, clearance: AccessLevel }>, source: string): void {
  for (const [name, rule] of Object.entries(roles)) {
    const role = cluster.find(r => r.name === name)
    if (role === undefined) throw badInput(`${source}: roles.${name}: unknown role (this cluster's roles are ${cluster.map(r => r.name).join(', ')})`)
    if (!covers(role.clearance, rule.level)) throw badInput(`${source}: roles.${name}.level: ${rule.level} is above the role's clearance ${role.clearance}`)
  }
}

/** The policy saved in a home, if there is one; a damaged or forged one is refused (CORRUPT), never read as none. */
export function loadPolicy (home: string, trust: { cluster: string, adminKey: string }): SignedPolicy | null {
  const file = join(home, POLICY_FILE)
  if (!existsSync(file)) return null
  let problem: string | null
  let value: unknown
  try {
    value = JSON.parse(readFileSync(file, 'utf8')) as unknown
    problem = policyProblem(value, trust)
  } catch (err) {
    problem = (err as Error).message
  }
  if (problem !== null) throw corrupt(`the cluster policy ${file} is damaged (${problem}): remove it (the peer takes the policy up again from the logs) or copy policy.json from another member's home`)
  return value as SignedPolicy
}

export async function writePolicy (home: string, policy: SignedPolicy): Promise<void> {
  await writeFileAtomic(join(home, POLICY_FILE), JSON.stringify(policy) + '\n', 0o600)
}
