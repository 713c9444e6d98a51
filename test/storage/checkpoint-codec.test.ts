import t from 'tap'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { CheckpointFile, encodeCheckpoint, type CheckpointState } from '../../src/storage/checkpoint-codec.js'
import type { Pointer, Slot, VersionLine } from '../../src/storage/view-items.js'

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
const line: fc.Arbitrary<VersionLine> = fc.tuple(fc.string(), writerKey, count, count, fc.nat({ max: 2 ** 45 }), writerKey, fc.option(fc.string({ unit: fc.constantFrom(...'0123456789abcdef') }), { nil: null }), fc.boolean(),
  fc.option(writerKey, { nil: null }), fc.option(fc.constantFrom('developer', 'qa'), { nil: null }))
  .map(([address, keyWriter, n, term, wall, writer, decision, generated, requester, role]) => [address, `${keyWriter}:${n}`, term, wall, writer, decision, generated, requester, role])

const state: CheckpointState = { hash: '0'.repeat(64), applied: { ['a'.repeat(64)]: 3 }, queue: [] }
const addresses = fc.string({ maxLength: 12 })
/** Slots with distinct addresses, as a map holds them. */
const slotMap = fc.uniqueArray(fc.tuple(addresses, slot), { selector: ([address]) => address, maxLength: 20 })

t.test('a checkpoint reads back the same slots and version lines, each slot found by its address', async t => {
  fc.assert(fc.property(slotMap, fc.array(line, { maxLength: 20 }), addresses, (slots, versions, absent) => {
    const file = CheckpointFile.decode(encodeCheckpoint(state, slots, versions, null, false))
    t.same(file.state, state)
    t.equal(file.slotCount, slots.length)
    for (const [address, value] of slots) t.same(file.slot(address), value)
    if (!slots.some(([address]) => address === absent)) t.equal(file.slot(absent), undefined)
    t.same(file.versions(), versions)
  }), { numRuns: 200 })
})

t.test('written again over its base: changed slots replace theirs, new ones join, the rest is copied as it was', async t => {
  fc.assert(fc.property(slotMap, slotMap, fc.array(line, { maxLength: 5 }), fc.array(line, { maxLength: 5 }), fc.boolean(), (before, changed, oldLines, newLines, decoded) => {
    const base = CheckpointFile.decode(encodeCheckpoint(state, before, oldLines, null, false))
    // A view that read the base's version lines writes them all itself; one that did not has them copied.
    const lines = decoded ? [...base.versions(), ...newLines] : newLines
    const next = CheckpointFile.decode(encodeCheckpoint(state, changed, lines, base, !decoded))
    const expected = new Map([...before, ...changed])
    t.equal(next.slotCount, expected.size)
    for (const [address, value] of expected) t.same(next.slot(address), value)
    t.same(next.versions(), [...oldLines, ...newLines])
  }), { numRuns: 200 })
})

t.test('each writer key is written once, however many slots name it', async t => {
  const writer = 'f'.repeat(64)
  const p: Pointer = { writer, seq: 1, version: { term: 1, hlc: { wall: 5, logical: 0 }, writer, vv: { [writer]: 1 } }, kind: 'file', inherits: true }
  const slots: Array<[string, Slot]> = Array.from({ length: 100 }, (_, i) => [`ucxl://p/f${i}.py`, { current: p, conflicts: [] }])
  const text = encodeCheckpoint({ ...state, applied: {} }, slots, [['ucxl://p/f0.py', `${writer}:1`, 1, 5, writer, null, true, null, null]], null, false).toString()
  t.equal(text.split(writer).length - 1, 1)
})

t.test('a damaged file is refused whole; a line out of shape is refused when read', async t => {
  const writer = 'a'.repeat(64)
  const pointer: Pointer = { writer, seq: 0, version: { term: 1, hlc: { wall: 1, logical: 0 }, writer, vv: { [writer]: 1 } }, kind: 'file', inherits: false }
  const good = encodeCheckpoint(state, [['ucxl://p/x', { current: pointer, conflicts: [] }], ['ucxl://p/y', { current: pointer, conflicts: [] }]], [['ucxl://p/x', `${writer}:1`, 1, 1, writer, null, false, writer, 'qa']], null, false)
  t.doesNotThrow(() => CheckpointFile.decode(good))
  const text = good.toString()
  const newline = text.indexOf('\n')
  const header = JSON.parse(text.slice(0, newline))
  const body = text.slice(newline + 1)
  const [slotA, slotB, version] = body.split('\n') as [string, string, string]
  /** A file whose header agrees with its lines (digest, counts, lengths), whatever the lines say. */
  const withLines = (slots: string[], versions: string[]): Buffer => {
    const slotText = slots.map(l => l + '\n').join('')
    const changed = slotText + versions.map(l => l + '\n').join('')
    const digest = createHash('sha256').update(changed).digest('hex')
    return Buffer.from(JSON.stringify({ ...header, slots: slots.length, slotChars: slotText.length, versions: versions.length, digest }) + '\n' + changed)
  }
  t.doesNotThrow(() => CheckpointFile.decode(withLines([slotA, slotB], [version])), 'the test writes files as encodeCheckpoint does')
  const broken: Array<[string, Buffer]> = [
    ['truncated', good.subarray(0, good.length - 3)],
    ['a flipped byte', Buffer.concat([good.subarray(0, good.length - 10), Buffer.from('Z'), good.subarray(good.length - 9)])],
    ['no header line', Buffer.from('{"format":5')],
    ['an older format', Buffer.from(JSON.stringify({ ...header, format: 4 }) + '\n' + body)],
    ['a header out of shape', Buffer.from(JSON.stringify({ ...header, slots: -1 }) + '\n' + body)],
    ['slot lines out of order', withLines([slotB, slotA], [version])],
    ['a line missing', Buffer.from(JSON.stringify({ ...header, digest: createHash('sha256').update(body.slice(slotA.length + 1)).digest('hex') }) + '\n' + body.slice(slotA.length + 1))]
  ]
  for (const [what, bytes] of broken) t.throws(() => CheckpointFile.decode(bytes), /checkpoint: bad/, what)
  // Lines that fit the layout but not the shape: the file opens (its digest holds), the line is refused when read.
  const badSlot = CheckpointFile.decode(withLines([slotA.replace(/\t.*/, '\t[[7,0,0,[1,1,0,0,[]],"file",0,null],[]]'), slotB], [version]))
  t.throws(() => badSlot.slot('ucxl://p/x'), /checkpoint: bad writer reference/)
  t.ok(badSlot.slot('ucxl://p/y'), 'the other slots still read')
  const badKind = CheckpointFile.decode(withLines([slotA.replace('"file"', '"folder"'), slotB], [version]))
  t.throws(() => badKind.slot('ucxl://p/x'), /checkpoint: bad pointer/)
  const badLine = CheckpointFile.decode(withLines([slotA, slotB], ['["ucxl://p/x",0,1.5,1,1,0,null]']))
  t.throws(() => badLine.versions(), /checkpoint: bad version line/)
})
