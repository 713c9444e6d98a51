/**
 * Membership certificates: the cluster admin signs (cluster, node, role, validity). A peer proves membership by
 * presenting its certificate as the first message on a connection whose Noise key is the certified node key.
 */
import { signMessage, verifySignature, type NodeIdentity } from '../crypto/identity.js'
import { badInput } from '../errors.js'
import { KEY_HEX_PATTERN } from '../crypto/key-text.js'

export const CERTIFICATE_FORMAT = 1

export interface Certificate {
  format: number
  /** The cluster id (hex). */
  cluster: string
  /** The member's node id: hex of its Ed25519 public key, which is also its Hyperswarm key. */
  node: string
  role: string
  issuedAt: number
  /** Milliseconds since the epoch; null for a certificate that does not expire. */
  expiresAt: number | null
  /** The admin's node id (hex); the config's `cluster.adminKey`. */
  issuer: string
  /** Ed25519 signature by the issuer over `certificatePayload`, hex. */
  signature: string
}

/** The exact bytes the issuer signs: a fixed field order, so any change of any field breaks the signature. */
export function certificatePayload (c: Omit<Certificate, 'signature'>): Buffer {
  return Buffer.from(JSON.stringify(['bzzz-ctx/certificate', c.format, c.cluster, c.node, c.role, c.issuedAt, c.expiresAt, c.issuer]))
}

export function issueCertificate (admin: NodeIdentity, fields: { cluster: string, node: string, role: string, issuedAt: number, expiresAt: number | null }): Certificate {
  const unsigned = { format: CERTIFICATE_FORMAT, ...fields, issuer: admin.nodeId }
  return { ...unsigned, signature: signMessage(admin, certificatePayload(unsigned)).toString('hex') }
}

const HEX32 = /^[0-9a-f]{32}$/

/** Why a value is not a valid certificate for this cluster, admin, node and time; null when it is. */
export function certificateProblem (value: unknown, expect: { cluster: string, adminKey: string, node?: string, nowMs: number }): string | null {
  if (typeof value !== 'object' || value === null) return 'not an object'
  const c = value as Record<string, unknown>
  if (c.format !== CERTIFICATE_FORMAT) return 'unknown certificate format'
  if (typeof c.cluster !== 'string' || !HEX32.test(c.cluster)) return 'malformed cluster id'
  if (typeof c.node !== 'string' || !KEY_HEX_PATTERN.test(c.node)) return 'malformed node id'
  if (typeof c.role !== 'string' || c.role.length === 0 || c.role.length > 32) return 'malformed role'
  if (!Number.isSafeInteger(c.issuedAt)) return 'malformed issue time'
  if (c.expiresAt !== null && !Number.isSafeInteger(c.expiresAt)) return 'malformed expiry'
  if (typeof c.issuer !== 'string' || !KEY_HEX_PATTERN.test(c.issuer)) return 'malformed issuer'
  if (typeof c.signature !== 'string' || !/^[0-9a-f]{128}$/.test(c.signature)) return 'malformed signature'
  if (c.cluster !== expect.cluster) return 'a certificate of another cluster'
  if (c.issuer !== expect.adminKey) return 'not issued by this cluster\'s admin'
  if (expect.node !== undefined && c.node !== expect.node) return 'issued to another node'
  const cert = c as unknown as Certificate
  if (!verifySignature(cert.issuer, certificatePayload(cert), Buffer.from(cert.signature, 'hex'))) return 'the signature does not verify (forged or altered)'
  if (cert.expiresAt !== null && cert.expiresAt <= expect.nowMs) return 'expired'
  return null
}

export function checkCertificate (value: unknown, expect: { cluster: string, adminKey: string, node?: string, nowMs: number }): Certificate {
  const problem = certificateProblem(value, expect)
  if (problem !== null) throw badInput(`bad membership certificate: ${problem}`)
  return value as Certificate
}
