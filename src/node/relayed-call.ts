/**
 * Calls to the leader relayed through other peers, for a peer that has no link to the leader: its call goes to the
 * linked peer closest to the leader in the roster's link graph (src/distribution/links.ts, relayNextHop), which passes it
 * on the same way, until a peer linked with the leader hands it over. Each hop is an ordinary request (op `relay`) on
 * its own link, so its answer travels back the way the call came, and a hop that loses its next link answers with an
 * error the origin retries on.
 *
 * The call is the origin's, end to end: it carries the origin's membership certificate and its Ed25519 signature over
 * the cluster, the call and an expiry. The leader serves it only when the signature is the origin's, the certificate
 * the admin's, the origin on the roster and the call not expired, and then as the origin's own call (its role, its id
 * for retries), so a relay can neither forge a call, nor alter one, nor pass one off as its own. A relay can drop or
 * delay a call, as a link can; the origin then retries, through another peer when it has one.
 */
import { signMessage, verifySignature, type NodeIdentity } from '../crypto/identity.js'
import { KEY_HEX_PATTERN } from '../crypto/key-text.js'
import { accessDenied, badInput } from '../errors.js'
import { certificateProblem } from '../net/certificate.js'
import { MAX_CERTIFICATE_BYTES } from '../net/messages.js'

/** The op of a relayed call on each hop's link. */
export const RELAY_OP = 'relay'
export const RELAY_FORMAT = 1
/** Peers a relayed call may pass through, its origin included: a partial mesh's diameter is far below it. */
export const MAX_RELAY_HOPS = 8
/** How long after its expiry a leader still serves a relayed call: the clocks of two machines differ. */
export const RELAY_CLOCK_SKEW_MS = 60_000
/** The calls a peer makes of the leader (LeaderCalls), each served by LeaderOps: every one of them may be relayed. */
export const LEADER_OPS = ['enqueue', 'decide', 'distribute', 'keys', 'policy', 'reseal'] as const
export type LeaderOp = typeof LEADER_OPS[number]
export const RELAYED_OPS: ReadonlySet<string> = new Set(LEADER_OPS)

const FIELDS = ['format', 'origin', 'certificate', 'op', 'args', 'expires', 'signature', 'hops']
const SIGNATURE_HEX = /^[0-9a-f]{128}$/

/** A relayed call, as each hop's request carries it (its JSON body). */
export interface RelayedCall {
  format: typeof RELAY_FORMAT
  /** The node that made the call. */
  origin: string
  /** The origin's membership certificate, JSON text (src/net/certificate.ts). */
  certificate: string
  op: string
  /** The call's arguments, JSON text, with its request id. */
  args: string
  /** When the origin gives up on it (ms since the epoch, the origin's clock). */
  expires: number
  /** The origin's Ed25519 signature of the fields above and the cluster, hex. */
  signature: string
  /** The origin, then each peer that passed the call on. */
  hops: string[]
}

function payload (cluster: string, call: Pick<RelayedCall, 'origin' | 'op' | 'args' | 'expires'>): Buffer {
  return Buffer.from(JSON.stringify(['bzzz-ctx/relay', RELAY_FORMAT, cluster, call.origin, call.op, call.args, call.expires]))
}

/** The origin's side: its call, signed, ready for its first hop. */
export function signRelayedCall (identity: NodeIdentity, cluster: string, certificate: string, op: string, args: Record<string, unknown>, expires: number): RelayedCall {
  const call = { origin: identity.nodeId, op, args: JSON.stringify(args), expires: Math.ceil(expires) }
  const signature = signMessage(identity, payload(cluster, call)).toString('hex')
  return { format: RELAY_FORMAT, ...call, certificate, signature, hops: [identity.nodeId] }
}

/**
 * A relayed call as a hop (`self`) received it from the linked peer `from`, checked for its shape and its path: the
 * path starts at the origin, ends at `from`, repeats no peer, does not hold `self` (a loop) and is not too long.
 * Throws BAD_INPUT saying what is wrong. Whose call it is, the leader checks (relayedCallerRole).
 */
export function readRelayedCall (value: unknown, from: string, self: string): RelayedCall {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badInput('a relayed call must be an object')
  const call = value as Record<string, unknown>
  for (const key of Object.keys(call)) if (!FIELDS.includes(key)) throw badInput(`a relayed call has no field "${key}"`)
  if (call.format !== RELAY_FORMAT) throw badInput(`a relayed call of format ${String(call.format)}, not ${RELAY_FORMAT}`)
  if (typeof call.origin !== 'string' || !KEY_HEX_PATTERN.test(call.origin)) throw badInput('a relayed call\'s origin is not a node id')
  if (typeof call.certificate !== 'string' || Buffer.byteLength(call.certificate) > MAX_CERTIFICATE_BYTES) throw badInput('a relayed call\'s certificate is missing or too long')
  if (typeof call.op !== 'string' || !RELAYED_OPS.has(call.op)) throw badInput(`a relayed call of op ${JSON.stringify(String(call.op).slice(0, 32))}, which is not relayed`)
  if (typeof call.args !== 'string') throw badInput('a relayed call\'s arguments are not JSON text')
  if (typeof call.expires !== 'number' || !Number.isSafeInteger(call.expires) || call.expires < 0) throw badInput('a relayed call\'s expiry is not a time')
  if (typeof call.signature !== 'string' || !SIGNATURE_HEX.test(call.signature)) throw badInput('a relayed call\'s signature is not 64 bytes of hex')
  const hops = call.hops
  if (!Array.isArray(hops) || hops.length === 0 || hops.length > MAX_RELAY_HOPS || !hops.every(hop => typeof hop === 'string' && KEY_HEX_PATTERN.test(hop))) {
    throw badInput(`a relayed call's path must be 1-${MAX_RELAY_HOPS} node ids`)
  }
  if (hops[0] !== call.origin) throw badInput('a relayed call\'s path does not start at its origin')
  if (hops[hops.length - 1] !== from) throw badInput('a relayed call\'s path does not end at the peer that sent it')
  if (new Set(hops).size !== hops.length || hops.includes(self)) throw badInput('a relayed call went round in a loop')
  return call as unknown as RelayedCall
}

export interface RelayTrust {
  cluster: string
  adminKey: string
  nowMs: number
  /** True for a node on the roster this peer holds. */
  isListed: (node: string) => boolean
}

/**
 * The leader's check of a relayed call: the origin's role, when the call is signed by the origin, certified by the
 * admin, from a node on the roster and not expired; else ACCESS_DENIED saying why. Its arguments come back parsed.
 */
export function relayedCallerRole (call: RelayedCall, trust: RelayTrust): { role: string, args: Record<string, unknown> } {
  if (!verifySignature(call.origin, payload(trust.cluster, call), Buffer.from(call.signature, 'hex'))) {
    throw accessDenied(`a relayed ${call.op} whose signature is not its origin's (${call.origin.slice(0, 12)})`)
  }
  let certificate: unknown
  try { certificate = JSON.parse(call.certificate) } catch { throw accessDenied('a relayed call whose certificate is not JSON') }
  const problem = certificateProblem(certificate, { cluster: trust.cluster, adminKey: trust.adminKey, node: call.origin, nowMs: trust.nowMs })
  if (problem !== null) throw accessDenied(`a relayed call with a bad certificate: ${problem}`)
  if (!trust.isListed(call.origin)) throw accessDenied(`a relayed call from ${call.origin.slice(0, 12)}, which is not on the cluster's roster`)
  if (trust.nowMs > call.expires + RELAY_CLOCK_SKEW_MS) throw accessDenied(`a relayed ${call.op} that expired ${Math.round((trust.nowMs - call.expires) / 1000)} s ago`)
  let args: unknown
  try { args = JSON.parse(call.args) } catch { throw badInput('a relayed call\'s arguments are not JSON') }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) throw badInput('a relayed call\'s arguments are not an object')
  return { role: (certificate as { role: string }).role, args: args as Record<string, unknown> }
}
