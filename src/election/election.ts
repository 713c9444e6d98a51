/**
 * The leader election, pure: Raft's election without a log (our logs are Hypercores), with PreVote, CheckQuorum
 * and leadership transfer, after etcd-io/raft's raft.go. Time is ticks passed in, randomness is injected, and every
 * I/O is an effect; the effects of one step are ordered like raft's Ready: what to save, then what changed, then
 * what to send, so a term and a vote are saved before any message that depends on them leaves.
 */

import { badInput } from '../errors.js'

/** How many of a roster's `voters` make a majority: what elects a leader, and what a leader must hear from to keep its lease. */
export function majorityOf (voters: number): number {
  return Math.floor(voters / 2) + 1
}

export const ELECTION_TIMEOUT_TICKS = 10
export const HEARTBEAT_TICKS = 2

export type ElectionState = 'follower' | 'pre-candidate' | 'candidate' | 'leader'

export type ElectionMessage =
  /** "Would you vote for me at `term`?": asked before a candidate bumps its term, changes nothing at the granter. */
  | { type: 'pre-vote', term: number }
  | { type: 'pre-vote-response', term: number, granted: boolean }
  /** `transfer` is set by a peer told to campaign by a resigning leader: voters ignore their leader lease. */
  | { type: 'vote', term: number, transfer?: true }
  | { type: 'vote-response', term: number, granted: boolean }
  | { type: 'heartbeat', term: number }
  /** `canCampaign` tells the leader whether this follower could take over on `resign`. */
  | { type: 'heartbeat-response', term: number, canCampaign: boolean }
  /** From a resigning leader: campaign now, skipping PreVote. */
  | { type: 'timeout-now', term: number }

export type ElectionInput =
  | { type: 'tick' }
  | { type: 'message', from: string, message: ElectionMessage }
  | { type: 'campaign' }
  | { type: 'resign' }
  /** A newer roster: its members (heartbeats go to all of them) and its voters (default: every member). */
  | { type: 'roster', members: readonly string[], voters?: readonly string[] }
  /**
   * A member says `leader` leads `term` (with its gossiped heads): second-hand news of the leader's heartbeat. A member
   * that does not vote follows it as if it had heard that heartbeat (without answering it), so that it knows the leader
   * when it has no link to it; a voter ignores it, since its vote and its lease must rest on what it heard itself.
   */
  | { type: 'leader-hint', from: string, term: number, leader: string }

export type ElectionEffect =
  /** Save before acting on anything else of the same step. */
  | { type: 'persist', term: number, votedFor: string | null }
  | { type: 'state', state: ElectionState }
  | { type: 'leader', term: number, leader: string | null }
  | { type: 'send', to: string, message: ElectionMessage }

export interface PersistedVote {
  term: number
  votedFor: string | null
}

export interface ElectionOptions {
  id: string
  /** The roster, this peer included: the leader's heartbeats reach every member, and it follows them. */
  members: readonly string[]
  /**
   * The members that vote (default: every member): only they campaign, are asked for (pre-)votes, and count toward a
   * majority, the leader's lease (CheckQuorum) included. A member that does not vote follows the leader all the same.
   */
  voters?: readonly string[]
  electionTimeoutTicks?: number
  heartbeatTicks?: number
  /** A source in [0, 1), drawn at each reset of the election timer. */
  random: () => number
  preVote?: boolean
  checkQuorum?: boolean
  /** False for a peer that votes but never stands. */
  canCampaign?: boolean
  persisted?: PersistedVote
}

type RoleStep = (from: string, message: ElectionMessage) => void

export class Election {
  readonly id: string
  private roster: string[]
  /** The roster's members as a set: a message's sender is looked up in it (a thousand members, every message). */
  private listed: ReadonlySet<string>
  private voting: string[]
  private readonly electionTimeoutTicks: number
  private readonly heartbeatTicks: number
  private readonly random: () => number
  private readonly preVote: boolean
  private readonly checkQuorum: boolean
  private readonly canCampaign: boolean

  private currentTerm: number
  private vote: string | null
  private role: ElectionState = 'follower'
  private knownLeader: string | null = null
  private roleStep: RoleStep

  /** Ticks since the last reset; for a follower, since it last heard from its leader or granted a vote. */
  private electionElapsed = 0
  private heartbeatElapsed = 0
  private randomizedElectionTimeout = 0
  /** The (pre-)votes of the current campaign, by voter. */
  private readonly votes = new Map<string, boolean>()
  /** Ticks since each peer was last heard from. */
  private readonly contact = new Map<string, number>()
  /** A leader's followers heard from in the current CheckQuorum window. */
  private readonly recentActive = new Set<string>()
  /** A leader's followers that can campaign, by the order of their last heartbeat acknowledgement. */
  private readonly ackOrder = new Map<string, number>()
  private ackCount = 0
  private sends: ElectionEffect[] = []

  constructor (options: ElectionOptions) {
    const electionTimeoutTicks = options.electionTimeoutTicks ?? ELECTION_TIMEOUT_TICKS
    const heartbeatTicks = options.heartbeatTicks ?? HEARTBEAT_TICKS
    if (!Number.isInteger(electionTimeoutTicks) || electionTimeoutTicks < 1) throw badInput(`electionTimeoutTicks must be a positive integer, not ${electionTimeoutTicks}`)
    if (!Number.isInteger(heartbeatTicks) || heartbeatTicks < 1 || heartbeatTicks >= electionTimeoutTicks) {
      throw badInput(`heartbeatTicks must be a positive integer below electionTimeoutTicks (${electionTimeoutTicks}), not ${heartbeatTicks}`)
    }
    this.id = options.id
    this.roster = [...new Set(options.members)].sort()
    this.listed = new Set(this.roster)
    this.voting = [...new Set(options.voters ?? options.members)].sort()
    this.electionTimeoutTicks = electionTimeoutTicks
    this.heartbeatTicks = heartbeatTicks
    this.random = options.random
    this.preVote = options.preVote ?? true
    this.checkQuorum = options.checkQuorum ?? true
    this.canCampaign = options.canCampaign ?? true
    this.currentTerm = options.persisted?.term ?? 0
    this.vote = options.persisted?.votedFor ?? null
    this.roleStep = this.stepFollower
    this.resetTimers()
  }

  get term (): number { return this.currentTerm }
  get state (): ElectionState { return this.role }
  get leader (): string | null { return this.knownLeader }
  get votedFor (): string | null { return this.vote }
  get members (): readonly string[] { return this.roster }
  get voters (): readonly string[] { return this.voting }

  /** Ticks since `peer` was last heard from, or null if never. */
  lastContact (peer: string): number | null {
    return this.contact.get(peer) ?? null
  }

  step (input: ElectionInput): ElectionEffect[] {
    const before = { term: this.currentTerm, vote: this.vote, role: this.role, leader: this.knownLeader }
    this.sends = []
    switch (input.type) {
      case 'tick': this.tick(); break
      case 'message': this.receive(input.from, input.message); break
      case 'campaign': this.hup(); break
      case 'resign': this.resign(); break
      case 'roster': this.setRoster(input.members, input.voters ?? input.members); break
      case 'leader-hint': this.hint(input.from, input.term, input.leader); break
    }
    const effects: ElectionEffect[] = []
    if (this.currentTerm !== before.term || this.vote !== before.vote) effects.push({ type: 'persist', term: this.currentTerm, votedFor: this.vote })
    if (this.role !== before.role) effects.push({ type: 'state', state: this.role })
    if (this.knownLeader !== before.leader || (this.knownLeader !== null && this.currentTerm !== before.term)) {
      effects.push({ type: 'leader', term: this.currentTerm, leader: this.knownLeader })
    }
    effects.push(...this.sends)
    this.sends = []
    return effects
  }

  private promotable (): boolean {
    return this.canCampaign && this.voting.includes(this.id)
  }

  private quorum (): number {
    return majorityOf(this.voting.length)
  }

  /** Every other member: the leader's heartbeats go to them all. */
  private others (): string[] {
    return this.roster.filter(peer => peer !== this.id)
  }

  /** Every other voter: a campaign asks them only. */
  private otherVoters (): string[] {
    return this.voting.filter(peer => peer !== this.id)
  }

  private send (to: string, message: ElectionMessage): void {
    this.sends.push({ type: 'send', to, message })
  }

  /** True while this peer has heard from a live leader within an election timeout: it then refuses to help depose it. */
  private inLease (): boolean {
    return this.knownLeader !== null && this.electionElapsed < this.electionTimeoutTicks
  }

  private resetTimers (): void {
    this.electionElapsed = 0
    this.heartbeatElapsed = 0
    const draw = Math.min(Math.max(this.random(), 0), 0.999999)
    this.randomizedElectionTimeout = this.electionTimeoutTicks + Math.floor(draw * this.electionTimeoutTicks)
  }

  private reset (term: number): void {
    if (term !== this.currentTerm) {
      this.currentTerm = term
      this.vote = null
    }
    this.knownLeader = null
    this.resetTimers()
    this.votes.clear()
    this.recentActive.clear()
    this.ackOrder.clear()
  }

  private becomeFollower (term: number, leader: string | null): void {
    this.reset(term)
    this.role = 'follower'
    this.roleStep = this.stepFollower
    this.knownLeader = leader
  }

  private becomePreCandidate (): void {
    // The term and the vote stay: a failed pre-campaign leaves no trace on anyone.
    this.votes.clear()
    this.resetTimers()
    this.role = 'pre-candidate'
    this.roleStep = this.stepCandidate
    this.knownLeader = null
  }

  private becomeCandidate (): void {
    this.reset(this.currentTerm + 1)
    this.vote = this.id
    this.role = 'candidate'
    this.roleStep = this.stepCandidate
  }

  private becomeLeader (): void {
    this.reset(this.currentTerm)
    this.role = 'leader'
    this.roleStep = this.stepLeader
    this.knownLeader = this.id
    this.broadcastHeartbeat()
  }

  private tick (): void {
    for (const [peer, ticks] of this.contact) this.contact.set(peer, ticks + 1)
    if (this.role === 'leader') this.tickLeader()
    else this.tickElection()
  }

  private tickElection (): void {
    this.electionElapsed++
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) this.hup()
  }

  private tickLeader (): void {
    this.heartbeatElapsed++
    this.electionElapsed++
    if (this.electionElapsed >= this.electionTimeoutTicks) {
      this.electionElapsed = 0
      if (this.checkQuorum) {
        const active = this.voting.filter(peer => peer === this.id || this.recentActive.has(peer)).length
        if (active < this.quorum()) {
          this.becomeFollower(this.currentTerm, null)
          return
        }
      }
      this.recentActive.clear()
    }
    if (this.heartbeatElapsed >= this.heartbeatTicks) {
      this.heartbeatElapsed = 0
      this.broadcastHeartbeat()
    }
  }

  private broadcastHeartbeat (): void {
    for (const peer of this.others()) this.send(peer, { type: 'heartbeat', term: this.currentTerm })
  }

  /** Starts an election: through PreVote when enabled, straight to a vote when `transfer` (a leader asked for it). */
  private hup (transfer = false): void {
    if (this.role === 'leader' || !this.promotable()) return
    if (this.preVote && !transfer) {
      this.becomePreCandidate()
      this.poll(this.id, true)
      if (this.role !== 'pre-candidate') return
      for (const peer of this.otherVoters()) this.send(peer, { type: 'pre-vote', term: this.currentTerm + 1 })
      return
    }
    this.campaign(transfer)
  }

  private campaign (transfer: boolean): void {
    this.becomeCandidate()
    this.poll(this.id, true)
    if (this.role !== 'candidate') return
    const message: ElectionMessage = transfer ? { type: 'vote', term: this.currentTerm, transfer: true } : { type: 'vote', term: this.currentTerm }
    for (const peer of this.otherVoters()) this.send(peer, message)
  }

  /** Records a (pre-)vote and acts on the tally: win moves on, a lost campaign falls back to follower. */
  private poll (voter: string, granted: boolean): void {
    if (!this.votes.has(voter)) this.votes.set(voter, granted)
    this.tally()
  }

  private tally (): void {
    if (this.role !== 'pre-candidate' && this.role !== 'candidate') return
    let granted = 0
    let rejected = 0
    for (const peer of this.voting) {
      const vote = this.votes.get(peer)
      if (vote === true) granted++
      else if (vote === false) rejected++
    }
    if (granted >= this.quorum()) {
      if (this.role === 'pre-candidate') this.campaign(false)
      else this.becomeLeader()
    } else if (this.voting.length - rejected < this.quorum()) {
      this.becomeFollower(this.currentTerm, null)
    }
  }

  private receive (from: string, message: ElectionMessage): void {
    if (from === this.id || !this.listed.has(from)) return
    this.contact.set(from, 0)
    if (message.term > this.currentTerm) {
      if (message.type === 'pre-vote' || message.type === 'vote') {
        const force = message.type === 'vote' && message.transfer === true
        // raft.go applies the lease to votes only with CheckQuorum; a pre-vote is refused by it always.
        const leaseApplies = message.type === 'pre-vote' || this.checkQuorum
        if (!force && leaseApplies && this.inLease()) return
      }
      if (message.type === 'pre-vote') {
        // a pre-vote never changes the granter's term
      } else if (message.type === 'pre-vote-response' && message.granted) {
        // granted at our term + 1: counted, the term moves only when the real campaign starts
      } else if (message.type === 'heartbeat') {
        this.becomeFollower(message.term, from)
      } else {
        this.becomeFollower(message.term, null)
      }
    } else if (message.term < this.currentTerm) {
      // A stale leader learns of the newer term and steps down (raft.go answers only with CheckQuorum or PreVote; a
      // stale leader without CheckQuorum would otherwise lead nobody forever). A stale pre-candidate learns it too.
      if (message.type === 'heartbeat') {
        this.send(from, { type: 'heartbeat-response', term: this.currentTerm, canCampaign: this.promotable() })
      } else if (message.type === 'pre-vote') {
        this.send(from, { type: 'pre-vote-response', term: this.currentTerm, granted: false })
      }
      return
    }
    if (message.type === 'pre-vote' || message.type === 'vote') {
      this.onVoteRequest(from, message)
      return
    }
    this.roleStep(from, message)
  }

  private onVoteRequest (from: string, message: Extract<ElectionMessage, { type: 'pre-vote' | 'vote' }>): void {
    const pre = message.type === 'pre-vote'
    const canVote = this.vote === from ||
      (this.vote === null && this.knownLeader === null) ||
      (pre && message.term > this.currentTerm)
    const responseType = pre ? 'pre-vote-response' : 'vote-response'
    // A member that does not vote (as this peer's roster says) never stands: a campaign of one is on an old roster.
    if (!canVote || !this.voting.includes(from)) {
      this.send(from, { type: responseType, term: this.currentTerm, granted: false })
      return
    }
    if (!pre) {
      this.electionElapsed = 0
      this.vote = from
    }
    this.send(from, { type: responseType, term: message.term, granted: true })
  }

  private readonly stepFollower: RoleStep = (from, message) => {
    switch (message.type) {
      case 'heartbeat':
        this.electionElapsed = 0
        this.knownLeader = from
        this.send(from, { type: 'heartbeat-response', term: this.currentTerm, canCampaign: this.promotable() })
        return
      case 'timeout-now':
        this.hup(true)
    }
  }

  private readonly stepCandidate: RoleStep = (from, message) => {
    switch (message.type) {
      case 'heartbeat':
        this.becomeFollower(message.term, from)
        this.stepFollower(from, message)
        return
      case 'pre-vote-response':
        if (this.role !== 'pre-candidate') return
        // a grant is for term + 1; a refusal carries the refuser's term, ours
        if (message.granted ? message.term === this.currentTerm + 1 : message.term === this.currentTerm) this.poll(from, message.granted)
        return
      case 'vote-response':
        if (this.role === 'candidate') this.poll(from, message.granted)
    }
  }

  private readonly stepLeader: RoleStep = (from, message) => {
    if (message.type !== 'heartbeat-response') return
    this.recentActive.add(from)
    if (message.canCampaign) this.ackOrder.set(from, ++this.ackCount)
    else this.ackOrder.delete(from)
  }

  /**
   * Hands leadership to the follower that can campaign and acknowledged a heartbeat last (among those heard from
   * within an election timeout), then steps down; with no such follower it only steps down.
   */
  private resign (): void {
    if (this.role !== 'leader') return
    let target: string | null = null
    let latest = -1
    for (const [peer, order] of this.ackOrder) {
      const ticks = this.contact.get(peer)
      if (ticks === undefined || ticks >= this.electionTimeoutTicks || !this.voting.includes(peer)) continue
      if (order > latest) { latest = order; target = peer }
    }
    const term = this.currentTerm
    this.becomeFollower(term, null)
    if (target !== null) this.send(target, { type: 'timeout-now', term })
  }

  /**
   * Follows a leader heard of through another member, when this peer does not vote: a later term is entered with it as
   * the leader (as its heartbeat would), and in the current term it is taken up only when no leader is known. The hint
   * is trusted as far as a heartbeat is: it comes from a member on the roster, and it must name a voter.
   */
  private hint (from: string, term: number, leader: string): void {
    if (this.voting.includes(this.id) || from === this.id || leader === this.id) return
    if (!this.listed.has(from) || !this.voting.includes(leader)) return
    if (term > this.currentTerm) this.becomeFollower(term, leader)
    else if (term === this.currentTerm && this.knownLeader === null) this.knownLeader = leader
  }

  private setRoster (members: readonly string[], voters: readonly string[]): void {
    this.roster = [...new Set(members)].sort()
    this.listed = new Set(this.roster)
    this.voting = [...new Set(voters)].sort()
    for (const peer of [...this.contact.keys()]) if (!this.listed.has(peer)) this.contact.delete(peer)
    for (const peer of [...this.ackOrder.keys()]) if (!this.voting.includes(peer)) this.ackOrder.delete(peer)
    // A leader demoted (or removed) steps down: the voters elect the next among themselves.
    if (this.role === 'leader' && !this.voting.includes(this.id)) this.becomeFollower(this.currentTerm, null)
    else if (this.role !== 'leader' && this.role !== 'follower' && !this.voting.includes(this.id)) this.becomeFollower(this.currentTerm, null)
    else this.tally()
  }
}
