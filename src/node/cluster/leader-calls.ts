/**
 * Calls that must run on the leader (generate, distribute, decide): run here when this peer leads, else sent to the
 * leader over its wire channel. When the leader goes away or changes before it answers, the same request (same id,
 * so the retry is idempotent) goes to the new leader, until the deadline.
 */
import { BzzzError, isBzzzError, unavailable, type ErrorCode } from '../../errors.js'
import type { WireMessage } from '../../net/messages.js'
import type { Clock, RandomBytes, TimerHandle } from '../../clock.js'
import type { Logger } from '../logger.js'
import type { Member, MemberDirectory, NodeCounters } from './types.js'

export const REQUEST_TIMEOUT_MS = 120_000
export const RETRY_PAUSE_MS = 100
/**
 * How long a call that needs the leader waits while no leader is known at all, at least (or ten election timeouts):
 * elections end in a few timeouts, so past this the cluster lacks a majority.
 */
export const NO_LEADER_TIMEOUT_MS = 15_000

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
  /** The leader this peer follows, and whether it is this peer in the election's leader state. */
  leader: () => string | null
  isLeader: () => boolean
  leaderKnown: (deadline: number) => Promise<void>
  quorumText: () => string
  isClosing: () => boolean
  /** Runs `op` here, this peer leading. */
  serveHere: (op: string, args: Record<string, unknown>) => Promise<unknown>
}

interface PendingRequest {
  /** The member the request went to: if it goes away or stops leading, the request is retried elsewhere. */
  to: string
  resolve: (body: unknown) => void
  reject: (err: Error) => void
  timer: TimerHandle
}

/** A forwarded call that must go to whoever leads now (the one it went to left or stopped leading). */
class RetryElsewhere extends Error {}

export class LeaderCalls {
  private readonly requests = new Map<string, PendingRequest>()

  constructor (private readonly host: LeaderCallsHost) {}

  /** Runs `op` on the leader, retried on whoever leads while the leader changes, until `timeoutMs`. */
  async call (op: string, args: Record<string, unknown>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<any> {
    const { host } = this
    const id = typeof args.id === 'string' ? args.id : host.randomBytes(12).toString('base64url')
    // Every line of this call carries its id, as do the leader's lines serving it (LeaderOps): one grep follows it.
    const log = host.logger.child({ req: id, op })
    const started = host.clock.now()
    const deadline = started + timeoutMs
    let lastProblem = 'no leader is known'
    let leaderless: number | null = null
    for (let attempt = 0; !host.isClosing() && host.clock.now() < deadline; attempt++) {
      if (attempt > 0) {
        host.counters.retried++
        log.debug({ attempt, problem: lastProblem }, 'calling the leader again')
        await host.clock.sleep(RETRY_PAUSE_MS)
      }
      if (host.leader() === null) leaderless ??= host.clock.now()
      await host.leaderKnown(leaderless === null ? deadline : Math.min(deadline, leaderless + host.noLeaderTimeoutMs))
      const leader = host.leader()
      if (leader === null) {
        if (leaderless !== null && host.clock.now() - leaderless >= host.noLeaderTimeoutMs) {
          log.warn({ ms: host.clock.now() - started }, 'no leader: the call is given up')
          throw unavailable(`no leader for ${Math.round(host.noLeaderTimeoutMs / 1000)} s, so ${op} was not accepted: ${host.quorumText()}`)
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
        if (member === undefined) { lastProblem = `the leader ${leader.slice(0, 12)} is not connected`; continue }
        host.counters.forwarded++
        log.debug({ leader: leader.slice(0, 12) }, 'sent the call to the leader')
        const answer = await this.ask(member, op, { ...args, id }, deadline)
        log.debug({ leader: leader.slice(0, 12), ms: host.clock.now() - started }, 'the leader answered')
        return answer
      } catch (err) {
        if (err instanceof RetryElsewhere) { lastProblem = err.message; continue }
        // The one that answered was not (or no longer) the leader: ask again whoever leads now.
        if (isBzzzError(err) && err.code === 'NOT_LEADER') { lastProblem = err.message; continue }
        log.debug({ err: String(err) }, 'the call failed')
        throw err
      }
    }
    log.warn({ ms: host.clock.now() - started, problem: lastProblem }, 'no leader answered in time')
    throw unavailable(`no leader answered ${op} within ${Math.round(timeoutMs / 1000)} s (${lastProblem}): check \`bzzz-ctx elect status\`; the request may still complete`)
  }

  /** Sends one request to a member; resolves with its answer, rejects with its error, or to retry elsewhere at the deadline. */
  async ask (member: Member, op: string, args: Record<string, unknown>, deadline: number): Promise<unknown> {
    const { clock, randomBytes } = this.host
    const id = randomBytes(12).toString('hex')
    return await new Promise((resolve, reject) => {
      const timer = clock.setTimeout(() => { this.requests.delete(id); reject(new RetryElsewhere(`the leader did not answer ${op} in time`)) }, Math.max(0, deadline - clock.now()))
      const settle = (): void => { clock.clearTimeout(timer); this.requests.delete(id) }
      this.requests.set(id, { to: member.node, resolve: body => { settle(); resolve(body) }, reject: err => { settle(); reject(err) }, timer })
      member.channel.send({ type: 'request', id, op, body: JSON.stringify(args) })
    })
  }

  /** A member's answer to a request this peer sent. */
  response (message: Extract<WireMessage, { type: 'response' }>): void {
    const pending = this.requests.get(message.id)
    if (pending === undefined) return
    this.requests.delete(message.id)
    this.host.clock.clearTimeout(pending.timer)
    let body: any
    try { body = JSON.parse(message.body) } catch { body = { code: 'FAILURE', message: 'the leader answered with something that is not JSON' } }
    if (message.ok) pending.resolve(body)
    else pending.reject(new BzzzError((body.code ?? 'FAILURE') as ErrorCode, `the leader says: ${String(body.message)}`))
  }

  /** A member left: what was sent to it goes to whoever leads now. */
  memberGone (member: string): void {
    for (const pending of this.requests.values()) if (pending.to === member) pending.reject(new RetryElsewhere('the leader went away'))
  }

  /** The leader changed: what was sent to another goes to the new one. */
  leaderChanged (leader: string | null): void {
    for (const pending of this.requests.values()) if (pending.to !== leader) pending.reject(new RetryElsewhere('the leader changed'))
  }

  /** The node is closing: every call waiting for an answer fails. */
  stop (): void {
    for (const pending of this.requests.values()) { this.host.clock.clearTimeout(pending.timer); pending.reject(unavailable('the daemon is stopping')) }
  }
}
