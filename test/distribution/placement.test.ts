import t from 'tap'
import fc from 'fast-check'
import { Placement } from '../../src/distribution/placement.js'

const ids = (n: number, prefix = 'm'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`)
const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => `ucxl://p/src/f${i}.go`)

t.test('holders are distinct members, as many as the factor, the same for any order of the member list', async t => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 6 }), fc.string(), fc.nat(), (n, factor, key, seed) => {
    const members = ids(n).map(id => ({ id }))
    const shuffled = [...members].sort((a, b) => ((a.id.charCodeAt(1) * 31 + seed) % 7) - ((b.id.charCodeAt(1) * 31 + seed) % 7))
    const one = new Placement(members).holders(key, factor)
    const other = new Placement(shuffled).holders(key, factor)
    return one.length === Math.min(n, factor) && new Set(one).size === one.length && JSON.stringify(one) === JSON.stringify(other)
  }), { numRuns: 300 })
  t.pass()
})

t.test('a member that joins takes about factor/N of the slots, and every key that moves moves to it', async t => {
  const factor = 3
  const all = keys(20_000)
  for (const n of [5, 20, 100]) {
    const before = new Placement(ids(n).map(id => ({ id })))
    const after = new Placement([...ids(n), 'joiner'].map(id => ({ id })))
    let moved = 0
    let strays = 0
    for (const key of all) {
      const a = before.holders(key, factor)
      const b = after.holders(key, factor)
      const lost = a.filter(id => !b.includes(id))
      if (lost.length === 0) continue
      moved++
      // Only the joiner comes in, and it pushes out exactly one old holder.
      if (lost.length !== 1 || !b.includes('joiner') || b.filter(id => !a.includes(id)).length !== 1) strays++
    }
    const expected = all.length * factor / (n + 1)
    t.equal(strays, 0, `n=${n}: no key moves except to the joiner`)
    t.ok(moved > expected * 0.85 && moved < expected * 1.15, `n=${n}: ${moved} keys moved, about ${Math.round(expected)} expected (factor/(N+1))`)
  }
})

t.test('a member that leaves hands on only its own keys, each to one other member', async t => {
  const all = keys(10_000)
  const members = ids(12)
  const before = new Placement(members.map(id => ({ id })))
  const after = new Placement(members.filter(id => id !== 'm7').map(id => ({ id })))
  const wrong: string[] = []
  for (const key of all) {
    const a = before.holders(key, 3)
    const b = after.holders(key, 3)
    const replaced = b.filter(id => !a.includes(id)).length
    if (a.includes('m7') ? replaced !== 1 : JSON.stringify(a) !== JSON.stringify(b)) wrong.push(`${key}: ${a.join(',')} -> ${b.join(',')}`)
  }
  t.same(wrong, [], 'keys m7 did not hold are untouched; each of its keys gets one new holder')
})

t.test('shares follow the declared weights', async t => {
  const placement = new Placement([{ id: 'small', weight: 1 }, { id: 'big', weight: 3 }, { id: 'mid', weight: 2 }])
  const count = new Map<string, number>()
  for (const key of keys(30_000)) {
    const [first] = placement.holders(key, 1)
    count.set(first!, (count.get(first!) ?? 0) + 1)
  }
  for (const [id, weight] of [['small', 1], ['mid', 2], ['big', 3]] as const) {
    const share = count.get(id)! / 30_000
    t.ok(Math.abs(share - weight / 6) < 0.02, `${id}: share ${share.toFixed(3)}, weight share ${(weight / 6).toFixed(3)}`)
  }
})

t.test('bad members and factors are refused with their reason', async t => {
  t.throws(() => new Placement([{ id: 'a' }, { id: 'a' }]), /listed twice/)
  t.throws(() => new Placement([{ id: 'a', weight: 0 }]), /weight must be a positive number/)
  t.throws(() => new Placement([{ id: '' }]), /needs an id/)
  t.throws(() => new Placement([{ id: 'a' }]).holders('k', 0), /replication factor must be a positive integer/)
  t.same(new Placement([]).holders('k', 3), [])
})
