/**
 * The leader's side of the calls members send it (enqueue a generation request, decide, distribute), each with the
 * validation of its arguments, and the two notices any member may send (which instance it is; a duplicate identity).
 * An answer is remembered by request id, so a retry of the same request is answered, not done again.
 */
import { accessDenied, badInput, isBzzzError, notLeader, unavailable } from '../../errors.js'
import { Lru } from '../../lru.js'
import { isPriority } from '../../leader/queue.js'
import type { AcceptArgs, AcceptReport } from '../../leader/coordinator.js'
import type { WireMessage } from '../../net/messages.js'
import { DEFAULT_DECISION_LEVEL, type DecideInput } from '../../temporal/decisions.js'
import type { WriteOp } from '../../leader/write-policy.js'
import { isAccessLevel, type AccessLevel } from '../../crypto/levels.js'
import { sectionLevels } from '../../context/sections.js'
import { validateRecord } from '../../context/validate.js'
import type { LocalPeer } from '../local-peer.js'
import type { Logger } from '../logger.js'
import type { MemberDirectory, NodeCounters } from './types.js'
import { REQUEST_ID_PATTERN } from '../../storage/vocabulary.js'
import { requestPartProblem, type RequestPart } from '../../storage/log-entry.js'
import { parseKeysBundle } from '../keys-bundle.js'
import { RELAY_OP, type LeaderOp } from '../relayed-call.js'

/** How many answers of served calls are remembered for retries. */
export const SERVED_ANSWERS_MAX = 10_000

export interface LeaderOpsHost {
  nodeId: string
  /** This peer's role: the author of a decision it makes itself. */
  role: string
  counters: NodeCounters
  members: MemberDirectory
  logger: Logger
  /** The names of the cluster's roles (a record's insights may name them). */
  roleNames: () => string[]
  isLeader: () => boolean
  hasLease: () => boolean
  term: () => number
  peer: Pick<LocalPeer, 'recipients' | 'decisionRetry' | 'decide' | 'distribute' | 'appendKeys' | 'appendPolicy' | 'reseal' | 'config' | 'policies'>
  /** The cluster and its admin: a keys change must be signed by that admin. */
  trust: { cluster: string, adminKey: string }
  accept: (args: AcceptArgs) => Promise<AcceptReport>
  acknowledge: () => Promise<{ holders: number, required: number }>
  /** Resolves once the keys entries applied so far are taken up. */
  keysTakenUp: () => Promise<void>
  /** Which run of this node it is (see the instance guard). */
  instance: () => string
  /** A member says another process uses this node's identity. */
  duplicate: (reason: string, by: string) => unknown
  /** A relayed call a member passed to this peer: served here when it leads, else passed on (LeaderCalls.passOn). */
  passOn: (from: string, call: unknown) => Promise<{ ok: boolean, body: string }>
  /** Told of each call served once (not of a retry answered from memory): the answer, or the error it failed with. */
  onServed?: (op: string, from: string, role: string | undefined, outcome: { ok: true, answer: unknown } | { ok: false, err: unknown }) => void
}

/** Who made a call: a connected member (its role from its link's certificate), or the origin of a relayed call with its certified role. */
export interface Caller { node: string, role?: string }

export class LeaderOps {
  /** Answers of calls this leader served, by request id: a retry of the same id gets the same answer. */
  private readonly served = new Lru<string, Promise<unknown>>(SERVED_ANSWERS_MAX)

  constructor (private readonly host: LeaderOpsHost) {}

  /**
   * Serves a member's request and sends the answer back to it, if it is still connected. A relayed call
   * (relayed-call.ts) is served here when this peer leads, else passed on; its answer goes back as it came.
   */
  async serveRequest (remote: string, message: Extract<WireMessage, { type: 'request' }>): Promise<void> {
    const { host } = this
    if (!host.members.has(remote)) return
    let answer: { ok: boolean, body: string }
    try {
      const args = JSON.parse(message.body) as Record<string, unknown>
      if (typeof args !== 'object' || args === null) throw badInput('a malformed request')
      host.counters.served++
      answer = message.op === RELAY_OP
        ? await host.passOn(remote, args)
        : {
            ok: true,
            body: JSON.stringify(message.op === 'instance'
              ? { instance: host.instance() }
              : message.op === 'duplicate'
                ? host.duplicate(`peer ${remote.slice(0, 12)} says: ${String(args.reason ?? 'another process uses this identity').slice(0, 300)}`, remote)
                : await this.serveOnce(message.op, args, { node: remote }))
          }
    } catch (err) {
      answer = { ok: false, body: JSON.stringify(isBzzzError(err) ? { code: err.code, message: err.message } : { code: 'FAILURE', message: String((err as Error)?.message ?? err) }) }
    }
    host.members.get(remote)?.channel.send({ type: 'response', id: message.id, ...answer })
  }

  /** The leader's side of a call; the answer to a request id is remembered, so a retry is answered, not redone. */
  async serveOnce (op: string, args: Record<string, unknown>, caller: Caller = { node: this.host.nodeId }): Promise<unknown> {
    const from = caller.node
    if (!this.host.isLeader()) throw notLeader('this peer is not the leader')
    const id = args.id
    if (typeof id !== 'string' || !REQUEST_ID_PATTERN.test(id)) throw badInput('a request without a valid id')
    const key = `${op}\u0000${id}`
    let answer = this.served.get(key)
    // The requester's id, so the leader's lines join the requester's (LeaderCalls) in one grep.
    const log = this.host.logger.child({ req: id, op })
    if (answer === undefined) {
      log.debug({ from: from.slice(0, 12) }, 'serving a call as the leader')
      answer = this.serveOp(op, args, caller)
      answer.then(() => { log.debug('served the call') }, err => { log.warn({ err: String(err) }, 'serving a call failed') })
      const role = this.knownRole(caller)
      answer.then(result => this.host.onServed?.(op, from, role, { ok: true, answer: result }), err => this.host.onServed?.(op, from, role, { ok: false, err }))
      this.served.set(key, answer)
      // A failure is not remembered: the retry runs again.
      answer.catch(() => { if (this.served.get(key) === answer) this.served.delete(key) })
    } else {
      log.debug({ from: from.slice(0, 12) }, 'answered a retried call from memory')
    }
    return await answer
  }

  /** One handler for each of LEADER_OPS, the list a relay checks an op against: the compiler keeps the two in step. */
  private readonly handlers: Readonly<Record<LeaderOp, (args: Record<string, unknown>, from: Caller) => Promise<unknown>>> = {
    enqueue: async (args, from) => await this.enqueue(args, from),
    decide: async (args, from) => await this.decide(args, from),
    distribute: async (args, from) => await this.distribute(args, from),
    keys: async (args) => await this.keys(args),
    policy: async (args) => await this.policy(args),
    reseal: async (args, from) => await this.reseal(args, from)
  }

  private async serveOp (op: string, args: Record<string, unknown>, from: Caller): Promise<unknown> {
    if (!Object.hasOwn(this.handlers, op)) throw badInput(`unknown request ${op}`)
    return await this.handlers[op as LeaderOp](args, from)
  }

  private async enqueue (args: Record<string, unknown>, from: Caller): Promise<AcceptReport> {
    if (typeof args.sealed !== 'string' || typeof args.project !== 'string' || typeof args.path !== 'string' || typeof args.address !== 'string') throw badInput('a malformed generation request')
    // The requester's generate defaults the priority; here it is only checked, once, for every request that arrives.
    if (!isPriority(args.priority)) throw badInput(`unknown priority "${String(args.priority).slice(0, 40)}"`)
    const asked = this.authorise('generate', from)
    const roles = Array.isArray(args.roles) ? args.roles.filter((r): r is string => typeof r === 'string') : undefined
    const partProblem = args.part === undefined ? null : requestPartProblem(args.part)
    if (partProblem !== null) throw badInput(partProblem)
    const part = args.part as RequestPart | undefined
    return await this.host.accept({
      id: args.id as string, address: args.address, project: args.project, path: args.path,
      priority: args.priority, requester: from.node, requesterRole: asked.role, policyVersion: asked.policyVersion,
      ...(roles !== undefined && roles.length > 0 ? { roles } : {}), ...(args.prune === true ? { prune: true } : {}),
      ...(part !== undefined ? { part: { group: part.group, index: part.index, count: part.count } } : {}), sealed: Buffer.from(args.sealed, 'base64')
    })
  }

  private async decide (args: Record<string, unknown>, from: Caller): Promise<unknown> {
    const { host } = this
    this.requireLease()
    const input = decideInput(args.input)
    // The author is the role the requester's certificate gives it, not what it says of itself.
    const author = this.roleOf(from)
    const level = input.level ?? DEFAULT_DECISION_LEVEL
    const asked = this.authorise('decide', from, isAccessLevel(level) ? [level] : [])
    // A retry of a decision an earlier leader wrote, and that reached this one: answered, not written again.
    const written = host.peer.decisionRetry(input, author)
    if (written !== undefined) return { ...written, acknowledged: await host.acknowledge() }
    const decision = await host.peer.decide(input, host.term(), author, asked.policyVersion)
    const acknowledged = await host.acknowledge()
    return { ...decision, acknowledged }
  }

  private async distribute (args: Record<string, unknown>, from: Caller): Promise<unknown> {
    const { host } = this
    this.requireLease()
    const asked = this.authorise('distribute', from, this.levelsOf(args.record))
    const report = await host.peer.distribute(args.record, args.roles as string[] | undefined, String(args.source ?? 'a record'), host.term(), typeof args.decision === 'string' ? args.decision : undefined, { requester: from.node, ...asked })
    const acknowledged = await host.acknowledge()
    return { ...report, acknowledged }
  }

  /**
   * A change of the cluster's keys: the admin signed it (the bundle says so, whoever forwards it), so the leader only
   * checks that and writes it into its log, where every peer takes it up.
   */
  private async keys (args: Record<string, unknown>): Promise<unknown> {
    const { host } = this
    this.requireLease()
    if (typeof args.bundle !== 'string') throw badInput('a keys change without its bundle')
    const bundle = parseKeysBundle(args.bundle, host.trust)
    await host.peer.appendKeys(bundle, host.term())
    const acknowledged = await host.acknowledge()
    return { rolesVersion: bundle.rolesSignature.version, grants: bundle.grants.length, acknowledged }
  }

  /**
   * A new cluster policy: the admin signed it (whoever forwards it), so the leader checks that and that it is newer
   * than the one in force, and writes it into its log, where every peer takes it up.
   */
  private async policy (args: Record<string, unknown>): Promise<unknown> {
    const { host } = this
    this.requireLease()
    try {
      await host.peer.appendPolicy(args.policy, host.term())
    } catch (err) {
      if (isBzzzError(err) && (err.code === 'ACCESS_DENIED' || err.code === 'BAD_INPUT')) host.counters.refusedPolicies++
      throw err
    }
    const acknowledged = await host.acknowledge()
    return { version: host.peer.policies.version, acknowledged }
  }

  /**
   * The admin asks, after a keys change, that the records sealed to the past epochs be sealed again: this leader does it
   * with the keys it holds (it alone writes in its term; the admin cannot seal for a version the leader stamps, and
   * handing it the plaintext would show the leader sections its clearance does not cover), once it took up the change.
   */
  private async reseal (args: Record<string, unknown>, from: Caller): Promise<unknown> {
    const { host } = this
    this.requireLease()
    if (from.node !== host.trust.adminKey) throw accessDenied('only the cluster\'s admin reseals its records: run `bzzz-ctx keys` on that peer')
    const roles = args.roles
    if (!Array.isArray(roles) || !roles.every(r => typeof r === 'string') || !Number.isSafeInteger(args.rolesVersion)) throw badInput('a malformed reseal')
    await host.keysTakenUp()
    const held = host.peer.config.rolesSignature.version
    if (held < (args.rolesVersion as number)) throw unavailable(`the leader has not taken up roles version ${String(args.rolesVersion)} yet (it holds ${held}): run \`bzzz-ctx keys reseal\` again in a moment`)
    const report = await host.peer.reseal(roles as string[], host.term())
    return { ...report, acknowledged: await host.acknowledge() }
  }

  /** The role of a requester, as its certificate gives it (this peer's own for itself); undefined once it left. */
  private knownRole (from: Caller): string | undefined {
    return from.role ?? (from.node === this.host.nodeId ? this.host.role : this.host.members.get(from.node)?.role)
  }

  /** The role of a requester (knownRole), which must still be connected. */
  private roleOf (from: Caller): string {
    const role = this.knownRole(from)
    if (role === undefined) throw unavailable('the requester is no longer connected')
    return role
  }

  /**
   * Refuses (ACCESS_DENIED) a request the policy in force does not allow the requester's role; else the role and the
   * policy version the entries it writes are stamped with, so every peer checks them again.
   */
  private authorise (op: WriteOp, from: Caller, levels: readonly AccessLevel[] = []): { role: string, policyVersion: number } {
    const role = this.roleOf(from)
    const { policies } = this.host.peer
    const refusal = policies.refusal(op, role, levels)
    if (refusal !== null) throw accessDenied(refusal)
    return { role, policyVersion: policies.version }
  }

  /**
   * The levels of the sections a hand-written record (or list of them) would be sealed at; none for a value that is not
   * a valid record, which the distribute refuses anyway.
   */
  private levelsOf (value: unknown): AccessLevel[] {
    const levels = new Set<AccessLevel>()
    for (const item of Array.isArray(value) ? value : [value]) {
      try {
        for (const level of sectionLevels(validateRecord(item, 'a record', this.host.roleNames()))) levels.add(level)
      } catch {}
    }
    return [...levels]
  }

  private requireLease (): void {
    if (!this.host.hasLease()) throw notLeader('this peer is not the leader (it has not heard from a majority lately)')
  }
}

/** A decision as a request carries it, checked field by field. */
function decideInput (value: unknown): DecideInput {
  const input = value as DecideInput
  const strings = (item: unknown, optional: boolean): boolean => (optional && item === undefined) || (Array.isArray(item) && item.every(s => typeof s === 'string'))
  if (typeof input !== 'object' || input === null || !strings(input.affects, false) || !strings(input.influencedBy, true) || !strings(input.supersedes, true) ||
    typeof input.title !== 'string' || typeof input.rationale !== 'string' || (input.id !== undefined && typeof input.id !== 'string') ||
    (input.level !== undefined && typeof input.level !== 'string')) throw badInput('a malformed decision')
  return input
}
