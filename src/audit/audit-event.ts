/**
 * The audit log's vocabulary: one event per block of a peer's audit core, as JSON. The core itself (a Hypercore) signs
 * and orders them; this file only says what an event may hold, so a damaged or hostile block is named, never trusted.
 */
import { corrupt } from '../errors.js'

/** Every kind of event; `open` is always block 0 of a core (it binds the core to its node). Only append. */
export const AUDIT_KINDS = [
  'open', 'audit-core', 'checkpoint', 'audit-mismatch',
  'election-won', 'election-lost',
  'request-accepted', 'request-completed', 'distribute', 'decision', 'keys',
  'refused-entry', 'refused-request', 'read', 'policy',
  'join', 'invite', 'invite-cancelled', 'revoke', 'roster', 'write', 'head-mismatch'
] as const
export type AuditKind = typeof AUDIT_KINDS[number]

/** What a peer did or saw: `node` wrote the core it is in, `role` is the role it acted as (or its requester's). */
export interface AuditEvent {
  kind: AuditKind
  /** Milliseconds since the epoch on the writer's clock. */
  at: number
  node: string
  role: string
  [field: string]: unknown
}

/** A block larger than this is refused as damaged: no event of ours comes near it. */
export const MAX_AUDIT_EVENT_BYTES = 16 * 1024

export function isAuditKind (value: unknown): value is AuditKind {
  return typeof value === 'string' && (AUDIT_KINDS as readonly string[]).includes(value)
}

export function encodeAuditEvent (event: AuditEvent): Buffer {
  return Buffer.from(JSON.stringify(event))
}

/** The event a block holds; CORRUPT, naming `where`, for anything else. */
export function decodeAuditEvent (block: Buffer, where: string): AuditEvent {
  if (block.byteLength > MAX_AUDIT_EVENT_BYTES) throw corrupt(`${where} is ${block.byteLength} bytes, over the ${MAX_AUDIT_EVENT_BYTES} an event may take`)
  let value: unknown
  try {
    value = JSON.parse(block.toString('utf8'))
  } catch {
    throw corrupt(`${where} is not JSON`)
  }
  const event = value as Partial<AuditEvent> | null
  if (typeof event !== 'object' || event === null || Array.isArray(event) || !isAuditKind(event.kind) ||
    typeof event.at !== 'number' || !Number.isSafeInteger(event.at) || typeof event.node !== 'string' || typeof event.role !== 'string') {
    throw corrupt(`${where} is not an audit event`)
  }
  return event as AuditEvent
}

/**
 * What the admin does outside the logs, which only its own audit log can tell: an invite made or cancelled (the roster
 * changes with it), a member revoked. The command that did it records it; `node` is the invited or revoked node.
 */
export type AdminAuditEvent =
  | { kind: 'invite', id: string, node: string, role: string, expiresAt: number, rosterVersion: number }
  | { kind: 'invite-cancelled', id: string, node: string, role: string, rosterVersion: number }
  | { kind: 'revoke', node: string, role: string | null, rosterVersion: number, rolesVersion: number, roles: string[] }
