/**
 * The cluster's side of the audit log: it records what only the cluster sees (leadership won and lost, calls served for
 * members, requests refused), announces this peer's audit head to its members, and witnesses theirs (each head a
 * member announces is checked against the replica here and co-signed; src/audit/audit-log.ts).
 */
import type { AuditLog } from '../../audit/audit-log.js'
import type { AuditHead } from '../../audit/checkpoint.js'
import { isBzzzError } from '../../errors.js'
import { KEY_HEX_PATTERN } from '../../crypto/key-text.js'
import type { Logger } from '../logger.js'
import { rosterVoters, type SignedRoster } from '../roster.js'
import { auditWitnesses } from '../../distribution/links.js'
import type { MemberDirectory } from './types.js'

export interface ClusterAuditHost {
  /** This peer's node id. */
  nodeId: string
  log: AuditLog
  members: MemberDirectory
  logger: Logger
  isClosing: () => boolean
  /** How often a member's head is co-signed at most (default the audit log's). */
  witnessIntervalMs?: number
  /** The roster this peer held when it started: the first one adopted after it is recorded against it. */
  roster: SignedRoster | null
}

const TREE_HASH_PATTERN = /^[0-9a-f]{64}$/

/** A head as a member announced it, checked field by field; null for anything else. */
function parseHead (text: string): AuditHead | null {
  try {
    const head = JSON.parse(text) as Partial<AuditHead>
    if (typeof head.key === 'string' && KEY_HEX_PATTERN.test(head.key) && typeof head.length === 'number' && Number.isSafeInteger(head.length) &&
      head.length >= 0 && typeof head.treeHash === 'string' && TREE_HASH_PATTERN.test(head.treeHash)) return { key: head.key, length: head.length, treeHash: head.treeHash }
  } catch {}
  return null
}

export class ClusterAudit {
  private leading = false
  /** The length of this peer's audit core its members were last told of. */
  private announced = -1
  /** One witnessing at a time per member, in the order its heads came. */
  private readonly witnessing = new Map<string, Promise<void>>()

  private roster: SignedRoster | null

  constructor (private readonly host: ClusterAuditHost) {
    this.roster = host.roster
    // Fail-open is the default: an event lost is logged, never silent.
    host.log.onAppendError = err => { if (!host.isClosing()) host.logger.error({ err: String(err) }, 'the audit log could not append: events were lost') }
  }

  /** A newer signed roster was adopted here (the admin's saved one, or one a member passed on): who came, went, and votes. */
  rosterAdopted (roster: SignedRoster): void {
    const before = new Set(this.roster?.members ?? [])
    const after = new Set(roster.members)
    const votedBefore = new Set(this.roster === null ? [] : rosterVoters(this.roster))
    const voters = rosterVoters(roster)
    this.host.log.record('roster', {
      version: roster.version, from: this.roster?.version ?? null, members: roster.members.length,
      added: roster.members.filter(node => !before.has(node)), removed: [...before].filter(node => !after.has(node)),
      voters: voters.length, promoted: voters.filter(node => !votedBefore.has(node)), demoted: [...votedBefore].filter(node => !voters.includes(node))
    })
    this.roster = roster
  }

  /** A member connected that this peer had never met: admitted for the first time, as its certificate's role. */
  joined (node: string, role: string): void {
    this.host.log.record('join', { subject: node, subjectRole: role })
  }

  /** This peer began or stopped leading a term. */
  leadership (isLeader: boolean, term: number): void {
    if (isLeader !== this.leading) this.host.log.record(isLeader ? 'election-won' : 'election-lost', { term })
    this.leading = isLeader
  }

  /** A call this leader served for a member (or itself): a distribute is recorded with who asked, a refusal with why. */
  served (op: string, from: string, role: string | undefined, outcome: { ok: true, answer: unknown } | { ok: false, err: unknown }): void {
    const { log } = this.host
    if (outcome.ok && op === 'distribute') {
      const report = outcome.answer as { address?: string, records?: number, written?: number, roles?: string[] }
      log.record('distribute', { requester: from, address: report.address, records: report.records, written: report.written, roles: report.roles }, role)
    } else if (!outcome.ok && isBzzzError(outcome.err) && outcome.err.code === 'ACCESS_DENIED') {
      log.record('refused-request', { op, requester: from, reason: outcome.err.message }, role)
    }
  }

  /** A member announced a head of a writer's log that does not match this peer's copy (see Replication). */
  headMismatch (mismatch: { peer: string, writer: string, length: number, announced: string, held: string }): void {
    const { peer, ...fields } = mismatch
    this.host.log.record('head-mismatch', { subject: peer, ...fields })
  }

  /** A gossip tick: members are told of this peer's audit head when it moved. */
  tick (): void {
    void this.announce(null)
  }

  /** A member connected: it is told of this peer's head at once. */
  connected (node: string): void {
    void this.announce(node)
  }

  private async announce (to: string | null): Promise<void> {
    try {
      await this.host.log.flushed()
      const head = await this.host.log.head()
      if (head === null || (to === null && head.length === this.announced)) return
      if (to === null) this.announced = head.length
      const message = { type: 'audit' as const, head: JSON.stringify(head) }
      // Only its witnesses are told: every member in a full mesh, those of this peer's tier in two (links.ts).
      const connected = [...this.host.members.values()].map(member => member.node)
      const witnesses = new Set(this.roster === null ? connected : auditWitnesses(this.host.nodeId, connected, this.roster))
      for (const member of this.host.members.values()) {
        if (witnesses.has(member.node) && (to === null || member.node === to)) member.channel.send(message)
      }
    } catch (err) {
      if (!this.host.isClosing()) this.host.logger.warn({ err: String(err) }, 'could not announce the audit head')
    }
  }

  /** A member announced its audit head: witnessed after the heads it announced before. */
  headFrom (node: string, text: string): void {
    const head = parseHead(text)
    if (head === null) {
      this.host.logger.warn({ peer: node.slice(0, 12) }, 'a malformed audit head')
      return
    }
    const options = this.host.witnessIntervalMs !== undefined ? { intervalMs: this.host.witnessIntervalMs } : {}
    const next = (this.witnessing.get(node) ?? Promise.resolve()).then(async () => {
      if (this.host.isClosing()) return
      const outcome = await this.host.log.witness(node, head, options)
      if (outcome === 'mismatch') this.host.logger.warn({ peer: node.slice(0, 12), length: head.length }, 'a member announced an audit head its audit core here does not match')
    }).catch(err => { if (!this.host.isClosing()) this.host.logger.warn({ peer: node.slice(0, 12), err: String(err) }, 'could not witness a member\'s audit head') })
    this.witnessing.set(node, next)
  }
}
