// The view is a function of the entries applied: every peer that applied the same logs, whatever the interleaving of
// writers and the blocks per call, holds the same records, generated and hand-written apart, and the same view hash.
import t from 'tap'
import fc from 'fast-check'
import { join } from 'node:path'
import { ContextView, ORIGINS, type Origin } from '../../src/storage/view.js'
import { versionKey, type Version } from '../../src/distribution/version.js'
import type { ContextEntry } from '../../src/storage/log-entry.js'
import { scratchDir } from '../helpers/scratch.js'

const WRITERS = ['a', 'b', 'c'].map(w => w.repeat(64))
const ADDRESSES = ['ucxl://p/', 'ucxl://p/src', 'ucxl://p/src/a.go']

interface Write { writer: number, address: number, generated: boolean, removed: boolean, seen: number, wall: number }

const writeArb: fc.Arbitrary<Write> = fc.record({
  writer: fc.nat(WRITERS.length - 1),
  address: fc.nat(ADDRESSES.length - 1),
  generated: fc.boolean(),
  removed: fc.boolean(),
  // How many of the writes before it (of any writer) its writer had seen when it wrote.
  seen: fc.nat(20),
  wall: fc.nat(30)
})

/**
 * Each writer's log, as writers build versions: a new version's vector is what its writer has seen of the address's
 * record of that origin, with the writer's own count one past its greatest for the address (context-store's rule).
 */
function logsOf (writes: readonly Write[]): Map<string, ContextEntry[]> {
  const logs = new Map<string, ContextEntry[]>(WRITERS.map(w => [w, []]))
  const all: Array<{ entry: ContextEntry, origin: Origin }> = []
  for (const write of writes) {
    const writer = WRITERS[write.writer]!
    const address = ADDRESSES[write.address]!
    const origin: Origin = write.generated ? 'generated' : 'hand-written'
    const visible = all.slice(0, Math.min(all.length, write.seen)).concat(all.filter(x => x.entry.version.writer === writer))
    const vv: Record<string, number> = {}
    let own = 0
    for (const { entry, origin: o } of visible) {
      if (entry.address !== address) continue
      own = Math.max(own, entry.version.vv[writer] ?? 0)
      if (o === origin) for (const [w, n] of Object.entries(entry.version.vv)) vv[w] = Math.max(vv[w] ?? 0, n)
    }
    vv[writer] = own + 1
    const version: Version = { term: 1, hlc: { wall: write.wall, logical: 0 }, writer, vv }
    const entry: ContextEntry = { type: 'context', address, kind: 'directory', inherits: true, version, envelope: Buffer.alloc(0) }
    if (write.generated) entry.generated = true
    if (write.removed && write.generated) entry.removed = true
    all.push({ entry, origin })
    logs.get(writer)!.push(entry)
  }
  return logs
}

/** Applies the logs in chunks of `chunk` blocks, taking writers in `order` round after round. */
async function viewOf (dir: string, logs: Map<string, ContextEntry[]>, order: readonly number[], chunk: number): Promise<ContextView> {
  const view = new ContextView(join(dir, `view-${Math.random().toString(36).slice(2)}`))
  await view.ready()
  const done = new Map<string, number>()
  for (let round = 0; round < 100; round++) {
    let progressed = false
    for (const index of order) {
      const writer = WRITERS[index]!
      const log = logs.get(writer)!
      const from = done.get(writer) ?? 0
      if (from >= log.length) continue
      const to = Math.min(log.length, from + chunk)
      await view.apply(writer, log.slice(from, to).map((entry, i) => ({ seq: from + i, index: 0, entry })))
      done.set(writer, to)
      progressed = true
    }
    if (!progressed) break
  }
  return view
}

function stateOf (view: ContextView): string {
  const slots = ADDRESSES.flatMap(address => ORIGINS.map(origin => {
    const slot = view.slot(address, origin)
    return slot === undefined ? null : [address, origin, versionKey(slot.current.version), slot.current.removed === true, slot.conflicts.map(c => versionKey(c.version)).sort()]
  }))
  return JSON.stringify([view.viewHash, view.recordCount, slots])
}

t.test('property: the same logs give the same view (both records of every address) in any interleaving and chunking', async t => {
  const dir = scratchDir('bzzz-view-')
  await fc.assert(fc.asyncProperty(
    fc.array(writeArb, { minLength: 1, maxLength: 25 }),
    fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 }),
    fc.integer({ min: 1, max: 4 }),
    async (writes, order, chunk) => {
      const logs = logsOf(writes)
      const reference = stateOf(await viewOf(dir, logs, [0, 1, 2], 1000))
      return stateOf(await viewOf(dir, logs, order, chunk)) === reference
    }
  ), { numRuns: 200 })
  t.pass()
})

t.test('a hand-written and a generated version of one address are two records: neither supersedes the other', async t => {
  const dir = scratchDir('bzzz-view-')
  const [a] = WRITERS as [string]
  const address = ADDRESSES[1]!
  const generated: ContextEntry = { type: 'context', address, kind: 'directory', inherits: true, generated: true, version: { term: 1, hlc: { wall: 1, logical: 0 }, writer: a, vv: { [a]: 1 } }, envelope: Buffer.alloc(0) }
  const written: ContextEntry = { type: 'context', address, kind: 'directory', inherits: true, version: { term: 1, hlc: { wall: 2, logical: 0 }, writer: a, vv: { [a]: 2 } }, envelope: Buffer.alloc(0) }
  const view = new ContextView(join(dir, 'view'))
  await view.ready()
  t.same(await view.apply(a, [{ seq: 0, index: 0, entry: generated }, { seq: 1, index: 0, entry: written }]), [address, address], 'each changes the address')
  t.equal(versionKey(view.slot(address, 'generated')!.current.version), `${a}:1`)
  t.equal(versionKey(view.slot(address, 'hand-written')!.current.version), `${a}:2`)
  t.equal(view.recordCount, 2)
  t.same(view.versions().map(line => line[6]), [true, false], 'each version line says which record it is of')
})

t.test('a write of several entries is applied whole, at its last entry; one its writer never ended is never applied', async t => {
  const dir = scratchDir('bzzz-view-batch-')
  const writer = WRITERS[0]!
  const entry = (address: string, n: number, batch?: { id: number, end?: true }): ContextEntry => ({
    type: 'context', address, kind: 'file', inherits: true, envelope: Buffer.alloc(0),
    version: { term: 1, hlc: { wall: n, logical: 0 }, writer, vv: { [writer]: n } },
    ...(batch !== undefined ? { batch: batch.id, ...(batch.end === true ? { end: true as const } : {}) } : {})
  })
  const view = new ContextView(join(dir, 'view'))
  await view.ready()
  const empty = view.viewHash
  // A write of three, its blocks arriving in two applies.
  t.same(await view.apply(writer, [{ seq: 0, index: 0, entry: entry('ucxl://p/a', 1, { id: 0 }) }, { seq: 0, index: 1, entry: entry('ucxl://p/b', 1, { id: 0 }) }]), [])
  t.equal(view.viewHash, empty, 'nothing of it shows before its end')
  t.equal(view.applied(writer), 1, 'the next apply starts after what was received')
  t.same((await view.apply(writer, [{ seq: 1, index: 0, entry: entry('ucxl://p/c', 1, { id: 0, end: true }) }])).sort(), ['ucxl://p/a', 'ucxl://p/b', 'ucxl://p/c'])
  const whole = view.viewHash
  // A write its writer crashed in: two entries, then the writer goes on with another write.
  await view.apply(writer, [{ seq: 2, index: 0, entry: entry('ucxl://p/d', 1, { id: 2 }) }, { seq: 3, index: 0, entry: entry('ucxl://p/e', 1, { id: 2 }) }])
  await view.checkpoint()
  const reopened = new ContextView(join(dir, 'view'))
  await reopened.ready()
  t.equal(reopened.applied(writer), 2, 'a restart replays an unfinished write from its first block')
  t.same(await view.apply(writer, [{ seq: 4, index: 0, entry: entry('ucxl://p/f', 1) }]), ['ucxl://p/f'])
  t.not(view.viewHash, whole)
  t.equal(view.slot('ucxl://p/d', 'hand-written'), undefined, 'the unfinished write is never applied')
  t.equal(view.slot('ucxl://p/e', 'hand-written'), undefined)
  t.equal(view.applied(writer), 5)
})
