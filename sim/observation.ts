/** What a run records for the checkers and the report: elections, acks, requests, faults, failovers, end state. */
import type { SimNode } from './sim-node.js'
import { summaryOf } from './workload.js'
import { covers, isAccessLevel } from '../src/crypto/levels.js'
import { DEFAULT_FIELD_LEVELS } from '../src/context/record.js'
import type { AppliedFault } from './nemesis.js'
import type { Trace } from './trace.js'
import type { SimEvent } from './events.js'
import type { AcceptedRequest, AckedWrite, GeneratedAck, IsolationAttempt, LeadershipEvent, PeerFinal, SimHistory, VoteEvent } from './history.js'

/** A peer as the final observation reads it: down when node is null. */
export interface ObservedPeer { id: string, role: string, node: SimNode | null }

export class Observation {
  readonly leadership: LeadershipEvent[] = []
  readonly votes: VoteEvent[] = []
  readonly acked: AckedWrite[] = []
  readonly generatedAcks: GeneratedAck[] = []
  readonly accepted: AcceptedRequest[] = []
  readonly faults: AppliedFault[] = []
  /** ms from losing a leader (to a crash or a cut) until another led; in the order they happened. */
  readonly failovers: number[] = []
  private leaderLostAt: number | null = null
  private lostLeader: string | null = null

  private readonly names = new Map<string, string>()

  /**
   * Every event recorded here is also folded into the run's trace hash, as it happens, and told to `tell` (a watcher
   * of the run) with peers by name.
   */
  constructor (private readonly trace: Trace, private readonly tell: (event: SimEvent) => void = () => {}) {}

  /** Peers by name in what is told from here on: `ids` in index order. */
  name (ids: readonly string[]): void {
    ids.forEach((id, i) => this.names.set(id, `n${i}`))
  }

  private nameOf (id: string): string {
    return this.names.get(id) ?? id
  }

  election (event: LeadershipEvent): void {
    this.leadership.push(event)
    this.trace.record('election', event.atMs, event.node, event.term, event.state)
    this.tell({ kind: 'election', atMs: event.atMs, node: this.nameOf(event.node), term: event.term, state: event.state })
  }

  vote (event: VoteEvent): void {
    this.votes.push(event)
    this.trace.record('vote', event.atMs, event.node, event.term, event.candidate)
  }

  ack (write: AckedWrite): void {
    this.acked.push(write)
    this.trace.record('ack', write.atMs, write.node, write.address, write.marker)
    this.tell({ kind: 'ack', atMs: write.atMs, node: this.nameOf(write.node), address: write.address })
  }

  generated (generate: GeneratedAck): void {
    this.generatedAcks.push(generate)
    // Request ids are random bytes of the client's node: the trace names the request by its order, not its id.
    this.trace.record('completed', generate.atMs, generate.node, generate.address, generate.records)
    this.tell({ kind: 'generated', atMs: generate.atMs, node: this.nameOf(generate.node), address: generate.address, records: generate.records })
  }

  accept (request: AcceptedRequest): void {
    this.accepted.push(request)
    this.trace.record('accept', request.atMs, request.node, request.address)
    this.tell({ kind: 'accept', atMs: request.atMs, node: this.nameOf(request.node), address: request.address })
  }

  fault (fault: AppliedFault): void {
    this.faults.push(fault)
    this.trace.record('fault', fault.atMs, fault.kind, JSON.stringify({ targets: fault.targets, cut: fault.cut, percent: fault.percent, ms: fault.ms }))
    this.tell({ kind: 'fault', fault })
  }

  /** The nemesis took the leader away (crashed it, or cut one of its links) at `atMs`. */
  leaderLost (atMs: number, leader: string): void {
    this.leaderLostAt = atMs
    this.lostLeader = leader
  }

  /** Each step: a leader other than the lost one ends a failover. */
  observeLeader (nowMs: number, leader: string | null): void {
    if (this.leaderLostAt !== null && leader !== null && leader !== this.lostLeader) {
      this.failovers.push(nowMs - this.leaderLostAt)
      this.leaderLostAt = null
    }
  }

  /** What every peer holds at the end, and what each role could open there: the rest of the checkers' history. */
  async history (peers: readonly ObservedPeer[], run: { seed: number, convergedWithinMs: number | null, livenessBoundMs: number, reads: ReadonlyMap<string, Record<string, string | null>> }): Promise<SimHistory> {
    const final: PeerFinal[] = []
    const isolation: IsolationAttempt[] = []
    for (const peer of peers) {
      const node = peer.node
      if (node === null) { final.push({ node: peer.id, live: false, viewHash: '', acked: {}, reads: {}, generated: {}, requests: {} }); continue }
      final.push({ ...await this.finalOf(peer.id, peer.role, node), reads: run.reads.get(peer.id) ?? {} })
      isolation.push(...await this.isolationOf(peer.id, peer.role, node))
    }
    return {
      seed: run.seed,
      nodes: peers.map(p => p.id),
      leadership: this.leadership,
      votes: this.votes,
      acked: this.acked,
      generated: this.generatedAcks,
      accepted: this.accepted,
      final,
      isolation,
      convergedWithinMs: run.convergedWithinMs,
      livenessBoundMs: run.livenessBoundMs
    }
  }

  private async finalOf (id: string, role: string, node: SimNode): Promise<Omit<PeerFinal, 'reads'>> {
    const ackedSeen: Record<string, string | null> = {}
    for (const write of this.acked) {
      try {
        ackedSeen[write.address] = summaryOf(await node.read(write.address, role))
      } catch {
        ackedSeen[write.address] = null
      }
    }
    const requests: PeerFinal['requests'] = {}
    const completions = await node.completionTerms()
    for (const a of this.accepted) requests[a.id] = { state: node.queueState(a.id) ?? 'missing', completionTerms: completions[a.id] ?? [] }
    const generated: PeerFinal['generated'] = {}
    for (const g of this.generatedAcks) generated[g.address] = await node.generatedUnder(g.address)
    return { node: id, live: true, viewHash: node.viewHash, acked: ackedSeen, generated, requests }
  }

  /** Role isolation: try to open one record as every role; only what this peer was granted may open. */
  private async isolationOf (id: string, ownRole: string, node: SimNode): Promise<IsolationAttempt[]> {
    const attempts: IsolationAttempt[] = []
    // The newest acknowledged write: the liveness phase's probe when it was acknowledged, so every run reads one.
    const address = this.acked.at(-1)?.address
    if (address === undefined) return attempts
    for (const { name: role, clearance } of await node.roles()) {
      const held = ownRole === 'admin' || role === ownRole
      const fieldsAllowed = Object.entries(DEFAULT_FIELD_LEVELS).filter(([, level]) => isAccessLevel(clearance) && covers(clearance, level)).map(([field]) => field)
      try {
        const got = await node.read(address, role)
        const fieldsSeen = Object.keys(got).filter(field => field in DEFAULT_FIELD_LEVELS)
        attempts.push({ node: id, role, held, address, outcome: 'opened', fieldsSeen, fieldsAllowed })
      } catch {
        attempts.push({ node: id, role, held, address, outcome: 'denied', fieldsSeen: [], fieldsAllowed })
      }
    }
    return attempts
  }
}
