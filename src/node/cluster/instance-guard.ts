/**
 * The duplicate-identity guard. Two processes with one identity (an invite redeemed twice) could each vote in the same
 * term: a leader elected twice. Each member is asked which run of its node it is (see `observeInstance`); a second
 * process's connection is refused, and it is told so, which makes it stop taking part (`halt`).
 */
import { observeInstance } from '../instances.js'
import type { WireChannel } from '../../net/channel.js'
import type { Clock, RandomBytes } from '../../clock.js'
import type { Logger } from '../logger.js'
import type { Member, MemberDirectory, NodeCounters } from './types.js'

/** How long a member has to say which instance it is. */
export const INSTANCE_TIMEOUT_MS = 5_000
/** How long the notice to a duplicate has to leave before its connection is closed. */
export const DUPLICATE_NOTICE_MS = 200
const INSTANCE_PATTERN = /^[0-9a-f]{24}$/

export interface InstanceGuardHost {
  clock: Clock
  randomBytes: RandomBytes
  logger: Logger
  counters: NodeCounters
  members: MemberDirectory
  /** Sends a request to a member and resolves with its answer (rejects when it goes or the deadline passes). */
  ask: (member: Member, op: string, args: Record<string, unknown>, deadline: number) => Promise<unknown>
  /** Leaves the swarm, so this node neither votes nor writes again. */
  leave: () => void
  onHalt?: (reason: string) => void
}

export class InstanceGuard {
  /** This process's run of the node: another process with the same identity (an invite redeemed twice) has another. */
  readonly instance: string
  /** Why this node stopped taking part, once it has. */
  halted: string | null = null
  /** Per member, the instances met, the latest last: one met again after another is a second process with that identity. */
  private readonly instances = new Map<string, readonly string[]>()

  constructor (private readonly host: InstanceGuardHost) {
    this.instance = host.randomBytes(12).toString('hex')
  }

  /** Asks a newly connected member which instance it is, and refuses it when it is a second process. */
  async confirm (remote: string, channel: WireChannel): Promise<void> {
    const { host } = this
    const member = host.members.get(remote)
    if (member === undefined || member.channel !== channel) return
    let answer: unknown
    try {
      answer = await host.ask(member, 'instance', { id: 'instance' }, host.clock.now() + INSTANCE_TIMEOUT_MS)
    } catch {
      return // gone already, or a node from before instances: nothing to compare
    }
    const instance = (answer as { instance?: unknown } | null)?.instance
    if (typeof instance !== 'string' || !INSTANCE_PATTERN.test(instance)) return
    const verdict = observeInstance(this.instances.get(remote) ?? [], instance)
    if (verdict.duplicate) {
      host.counters.duplicateIdentities++
      const reason = `two processes use the identity of member ${remote.slice(0, 12)} (${member.role}): was its invite redeemed twice? Give each member its own invite (\`bzzz-ctx invite\`)`
      host.logger.error({ peer: remote.slice(0, 12) }, reason)
      channel.send({ type: 'request', id: this.host.randomBytes(12).toString('hex'), op: 'duplicate', body: JSON.stringify({ id: 'duplicate', reason }) })
      // The notice goes out before the connection closes.
      host.clock.setTimeout(() => { member.connection.destroy() }, DUPLICATE_NOTICE_MS)
      return
    }
    this.instances.set(remote, verdict.seen)
  }

  /** A member says another process uses this node's identity: stop taking part, and say why. */
  halt (reason: string, by: string): { halting: true } {
    if (this.halted === null) {
      this.halted = reason
      this.host.logger.error({ by: by.slice(0, 12), reason }, 'stopped taking part in the cluster')
      this.host.leave()
      this.host.onHalt?.(reason)
    }
    return { halting: true }
  }
}
