/** `audit ls`: the events of every audit core a peer holds, filtered and in time order, as rows a printer shows. */
import { badInput } from '../errors.js'
import { isAuditKind, AUDIT_KINDS, type AuditKind } from './audit-event.js'
import type { AuditLog } from './audit-log.js'

export interface AuditFilter {
  /** A node id, or the start of one (at least 4 hex characters): events written by that node. */
  node?: string
  /** Milliseconds since the epoch: events at or after it. */
  since?: number
  kind?: AuditKind
  /**
   * Events about this address: those that name it, and reads that hashed it (`hashes`: the address hashed with each
   * salt this peer holds, one per digest key it was given; none on a peer that cannot hash it).
   */
  address?: { text: string, hashes: readonly string[] }
}

/** One event as `audit ls` lists it: who wrote it (node), where (index in that node's core), and its fields. */
export interface AuditRow extends Record<string, unknown> {
  node: string
  index: number
  kind: AuditKind
  at: number
  role: string
}

const NODE_PREFIX = /^[0-9a-f]{4,64}$/

/** A `--kind` value, checked against the kinds there are. */
export function auditKind (value: string): AuditKind {
  if (!isAuditKind(value)) throw badInput(`unknown audit event kind "${value.slice(0, 40)}": one of ${AUDIT_KINDS.join(', ')}`)
  return value
}

/** The events `log` holds that pass `filter`, oldest first (ties in the order of their cores). */
export async function auditRows (log: AuditLog, filter: AuditFilter = {}): Promise<AuditRow[]> {
  if (filter.node !== undefined && !NODE_PREFIX.test(filter.node)) throw badInput(`--node takes a node id or its first 4 or more hex characters, not "${filter.node.slice(0, 80)}"`)
  const rows: AuditRow[] = []
  for (const { owner, index, event } of await log.events()) {
    if (filter.node !== undefined && !owner.startsWith(filter.node)) continue
    if (filter.kind !== undefined && event.kind !== filter.kind) continue
    if (filter.since !== undefined && event.at < filter.since) continue
    if (filter.address !== undefined && event.address !== filter.address.text && !filter.address.hashes.includes(event.addressHash as string)) continue
    // The writer of the core, not what a block says of itself: a block cannot claim another node.
    rows.push({ ...event, node: owner, index })
  }
  return rows.sort((a, b) => a.at - b.at)
}
