import t from 'tap'
import fc from 'fast-check'
import { applyVersion, compareVectors, mergeVectors, versionKey, wins, type Version, type VersionSlot } from '../../src/distribution/version.js'
import { compareHlc, observeHlc, tickHlc, ZERO_HLC } from '../../src/distribution/hlc.js'

interface P { version: Version, id: string }

// A random history: writers write versions of one address on top of what they have seen.
const historyArb = fc.array(fc.record({ writer: fc.constantFrom('a', 'b', 'c'), seeFrom: fc.nat(20), term: fc.nat(3), wall: fc.nat(50) }), { minLength: 1, maxLength: 15 })
  .map(steps => {
    const made: P[] = []
    for (const step of steps) {
      // A writer builds on its own last version and on one other version it has seen.
      const seen = made.length === 0 ? {} : made[step.seeFrom % made.length]!.version.vv
      const own = [...made].reverse().find(p => p.version.writer === step.writer)?.version.vv ?? {}
      const base = mergeVectors(own, seen)
      const vv = { ...base, [step.writer]: (base[step.writer] ?? 0) + 1 }
      const version: Version = { term: step.term, hlc: { wall: step.wall, logical: 0 }, writer: step.writer, vv }
      made.push({ version, id: versionKey(version) })
    }
    return made
  })

function applyAll (items: readonly P[]): VersionSlot<P> | undefined {
  let slot: VersionSlot<P> | undefined
  for (const item of items) slot = applyVersion(slot, item)
  return slot
}

const summary = (slot: VersionSlot<P> | undefined): string => slot === undefined ? '' : slot.current.id + '|' + slot.conflicts.map(c => c.id).join(',')

t.test('the merged slot is the same whatever the order, grouping or repetition', async t => {
  fc.assert(fc.property(historyArb, fc.nat(), fc.nat(), (history, seed1, seed2) => {
    const shuffled = fc.sample(fc.shuffledSubarray(history, { minLength: history.length, maxLength: history.length }), { numRuns: 1, seed: seed1 })[0]!
    const withRepeats = [...history, ...fc.sample(fc.shuffledSubarray(history), { numRuns: 1, seed: seed2 })[0]!]
    // grouping: merge halves separately, then feed one into the other
    const half = Math.floor(history.length / 2)
    const left = applyAll(history.slice(0, half))
    const right = applyAll(history.slice(half))
    const grouped = applyAll([...(right ? [right.current, ...right.conflicts] : []), ...(left ? [left.current, ...left.conflicts] : [])])
    const reference = summary(applyAll(history))
    return summary(applyAll(shuffled)) === reference && summary(applyAll(withRepeats)) === reference && summary(grouped) === reference
  }), { numRuns: 1000 })
  t.pass()
})

t.test('the current version is never superseded by another version seen', async t => {
  fc.assert(fc.property(historyArb, history => {
    const slot = applyAll(history)!
    return history.every(p => compareVectors(slot.current.version.vv, p.version.vv) !== 'before') &&
      slot.conflicts.every(c => compareVectors(c.version.vv, slot.current.version.vv) === 'concurrent' && wins(slot.current.version, c.version))
  }), { numRuns: 1000 })
  t.pass()
})

t.test('vector order and tiebreak', async t => {
  t.equal(compareVectors({ a: 1 }, { a: 2 }), 'before')
  t.equal(compareVectors({ a: 2, b: 1 }, { a: 2 }), 'after')
  t.equal(compareVectors({ a: 1 }, { b: 1 }), 'concurrent')
  t.equal(compareVectors({ a: 1 }, { a: 1 }), 'equal')
  const older: Version = { term: 1, hlc: { wall: 10, logical: 0 }, writer: 'b', vv: { b: 1 } }
  const newerTerm: Version = { term: 2, hlc: { wall: 1, logical: 0 }, writer: 'a', vv: { a: 1 } }
  t.ok(wins(newerTerm, older), 'a concurrent version of a higher term wins whatever its clock')
  const slot = applyAll([{ version: older, id: 'o' }, { version: newerTerm, id: 'n' }])!
  t.equal(slot.current.id, 'n')
  t.same(slot.conflicts.map(c => c.id), ['o'], 'the concurrent loser is kept')
})

t.test('hybrid logical clock never goes backwards', async t => {
  fc.assert(fc.property(fc.array(fc.record({ now: fc.nat(1000), remote: fc.option(fc.record({ wall: fc.nat(1000), logical: fc.nat(5) })) }), { maxLength: 50 }), steps => {
    let last = ZERO_HLC
    for (const step of steps) {
      const next = step.remote === null ? tickHlc(last, step.now) : observeHlc(last, step.remote, step.now)
      if (compareHlc(next, last) <= 0) return false
      if (step.remote !== null && compareHlc(next, step.remote) <= 0) return false
      last = next
    }
    return true
  }), { numRuns: 1000 })
  t.pass()
})
