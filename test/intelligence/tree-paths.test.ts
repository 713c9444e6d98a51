import t from 'tap'
import { directoriesAbove, isUnder } from '../../src/intelligence/tree-paths.js'

t.test('the directories above a path, nearest first, up to a directory or the root', async t => {
  t.same(directoriesAbove('a/b/c.py'), ['a/b', 'a', ''])
  t.same(directoriesAbove('a/b/c.py', 'a'), ['a/b', 'a'], 'stops at upTo, which is included')
  t.same(directoriesAbove('a/b/c.py', 'a/b'), ['a/b'])
  t.same(directoriesAbove('c.py'), [''])
  t.same(directoriesAbove('ab/c.py', 'a'), ['ab', ''], 'an upTo that is not on the way: up to the root')
  t.same(directoriesAbove(''), [], 'the root has none')
  for (const path of ['a/b/c.py', 'x/y', 'q']) {
    for (const directory of directoriesAbove(path)) t.ok(isUnder(path, directory), `${path} is under ${directory || '(root)'}`)
  }
})
