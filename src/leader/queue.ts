/**
 * The project manager's work (this folder): who leads (leadership.ts), the queue of generation requests (here), and
 * the coordinator that runs the queue on the leader (coordinator.ts).
 *
 * The leader's durable generation queue, pure: every peer feeds it the request and completion entries read from the
 * replicated logs (in any order, possibly more than once) and its own leadership, so that any peer can take over
 * the queue; only the leader acts on its effects. Time is passed in; nothing here does I/O.
 */

import { badInput } from '../errors.js'
import { isPriority, PRIORITIES, type CompletionStatus, type Priority } from '../storage/vocabulary.js'

// The node and the coordinator still take these two from here.
export { isPriority, type Priority }

export const BATCH_SIZE = 16
export const RATE_WINDOW_MS = 60_000

export type RequestState = 'queued' | 'active' | CompletionStatus

export interface QueuedRequest {
  /** Chosen by the requester; retries reuse it, so accepting is idempotent. */
  id: string
  /** The UCXL address the request generates: the dedup key. */
  address: string
  priority: Priority
  /** Node id of the peer that asked. */
  requester: string
  /** Ms, from the accepting leader's clock. */
  acceptedAt: number
  /** The leader term that accepted it. */
  term: number
  /** The project it generates (shown by `queue ls`). */
  project?: string
  /**
   * What a run shares among its requests (the coordinator's batchKeyOf: project, roles, options): only requests with
   * equal keys share a batch; without one a request runs alone.
   */
  batchKey?: string
  /** The roles its files are sealed for: only a leader holding one of them runs it (absent: any leader). */
  readers?: string[]
}

export interface Completion {
  id: string
  term: number
  status: CompletionStatus
  at: number
  error?: string
  /** For 'superseded': the superseding request's id. */
  by?: string
}

export type QueueInput =
  | { type: 'accepted', request: QueuedRequest }
  | { type: 'completed', completion: Completion }
  | { type: 'leader', isLeader: boolean, term: number }
  /** The leader's local run ended; `term`, when given, must be the term of its `start` (older runs are ignored). */
  | { type: 'finished', id: string, status: 'completed' | 'failed', now: number, error?: string, term?: number }
  /**
   * The run `id` is in has written its records and now waits for them to be acknowledged: up to `concurrency` such runs
   * leave their slot to the next batch, so its analysis overlaps their wait on the network. `term` is the term of its
   * `start`: a run of an older term says nothing of the request's run now.
   */
  | { type: 'written', id: string, term: number }
  | { type: 'pump', now: number }
  /** The roles whose keys this peer holds: as leader it starts only requests whose files one of them opens. */
  | { type: 'keys', roles: readonly string[] }

export type QueueEffect =
  /** Run these together (one analysis, one log append); `term` is the leader term that started them. */
  | { type: 'start', batch: QueuedRequest[], term: number }
  /** Append this completion entry. */
  | { type: 'complete', completion: Completion }

export interface QueueOptions {
  /** Max active runs (batches), >= 1. */
  concurrency: number
  batchSize?: number
  rateWindowMs?: number
}

/** `priority` is the request's own, raised to the highest of the requests it superseded. */
export interface QueueRow extends QueuedRequest {
  state: RequestState
  completedAt?: number
  error?: string
  completionTerm?: number
  supersededBy?: string
  /** Queued on a leader that holds none of its readers' keys: it waits for a leader holding one of these. */
  waitingFor?: string[]
}

export type QueueCounts = Record<RequestState | 'duplicates' | 'ratePerSecond', number>

/** The queue's requests counted by state and priority, and the oldest queued one's acceptance time (for gauges). */
export interface QueueTally {
  counts: Array<{ state: RequestState, priority: Priority, count: number }>
  /** `acceptedAt` of the oldest request still queued; null when none waits. */
  oldestQueuedAt: number | null
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const isTerm = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0
const isOptionalString = (v: unknown): boolean => v === undefined || typeof v === 'string'
const isOptionalNames = (v: unknown): boolean => v === undefined || (Array.isArray(v) && v.length > 0 && v.every(x => typeof x === 'string'))
const isStatus = (v: unknown): v is CompletionStatus => v === 'completed' || v === 'failed' || v === 'superseded'
const rankOf = (priority: Priority): number => PRIORITIES.indexOf(priority)
const compareStrings = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0

/** A copy holding only the known fields, or null when the entry is malformed. */
function readRequest (v: unknown): QueuedRequest | null {
  if (!isObject(v) || !isId(v.id) || !isId(v.address) || !isPriority(v.priority) || typeof v.requester !== 'string' ||
    !isTime(v.acceptedAt) || !isTerm(v.term) || !isOptionalString(v.project) || !isOptionalString(v.batchKey) || !isOptionalNames(v.readers)) return null
  const request: QueuedRequest = { id: v.id, address: v.address, priority: v.priority, requester: v.requester, acceptedAt: v.acceptedAt, term: v.term }
  if (v.project !== undefined) request.project = v.project as string
  if (v.batchKey !== undefined) request.batchKey = v.batchKey as string
  if (v.readers !== undefined) request.readers = [...(v.readers as string[])]
  return request
}

function readCompletion (v: unknown): Completion | null {
  if (!isObject(v) || !isId(v.id) || !isTerm(v.term) || !isStatus(v.status) || !isTime(v.at) || !isOptionalString(v.error) || !isOptionalString(v.by)) return null
  const completion: Completion = { id: v.id, term: v.term, status: v.status, at: v.at }
  if (v.error !== undefined) completion.error = v.error as string
  if (v.by !== undefined) completion.by = v.by as string
  return completion
}

/**
 * True when `a` wins over `b`: the higher term. Two entries of one term (which an honest leader never writes) are
 * ordered by their content rather than by arrival, so that every peer settles on the same one whatever it read first.
 */
function outranks (a: Completion, b: Completion): boolean {
  if (a.term !== b.term) return a.term > b.term
  if (a.at !== b.at) return a.at < b.at
  const key = (c: Completion): string => `${c.status}\u0000${c.by ?? ''}\u0000${c.error ?? ''}`
  return key(a) < key(b)
}

/** True when `a` was accepted after `b` (ties by id): the one that supersedes. */
const isNewer = (a: QueuedRequest, b: QueuedRequest): boolean => a.acceptedAt !== b.acceptedAt ? a.acceptedAt > b.acceptedAt : a.id > b.id

export class GenerationQueue {
  private readonly concurrency: number
  private readonly batchSize: number
  private readonly rateWindowMs: number

  private isLeader = false
  private term = 0
  /** The latest time this peer has seen, for the superseded entries it writes. */
  private clock = 0
  /** Every request entry read, the first of each id. */
  private readonly requests = new Map<string, QueuedRequest>()
  /** Completion entries read, by request id (known or not yet): the effective one and how many were read. */
  private readonly logged = new Map<string, { effective: Completion, entries: number }>()
  /** This leader's completions whose entries have not been read back yet. */
  private readonly local = new Map<string, Completion>()
  /** Known requests without a completion: queued or active. */
  private readonly pendingIds = new Set<string>()
  /** The requests this peer runs as leader in its current term. */
  private readonly active = new Set<string>()
  /** The run (batch) each active request was started in: `concurrency` bounds the runs, not the requests in them. */
  private readonly runOf = new Map<string, number>()
  private runs = 0
  /** Runs that wrote their records and wait for them to be acknowledged (see the `written` input). */
  private readonly acknowledging = new Set<number>()
  /** Superseding request id -> the ids it superseded, which lend it their priority. */
  private readonly superseded = new Map<string, Set<string>>()
  /** The reverse: superseded id -> superseding id. */
  private readonly supersededBy = new Map<string, string>()
  /** The roles whose keys this peer holds; null until told (then it may run every request). */
  private held: ReadonlySet<string> | null = null
  /**
   * Finished requests counted by `state\u0000priority`, and the key each one is counted under: kept up to date as
   * completions settle, so counting the queue costs the pending requests, not the whole history.
   */
  private readonly doneTally = new Map<string, number>()
  private readonly doneKey = new Map<string, string>()
  /** Completion entries read beyond the first of each id. */
  private duplicateEntries = 0
  /** Requests completed or failed, with when, until they fall out of the rate window. */
  private readonly recentDone = new Map<string, number>()

  constructor (options: QueueOptions) {
    const { concurrency, batchSize = BATCH_SIZE, rateWindowMs = RATE_WINDOW_MS } = options
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw badInput(`concurrency must be a positive integer, not ${concurrency}`)
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw badInput(`batchSize must be a positive integer, not ${batchSize}`)
    if (!isTime(rateWindowMs) || rateWindowMs <= 0) throw badInput(`rateWindowMs must be a positive number, not ${rateWindowMs}`)
    this.concurrency = concurrency
    this.batchSize = batchSize
    this.rateWindowMs = rateWindowMs
  }

  step (input: QueueInput): QueueEffect[] {
    if (!isObject(input)) return []
    const effects: QueueEffect[] = []
    let applied: boolean
    switch (input.type) {
      case 'accepted': applied = this.accept(input.request); break
      case 'completed': applied = this.record(input.completion); break
      case 'leader': applied = this.lead(input.isLeader, input.term); break
      case 'finished': applied = this.finish(input, effects); break
      case 'written': applied = this.written(input.id, input.term); break
      case 'pump': applied = isTime(input.now); if (applied) this.clock = Math.max(this.clock, input.now); break
      case 'keys': applied = Array.isArray(input.roles) && input.roles.every(r => typeof r === 'string'); if (applied) this.held = new Set(input.roles); break
      default: applied = false
    }
    if (!applied || !this.isLeader) return []
    this.supersede(effects)
    this.fill(effects)
    return effects
  }

  get (id: string): QueueRow | undefined {
    const request = this.requests.get(id)
    return request === undefined ? undefined : this.row(request)
  }

  /** Active and queued requests in start order, then the completed ones, latest completion first. */
  list (): QueueRow[] {
    const done = [...this.requests.values()].filter(r => !this.pendingIds.has(r.id)).map(r => this.row(r))
    done.sort((a, b) => (b.completedAt ?? 0) - (a.completedAt ?? 0) || b.acceptedAt - a.acceptedAt || compareStrings(a.id, b.id))
    return [...this.pending().map(r => this.row(r)), ...done]
  }

  /** Requests this leader is running now (cheap: for callers that poll). */
  get activeCount (): number {
    return this.active.size
  }

  counts (now: number): QueueCounts {
    const counts: QueueCounts = { queued: 0, active: 0, completed: 0, failed: 0, superseded: 0, duplicates: this.duplicateEntries, ratePerSecond: 0 }
    for (const { state, count } of this.tally().counts) counts[state] += count
    let recent = 0
    for (const [id, at] of this.recentDone) {
      if (at <= now - this.rateWindowMs) this.recentDone.delete(id)
      else if (at <= now) recent++
    }
    counts.ratePerSecond = recent / (this.rateWindowMs / 1000)
    return counts
  }

  /** Requests by state and priority, and the oldest queued: the finished ones from the tally, the pending ones counted. */
  tally (): QueueTally {
    const byKey = new Map(this.doneTally)
    let oldestQueuedAt: number | null = null
    for (const id of this.pendingIds) {
      const request = this.requests.get(id)!
      const state: RequestState = this.active.has(id) ? 'active' : 'queued'
      const key = `${state}\u0000${PRIORITIES[this.rank(id)] ?? request.priority}`
      byKey.set(key, (byKey.get(key) ?? 0) + 1)
      if (state === 'queued' && (oldestQueuedAt === null || request.acceptedAt < oldestQueuedAt)) oldestQueuedAt = request.acceptedAt
    }
    const counts = [...byKey].filter(([, count]) => count > 0).map(([key, count]) => {
      const [state, priority] = key.split('\u0000') as [RequestState, Priority]
      return { state, priority, count }
    })
    return { counts, oldestQueuedAt }
  }

  /** Accepted and not completed, in start order: the active ones as they were started, then the queued ones. */
  pending (): QueuedRequest[] {
    const active = [...this.active].map(id => this.requests.get(id)!)
    return [...active, ...this.order([...this.pendingIds].filter(id => !this.active.has(id)))].map(r => ({ ...r }))
  }

  private accept (entry: unknown): boolean {
    const request = readRequest(entry)
    if (request === null || this.requests.has(request.id)) return false
    this.requests.set(request.id, request)
    this.clock = Math.max(this.clock, request.acceptedAt)
    this.settle(request.id)
    return true
  }

  private record (entry: unknown): boolean {
    const completion = readCompletion(entry)
    if (completion === null) return false
    const seen = this.logged.get(completion.id)
    if (seen === undefined) this.logged.set(completion.id, { effective: completion, entries: 1 })
    else {
      seen.entries++
      this.duplicateEntries++
      if (outranks(completion, seen.effective)) seen.effective = completion
    }
    this.local.delete(completion.id)
    this.settle(completion.id)
    return true
  }

  private lead (isLeader: unknown, term: unknown): boolean {
    if (typeof isLeader !== 'boolean' || !isTerm(term) || term < this.term) return false
    if (isLeader && this.isLeader && term === this.term) return true
    // Winning rebuilds: every pending request is queued and started again. Losing hands the runs to the next leader.
    this.isLeader = isLeader
    this.term = term
    this.active.clear()
    this.runOf.clear()
    this.acknowledging.clear()
    return true
  }

  private written (id: unknown, term: unknown): boolean {
    const run = isId(id) && this.isLeader && term === this.term ? this.runOf.get(id) : undefined
    if (run === undefined) return false
    this.acknowledging.add(run)
    return true
  }

  private finish (input: Extract<QueueInput, { type: 'finished' }>, effects: QueueEffect[]): boolean {
    const { id, status, now, error, term } = input
    if (!isId(id) || (status !== 'completed' && status !== 'failed') || !isTime(now) || !isOptionalString(error)) return false
    if (!this.isLeader || !this.active.has(id) || (term !== undefined && term !== this.term)) return false
    this.clock = Math.max(this.clock, now)
    const completion: Completion = { id, term: this.term, status, at: now }
    if (error !== undefined) completion.error = error
    this.complete(completion, effects)
    return true
  }

  /** A leader's own completion: the row shows it at once, the entry it appends is read back later. */
  private complete (completion: Completion, effects: QueueEffect[]): void {
    this.local.set(completion.id, completion)
    this.settle(completion.id)
    effects.push({ type: 'complete', completion })
  }

  private completionOf (id: string): Completion | undefined {
    return this.logged.get(id)?.effective ?? this.local.get(id)
  }

  /** Brings the indexes of a request up to date with its completion. */
  private settle (id: string): void {
    const previous = this.supersededBy.get(id)
    if (previous !== undefined) {
      this.supersededBy.delete(id)
      const ids = this.superseded.get(previous)
      if (ids?.delete(id) === true && ids.size === 0) this.superseded.delete(previous)
      this.recountUp(previous)
    }
    if (!this.requests.has(id)) return
    const done = this.completionOf(id)
    if (done === undefined) {
      this.pendingIds.add(id)
      this.recountUp(id)
      return
    }
    this.pendingIds.delete(id)
    this.active.delete(id)
    this.runOf.delete(id)
    if (done.status === 'superseded' && done.by !== undefined) {
      const ids = this.superseded.get(done.by) ?? new Set<string>()
      this.superseded.set(done.by, ids.add(id))
      this.supersededBy.set(id, done.by)
    }
    if (done.status === 'superseded') this.recentDone.delete(id)
    else this.recentDone.set(id, done.at)
    this.recountUp(id)
  }

  /**
   * Re-counts a request in the tally of finished ones, and each request that superseded it in turn: the priority a
   * request is counted under is raised by the ones it superseded, so a change below moves the counts above.
   */
  private recountUp (id: string): void {
    const seen = new Set<string>()
    for (let at: string | undefined = id; at !== undefined && !seen.has(at); at = this.supersededBy.get(at)) {
      seen.add(at)
      this.recount(at)
    }
  }

  private recount (id: string): void {
    const before = this.doneKey.get(id)
    if (before !== undefined) {
      this.doneTally.set(before, this.doneTally.get(before)! - 1)
      this.doneKey.delete(id)
    }
    const request = this.requests.get(id)
    const done = this.completionOf(id)
    if (request === undefined || done === undefined) return
    const key = `${done.status}\u0000${PRIORITIES[this.rank(id)] ?? request.priority}`
    this.doneKey.set(id, key)
    this.doneTally.set(key, (this.doneTally.get(key) ?? 0) + 1)
  }

  /** The leader drops every queued request that a newer pending request for the same address will generate anyway. */
  private supersede (effects: QueueEffect[]): void {
    const newest = new Map<string, QueuedRequest>()
    for (const id of this.pendingIds) {
      const request = this.requests.get(id)!
      const other = newest.get(request.address)
      if (other === undefined || isNewer(request, other)) newest.set(request.address, request)
    }
    for (const id of [...this.pendingIds]) {
      const by = newest.get(this.requests.get(id)!.address)!.id
      if (by === id || this.active.has(id)) continue
      this.complete({ id, term: this.term, status: 'superseded', at: this.clock, by }, effects)
    }
  }

  /**
   * True when this peer may run the request: it holds a key for one of the roles its files are sealed for. One that it
   * may not stays queued (never failed, never lost) until a leader that holds one runs it.
   */
  private canRun (request: QueuedRequest): boolean {
    return this.held === null || request.readers === undefined || request.readers.some(role => this.held!.has(role))
  }

  /**
   * The runs that hold a slot now: each is a batch of one or more requests. Of those waiting for their records to be
   * acknowledged, only those past `concurrency` do.
   */
  private activeRuns (): number {
    const runs = new Set([...this.active].map(id => this.runOf.get(id)!))
    let waiting = 0
    for (const run of this.acknowledging) {
      if (runs.has(run)) waiting++
      else this.acknowledging.delete(run)
    }
    return runs.size - Math.min(waiting, this.concurrency)
  }

  /**
   * Starts batches in order until `concurrency` runs are active. A batch is the first request not yet taken and, up to
   * `batchSize`, the later ones with its batch key and its priority (as raised by what they superseded): a request of
   * a lower priority never rides along, so a higher one never waits on its analysis.
   */
  private fill (effects: QueueEffect[]): void {
    let running = this.activeRuns()
    // Every step of a leader comes here: with no run slot free, there is nothing to order.
    if (running >= this.concurrency) return
    const queued = this.pending().slice(this.active.size).filter(request => this.canRun(request))
    const taken = new Set<string>()
    for (let i = 0; i < queued.length && running < this.concurrency; i++) {
      const first = queued[i]!
      if (taken.has(first.id)) continue
      const batch = [first]
      const rank = this.rank(first.id)
      // In start order, so once a lower priority comes, none of this one's follows.
      for (let j = i + 1; first.batchKey !== undefined && j < queued.length && batch.length < this.batchSize; j++) {
        const next = queued[j]!
        if (this.rank(next.id) !== rank) break
        if (next.batchKey === first.batchKey && !taken.has(next.id)) batch.push(next)
      }
      const run = ++this.runs
      running++
      for (const request of batch) {
        taken.add(request.id)
        this.active.add(request.id)
        this.runOf.set(request.id, run)
      }
      effects.push({ type: 'start', batch: batch.map(r => ({ ...r })), term: this.term })
    }
  }

  /** The rank of a request's priority, raised by those it superseded (and, in turn, those they had superseded). */
  private rank (id: string, seen = new Set<string>()): number {
    seen.add(id)
    const request = this.requests.get(id)
    let rank = request === undefined ? -1 : rankOf(request.priority)
    for (const other of this.superseded.get(id) ?? []) if (!seen.has(other)) rank = Math.max(rank, this.rank(other, seen))
    return rank
  }

  /** Start order: priority (highest first), then acceptedAt, then id. */
  private order (ids: string[]): QueuedRequest[] {
    const keyed = ids.map(id => ({ request: this.requests.get(id)!, rank: this.rank(id) }))
    keyed.sort((a, b) => b.rank - a.rank || a.request.acceptedAt - b.request.acceptedAt || compareStrings(a.request.id, b.request.id))
    return keyed.map(k => k.request)
  }

  private row (request: QueuedRequest): QueueRow {
    const done = this.completionOf(request.id)
    const state: RequestState = done?.status ?? (this.active.has(request.id) ? 'active' : 'queued')
    // The batch key is the coordinator's business, not a field `queue ls` shows.
    const { batchKey: _, ...shown } = request
    const row: QueueRow = { ...shown, priority: PRIORITIES[this.rank(request.id)] ?? request.priority, state }
    if (done === undefined) {
      if (state === 'queued' && this.isLeader && !this.canRun(request)) row.waitingFor = [...request.readers!]
      return row
    }
    row.completedAt = done.at
    row.completionTerm = done.term
    if (done.error !== undefined) row.error = done.error
    if (done.by !== undefined) row.supersededBy = done.by
    return row
  }
}
