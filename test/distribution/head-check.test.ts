// The comparison of members' heads with this peer's copies (src/distribution/head-check.ts): a head counts only once
// its hash matched, a mismatch is reported once and the member's heads for that writer never count again, and a head
// beyond what this peer holds waits until it has downloaded that far.
import t from 'tap'
import { HeadCheck, type HeadCheckEffect } from '../../src/distribution/head-check.js'
import { AckTracker } from '../../src/distribution/acks.js'

const W = 'a'.repeat(64)
const V = 'b'.repeat(64)
const hash = (n: number): string => n.toString(16).padStart(64, '0')

t.test('a head this peer holds is hashed once, then counts if it matches', async t => {
  const check = new HeadCheck()
  t.same(check.step({ type: 'held', writer: W, length: 5 }), [])
  t.same(check.step({ type: 'claimed', peer: 'p', writer: W, length: 5, hash: hash(5) }), [{ type: 'hash', writer: W, length: 5 }])
  t.same(check.step({ type: 'claimed', peer: 'q', writer: W, length: 5, hash: hash(5) }), [], 'one hash of a length serves every member')
  t.same(check.step({ type: 'hashed', writer: W, length: 5, hash: hash(5) }), [
    { type: 'agreed', peer: 'p', writer: W, length: 5 }, { type: 'agreed', peer: 'q', writer: W, length: 5 }
  ])
  t.same(check.step({ type: 'claimed', peer: 'p', writer: W, length: 5, hash: hash(5) }), [], 'the same head again (every tick) is not compared again')
  t.same(check.step({ type: 'claimed', peer: 'r', writer: W, length: 5, hash: hash(5) }), [{ type: 'agreed', peer: 'r', writer: W, length: 5 }], 'a kept hash is compared at once')
})

t.test('a head that does not match is reported once, and that member counts no more for that writer', async t => {
  const check = new HeadCheck()
  check.step({ type: 'held', writer: W, length: 3 })
  check.step({ type: 'hashed', writer: W, length: 3, hash: hash(3) })
  t.same(check.step({ type: 'claimed', peer: 'liar', writer: W, length: 3, hash: hash(99) }), [
    { type: 'mismatch', peer: 'liar', writer: W, length: 3, announced: hash(99), held: hash(3) }
  ])
  t.ok(check.isMismatched('liar', W))
  t.same(check.step({ type: 'claimed', peer: 'liar', writer: W, length: 3, hash: hash(3) }), [], 'a right hash afterwards does not count')
  check.step({ type: 'held', writer: W, length: 4 })
  t.same(check.step({ type: 'claimed', peer: 'liar', writer: W, length: 4, hash: hash(4) }), [], 'nor a later head of that writer')
  check.step({ type: 'held', writer: V, length: 1 })
  t.same(check.step({ type: 'claimed', peer: 'liar', writer: V, length: 1, hash: hash(1) }), [{ type: 'hash', writer: V, length: 1 }], 'its heads of another writer are still checked')
})

t.test('a head beyond what this peer holds waits until it holds that length', async t => {
  const check = new HeadCheck()
  check.step({ type: 'held', writer: W, length: 2 })
  t.same(check.step({ type: 'claimed', peer: 'p', writer: W, length: 6, hash: hash(6) }), [], 'not comparable yet, and not counted')
  t.same(check.step({ type: 'held', writer: W, length: 4 }), [], 'still short of it')
  t.same(check.step({ type: 'held', writer: W, length: 7 }), [{ type: 'hash', writer: W, length: 6 }], 'downloaded past it: hashed at its length')
  t.same(check.step({ type: 'hashed', writer: W, length: 6, hash: hash(60) }), [
    { type: 'mismatch', peer: 'p', writer: W, length: 6, announced: hash(6), held: hash(60) }
  ], 'a fork found after the download')
})

t.test('heads without a hash, of an empty log, or of a member that left never count', async t => {
  const check = new HeadCheck()
  check.step({ type: 'held', writer: W, length: 5 })
  t.same(check.step({ type: 'claimed', peer: 'p', writer: W, length: 5 }), [], 'no hash: nothing to compare')
  t.same(check.step({ type: 'claimed', peer: 'p', writer: W, length: 0, hash: hash(0) }), [])
  t.same(check.step({ type: 'claimed', peer: 'q', writer: W, length: 9, hash: hash(9) }), [])
  check.step({ type: 'forget', peer: 'q' })
  t.same(check.step({ type: 'held', writer: W, length: 9 }), [], 'the departed member\'s claim was dropped')
})

t.test('only the newest claim of a member is compared', async t => {
  const check = new HeadCheck()
  check.step({ type: 'held', writer: W, length: 10 })
  const effects: HeadCheckEffect[] = []
  effects.push(...check.step({ type: 'claimed', peer: 'p', writer: W, length: 8, hash: hash(8) }))
  effects.push(...check.step({ type: 'claimed', peer: 'p', writer: W, length: 9, hash: hash(9) }))
  t.same(effects, [{ type: 'hash', writer: W, length: 8 }, { type: 'hash', writer: W, length: 9 }])
  t.same(check.step({ type: 'hashed', writer: W, length: 8, hash: hash(8) }), [], 'the older claim was replaced')
  t.same(check.step({ type: 'hashed', writer: W, length: 9, hash: hash(9) }), [{ type: 'agreed', peer: 'p', writer: W, length: 9 }])
})

t.test('acknowledgements: a distrusted member\'s hold of a writer stops counting, now and later', async t => {
  const acks = new AckTracker('self')
  acks.step({ type: 'observe', peer: 'self', writer: W, length: 4 })
  acks.step({ type: 'observe', peer: 'liar', writer: W, length: 4 })
  t.same(acks.holders(W, 4), ['liar', 'self'])
  acks.step({ type: 'distrust', peer: 'liar', writer: W })
  t.same(acks.holders(W, 4), ['self'])
  t.same(acks.step({ type: 'wait', id: 1, writer: W, length: 4, required: 2 }), [])
  t.same(acks.step({ type: 'observe', peer: 'liar', writer: W, length: 4 }), [], 'its later heads do not satisfy the wait')
  t.same(acks.step({ type: 'observe', peer: 'honest', writer: W, length: 4 }), [{ type: 'acknowledged', id: 1 }])
  acks.step({ type: 'observe', peer: 'liar', writer: V, length: 1 })
  t.same(acks.holders(V, 1), ['liar'], 'another writer\'s log still counts')
})

t.test('the term a head was claimed in comes out with its agreement (for the acknowledgement rule)', async t => {
  const check = new HeadCheck()
  check.step({ type: 'held', writer: W, length: 2 })
  check.step({ type: 'hashed', writer: W, length: 2, hash: hash(2) })
  t.same(check.step({ type: 'claimed', peer: 'p', writer: W, length: 2, hash: hash(2), term: 4 }), [{ type: 'agreed', peer: 'p', writer: W, length: 2, term: 4 }])
  t.same(check.step({ type: 'claimed', peer: 'q', writer: W, length: 3, hash: hash(3), term: 5 }), [], 'beyond what this peer holds: it waits')
  check.step({ type: 'held', writer: W, length: 3 })
  t.same(check.step({ type: 'hashed', writer: W, length: 3, hash: hash(3) }), [{ type: 'agreed', peer: 'q', writer: W, length: 3, term: 5 }], 'and keeps its term while it waits')
})
