/**
 * What `policy` shows and sets, as data: the policy in force on a peer (or the built-in rule), and a policy file turned
 * into the signed document the leader writes (signed here when the file is plain, which only the admin may do).
 */
import { accessDenied, badInput } from '../errors.js'
import type { AccessLevel } from '../crypto/levels.js'
import { builtInRules, WRITE_OPS, type WriteOp } from '../leader/write-policy.js'
import type { NodeIdentity } from '../crypto/identity.js'
import { checkRulesAgainstRoles, parsePolicyFile, signPolicy, type SignedPolicy } from './cluster-policy.js'
import type { PeerConfig } from './home.js'
import type { PolicyBook } from './policy-book.js'

export interface PolicyRoleRow {
  role: string
  clearance: AccessLevel
  ops: WriteOp[]
  /** The highest level it may write (never above its clearance); null when it may write nothing. */
  level: AccessLevel | null
}

export interface PolicyReport {
  /** 0: the built-in rule (no policy signed yet). */
  version: number
  source: 'built-in' | 'signed'
  /** The node that signed it (the cluster's admin), null for the built-in rule. */
  signedBy: string | null
  roles: PolicyRoleRow[]
  /** The signed document, which `policy set` on any member hands on as it is. */
  signed: SignedPolicy | null
}

interface PolicyPeer {
  config: Pick<PeerConfig, 'roles' | 'cluster' | 'nodeId'>
  policies: Pick<PolicyBook, 'inForce' | 'version'>
}

export function policyReport (peer: PolicyPeer): PolicyReport {
  const policy = peer.policies.inForce
  const roles = peer.config.roles
  const rules = policy?.roles ?? builtInRules(roles)
  return {
    version: peer.policies.version,
    source: policy === null ? 'built-in' : 'signed',
    signedBy: policy?.issuer ?? null,
    roles: roles.map(({ name, clearance }) => {
      const rule = Object.hasOwn(rules, name) ? rules[name] : undefined
      const ops = WRITE_OPS.filter(op => rule?.ops.includes(op) === true)
      return { role: name, clearance, ops, level: ops.length === 0 || rule === undefined ? null : rule.level }
    }),
    signed: policy
  }
}

/**
 * The signed policy a file asks for: a plain file is signed here, by the admin only (ACCESS_DENIED for any other
 * member), as the version it names or the one in force plus one; a file the admin signed already is handed on as it is
 * (the leader checks its signature). BAD_INPUT, naming the field, for a file out of shape, an unknown role or level.
 */
export function planPolicy (peer: PolicyPeer & { identity: NodeIdentity }, value: unknown, source: string): SignedPolicy {
  const input = parsePolicyFile(value, source)
  if (input.kind === 'signed') return input.policy
  const { config } = peer
  if (config.nodeId !== config.cluster.adminKey) throw accessDenied('only the cluster\'s admin (the peer that created it) signs its policy: run `bzzz-ctx policy set` on that peer, or hand on a policy it signed')
  checkRulesAgainstRoles(input.roles, config.roles, source)
  const version = input.version ?? peer.policies.version + 1
  if (version <= peer.policies.version) throw badInput(`${source}: version: ${version} is not newer than the policy in force (version ${peer.policies.version})`)
  return signPolicy(peer.identity, config.cluster.id, version, input.roles)
}
