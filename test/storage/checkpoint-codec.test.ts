import t from 'tap'
import fc from 'fast-check'
import { pack, unpack } from '../../src/storage/checkpoint-codec.js'
import type { Pointer, Slot, VersionLine } from '../../src/storage/view.js'

const writerKey = fc.constantFrom('a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64), '0123456789abcdef'.repeat(4))
const count = fc.nat({ max: 1_000_000 })
const version = fc.record({
  term: count,
  hlc: fc.record({ wall: fc.nat({ max: 2 ** 45 }), logical: count }),
  writer: writerKey,
  vv: fc.dictionary(writerKey, fc.integer({ min: 1, max: 10_000 }))
})
const pointer: fc.Arbitrary<Pointer> = fc.record({
  writer: writerKey,
  seq: count,
  index: fc.integer({ min: 1, max: 500 }),
  version,
  kind: fc.constantFrom('file', 'directory', 'project'),
  inherits: fc.boolean(),
  digest: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 })
}, { requiredKeys: ['writer', 'seq', 'version', 'kind', 'inherits'] }) as fc.Arbitrary<Pointer>
const slot: fc.Arbitrary<Slot> = fc.record({ current: pointer, conflicts: fc.array(pointer, { maxLength: 3 }) })
const line: fc.Arbitrary<VersionLine> = fc.tuple(fc.string(), writerKey, count, count, fc.nat({ max: 2 ** 45 }), writerKey, fc.option(fc.string({ unit: fc.constantFrom(...'0123456789abcdef') }), { nil: null }))
  .map(([address, keyWriter, n, term, wall, writer, decision]) => [address, `${keyWriter}:${n}`, term, wall, writer, decision])

t.test('a packed view unpacks to the same slots and version lines, through JSON', async t => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.string(), slot), { maxLength: 20 }), fc.array(line, { maxLength: 20 }), (slots, versions) => {
    const back = unpack(JSON.parse(JSON.stringify(pack(slots, versions))))
    t.same(back.slots, slots)
    t.same(back.versions, versions)
  }), { numRuns: 200 })
})

t.test('each writer key is written once, however many slots name it', async t => {
  const writer = 'f'.repeat(64)
  const p: Pointer = { writer, seq: 1, version: { term: 1, hlc: { wall: 5, logical: 0 }, writer, vv: { [writer]: 1 } }, kind: 'file', inherits: true }
  const slots: Array<[string, Slot]> = Array.from({ length: 100 }, (_, i) => [`ucxl://p/f${i}.py`, { current: p, conflicts: [] }])
  const text = JSON.stringify(pack(slots, [['ucxl://p/f0.py', `${writer}:1`, 1, 5, writer, null]]))
  t.equal(text.split(writer).length - 1, 1)
})

t.test('a view out of shape is refused, never half read', async t => {
  const writer = 'a'.repeat(64)
  const good = pack([['ucxl://p/x', { current: { writer, seq: 0, version: { term: 1, hlc: { wall: 1, logical: 0 }, writer, vv: { [writer]: 1 } }, kind: 'file', inherits: false }, conflicts: [] }]], [['ucxl://p/x', `${writer}:1`, 1, 1, writer, null]])
  t.doesNotThrow(() => unpack(JSON.parse(JSON.stringify(good))))
  const broken: unknown[] = [
    null, 5, {}, { ...good, writers: [1] },
    { ...good, slots: [['ucxl://p/x', [7, 0, 0, [1, 1, 0, 0, []], 'file', 0, null], []]] },
    { ...good, slots: [['ucxl://p/x', [0, 0, 0, [1, 1, 0, 0, [0]], 'file', 0, null], []]] },
    { ...good, slots: [['ucxl://p/x', [0, -1, 0, [1, 1, 0, 0, []], 'file', 0, null], []]] },
    { ...good, slots: [['ucxl://p/x', [0, 0, 0, [1, 1, 0, 0, []], 'folder', 0, null], []]] },
    { ...good, slots: [['ucxl://p/x', [0, 0, 0, [1, 1, 0, 0, []], 'file', 2, null], []]] },
    { ...good, versions: [['ucxl://p/x', 0, 1, 1, 1, 3, null]] },
    { ...good, versions: [['ucxl://p/x', 0, 1.5, 1, 1, 0, null]] }
  ]
  for (const view of broken) t.throws(() => unpack(view), /checkpoint: bad/, JSON.stringify(view).slice(0, 80))
})
