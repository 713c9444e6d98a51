import t from 'tap'
import { MAX_INSTANCES, observeInstance } from '../../src/node/instances.js'

t.test('restarts are new instances; an instance back after another is a second process', async t => {
  let seen: readonly string[] = []
  for (const instance of ['a', 'a', 'b', 'c']) {
    const verdict = observeInstance(seen, instance)
    t.equal(verdict.duplicate, false, `${instance} after [${seen.join(',')}]`)
    if (!verdict.duplicate) seen = verdict.seen
  }
  t.same(seen, ['a', 'b', 'c'], 'each instance once, the latest last')
  t.same(observeInstance(seen, 'b'), { duplicate: true }, 'b came back after c')
  t.same(observeInstance(seen, 'c'), { duplicate: false, seen }, 'the latest again is the same connection\'s process')
  const many = Array.from({ length: MAX_INSTANCES + 2 }, (_, i) => `i${i}`).reduce<readonly string[]>((list, i) => {
    const verdict = observeInstance(list, i)
    return verdict.duplicate ? list : verdict.seen
  }, [])
  t.equal(many.length, MAX_INSTANCES, 'a bounded memory')
})
