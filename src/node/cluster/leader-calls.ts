/**
 * Calls that must run on the leader (generate, distribute, decide): run here when this peer leads, else sent to the
 * leader over its wire channel, or relayed through a linked peer when this one has no link to the leader (relayed-call.ts).
 * When the leader goes away or changes before it answers, the same request (same id, so the retry is idempotent) goes
 * to the new leader, until the deadline.
 */
import { BzzzError, isBzzzError, notLeader, unavailable, type ErrorCode } from '../../errors.js'
import type { WireMessage } from '../../net/messages.js'
import type { Clock, RandomBytes, TimerHandle } from '../../clock.js'
import type { Logger } from '../logger.js'
import { readRelayedCall, RELAY_OP, type LeaderOp, type RelayedCall } from '../relayed-call.js'
import type { Member, MemberDirectory, NodeCounters } from './types.js'

export const REQUEST_TIMEOUT_MS = 120_000
export const RETRY_PAUSE_MS = 100
/**
 * How long a call that needs the leader waits while no leader is known at all, at least (or ten election timeouts):
 * elections end in a few timeouts, so past this the cluster lacks a majority.
 */
export const NO_LEADER_TIMEOUT_MS = 15_000
/**
 * Election timeouts a call waits with no leader known here before it asks through a linked peer, which passes it on to
 * the leader it knows: a voter whose link to the leader is cut loses the leader at its next pre-vote, while the others
 * still follow it. Long enough that an election under way usually ends first.
 */
export const RELAY_AFTER_TIMEOUTS = 2

export interface LeaderCallsHost {
  nodeId: string
  clock: Clock
  logger: Logger
  /** Request ids: the system's randomness, or the simulator's seed. */
  randomBytes: RandomBytes
  counters: NodeCounters
  members: MemberDirectory
  /** How long a call waits while no leader is known. */
  noLeaderTimeoutMs: number
  /** How long a call waits with no leader known before it asks through a linked peer; then again after each as long. */
  relayAfterMs: number
  /** The leader this peer follows, and whether it is this peer in the election's leader state. */
  leader: () => string | null
  isLeader: () => boolean
  leaderKnown: (deadline: number) => Promise<void>
  quorumText: () => string
  isClosing: () => boolean
  /** Runs `op` here, this peer leading: its own call, or (`caller`) one relayed from another peer. */
  serveHere: (op: string, args: Record<string, unknown>, caller?: { node: string, role: string }) => Promise<unknown>
  /** The linked member a call for `leader` (null: the leader a voter knows) goes to next, having passed through `visited` (links.ts relayNextHop). */
  relayHop: (leader: string | null, visited: readonly string[]) => Member | undefined
  /** This peer's call, signed for relaying (relayed-call.ts), good until `expires`. */
  signRelay: (op: string, args: Record<string, unknown>, expires: number) => RelayedCall
  /** The leader's check of a relayed call: its origin's role and its arguments, or ACCESS_DENIED. */
  relayedCaller: (call: RelayedCall) => { role: string, args: Record<string, unknown> }
}

interface PendingRequest {
  /** The member the request went to: if it goes away, the request is retried elsewhere. */
  to: string
  /**
   * The leader it is for (the member it went to, or the leader a relay passes it on to; null: whoever the relay knows):
   * when this peer learns of another, it is retried.
   */
  leader: string | null
  resolve: (answer: RawAnswer) => void
  reject: (err: Error) => void
  timer: TimerHandle
}

/** An answer as it came over the wire: passed on unchanged by a relay, read by the call that asked. */
export interface RawAnswer { ok: boolean, body: string }

/** A forwarded call that must go to whoever leads now (the one it went to left or stopped leading). */
class RetryElsewhere extends Error {}

/** The answer of a relay when no linked peer is left to try. */
const NO_HOP = Symbol('no hop')

/** An error after which the call is asked again: the one asked was not (or no longer) the leader, or went away. */
function retryable (err: unknown): boolean {
  return err instanceof RetryElsewhere || (isBzzzError(err) && err.code === 'NOT_LEADER')
}

export class LeaderCalls {
  private readonly requests = new Map<string, PendingRequest>()
  /**
   * When a call last went through a relay with no leader known here and was answered: until one is known (or one such
   * call fails), the next go through a relay at once instead of waiting `relayAfterMs` each. A member that never heard
   * the leader's heartbeats (its link to the leader cut from the start) then pays that wait once, not per call.
   */
  private leaderlessRelayAt: number | null = null

  constructor (private readonly host: LeaderCallsHost) {}

  /** Runs `op` on the leader, retried on whoever leads while the leader changes, until `timeoutMs`. */
  async call (op: LeaderOp, args: Record<string, unknown>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<any> {
    const { host } = this
    const id = typeof args.id === 'string' ? args.id : host.randomBytes(12).toString('base64url')
    // Every line of this call carries its id, as do the leader's lines serving it (LeaderOps): one grep follows it.
    const log = host.logger.child({ req: id, op })
    const started = host.clock.now()
    const deadline = started + timeoutMs
    let lastProblem = 'no leader is known'
    let leaderless: number | null = null
    /** Peers a relayed attempt of this call went through and failed: the next attempt tries another, while there is one. */
    const failedHops = new Set<string>()
    /** Since when this peer has known the leader but had no link toward it, directly or through a relay. */
    let unreachable: number | null = null
    for (let attempt = 0; !host.isClosing() && host.clock.now() < deadline; attempt++) {
      if (attempt > 0) {
        host.counters.retried++
        log.debug({ attempt, problem: lastProblem }, 'calling the leader again')
        await host.clock.sleep(RETRY_PAUSE_MS)
      }
      if (host.leader() === null) leaderless ??= host.clock.now()
      const relayAnswered = this.leaderlessRelayAt !== null && host.clock.now() - this.leaderlessRelayAt < host.noLeaderTimeoutMs
      if (leaderless === null || !relayAnswered) {
        await host.leaderKnown(leaderless === null ? deadline : Math.min(deadline, leaderless + host.noLeaderTimeoutMs, host.clock.now() + host.relayAfterMs))
      }
      const leader = host.leader()
      if (leader === null) {
        if (leaderless !== null && host.clock.now() - leaderless >= host.noLeaderTimeoutMs) {
          log.warn({ ms: host.clock.now() - started }, 'no leader: the call is given up')
          throw unavailable(`no leader for ${Math.round(host.noLeaderTimeoutMs / 1000)} s, so ${op} was not accepted: ${host.quorumText()}`)
        }
        // None known here for a while: a linked peer (a voter first) may know one, and pass the call on to it.
        if (leaderless !== null && (relayAnswered || host.clock.now() - leaderless >= host.relayAfterMs)) {
          try {
            const answer = await this.relay(op, { ...args, id }, null, deadline, failedHops, log)
            if (answer !== NO_HOP) {
              this.leaderlessRelayAt = host.clock.now()
              return answer.value
            }
          } catch (err) {
            if (!retryable(err)) throw err
            this.leaderlessRelayAt = null
            lastProblem = (err as Error).message
          }
        }
        continue
      }
      leaderless = null
      try {
        if (leader === host.nodeId) {
          if (!host.isLeader()) continue
          log.debug('serving the call here, as the leader')
          return await host.serveHere(op, { ...args, id })
        }
        const member = host.members.get(leader)
        if (member === undefined) {
          // No link to the leader: through the linked peer closest to it, signed so that the leader serves it as ours.
          const answer = await this.relay(op, { ...args, id }, leader, deadline, failedHops, log)
          if (answer === NO_HOP) {
            lastProblem = `the leader ${leader.slice(0, 12)} is not connected, nor any peer to relay through`
            // Cut off from every peer: given up on as a call with no leader is.
            unreachable ??= host.clock.now()
            if (host.clock.now() - unreachable >= host.noLeaderTimeoutMs) {
              log.warn({ ms: host.clock.now() - started }, 'no link toward the leader: the call is given up')
              throw unavailable(`${lastProblem} for ${Math.round(host.noLeaderTimeoutMs / 1000)} s, so ${op} was not accepted: check \`bzzz-ctx peers\``)
            }
            continue
          }
          return answer.value
        }
        host.counters.forwarded++
        log.debug({ leader: leader.slice(0, 12) }, 'sent the call to the leader')
        const answer = await this.ask(member, op, { ...args, id }, deadline, leader)
        log.debug({ leader: leader.slice(0, 12), ms: host.clock.now() - started }, 'the leader answered')
        return answer
      } catch (err) {
        if (!retryable(err)) {
          log.debug({ err: String(err) }, 'the call failed')
          throw err
        }
        lastProblem = (err as Error).message
        unreachable = null
      }
    }
    log.warn({ ms: host.clock.now() - started, problem: lastProblem }, 'no leader answered in time')
    throw unavailable(`no leader answered ${op} within ${Math.round(timeoutMs / 1000)} s (${lastProblem}): check \`bzzz-ctx elect status\`; the request may still complete`)
  }

  /**
   * Sends this peer's call through the linked peer closest to `leader` (null: to the voters, which know it), signed so
   * that the leader serves it as this peer's own; NO_HOP when no linked peer is left to try. A hop tried is kept in
   * `failedHops` until the call ends, so that the next attempt goes through another, while there is one.
   */
  private async relay (op: string, args: Record<string, unknown>, leader: string | null, deadline: number, failedHops: Set<string>, log: Logger): Promise<{ value: unknown } | typeof NO_HOP> {
    const { host } = this
    const hop = host.relayHop(leader, [host.nodeId, ...failedHops]) ?? (failedHops.clear(), host.relayHop(leader, [host.nodeId]))
    if (hop === undefined) return NO_HOP
    host.counters.forwarded++
    const to = leader?.slice(0, 12) ?? 'whoever leads'
    log.debug({ leader: to, via: hop.node.slice(0, 12) }, 'sent the call to the leader through a relay')
    failedHops.add(hop.node)
    const value = await this.ask(hop, RELAY_OP, host.signRelay(op, args, deadline), deadline, leader)
    log.debug({ leader: to, via: hop.node.slice(0, 12) }, 'the leader answered through a relay')
    return { value }
  }

  /**
   * Sends one request to a member, for `leader` (the member itself, or the leader a relay passes it on to); resolves with
   * the answer, rejects with the leader's error, or to retry elsewhere at the deadline.
   */
  async ask (member: Member, op: string, args: unknown, deadline: number, leader: string | null = member.node): Promise<unknown> {
    const answer = await this.send(member, op, JSON.stringify(args), deadline, leader)
    let body: any
    try { body = JSON.parse(answer.body) } catch { body = { code: 'FAILURE', message: 'the leader answered with something that is not JSON' } }
    if (answer.ok) return body
    throw new BzzzError((body.code ?? 'FAILURE') as ErrorCode, `the leader says: ${String(body.message)}`)
  }

  private async send (member: Member, op: string, body: string, deadline: number, leader: string | null): Promise<RawAnswer> {
    const { clock, randomBytes } = this.host
    const id = randomBytes(12).toString('hex')
    return await new Promise((resolve, reject) => {
      const timer = clock.setTimeout(() => { this.requests.delete(id); reject(new RetryElsewhere(`the leader did not answer ${op} in time`)) }, Math.max(0, deadline - clock.now()))
      const settle = (): void => { clock.clearTimeout(timer); this.requests.delete(id) }
      this.requests.set(id, { to: member.node, leader, resolve: answer => { settle(); resolve(answer) }, reject: err => { settle(); reject(err) }, timer })
      member.channel.send({ type: 'request', id, op, body })
    })
  }

  /**
   * A relayed call that the linked peer `from` passed to this one (its request's body, parsed): served here when this
   * peer leads, else passed on toward the leader. The answer goes back as it came, so the origin reads the leader's own.
   */
  async passOn (from: string, value: unknown): Promise<RawAnswer> {
    const { host } = this
    const call = readRelayedCall(value, from, host.nodeId)
    const leader = host.leader()
    if (leader === host.nodeId && host.isLeader()) {
      const { role, args } = host.relayedCaller(call)
      const answer = await host.serveHere(call.op, args, { node: call.origin, role })
      return { ok: true, body: JSON.stringify(answer) }
    }
    // What stops a relay is answered as NOT_LEADER: the origin then asks again, through another peer if it has one.
    if (leader === null || leader === host.nodeId) throw notLeader(leader === null ? 'the peer relaying the call knows no leader' : 'the peer the call was relayed to stopped leading')
    const next = host.relayHop(leader, call.hops)
    if (next === undefined) throw notLeader(`no link toward the leader ${leader.slice(0, 12)} from the peer relaying the call`)
    host.counters.relayed++
    host.logger.debug({ op: call.op, origin: call.origin.slice(0, 12), to: next.node.slice(0, 12), hops: call.hops.length }, 'passed a relayed call on')
    const deadline = Math.min(host.clock.now() + REQUEST_TIMEOUT_MS, Math.max(host.clock.now() + RETRY_PAUSE_MS, call.expires))
    try {
      return await this.send(next, RELAY_OP, JSON.stringify({ ...call, hops: [...call.hops, host.nodeId] }), deadline, leader)
    } catch (err) {
      if (err instanceof RetryElsewhere) throw notLeader(`the peer relaying the call lost it on the way: ${err.message}`)
      throw err
    }
  }

  /** A member's answer to a request this peer sent. */
  response (message: Extract<WireMessage, { type: 'response' }>): void {
    const pending = this.requests.get(message.id)
    if (pending === undefined) return
    this.requests.delete(message.id)
    this.host.clock.clearTimeout(pending.timer)
    pending.resolve({ ok: message.ok, body: message.body })
  }

  /** A member left: what was sent to it goes to whoever leads now. */
  memberGone (member: string): void {
    for (const pending of this.requests.values()) if (pending.to === member) pending.reject(new RetryElsewhere('the leader went away'))
  }

  /** The leader changed: what was sent for another goes to the new one. */
  leaderChanged (leader: string | null): void {
    for (const pending of this.requests.values()) if (pending.leader !== leader) pending.reject(new RetryElsewhere('the leader changed'))
  }

  /** The node is closing: every call waiting for an answer fails. */
  stop (): void {
    for (const pending of this.requests.values()) { this.host.clock.clearTimeout(pending.timer); pending.reject(unavailable('the daemon is stopping')) }
  }
}
