import t from 'tap'
import fc from 'fast-check'
import {
  GenerationQueue, type Completion, type QueueEffect, type QueueInput, type QueuedRequest
} from '../../src/leader/queue.js'
import { PRIORITIES, isPriority, type Priority } from '../../src/storage/vocabulary.js'

let serial = 0
function request (id: string, fields: Partial<QueuedRequest> = {}): QueuedRequest {
  return { id, address: `ucxl://p/${id}`, priority: 'normal', requester: 'peer-x', acceptedAt: ++serial, term: 1, ...fields }
}
const accepted = (r: QueuedRequest): QueueInput => ({ type: 'accepted', request: r })
const completed = (c: Completion): QueueInput => ({ type: 'completed', completion: c })
const finished = (id: string, now = 1000, status: 'completed' | 'failed' = 'completed'): QueueInput => ({ type: 'finished', id, status, now })
const started = (effects: QueueEffect[]): string[][] => effects.flatMap(e => e.type === 'start' ? [e.batch.map(r => r.id)] : [])
const completions = (effects: QueueEffect[]): Completion[] => effects.flatMap(e => e.type === 'complete' ? [e.completion] : [])

/** A queue that is leader in `term`, fed `inputs`; returns the queue and every effect so far. */
function leaderWith (options: { concurrency: number, batchSize?: number }, inputs: QueueInput[] = [], term = 1): [GenerationQueue, QueueEffect[]] {
  const queue = new GenerationQueue(options)
  const effects = queue.step({ type: 'leader', isLeader: true, term })
  for (const input of inputs) effects.push(...queue.step(input))
  return [queue, effects]
}

t.test('priorities: critical first, then high, normal, low; isPriority guards the union', async t => {
  const queue = new GenerationQueue({ concurrency: 4 })
  for (const [i, priority] of (['low', 'normal', 'critical', 'high'] as const).entries()) queue.step(accepted(request(`r${i}`, { priority })))
  t.same(queue.pending().map(r => r.priority), ['critical', 'high', 'normal', 'low'])
  t.same(started(queue.step({ type: 'leader', isLeader: true, term: 1 })), [['r2'], ['r3'], ['r1'], ['r0']])
  t.same(PRIORITIES.filter(isPriority), PRIORITIES)
  t.notOk(isPriority('urgent'))
  t.notOk(isPriority(3))
})

t.test('within a priority: acceptedAt ascending, then id', async t => {
  const [queue] = leaderWith({ concurrency: 1 }, [
    accepted(request('c', { acceptedAt: 30 })), accepted(request('b', { acceptedAt: 10 })),
    accepted(request('z', { acceptedAt: 20 })), accepted(request('a', { acceptedAt: 20 }))
  ])
  t.same(queue.list().map(r => [r.id, r.state]), [['c', 'active'], ['b', 'queued'], ['a', 'queued'], ['z', 'queued']], 'c came first to an idle leader')
  const order = [queue.step(finished('c'))].flatMap(started)
  for (let i = 0; i < 3; i++) order.push(...started(queue.step(finished(order.at(-1)![0]!))))
  t.same(order, [['b'], ['a'], ['z']])
})

t.test('concurrency: never more active than allowed, and a finished run frees its slot in the same step', async t => {
  const [queue, effects] = leaderWith({ concurrency: 2 }, ['a', 'b', 'c', 'd'].map(id => accepted(request(id))))
  t.same(started(effects), [['a'], ['b']])
  t.same(queue.step({ type: 'pump', now: 5 }), [], 'a pump with no free slot starts nothing')
  t.equal(queue.counts(0).active, 2)
  const next = queue.step(finished('a', 50))
  t.same(next.map(e => e.type), ['complete', 'start'], 'the completion is appended before the next start')
  t.same(completions(next), [{ id: 'a', term: 1, status: 'completed', at: 50 }])
  t.same(started(next), [['c']])
  t.equal(queue.get('a')?.state, 'completed', 'the leader shows it completed before the entry comes back')
  t.same(queue.counts(0), { queued: 1, active: 2, completed: 1, failed: 0, superseded: 0, duplicates: 0, ratePerSecond: 0 })
  t.same(queue.step(finished('a', 60)), [], 'a second finished for the same run is ignored')
  t.same(queue.step(finished('d', 60)), [], 'so is one for a request that is not active')
})

t.test('batching: same batch key only, up to batchSize; concurrency counts runs', async t => {
  const inputs = [
    request('p1', { batchKey: 'p' }), request('q1', { batchKey: 'q' }), request('p2', { batchKey: 'p' }),
    request('p3', { batchKey: 'p' }), request('n1', { project: 'p' }), request('n2', { project: 'p' }), request('q2', { batchKey: 'q' })
  ].map(accepted)
  const queue = new GenerationQueue({ concurrency: 10, batchSize: 2 })
  for (const input of inputs) queue.step(input)
  t.same(started(queue.step({ type: 'leader', isLeader: true, term: 1 })), [['p1', 'p2'], ['q1', 'q2'], ['p3'], ['n1'], ['n2']])
  const tight = new GenerationQueue({ concurrency: 3 })
  for (const input of inputs) tight.step(input)
  t.same(started(tight.step({ type: 'leader', isLeader: true, term: 1 })), [['p1', 'p2', 'p3'], ['q1', 'q2'], ['n1']],
    'concurrency bounds the runs, not the requests in them: each run takes up to batchSize requests of its key (a project alone is none)')
  t.same(started(tight.step(finished('p1', 5))), [], 'a run frees its slot only once each of its requests has finished')
  t.same(started(tight.step(finished('p2', 6))), [])
  t.same(started(tight.step(finished('p3', 7))), [['n2']], 'then the next run starts')
  t.equal(tight.counts(0).active, 4, 'q1 and q2 (one run), n1 and n2 are active')
})

t.test('a run whose records are written and wait for acknowledgement leaves its slot, up to concurrency such runs', async t => {
  const [queue, effects] = leaderWith({ concurrency: 1 }, ['a', 'b', 'c', 'd'].map(id => accepted(request(id))))
  t.same(started(effects), [['a']])
  t.same(started(queue.step({ type: 'written', id: 'a', term: 1 })), [['b']], 'a wrote: b starts while a is acknowledged')
  t.equal(queue.get('a')?.state, 'active', 'a is still active until it finishes')
  t.same(started(queue.step({ type: 'written', id: 'b', term: 1 })), [], 'b wrote too, but only one run waiting for acknowledgement is past the bound')
  t.same(started(queue.step({ type: 'written', id: 'b', term: 1 })), [], 'said twice, it is one run')
  t.same(started(queue.step(finished('a', 10))), [['c']], 'a finished: c takes its slot')
  t.same(queue.step({ type: 'written', id: 'zz', term: 1 }), [], 'a request that is not active is ignored')
  t.same(queue.step({ type: 'written', id: '', term: 1 }), [], 'so is a malformed one')
  t.same(queue.step({ type: 'written', id: 'c', term: 0 }), [], 'and one from a run of an older term')
  queue.step({ type: 'leader', isLeader: false, term: 2 })
  t.same(started(queue.step({ type: 'leader', isLeader: true, term: 3 })), [['b']], 'a new term starts the pending requests again, none counted as written')
  t.same(started(queue.step({ type: 'written', id: 'b', term: 1 })), [], 'what a run of term 1 wrote frees no slot in term 3')
  t.same(started(queue.step({ type: 'written', id: 'b', term: 3 })), [['c']])
})

t.test('batching takes the top priority only: a lower one never rides along, a higher one never waits behind it', async t => {
  const queue = new GenerationQueue({ concurrency: 1, batchSize: 3 })
  for (const [id, priority] of [['n1', 'normal'], ['c1', 'critical'], ['n2', 'normal'], ['c2', 'critical'], ['n3', 'normal'], ['n4', 'normal'], ['c3', 'critical']] as const) {
    queue.step(accepted(request(id, { priority, batchKey: 'p' })))
  }
  queue.step(accepted(request('c4', { priority: 'critical', batchKey: 'other' })))
  t.same(started(queue.step({ type: 'leader', isLeader: true, term: 1 })), [['c1', 'c2', 'c3']], 'the critical ones of the key, up to batchSize, and no normal one')
  for (const id of ['c1', 'c2']) t.same(started(queue.step(finished(id))), [])
  t.same(started(queue.step(finished('c3'))), [['c4']], 'a critical one of another key comes before the normal ones')
  t.same(started(queue.step(finished('c4'))), [['n1', 'n2', 'n3']], 'then the normal ones, by age, batchSize at a time')
  for (const id of ['n1', 'n2']) queue.step(finished(id))
  queue.step(accepted(request('low', { priority: 'low', batchKey: 'p' })))
  t.same(started(queue.step(finished('n3'))), [['n4']], 'the low one does not ride along with the last normal one')
  t.same(started(queue.step(finished('n4'))), [['low']])

  // A normal request that superseded a critical one runs at critical: it is not batched with the normal ones.
  const raised = new GenerationQueue({ concurrency: 1, batchSize: 4 })
  raised.step({ type: 'leader', isLeader: true, term: 1 })
  raised.step(accepted(request('busy', { batchKey: 'z' })))
  raised.step(accepted(request('oldX', { priority: 'critical', address: 'ucxl://p/x', batchKey: 'p' })))
  raised.step(accepted(request('n', { batchKey: 'p' })))
  raised.step(accepted(request('newX', { address: 'ucxl://p/x', batchKey: 'p' })))
  t.equal(raised.get('oldX')!.state, 'superseded')
  t.same(started(raised.step(finished('busy'))), [['newX']], 'newX runs at the critical priority it took over, alone')
  t.same(started(raised.step(finished('newX'))), [['n']])
})

t.test('dedup by address: a queued older request is superseded, an active one is not', async t => {
  const [queue, first] = leaderWith({ concurrency: 1 }, [
    accepted(request('run', { address: 'x' })),
    accepted(request('old', { address: 'y', priority: 'critical', acceptedAt: 100 })),
    accepted(request('other', { address: 'z', priority: 'high', acceptedAt: 101 }))
  ])
  t.same(started(first), [['run']])
  const effects = queue.step(accepted(request('new', { address: 'y', priority: 'low', acceptedAt: 200 })))
  t.same(completions(effects), [{ id: 'old', term: 1, status: 'superseded', at: 200, by: 'new' }])
  t.match(queue.get('old'), { state: 'superseded', supersededBy: 'new' }, 'no waiting for the entry to come back')
  t.equal(queue.get('new')?.priority, 'critical', 'the superseding request takes the higher priority')
  t.same(queue.pending().map(r => r.id), ['run', 'new', 'other'], 'and with it the place of a critical request')
  t.same(started(queue.step(finished('run'))), [['new']])
  const both = queue.step(accepted(request('new2', { address: 'y', acceptedAt: 300 })))
  t.same(completions(both), [], 'the older one is active: both run')
  t.same(queue.list().slice(0, 3).map(r => [r.id, r.state, r.priority]), [['new', 'active', 'critical'], ['other', 'queued', 'high'], ['new2', 'queued', 'normal']])

  const follower = new GenerationQueue({ concurrency: 1 })
  t.same([accepted(request('f1', { address: 'y' })), accepted(request('f2', { address: 'y' }))].flatMap(i => follower.step(i)), [])
  t.equal(follower.get('f1')?.state, 'queued', 'a follower does not decide supersession')
  follower.step(completed({ id: 'f1', term: 1, status: 'superseded', at: 5, by: 'f2' }))
  t.equal(follower.get('f1')?.state, 'superseded', 'it applies the leader\'s entry')
})

t.test('accepted is idempotent by id: the first wins', async t => {
  const [queue, effects] = leaderWith({ concurrency: 2 }, [accepted(request('a', { priority: 'low', address: 'x' }))])
  t.same(queue.step(accepted(request('a', { priority: 'critical', address: 'other' }))), [])
  t.same(started(effects), [['a']])
  t.same(queue.list().map(r => [r.id, r.priority, r.address]), [['a', 'low', 'x']])
})

t.test('duplicate completions: the highest term wins in any order, the rest count as duplicates', async t => {
  const entries: Completion[] = [
    { id: 'a', term: 1, status: 'completed', at: 10 },
    { id: 'a', term: 2, status: 'failed', at: 20, error: 'boom' },
    { id: 'a', term: 1, status: 'completed', at: 10 }
  ]
  for (const order of [[0, 1, 2], [1, 0, 2], [2, 0, 1]]) {
    const queue = new GenerationQueue({ concurrency: 1 })
    queue.step(accepted(request('a', { acceptedAt: 1 })))
    for (const i of order) queue.step(completed(entries[i]!))
    t.match(queue.get('a'), { state: 'failed', completionTerm: 2, completedAt: 20, error: 'boom' }, `order ${order.join('')}`)
    t.same(queue.counts(30), { queued: 0, active: 0, completed: 0, failed: 1, superseded: 0, duplicates: 2, ratePerSecond: 1 / 60 })
    t.equal(queue.counts(20 + 60_000).ratePerSecond, 0, 'out of the rate window')
  }
})

t.test('a completion read before its request is applied when the request arrives', async t => {
  const [queue, effects] = leaderWith({ concurrency: 1 }, [completed({ id: 'a', term: 1, status: 'completed', at: 9 })])
  t.same(queue.list(), [])
  effects.push(...queue.step(accepted(request('a'))), ...queue.step({ type: 'pump', now: 10 }))
  t.same(effects, [], 'nothing starts')
  t.match(queue.get('a'), { state: 'completed', completedAt: 9 })
})

t.test('failover: the new leader restarts what is pending exactly once, the old one\'s late finished is ignored', async t => {
  const a = new GenerationQueue({ concurrency: 3 })
  const b = new GenerationQueue({ concurrency: 3 })
  const log = ['r1', 'r2', 'r3'].map(id => accepted(request(id)))
  t.same(started([{ type: 'leader', isLeader: true, term: 1 } as const, ...log].flatMap(i => a.step(i))), [['r1'], ['r2'], ['r3']])
  t.same(log.flatMap(i => b.step(i)), [], 'b follows')
  const done = a.step(finished('r1', 100))
  t.same(completions(done), [{ id: 'r1', term: 1, status: 'completed', at: 100 }])
  b.step(completed(completions(done)[0]!))
  t.same(a.step({ type: 'leader', isLeader: false, term: 2 }), [], 'a steps down silently')
  t.same(a.list().map(r => r.state), ['queued', 'queued', 'completed'])
  const rebuild = b.step({ type: 'leader', isLeader: true, term: 2 })
  t.same(started(rebuild), [['r2'], ['r3']])
  t.same(rebuild.flatMap(e => e.type === 'start' ? [e.term] : []), [2, 2])
  t.same([...b.step({ type: 'pump', now: 110 }), ...b.step({ type: 'leader', isLeader: true, term: 2 })], [], 'exactly once')
  t.same(a.step(finished('r2', 120)), [], 'a\'s late finished is ignored')
  const b2 = b.step(finished('r2', 130, 'failed'))
  t.same(completions(b2), [{ id: 'r2', term: 2, status: 'failed', at: 130 }])
  for (const c of completions(b2)) a.step(completed(c))
  t.match(a.get('r2'), { state: 'failed', completionTerm: 2 })
  t.same(b.step({ type: 'finished', id: 'r3', status: 'completed', now: 140, term: 1 }), [], 'a run of an older term is ignored')
  const again = b.step({ type: 'leader', isLeader: true, term: 3 })
  t.same(again.flatMap(e => e.type === 'start' ? [[e.term, e.batch.map(r => r.id)]] : []), [[3, ['r3']]], 're-elected in a new term: restarted')
  t.same(b.step({ type: 'finished', id: 'r3', status: 'completed', now: 150, term: 2 }), [], 'so the term-2 run is now stale')
  t.match(completions(b.step({ type: 'finished', id: 'r3', status: 'completed', now: 160, term: 3 })), [{ id: 'r3', term: 3 }])
})

t.test('a non-leader emits nothing, and malformed inputs change nothing', async t => {
  const queue = new GenerationQueue({ concurrency: 2 })
  const inputs: QueueInput[] = [
    accepted(request('a')), accepted(request('b', { address: 'ucxl://p/a' })), { type: 'pump', now: 1 },
    completed({ id: 'zz', term: 1, status: 'completed', at: 1 }), finished('a'), { type: 'leader', isLeader: false, term: 3 }
  ]
  t.same(inputs.flatMap(i => queue.step(i)), [])
  const before = JSON.stringify([queue.list(), queue.counts(5)])
  const bad: unknown[] = [
    null, { type: 'nope' }, accepted(request('')), accepted({ ...request('c'), priority: 'urgent' as Priority }),
    accepted(request('d', { acceptedAt: Number.NaN })), accepted(request('e', { term: Infinity })),
    completed({ id: 'a', term: 1, status: 'done' as 'failed', at: 1 }), completed({ id: 'a', term: 1, status: 'failed', at: Infinity }),
    completed({ id: '', term: 1, status: 'failed', at: 1 }), { type: 'leader', isLeader: true, term: 2 }, { type: 'leader', isLeader: 'yes', term: 4 },
    { type: 'pump', now: Number.NaN }
  ]
  for (const input of bad) t.same(queue.step(input as QueueInput), [], JSON.stringify(input))
  t.equal(JSON.stringify([queue.list(), queue.counts(5)]), before)
  t.throws(() => new GenerationQueue({ concurrency: 0 }), { code: 'BAD_INPUT' })
})

/** BZZZ_PROPERTY_RUNS multiplies the runs, for a longer soak than npm test. */
const RUNS = (n: number): number => n * Number(process.env.BZZZ_PROPERTY_RUNS ?? 1)

const requestArb = (ids: string[]): fc.Arbitrary<QueuedRequest[]> => fc.tuple(...ids.map(id => fc.record({
  id: fc.constant(id),
  address: fc.constantFrom('x', 'y', 'z'),
  priority: fc.constantFrom(...PRIORITIES),
  requester: fc.constant('peer'),
  acceptedAt: fc.nat(5),
  term: fc.nat(3)
})))
const completionArb = fc.record({
  id: fc.constantFrom('r0', 'r1', 'r2', 'r3', 'r4', 'ghost'),
  term: fc.nat(3),
  status: fc.constantFrom('completed' as const, 'failed' as const, 'superseded' as const),
  at: fc.nat(60_000),
  by: fc.option(fc.constantFrom('r0', 'r1', 'r2', 'r3'), { nil: undefined })
}).map(({ by, ...c }): Completion => by === undefined ? c : { ...c, by })

t.test('property: applying the same entries in any order gives the same rows and counts', async t => {
  // Some entries read twice: a retried request, a completion replicated along two paths.
  const eventsArb = fc.tuple(requestArb(['r0', 'r1', 'r2', 'r3', 'r4']), fc.array(completionArb, { maxLength: 12 }), fc.nat(4))
    .map(([requests, done, twice]) => [...requests.map(accepted), ...done.map(completed)].flatMap((e, i) => i % 4 < twice ? [e, e] : [e]))
    .chain(events => fc.tuple(fc.shuffledSubarray(events, { minLength: events.length }), fc.shuffledSubarray(events, { minLength: events.length })))
  fc.assert(fc.property(eventsArb, ([one, other]) => {
    const view = (events: QueueInput[]): string => {
      const queue = new GenerationQueue({ concurrency: 2 })
      for (const event of events) queue.step(event)
      return JSON.stringify([queue.list(), queue.pending(), queue.counts(40_000)])
    }
    return view(one) === view(other)
  }), { numRuns: RUNS(500) })
  t.pass()
})

/**
 * What `tally()` and `counts()` must say, worked out from the rows (which walk the whole history): the incremental
 * counts the metrics read are checked against it after every step.
 */
function tallyMismatch (queue: GenerationQueue, now: number): string | null {
  const rows = queue.list()
  const expected = new Map<string, number>()
  let oldest: number | null = null
  for (const row of rows) {
    const key = `${row.state}/${row.priority}`
    expected.set(key, (expected.get(key) ?? 0) + 1)
    if (row.state === 'queued' && (oldest === null || row.acceptedAt < oldest)) oldest = row.acceptedAt
  }
  const tally = queue.tally()
  const got = new Map(tally.counts.map(c => [`${c.state}/${c.priority}`, c.count]))
  const sorted = (m: Map<string, number>): string => JSON.stringify([...m].sort())
  if (sorted(got) !== sorted(expected)) return `tally ${sorted(got)}, rows ${sorted(expected)}`
  if (tally.oldestQueuedAt !== oldest) return `oldest queued ${tally.oldestQueuedAt}, rows ${oldest}`
  const counts = queue.counts(now)
  for (const state of ['queued', 'active', 'completed', 'failed', 'superseded'] as const) {
    const want = rows.filter(r => r.state === state).length
    if (counts[state] !== want) return `counts.${state} ${counts[state]}, rows ${want}`
  }
  const recent = rows.filter(r => (r.state === 'completed' || r.state === 'failed') && r.completedAt! <= now && r.completedAt! > now - 60_000).length
  if (counts.ratePerSecond !== recent / 60) return `ratePerSecond ${counts.ratePerSecond}, rows ${recent / 60}`
  return null
}

t.test('property: the counts kept as entries settle equal the counts of the rows, after every entry in any order', async t => {
  const eventsArb = fc.tuple(requestArb(['r0', 'r1', 'r2', 'r3', 'r4']), fc.array(completionArb, { maxLength: 12 }), fc.boolean())
    .chain(([requests, done, lead]) => fc.tuple(fc.shuffledSubarray([...requests.map(accepted), ...done.map(completed)], { minLength: requests.length + done.length }), fc.constant(lead)))
  fc.assert(fc.property(eventsArb, ([events, lead]) => {
    const queue = new GenerationQueue({ concurrency: 2 })
    if (lead) queue.step({ type: 'leader', isLeader: true, term: 4 })
    for (const [i, event] of events.entries()) {
      queue.step(event)
      const problem = tallyMismatch(queue, 30_000 + i * 1000)
      if (problem !== null) throw new Error(`after entry ${i}: ${problem}`)
    }
    return true
  }), { numRuns: RUNS(500) })
  t.pass()
})

type Op =
  | { op: 'request', address: number, priority: Priority, project: number }
  | { op: 'retry', index: number }
  | { op: 'elect', peer: number }
  | { op: 'deliver', peer: number, index: number }
  | { op: 'finish', index: number, failed: boolean }
  | { op: 'written', index: number }
  | { op: 'pump', peer: number }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('request' as const), address: fc.nat(3), priority: fc.constantFrom(...PRIORITIES), project: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('retry' as const), index: fc.nat(100) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('elect' as const), peer: fc.nat(2) }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('deliver' as const), peer: fc.nat(2), index: fc.nat(100) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('finish' as const), index: fc.nat(100), failed: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('written' as const), index: fc.nat(100) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('pump' as const), peer: fc.nat(2) }) }
)

/** Three peers sharing one replicated log, each reading it in its own order, with leadership moving among them. */
class Cluster {
  readonly peers: GenerationQueue[]
  readonly log: QueueInput[] = []
  /** Per peer, the log indexes not read yet. */
  readonly unread: number[][] = [[], [], []]
  runs: Array<{ peer: number, id: string, term: number }> = []
  /**
   * Each batch started, and whether it was said to be written: concurrency bounds the batches with a request still
   * active, but for up to `concurrency` written ones.
   */
  readonly batches: Array<{ peer: number, term: number, ids: string[], written: boolean }> = []
  readonly startedInTerm = new Set<string>()
  leader = -1
  term = 0
  now = 0

  constructor (readonly concurrency: number, readonly batchSize: number) {
    this.peers = [0, 1, 2].map(() => new GenerationQueue({ concurrency, batchSize }))
    this.apply({ op: 'elect', peer: 0 })
  }

  step (peer: number, input: QueueInput): void {
    this.now += 7
    const effects = this.peers[peer]!.step(input)
    if (effects.length > 0 && peer !== this.leader) throw new Error(`peer ${peer} acted while not leader`)
    for (const effect of effects) {
      if (effect.type === 'complete') this.append(completed(effect.completion))
      else {
        if (effect.batch.length > this.batchSize) throw new Error(`peer ${peer}: a batch of ${effect.batch.length}, batchSize ${this.batchSize}`)
        const rows = effect.batch.map(r => this.peers[peer]!.get(r.id)!)
        if (rows.some(row => row.priority !== rows[0]!.priority || effect.batch.some(r => r.batchKey !== effect.batch[0]!.batchKey))) {
          throw new Error(`peer ${peer}: a batch of mixed priorities or keys: ${JSON.stringify(rows.map(row => [row.id, row.priority]))}`)
        }
        this.batches.push({ peer, term: effect.term, ids: effect.batch.map(r => r.id), written: false })
        for (const r of effect.batch) {
          const key = `${r.id}@${effect.term}`
          if (this.startedInTerm.has(key)) throw new Error(`${key} started twice`)
          this.startedInTerm.add(key)
          this.runs.push({ peer, id: r.id, term: effect.term })
        }
      }
    }
    const active = new Set(this.peers[peer]!.list().filter(row => row.state === 'active').map(row => row.id))
    const running = this.batches.filter(b => b.peer === peer && b.term === this.term && b.ids.some(id => active.has(id)))
    const written = running.filter(b => b.written).length
    const holding = running.length - Math.min(written, this.concurrency)
    if (holding > this.concurrency) throw new Error(`peer ${peer}: ${running.length} batches active (${written} written), concurrency ${this.concurrency}`)
  }

  append (entry: QueueInput): void {
    this.log.push(entry)
    for (const unread of this.unread) unread.push(this.log.length - 1)
  }

  deliver (peer: number, index: number): void {
    const unread = this.unread[peer]!
    if (unread.length === 0) return
    const [at] = unread.splice(index % unread.length, 1)
    this.step(peer, this.log[at!]!)
  }

  apply (op: Op): void {
    switch (op.op) {
      case 'request': {
        const project = op.project === 0 ? {} : { project: `p${op.project}`, batchKey: `p${op.project}` }
        const r = { id: `r${this.log.length}`, address: `a${op.address}`, priority: op.priority, requester: 'x', acceptedAt: this.now, term: this.term, ...project }
        this.append(accepted(r))
        this.deliver(this.leader, this.unread[this.leader]!.length - 1) // the leader reads its own append
        return
      }
      case 'retry': {
        const requests = this.log.filter(e => e.type === 'accepted')
        if (requests.length > 0) this.append(requests[op.index % requests.length]!)
        return
      }
      case 'elect':
        if (this.leader >= 0) this.step(this.leader, { type: 'leader', isLeader: false, term: this.term + 1 })
        this.leader = op.peer
        this.step(op.peer, { type: 'leader', isLeader: true, term: ++this.term })
        return
      case 'deliver': this.deliver(op.peer, op.index); return
      case 'finish': {
        if (this.runs.length === 0) return
        const [run] = this.runs.splice(op.index % this.runs.length, 1)
        this.step(run!.peer, { type: 'finished', id: run!.id, status: op.failed ? 'failed' : 'completed', now: this.now, term: run!.term })
        return
      }
      case 'written': {
        if (this.runs.length === 0) return
        const run = this.runs[op.index % this.runs.length]!
        // A run's write is of the term it started in; the queue ignores one for a request it no longer runs.
        const batch = this.batches.find(b => b.peer === run.peer && b.term === run.term && b.ids.includes(run.id))
        const active = this.peers[run.peer]!.get(run.id)?.state === 'active'
        if (batch !== undefined && active && run.term === this.term && run.peer === this.leader) batch.written = true
        this.step(run.peer, { type: 'written', id: run.id, term: run.term })
        return
      }
      case 'pump': this.step(op.peer, { type: 'pump', now: this.now })
    }
  }

  /** No more faults: one leader, everything read everywhere, every run finished, until nothing moves. */
  drain (): void {
    for (let round = 0; round < 100; round++) {
      if (this.runs.length === 0 && this.unread.every(u => u.length === 0)) return
      for (const peer of [0, 1, 2]) while (this.unread[peer]!.length > 0) this.deliver(peer, 0)
      this.step(this.leader, { type: 'pump', now: this.now })
      while (this.runs.length > 0) this.apply({ op: 'finish', index: 0, failed: false })
    }
    throw new Error('the queue did not drain')
  }
}

t.test('property: over random schedules concurrency holds, and once a leader drains, every request has one completion everywhere', async t => {
  const configArb = fc.record({ concurrency: fc.integer({ min: 1, max: 3 }), batchSize: fc.integer({ min: 1, max: 3 }) })
  fc.assert(fc.property(configArb, fc.array(opArb, { maxLength: 150, size: 'max' }), ({ concurrency, batchSize }, ops) => {
    const cluster = new Cluster(concurrency, batchSize)
    for (const op of ops) {
      cluster.apply(op)
      const problem = tallyMismatch(cluster.peers[0]!, cluster.now)
      if (problem !== null) throw new Error(`after ${JSON.stringify(op)}: ${problem}`)
    }
    cluster.drain()
    const ids = new Set(cluster.log.flatMap(e => e.type === 'accepted' ? [e.request.id] : []))
    const views = cluster.peers.map(p => JSON.stringify(p.list()))
    if (new Set(views).size !== 1) throw new Error(`the peers disagree:\n${views.join('\n')}`)
    const rows = cluster.peers[0]!.list()
    if (rows.length !== ids.size) throw new Error(`${rows.length} rows for ${ids.size} requests`)
    for (const row of rows) {
      if (row.state === 'queued' || row.state === 'active' || row.completionTerm === undefined) throw new Error(`${row.id} not completed: ${row.state}`)
      const by = row.supersededBy === undefined ? undefined : cluster.peers[0]!.get(row.supersededBy)
      if (row.state === 'superseded' && (by?.address !== row.address || by.acceptedAt < row.acceptedAt)) throw new Error(`${row.id} superseded by ${row.supersededBy}`)
    }
    return true
  }), { numRuns: RUNS(200) })
  t.pass()
})

t.test('a leader holding none of a request\'s readers\' keys never starts it: it waits, queued, for one that does', async t => {
  const queue = new GenerationQueue({ concurrency: 4 })
  queue.step({ type: 'keys', roles: ['developer'] })
  queue.step(accepted(request('sec', { readers: ['security', 'admin'] })))
  queue.step(accepted(request('dev', { readers: ['developer'] })))
  const effects = queue.step({ type: 'leader', isLeader: true, term: 2 })
  t.same(started(effects), [['dev']], 'only the request whose files it may open')
  t.match(queue.get('sec'), { state: 'queued', waitingFor: ['security', 'admin'] }, 'the other says what it waits for')
  t.same(completions(queue.step(finished('dev'))), [{ id: 'dev', term: 2, status: 'completed', at: 1000 }])
  t.equal(queue.get('sec')!.state, 'queued', 'never failed nor dropped')
  // Leadership moves to a peer holding the security key: it runs the request.
  const next = new GenerationQueue({ concurrency: 4 })
  next.step({ type: 'keys', roles: ['security'] })
  next.step(accepted(request('sec2', { readers: ['security', 'admin'] })))
  t.same(started(next.step({ type: 'leader', isLeader: true, term: 3 })), [['sec2']])
})
