import t from 'tap'
import { Lru } from '../src/lru.js'

t.test('an Lru keeps the most recently used entries and iterates least recent first', async t => {
  const lru = new Lru<string, number>(3)
  lru.set('a', 1).set('b', 2).set('c', 3)
  t.equal(lru.get('a'), 1, 'a hit')
  lru.set('d', 4)
  t.notOk(lru.has('b'), 'the least recently used went first')
  t.same([...lru.keys()], ['c', 'a', 'd'])
  lru.set('c', 30)
  t.same([...lru.entries()], [['a', 1], ['d', 4], ['c', 30]], 'setting again makes it the most recent')
  t.equal(lru.get('zz'), undefined)
  for (const key of lru.keys()) if (key !== 'd') lru.delete(key)
  t.same([...lru.values()], [4], 'deleting while iterating is safe')
  t.equal(lru.size, 1)
  t.throws(() => new Lru(0))
})
