// Where earlier terms end: a leader's term entry states how much of every other writer's log it held once caught up,
// and a view refuses an entry of an earlier term at or past that end. The view stays a function of the entries, not of
// the order they came in: a view that applied the late entries before it read the end is rebuilt from the logs.
import t from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ContextView, type LeadershipRule, type PlacedEntry } from '../../src/storage/view.js'
import type { ContextEntry, LogEntry, RequestEntry, TermEntry } from '../../src/storage/log-entry.js'
import { scratchDir } from '../helpers/scratch.js'

const OLD = 'a'.repeat(64)
const NEW = 'b'.repeat(64)
const ANYONE: LeadershipRule = { admit: () => null }

function termEntry (writer: string, term: number, wall: number, ends?: Record<string, number>): TermEntry {
  return { type: 'term', address: '', leader: writer, ...(ends !== undefined ? { ends } : {}), version: { term, hlc: { wall, logical: 0 }, writer, vv: {} }, envelope: Buffer.alloc(0) }
}

function contextEntry (writer: string, term: number, wall: number, address: string, count: number): ContextEntry {
  return { type: 'context', address, kind: 'directory', inherits: true, version: { term, hlc: { wall, logical: 0 }, writer, vv: { [writer]: count } }, envelope: Buffer.alloc(0) }
}

function requestEntry (writer: string, term: number, wall: number, id: string): RequestEntry {
  return { type: 'request', id, address: 'ucxl://p/', path: '.', priority: 0, at: wall, version: { term, hlc: { wall, logical: 0 }, writer, vv: {} }, envelope: Buffer.alloc(0) } as unknown as RequestEntry
}

/**
 * The old leader led term 2 and wrote two entries that were acknowledged; the new leader of term 3 held its log to 3
 * blocks when it caught up, and says so. Then the old leader appended two more entries of term 2 (cut off, or offline:
 * never acknowledged), and later led term 4 and wrote on: that is not of an earlier term than 3, so it stands.
 */
function logs (): Map<string, LogEntry[]> {
  return new Map<string, LogEntry[]>([
    [OLD, [
      termEntry(OLD, 2, 10), contextEntry(OLD, 2, 11, 'ucxl://p/a', 1), requestEntry(OLD, 2, 12, 'r-acked'),
      contextEntry(OLD, 2, 40, 'ucxl://p/a', 2), requestEntry(OLD, 2, 41, 'r-late'),
      termEntry(OLD, 4, 60), contextEntry(OLD, 4, 61, 'ucxl://p/c', 1)
    ]],
    [NEW, [termEntry(NEW, 3, 20, { [OLD]: 3 }), contextEntry(NEW, 3, 21, 'ucxl://p/b', 1)]]
  ])
}

/** A view fed the logs one block at a time in `order` (writer indexes), replaying what it was fed when it rebuilds. */
async function viewFed (dir: string, order: readonly number[], name: string): Promise<ContextView> {
  const all = logs()
  const writers = [OLD, NEW]
  const view = new ContextView(join(dir, name), false, () => 0, ANYONE)
  await view.ready()
  const held = new Map<string, number>()
  const placed = (writer: string, from: number, to: number): PlacedEntry[] => all.get(writer)!.slice(from, to).map((entry, i) => ({ seq: from + i, index: 0, entry }))
  view.replayLogs = async names => {
    for (const writer of names) await view.apply(writer, placed(writer, view.applied(writer), held.get(writer) ?? 0))
  }
  for (const at of order) {
    const writer = writers[at]!
    const from = held.get(writer) ?? 0
    held.set(writer, from + 1)
    await view.apply(writer, placed(writer, from, from + 1))
  }
  return view
}

/** Every way to interleave the two logs block by block (7 of the old leader's, 2 of the new one's): 36 orders. */
function interleavings (): number[][] {
  const out: number[][] = []
  const walk = (prefix: number[], old: number, fresh: number): void => {
    if (old === 0 && fresh === 0) { out.push(prefix); return }
    if (old > 0) walk([...prefix, 0], old - 1, fresh)
    if (fresh > 0) walk([...prefix, 1], old, fresh - 1)
  }
  walk([], 7, 2)
  return out
}

function summary (view: ContextView): unknown {
  return {
    hash: view.viewHash,
    a: view.slot('ucxl://p/a', 'hand-written')?.current.version.vv,
    c: view.slot('ucxl://p/c', 'hand-written') !== undefined,
    queue: view.queueEvents().map(e => `${e.writer.slice(0, 1)}:${e.seq}`),
    versions: view.versions().map(line => line[1]).sort(),
    refused: view.refusals().count
  }
}

t.test('entries of an earlier term past a stated end are refused, whichever comes first, with one view hash', async t => {
  const dir = scratchDir('term-ends-')
  const orders = interleavings()
  t.equal(orders.length, 36)
  const endFirst = await viewFed(dir, orders.find(o => o[0] === 1)!, 'end-first')
  const lateFirst = await viewFed(dir, [0, 0, 0, 0, 0, 0, 0, 1, 1], 'late-first')
  for (const view of [endFirst, lateFirst]) {
    t.same(view.slot('ucxl://p/a', 'hand-written')?.current.version.vv, { [OLD]: 1 }, 'the acknowledged version of a is current, not the late one')
    t.same(view.queueEvents().map(e => (e.entry as RequestEntry).id), ['r-acked'], 'the late request is not in the queue')
    t.ok(view.slot('ucxl://p/c', 'hand-written') !== undefined, 'what the old leader wrote in a later term of its own stands')
    t.equal(view.refusals().count, 2, 'the two late entries are refused and counted')
    t.match(view.refusals().recent.map(r => r.reason), [/past the end of term 2 in its log \(block 3\), which the leader of term 3 stated/, /past the end/])
  }
  t.equal(lateFirst.rebuilds, 1, 'the view that applied the late entries first was rebuilt once')
  t.equal(endFirst.rebuilds, 0, 'the view that read the end first was not')
  const expected = summary(endFirst)
  for (const order of orders) t.same(summary(await viewFed(dir, order, `o-${order.join('')}`)), expected, `order ${order.join('')}`)
})

t.test('a rebuilt view tells its listeners of what is new to them only, then that it was rebuilt', async t => {
  const dir = scratchDir('term-ends-')
  const all = logs()
  const view = new ContextView(join(dir, 'listened'), false, () => 0, ANYONE)
  await view.ready()
  const placed = (writer: string, from: number, to: number): PlacedEntry[] => all.get(writer)!.slice(from, to).map((entry, i) => ({ seq: from + i, index: 0, entry }))
  const told: string[] = []
  let rebuilt = 0
  view.listeners.add(event => { told.push(Array.isArray(event) ? `version ${event[1]}` : `entry ${event.seq}`) })
  view.rebuildListeners.add(() => { rebuilt++ })
  view.replayLogs = async names => {
    for (const writer of names) await view.apply(writer, placed(writer, 0, writer === OLD ? 5 : 2))
  }
  await view.apply(OLD, placed(OLD, 0, 5))
  t.same(told, [`version ${OLD}:1`, 'entry 2', `version ${OLD}:2`, 'entry 4'])
  told.length = 0
  await view.apply(NEW, placed(NEW, 0, 2))
  t.equal(rebuilt, 1)
  t.same(told, [`version ${NEW}:1`], 'only the new writer\'s version is news; nothing applied before is told again')
  t.same(view.queueEvents().map(e => e.seq), [2])
})

t.test('the ends are kept in the checkpoint: a reopened view refuses a late entry without a rebuild', async t => {
  const dir = scratchDir('term-ends-')
  const all = logs()
  const file = join(dir, 'kept')
  const placed = (writer: string, from: number, to: number): PlacedEntry[] => all.get(writer)!.slice(from, to).map((entry, i) => ({ seq: from + i, index: 0, entry }))
  const first = new ContextView(file, false, () => 0, ANYONE)
  await first.ready()
  await first.apply(OLD, placed(OLD, 0, 3))
  await first.apply(NEW, placed(NEW, 0, 2))
  await first.close()
  const again = new ContextView(file, false, () => 0, ANYONE)
  await again.ready()
  again.replayLogs = async () => { t.fail('no rebuild is needed') }
  await again.apply(OLD, placed(OLD, 3, 5))
  t.equal(again.refusals().count, 2)
  t.same(again.slot('ucxl://p/a', 'hand-written')?.current.version.vv, { [OLD]: 1 })
})

t.test('a rebuild whose replay fails leaves the view stale, writes no checkpoint, and the next apply rebuilds it whole', async t => {
  const dir = scratchDir('term-ends-')
  const all = logs()
  const file = join(dir, 'failing')
  const placed = (writer: string, from: number, to: number): PlacedEntry[] => all.get(writer)!.slice(from, to).map((entry, i) => ({ seq: from + i, index: 0, entry }))
  const view = new ContextView(file, false, () => 0, ANYONE)
  await view.ready()
  let fail = true
  view.replayLogs = async names => {
    if (fail) throw new Error('a block did not come')
    for (const writer of names) await view.apply(writer, placed(writer, view.applied(writer), writer === OLD ? 7 : 2))
  }
  await view.apply(OLD, placed(OLD, 0, 7))
  await t.rejects(view.apply(NEW, placed(NEW, 0, 1)), /did not come/)
  await view.checkpoint()
  t.notOk(existsSync(file), 'no checkpoint of a half-rebuilt view')
  fail = false
  await view.apply(NEW, placed(NEW, 1, 2))
  const reference = await viewFed(dir, [1, 1, 0, 0, 0, 0, 0, 0, 0], 'reference')
  t.same(summary(view), summary(reference), 'the next apply rebuilt it: the same view as one that read the end first')
})
