// The reader's cache invalidation looks a cached address's folders up in the changed set (its depth) instead of testing
// every changed address against it (their number, thousands in a catch-up): the same answer, checked against the plain
// definition on random trees.
import t from 'tap'
import fc from 'fast-check'
import { underAny } from '../../src/storage/store-reader.js'

const segment = fc.constantFrom('src', 'lib', 'a.py', 'b', 'src.py', 'x', 'lib2')
const address = fc.tuple(fc.constantFrom('p', 'q'), fc.array(segment, { maxLength: 4 }), fc.boolean())
  .map(([project, parts, folder]) => `ucxl://${project}${parts.length > 0 ? '/' + parts.join('/') : ''}${folder ? '/' : ''}`)

t.test('underAny is "starts with a changed address and a slash", for any addresses', async t => {
  fc.assert(fc.property(address, fc.array(address, { maxLength: 8 }), (cached, changed) => {
    const plain = changed.some(a => cached.startsWith(a.endsWith('/') ? a : a + '/'))
    return underAny(cached, new Set(changed.map(a => a.endsWith('/') ? a : a + '/'))) === plain
  }), { numRuns: 5_000 })
  t.ok(underAny('ucxl://p/src/a.py', new Set(['ucxl://p/src/'])))
  t.notOk(underAny('ucxl://p/src.py', new Set(['ucxl://p/src/'])), 'a sibling that shares a prefix is not below it')
  t.notOk(underAny('ucxl://p/src/', new Set(['ucxl://p/src/a.py/'])))
})
