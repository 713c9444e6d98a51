/**
 * The election core's one driver: it feeds the core ticks, messages, rosters and commands, and carries out its effects
 * in order (save the vote, then act, then send). It adopts newer signed rosters, answers campaign and resign, reports
 * the election's status, and says whether this leader holds its lease.
 */
import { join } from 'node:path'
import {
  Election, ELECTION_TIMEOUT_TICKS, HEARTBEAT_TICKS, majorityOf,
  type ElectionEffect, type ElectionInput, type ElectionMessage, type ElectionState
} from '../../election/election.js'
import type { ElectionWireMessage } from '../../net/messages.js'
import { badUsage, corrupt, unavailable } from '../../errors.js'
import type { Clock } from '../../clock.js'
import type { Logger } from '../logger.js'
import { loadRoster, readRoster, rosterFileStamp, rosterMembers, rosterProblem, rosterVoters, rosterVotersOf, writeRoster, type SignedRoster } from '../roster.js'
import { readVote, saveVote } from './vote-file.js'
import { termEvidence, voteVerifies, type SignedVote } from '../term-evidence.js'
import type { NodeIdentity } from '../../crypto/identity.js'
import type { TermProof } from '../../storage/context-store.js'
import type { ElectStatus, MemberDirectory, NodeCounters } from './types.js'

export interface ElectionDriverHost {
  nodeId: string
  home: string
  clusterId: string
  adminKey: string
  clock: Clock
  logger: Logger
  counters: NodeCounters
  members: MemberDirectory
  /** The election timeout in ms: ELECTION_TIMEOUT_TICKS ticks of the core. */
  electionTimeoutMs: number
  /** False: this peer votes but never stands. */
  canCampaign: boolean
  /** The election's random source. */
  random: () => number
  /** Signs a vote this peer grants (term-evidence.ts): the candidate writes a majority of them into its log. */
  signVote: (term: number, candidate: string) => string
  /** The deliberate fault of the simulator's proof: grant a second candidate of a term a vote too. */
  doubleVote: boolean
  isClosing: () => boolean
  /** The linked peer a call to `leader` would be relayed through (relayed-call.ts), when this peer has no link to it. */
  relayVia: (leader: string) => string | null
  /** The role a member had when this peer last met it, for one not connected now. */
  knownRole: (node: string) => string | null | undefined
  /** Told of every change of this node's election state, as it happens. */
  onElection?: (event: { term: number, state: ElectionState, leader: string | null }) => void
  /** Told of every vote this peer grants, as it is sent. */
  onVote?: (event: { term: number, candidate: string }) => void
  /** This peer started or stopped leading (told of changes only: a repeat would start the queue's work again). */
  onLeadership: (isLeader: boolean, term: number) => void
  /** The leader this peer follows changed. */
  onLeaderChanged: (leader: string | null) => void
  /** This peer entered a later term (it voted in it, stood in it, or heard of it), or learnt who leads its term. */
  onStandingChanged?: (term: number, leader: string | null) => void
  /** A newer roster was adopted (and sent to every member connected): members it leaves out are to be closed. */
  onRosterAdopted?: (roster: SignedRoster) => void
}

export class ElectionDriver {
  readonly election: Election
  private roster: SignedRoster | null
  /** The roster as sent on the wire (made once a roster, not once a member it goes to). */
  private rosterJson: string | null = null
  private fed = { isLeader: false, term: -1 }
  /** The last other peer known to lead: a new leader closes its connection when it has gone silent (see ClusterNode). */
  private former: string | null = null
  private readonly leaderWaiters = new Set<() => void>()
  /** The saved roster file as pickUpSavedRoster last looked at it (rosterFileStamp). */
  private savedStamp: string | null | undefined = undefined
  /** The signed votes granted to this peer in its latest campaign (term, voter to signature). */
  private granted = { term: -1, votes: new Map<string, string>() }
  /** The term this peer won last, the roster it was elected from, and the votes it won by: its term entry's evidence. */
  private won: { term: number, roster: SignedRoster | null, votes: SignedVote[] } | null = null

  constructor (private readonly host: ElectionDriverHost) {
    const expect = { cluster: host.clusterId, adminKey: host.adminKey }
    // Votes are counted out of the roster: a member that counted out of a damaged or missing one (the admin and itself)
    // could win an election with two votes while the others count out of all the members. So it does not start.
    this.roster = loadRoster(host.home, expect)
    if (this.roster === null && host.nodeId !== host.adminKey) {
      throw corrupt(`this member's roster (${join(host.home, 'roster.json')}) is missing: the invite gave it one. Restore it from a backup, or copy roster.json from another member's home (the admin signed it)`)
    }
    const persisted = readVote(host.home)
    this.election = new Election({
      id: host.nodeId,
      members: rosterMembers(this.roster, host.adminKey, host.nodeId),
      voters: rosterVotersOf(this.roster, host.adminKey, host.nodeId),
      electionTimeoutTicks: ELECTION_TIMEOUT_TICKS,
      heartbeatTicks: HEARTBEAT_TICKS,
      random: host.random,
      canCampaign: host.canCampaign,
      ...(persisted !== null ? { persisted } : {})
    })
  }

  /** How often the core is ticked. */
  /** The last other peer that led, as this peer saw it; null if none has. */
  get formerLeader (): string | null {
    return this.former
  }

  get tickMs (): number {
    return this.host.electionTimeoutMs / ELECTION_TIMEOUT_TICKS
  }

  /** The signed roster this peer holds, if any; it goes to every member that connects. */
  get currentRoster (): SignedRoster | null {
    return this.roster
  }

  /** The roster this peer holds as its wire text, or null. */
  get currentRosterText (): string | null {
    if (this.rosterJson === null && this.roster !== null) this.rosterJson = JSON.stringify(this.roster)
    return this.rosterJson
  }

  /** True while this peer still leads in `term`, as the queue was last told. */
  leadsIn (term: number): boolean {
    return this.fed.isLeader && this.fed.term === term
  }

  tick (): void {
    this.step({ type: 'tick' })
  }

  message (from: string, message: ElectionWireMessage): void {
    const { host } = this
    if (message.kind === 'vote-response' && message.flag) {
      // A grant counts only with the voter's signature: the leader must show every peer the votes it won by.
      if (message.proof === undefined || !voteVerifies(host.clusterId, message.term, host.nodeId, from, message.proof)) {
        host.counters.unprovenVotes++
        host.logger.warn({ peer: from.slice(0, 12), term: message.term }, 'a granted vote came without a valid signature: counted as refused')
        message = { ...message, flag: false }
        delete message.proof
      } else {
        if (this.granted.term !== message.term) this.granted = { term: message.term, votes: new Map() }
        this.granted.votes.set(from, message.proof)
      }
    }
    this.step({ type: 'message', from, message: fromWire(message) })
  }

  /**
   * A member's heads named the leader it knows in its term: a peer that does not vote follows it (Election's
   * `leader-hint`), so that it knows the leader with no link to it; a voter's election ignores it.
   */
  leaderHint (from: string, term: number, leader: string): void {
    if (this.election.voters.includes(this.host.nodeId)) return
    this.step({ type: 'leader-hint', from, term, leader })
  }

  /**
   * The evidence that this peer leads `term` (the term entry its first write of the term starts with), for its log
   * `writer`; null unless it leads that term now.
   */
  termProof (term: number, writer: string, identity: NodeIdentity): TermProof | null {
    const { host, election } = this
    const won = this.won
    if (election.state !== 'leader' || election.term !== term || won?.term !== term || won.roster === null) return null
    const votes = [...won.votes, { voter: host.nodeId, signature: host.signVote(term, host.nodeId) }]
    return { leader: host.nodeId, evidence: termEvidence(identity, { cluster: host.clusterId, adminKey: host.adminKey }, term, writer, won.roster, votes) }
  }

  /**
   * `invite` re-signs the roster in the admin's home while its daemon runs: pick it up. The file is read and checked
   * again only when it changed since the last look.
   */
  pickUpSavedRoster (): void {
    const stamp = rosterFileStamp(this.host.home)
    if (stamp === this.savedStamp) return
    this.savedStamp = stamp
    const saved = readRoster(this.host.home, { cluster: this.host.clusterId, adminKey: this.host.adminKey })
    if (saved !== null) this.adopt(saved)
  }

  /** A roster a member sent: adopted when it is valid and newer (one no newer than this peer's is not checked at all). */
  rosterFrom (remote: string, text: string): void {
    // Most rosters sent are the one this peer holds: known as such without parsing them.
    if (text === this.rosterJson) return
    let value: unknown
    try { value = JSON.parse(text) } catch { return }
    const version = (value as { version?: unknown } | null)?.version
    if (this.roster !== null && typeof version === 'number' && version <= this.roster.version) return
    const problem = rosterProblem(value, { cluster: this.host.clusterId, adminKey: this.host.adminKey })
    if (problem !== null) { this.host.logger.warn({ peer: remote.slice(0, 12), problem }, 'ignored a bad roster'); return }
    this.adopt(value as SignedRoster)
  }

  /** A newer roster replaces ours: saved, given to the election, passed on to every connected member. */
  private adopt (roster: SignedRoster): void {
    const { host } = this
    if (this.roster !== null && roster.version <= this.roster.version) return
    this.roster = roster
    this.rosterJson = null
    const text = this.currentRosterText!
    writeRoster(host.home, roster).catch(err => host.logger.warn({ err: String(err) }, 'could not save the roster'))
    host.logger.info({ version: roster.version, members: roster.members.length, voters: rosterVoters(roster).length }, 'adopted a newer member roster')
    this.step({ type: 'roster', members: roster.members, voters: rosterVoters(roster) })
    for (const member of host.members.values()) member.channel.send({ type: 'roster', roster: text })
    if (!roster.members.includes(host.nodeId)) {
      host.logger.error({ version: roster.version }, 'this peer is not on the cluster\'s roster (its invite was cancelled, or it was removed): members refuse it, and it never votes')
    }
    host.onRosterAdopted?.(roster)
  }

  /** Feeds the election core and carries out its effects in order: save the vote, then act, then send. */
  private step (input: ElectionInput): void {
    const { host, election } = this
    const before = election.leader
    const termBefore = election.term
    if (host.doubleVote && input.type === 'message' && input.message.type === 'vote' &&
        input.message.term === election.term && election.votedFor !== null && election.votedFor !== input.from) {
      // The deliberate fault, on the wire and not in the core: grant a second candidate of this term a vote too.
      host.members.get(input.from)?.channel.send({ ...toWire({ type: 'vote-response', term: input.message.term, granted: true }), proof: host.signVote(input.message.term, input.from) })
      host.onVote?.({ term: input.message.term, candidate: input.from })
      return
    }
    let effects: ElectionEffect[]
    try {
      effects = election.step(input)
    } catch (err) {
      host.logger.error({ err: String(err) }, 'the election refused an input')
      return
    }
    this.apply(effects)
    if (election.term !== termBefore || (election.leader !== before && election.leader !== null)) host.onStandingChanged?.(election.term, election.leader)
    if (!effects.some(e => e.type === 'leader' || e.type === 'state')) return
    this.changed(before)
  }

  /** Carries out the election core's effects, in order. */
  private apply (effects: readonly ElectionEffect[]): void {
    const { host, election } = this
    for (const effect of effects) {
      switch (effect.type) {
        case 'persist':
          saveVote(host.home, { term: effect.term, votedFor: effect.votedFor })
          break
        case 'state':
          if (effect.state === 'candidate') host.counters.elections++
          host.logger.info({ state: effect.state, term: election.term }, 'election state')
          break
        case 'leader':
          if (effect.leader !== null && effect.leader !== host.nodeId) this.former = effect.leader
          host.logger.info({ term: effect.term, leader: effect.leader?.slice(0, 12) ?? null }, effect.leader === host.nodeId ? 'this peer leads' : 'leader changed')
          break
        case 'send': {
          const wire = toWire(effect.message)
          if (effect.message.type === 'vote-response' && effect.message.granted) wire.proof = host.signVote(effect.message.term, effect.to)
          host.members.get(effect.to)?.channel.send(wire)
          if (effect.message.type === 'vote-response' && effect.message.granted) {
            host.onVote?.({ term: effect.message.term, candidate: effect.to })
            if (host.doubleVote) this.secondVote(effect.message.term, effect.to)
          }
          break
        }
      }
    }
  }

  /** After a change of state or leader: tells the host, and records the evidence of a term this peer won. */
  private changed (before: string | null): void {
    const { host, election } = this
    host.onElection?.({ term: election.term, state: election.state, leader: election.leader })
    const isLeader = election.state === 'leader'
    if (isLeader && this.won?.term !== election.term) {
      // The votes this term was won by, and the roster they were counted out of, before either changes.
      const votes = this.granted.term === election.term ? [...this.granted.votes].map(([voter, signature]) => ({ voter, signature })) : []
      this.won = { term: election.term, roster: this.roster, votes: votes.filter(vote => vote.voter !== host.nodeId) }
      if (this.roster === null) host.logger.error({ term: election.term }, 'this peer leads without a signed roster: it cannot prove it, and writes nothing')
    }
    if (isLeader !== this.fed.isLeader || election.term !== this.fed.term) {
      this.fed = { isLeader, term: election.term }
      host.onLeadership(isLeader, election.term)
    }
    if (election.leader !== before) host.onLeaderChanged(election.leader)
    if (election.leader !== null) this.wakeLeaderWaiters()
  }

  /**
   * The deliberate fault's eager half: with each vote it grants, a double-voting peer grants one more in the same term,
   * unasked, to another member, so that every run with an election has a second vote for the checker to catch (asked
   * twice in one term, it grants both too: see step). Never set outside the simulator's proofs.
   */
  private secondVote (term: number, granted: string): void {
    const { host } = this
    const other = [...host.members.values()].map(member => member.node).sort().find(id => id !== granted)
    if (other === undefined) return
    host.members.get(other)?.channel.send({ ...toWire({ type: 'vote-response', term, granted: true }), proof: host.signVote(term, other) })
    host.onVote?.({ term, candidate: other })
  }

  /** Wakes every wait for a leader (one is known now, or the node closes). */
  wakeLeaderWaiters (): void {
    for (const wake of [...this.leaderWaiters]) wake()
  }

  /** Resolves when a leader is known (or the deadline passes, or the node closes). */
  async leaderKnown (deadline: number): Promise<void> {
    const { clock } = this.host
    if (this.election.leader !== null || this.host.isClosing()) return
    await new Promise<void>(resolve => {
      const done = (): void => { clock.clearTimeout(timer); this.leaderWaiters.delete(done); resolve() }
      const timer = clock.setTimeout(done, Math.max(0, deadline - clock.now()))
      this.leaderWaiters.add(done)
    })
  }

  /** A majority of the roster's voters. */
  majority (): number {
    return majorityOf(this.election.voters.length)
  }

  /** The roster's voters (members that do not vote count toward no majority). */
  get voters (): readonly string[] {
    return this.election.voters
  }

  /** The roster's voters this peer reaches now, itself included. */
  private votersReached (): number {
    return this.election.voters.filter(id => id === this.host.nodeId || this.host.members.has(id)).length
  }

  /**
   * Whether this peer takes part in a quorum that has a leader (a readiness probe's question), with the reason when not:
   * a leader holds its lease; a voter that follows knows the leader, is connected to it, and reaches a majority of the
   * voters; a member that does not vote knows the leader and reaches it, over its own link or through a linked peer
   * (past VOTER_GATEWAYS members, most members have no link to any voter: src/distribution/links.ts).
   */
  readiness (): { ready: boolean, reason: string } {
    const { election, host } = this
    if (host.isClosing()) return { ready: false, reason: 'the node is stopping' }
    if (election.state === 'leader') {
      return this.hasLease() ? { ready: true, reason: 'leader with a quorum' } : { ready: false, reason: `leader without a quorum: ${this.quorumText()}` }
    }
    const leader = election.leader
    if (leader === null) return { ready: false, reason: `no leader known: ${this.quorumText()}` }
    if (!election.voters.includes(host.nodeId)) {
      if (host.members.has(leader)) return { ready: true, reason: `following ${leader.slice(0, 12)}` }
      const via = host.relayVia(leader)
      return via === null
        ? { ready: false, reason: `not connected to the leader ${leader.slice(0, 12)}, nor to any peer to relay through` }
        : { ready: true, reason: `following ${leader.slice(0, 12)} through ${via.slice(0, 12)}` }
    }
    if (!host.members.has(leader)) return { ready: false, reason: `not connected to the leader ${leader.slice(0, 12)}` }
    if (this.votersReached() < this.majority()) return { ready: false, reason: `no quorum: ${this.quorumText()}` }
    return { ready: true, reason: `following ${leader.slice(0, 12)} in a quorum` }
  }

  /** Why no leader can be elected, as far as this peer sees: the voters it reaches against the majority needed. */
  quorumText (): string {
    const voters = this.election.voters
    const reached = this.votersReached()
    return `this peer reaches ${reached} of the roster's ${voters.length} voters (itself included) and electing a leader needs ${this.majority()}; start the others' daemons, or see \`bzzz-ctx elect\``
  }

  /**
   * True while this peer leads and has heard from a majority of the voters within an election timeout: the lease
   * CheckQuorum also uses. While it holds, the followers refuse to elect anyone else (PreVote and CheckQuorum).
   */
  hasLease (): boolean {
    if (this.election.state !== 'leader') return false
    const voters = this.election.voters
    let heard = voters.includes(this.host.nodeId) ? 1 : 0
    for (const member of voters) {
      if (member === this.host.nodeId) continue
      const ticks = this.election.lastContact(member)
      if (ticks !== null && ticks < ELECTION_TIMEOUT_TICKS) heard++
    }
    return heard >= this.majority()
  }

  /** The election as this peer sees it. */
  status (): ElectStatus {
    const { host, election } = this
    const now = host.clock.now()
    const ids = new Set([...election.members, ...[...host.members.values()].map(m => m.node)])
    ids.delete(host.nodeId)
    const phase = election.state
    const voters = election.voters
    return {
      term: election.term,
      state: phase === 'pre-candidate' ? 'candidate' : phase,
      phase,
      leader: election.leader,
      votedFor: election.votedFor,
      canCampaign: host.canCampaign && voters.includes(host.nodeId),
      electionTimeoutMs: host.electionTimeoutMs,
      voter: voters.includes(host.nodeId),
      voters: [...voters],
      roster: { version: this.roster?.version ?? null, members: election.members.length, voters: voters.length },
      peers: [...ids].sort().map(id => {
        // A connected member by its last message of any kind (election messages are among them; followers exchange
        // only heads); one that is gone by the election's count, which remembers it.
        const member = host.members.get(id)
        const ticks = election.lastContact(id)
        const lastContactMs = member !== undefined ? Math.max(0, now - member.lastHeardAt) : ticks === null ? null : Math.round(ticks * this.tickMs)
        return { id, role: member?.role ?? host.knownRole(id) ?? null, connected: member !== undefined, voter: voters.includes(id), lastContactMs }
      })
    }
  }

  /** Starts an election now (through PreVote), and reports once it is decided or after a few timeouts. */
  async campaign (): Promise<ElectStatus> {
    if (!this.host.canCampaign) throw badUsage('this peer does not campaign (its role may not read source, or it was started with --no-campaign)')
    if (!this.election.voters.includes(this.host.nodeId)) throw badUsage('this peer does not vote, so it never stands: the admin makes it a voter with `bzzz-ctx elect promote --node ID`')
    if (this.election.state === 'leader') return this.status()
    this.step({ type: 'campaign' })
    await this.settled(() => this.election.state === 'leader' || (this.election.state === 'follower' && this.election.leader !== null))
    // Another peer's win is an answer (the status says who leads); no leader at all is what UNAVAILABLE means.
    const status = this.status()
    if (status.state !== 'leader' && status.leader === null) throw unavailable(`the campaign elected no leader: ${this.quorumText()}`)
    return status
  }

  /** Hands leadership to the most up-to-date follower that can campaign, and reports once a new leader is known. */
  async resign (): Promise<ElectStatus> {
    const { election } = this
    if (election.state !== 'leader') throw badUsage(`this peer does not lead${election.leader !== null ? ` (${election.leader.slice(0, 12)} does)` : ''}: run \`elect resign\` on the leader`)
    const term = election.term
    this.step({ type: 'resign' })
    await this.settled(() => election.leader !== null && election.term > term)
    return this.status()
  }

  /** Waits until `done`, at most five election timeouts. */
  private async settled (done: () => boolean): Promise<void> {
    const { clock } = this.host
    const deadline = clock.now() + 5 * this.host.electionTimeoutMs
    while (!done() && !this.host.isClosing() && clock.now() < deadline) await clock.sleep(this.tickMs)
  }
}

function toWire (message: ElectionMessage): ElectionWireMessage {
  switch (message.type) {
    case 'pre-vote-response':
    case 'vote-response': return { type: 'election', kind: message.type, term: message.term, flag: message.granted }
    case 'vote': return { type: 'election', kind: 'vote', term: message.term, flag: message.transfer === true }
    case 'heartbeat-response': return { type: 'election', kind: 'heartbeat-response', term: message.term, flag: message.canCampaign }
    default: return { type: 'election', kind: message.type, term: message.term, flag: false }
  }
}

function fromWire (message: ElectionWireMessage): ElectionMessage {
  switch (message.kind) {
    case 'pre-vote-response':
    case 'vote-response': return { type: message.kind, term: message.term, granted: message.flag }
    case 'vote': return message.flag ? { type: 'vote', term: message.term, transfer: true } : { type: 'vote', term: message.term }
    case 'heartbeat-response': return { type: 'heartbeat-response', term: message.term, canCampaign: message.flag }
    default: return { type: message.kind, term: message.term }
  }
}
