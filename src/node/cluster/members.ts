/**
 * The members connected now: each connection must open with a hello whose certificate the cluster's admin signed for
 * the peer at the other end, and that peer must be on the signed roster this peer holds, or it is closed; a member
 * met again on a newer connection replaces the older one; a blocked peer (a partition made at the connection level)
 * is refused.
 */
import { createHash } from 'node:crypto'
import { certificateProblem } from '../../net/certificate.js'
import { WireChannel, type InvalidFrameKind } from '../../net/channel.js'
import { WIRE_VERSION, type WireMessage } from '../../net/messages.js'
import type { Clock, TimerHandle } from '../../clock.js'
import type { Logger } from '../logger.js'
import { HELLO_TIMEOUT_MS, type PeerConnection } from '../environment.js'
import type { Member, MemberDirectory, NodeCounters } from './types.js'

/**
 * A certified peer this peer's roster does not hold is sent that roster and given this long to show a newer one that
 * holds it (a member invited since this peer last heard), then closed: a cancelled or removed one stays refused.
 */
export const UNLISTED_GRACE_MS = 2_000
/** How long the roster sent to a member it leaves out has to leave before its connection is closed. */
export const UNLISTED_NOTICE_MS = 200

export interface MembersHost {
  nodeId: string
  clusterId: string
  adminKey: string
  /** This peer's certificate, as its hello carries it. */
  certificate: string
  clock: Clock
  logger: Logger
  counters: NodeCounters
  /** A member proved itself (any older connection of it is already closed). */
  onMember: (member: Member) => void
  /** A member's connection closed. */
  onGone: (node: string) => void
  /** A message from a member. */
  onMessage: (node: string, message: WireMessage) => void
  /** Whether the signed roster this peer holds has `node` (onRoster in roster.ts). */
  isListed: (node: string) => boolean
  /** The roster this peer holds, as sent on the wire; null in a cluster from before rosters. */
  rosterText: () => string | null
  /** A roster a certified peer not on ours sent: adopted when valid and newer (it may list the peer). */
  offerRoster: (node: string, text: string) => void
  /** A peer refused or a frame dropped, as counted: the daemon's event feed shows each as it happens. */
  onRejected?: (event: { what: 'peer' | 'frame', node: string, reason: string }) => void
}

export class Members implements MemberDirectory {
  private readonly members = new Map<string, Member>()
  /** Peers this node refuses to talk to: a partition made at the connection level (tests, the simulator's swarm mode). */
  private readonly blocked = new Set<string>()
  /** The wire channel's id: derived from the cluster id, so peers of other clusters never open it. */
  private readonly channelId: Buffer
  /** Frames refused on members' connections, by kind (the metrics' label; the counters keep the total for status). */
  readonly rejectedFrames = new Map<InvalidFrameKind, number>()

  constructor (private readonly host: MembersHost) {
    this.channelId = createHash('sha256').update('bzzz-ctx/channel\u0000').update(host.clusterId).digest()
  }

  get (node: string): Member | undefined { return this.members.get(node) }
  has (node: string): boolean { return this.members.has(node) }
  get size (): number { return this.members.size }
  values (): IterableIterator<Member> { return this.members.values() }

  /** Refuses `peers` until `unblock`, and destroys their connections now. */
  block (peers: readonly string[]): void {
    for (const peer of peers) this.blocked.add(peer)
    for (const peer of peers) this.members.get(peer)?.connection.destroy()
  }

  unblock (): void {
    this.blocked.clear()
  }

  /**
   * Closes every member a newer roster left out (every member, when it leaves this peer out), once the roster sent to them has had time to leave (they learn why,
   * and stop counting themselves a voter). From then on their hellos are refused as any unlisted peer's.
   */
  refuseUnlisted (): void {
    const selfListed = this.host.isListed(this.host.nodeId)
    for (const member of [...this.members.values()]) {
      if (selfListed && this.host.isListed(member.node)) continue
      this.members.delete(member.node)
      this.host.counters.rejectedPeers++
      this.host.onRejected?.({ what: 'peer', node: member.node, reason: 'not on the newer roster' })
      this.host.logger.warn({ peer: member.node.slice(0, 12) }, 'disconnected a member the newer roster does not hold')
      this.host.onGone(member.node)
      this.host.clock.setTimeout(() => { member.connection.destroy() }, UNLISTED_NOTICE_MS)
    }
  }

  /** Sets up an authenticated connection; a peer's bytes must never take the daemon down, so a failure closes it only. */
  onConnection (connection: PeerConnection): void {
    try {
      this.setUp(connection)
    } catch (err) {
      this.host.logger.error({ err: String(err) }, 'a connection failed to set up')
      connection.destroy()
    }
  }

  private setUp (connection: PeerConnection): void {
    const { host } = this
    const remote: string = connection.remotePublicKey.toString('hex')
    if (this.blocked.has(remote)) { connection.destroy(); return }
    host.logger.debug({ peer: remote.slice(0, 12), initiator: (connection as { isInitiator?: boolean }).isInitiator }, 'a link opened')
    connection.on('error', () => {})
    connection.once('close', () => { host.logger.debug({ peer: remote.slice(0, 12) }, 'a link closed') })
    let authenticated = false
    /** The role of a certified peer that is not on this peer's roster, while it may still show a newer one. */
    let unlisted: string | null = null
    let graceTimer: TimerHandle | null = null
    const admitListed = (role: string): void => {
      authenticated = true
      host.clock.clearTimeout(helloTimer)
      if (graceTimer !== null) host.clock.clearTimeout(graceTimer)
      this.admit(remote, role, channel, connection)
    }
    const channel: WireChannel = new WireChannel(connection, {
      clusterId: this.channelId,
      onMessage: (message: WireMessage) => {
        if (!authenticated && unlisted !== null) {
          if (message.type !== 'roster') return
          host.offerRoster(remote, message.roster)
          if (host.isListed(remote)) admitListed(unlisted)
          return
        }
        if (!authenticated) {
          if (message.type !== 'hello') return this.reject(connection, remote, 'spoke before proving membership')
          const problem = this.helloProblem(message, remote)
          if (problem !== null) return this.reject(connection, remote, problem)
          const role = JSON.parse(message.certificate).role as string
          // A peer its own roster leaves out (its invite cancelled, or removed) is no member: it admits nobody.
          if (!host.isListed(host.nodeId)) return this.reject(connection, remote, 'this peer is not on the cluster\'s roster')
          if (host.isListed(remote)) return admitListed(role)
          // Certified, but not on the roster: cancelled, removed, or invited after the roster this peer holds.
          unlisted = role
          host.clock.clearTimeout(helloTimer)
          const roster = host.rosterText()
          if (roster !== null) channel.send({ type: 'roster', roster })
          graceTimer = host.clock.setTimeout(() => { if (!authenticated) connection.destroy() }, UNLISTED_GRACE_MS)
          return
        }
        const member = this.members.get(remote)
        if (member !== undefined) member.lastHeardAt = host.clock.now()
        host.onMessage(remote, message)
      },
      onClose: () => {
        host.clock.clearTimeout(helloTimer)
        if (graceTimer !== null) host.clock.clearTimeout(graceTimer)
        // Closed by either side before it showed a roster that lists it: refused (it usually learns ours and leaves).
        if (!authenticated && unlisted !== null) {
          host.counters.rejectedPeers++
          host.onRejected?.({ what: 'peer', node: remote, reason: 'not on the roster' })
          host.logger.warn({ peer: remote.slice(0, 12) }, 'refused a certified peer that is not on the cluster\'s roster (an invite cancelled, or a member removed)')
        }
        if (authenticated && this.members.get(remote)?.channel === channel) {
          this.members.delete(remote)
          host.onGone(remote)
        }
      },
      onInvalid: (reason, _channel, kind) => {
        host.counters.invalidFrames++
        this.rejectedFrames.set(kind, (this.rejectedFrames.get(kind) ?? 0) + 1)
        host.onRejected?.({ what: 'frame', node: remote, reason })
        host.logger.warn({ peer: remote.slice(0, 12), reason }, 'closed a connection that sent an invalid frame')
      }
    })
    const helloTimer = host.clock.setTimeout(() => { if (!authenticated) this.reject(connection, remote, 'no hello in time') }, HELLO_TIMEOUT_MS)
    channel.open()
    channel.send({ type: 'hello', version: WIRE_VERSION, certificate: host.certificate })
  }

  private helloProblem (message: Extract<WireMessage, { type: 'hello' }>, remote: string): string | null {
    if (message.version !== WIRE_VERSION) return `speaks wire version ${message.version}`
    let certificate: unknown
    try { certificate = JSON.parse(message.certificate) } catch { return 'a certificate that is not JSON' }
    const problem = certificateProblem(certificate, { cluster: this.host.clusterId, adminKey: this.host.adminKey, node: remote, nowMs: this.host.clock.now() })
    return problem === null ? null : `a bad certificate: ${problem}`
  }

  private reject (connection: PeerConnection, remote: string, why: string): void {
    this.host.counters.rejectedPeers++
    this.host.onRejected?.({ what: 'peer', node: remote, reason: why })
    this.host.logger.warn({ peer: remote.slice(0, 12), why }, 'refused a peer')
    connection.destroy()
  }

  private admit (remote: string, role: string, channel: WireChannel, connection: PeerConnection): void {
    const previous = this.members.get(remote)
    const now = this.host.clock.now()
    const member: Member = { node: remote, role, channel, connection, connectedAt: now, lastHeardAt: now }
    this.members.set(remote, member)
    if (previous !== undefined && previous.channel !== channel) previous.channel.close('replaced by a newer connection')
    this.host.onMember(member)
  }
}
