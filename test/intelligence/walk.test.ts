import t from 'tap'
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { walkTree, walkTextFiles, looksBinary, DEFAULT_EXCLUDED_DIRECTORIES } from '../../src/intelligence/walk.js'

const paths = (files: ReadonlyArray<{ path: string }>): string[] => files.map((file) => file.path)

t.test('the walk honours .gitignore files at every level, with negation and directory rules', async t => {
  const root = t.testdir({
    '.gitignore': '*.log\nbuild/\n/secret.txt\n',
    'app.py': 'print(1)\n',
    'debug.log': 'x\n',
    'secret.txt': 'root only\n',
    build: { 'out.js': 'x\n' },
    src: {
      '.gitignore': 'generated/\n!keep.log\n*.tmp\n',
      'main.py': 'x = 1\n',
      'keep.log': 'kept by negation\n',
      'scratch.tmp': 'x\n',
      'secret.txt': 'not at the root: the root rule is anchored\n',
      generated: { 'gen.py': 'x\n' },
      nested: { 'deep.py': 'x\n', 'deep.log': 'x\n' }
    }
  })
  const walk = await walkTree({ root })
  t.same(paths(walk.files), ['.gitignore', 'app.py', 'src/.gitignore', 'src/keep.log', 'src/main.py', 'src/nested/deep.py', 'src/secret.txt'])
  t.equal(walk.targetPath, '')
  t.ok(walk.targetIsDirectory)
})

t.test('default excludes skip dependency and build directories; vendor is walked', async t => {
  const tree: Record<string, unknown> = { 'main.go': 'package main\n', vendor: { 'lib.go': 'package lib\n' } }
  for (const name of DEFAULT_EXCLUDED_DIRECTORIES) tree[name] = { 'inside.js': 'x\n' }
  const root = t.testdir(tree as Parameters<typeof t.testdir>[0])
  const walk = await walkTree({ root })
  t.same(paths(walk.files), ['main.go', 'vendor/lib.go'])
  for (const name of ['.git', 'node_modules', 'dist', 'build', 'out', 'target', '__pycache__', '.venv', 'venv', '.tox', '.mypy_cache', 'coverage', '.next']) {
    t.ok(DEFAULT_EXCLUDED_DIRECTORIES.includes(name), `${name} is excluded by default`)
  }
  t.notOk(DEFAULT_EXCLUDED_DIRECTORIES.includes('vendor'))
})

t.test('binary files (a NUL in the first 8 KiB) and large files are skipped with their reason', async t => {
  const root = t.testdir({ 'text.txt': 'hello\n', 'big.py': 'x = 1\n'.repeat(400) })
  writeFileSync(join(root, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]))
  // A NUL after the first 8 KiB does not make a file binary, as in git.
  writeFileSync(join(root, 'late-nul.txt'), Buffer.concat([Buffer.alloc(9000, 0x61), Buffer.from([0])]))
  const walk = await walkTextFiles({ root, maxFileBytes: 1000 })
  t.same(paths(walk.files), ['text.txt'])
  t.same(walk.skipped, [
    { path: 'big.py', reason: 'too-large' },
    { path: 'image.png', reason: 'binary' },
    { path: 'late-nul.txt', reason: 'too-large' }
  ])
  const roomy = await walkTextFiles({ root })
  t.same(paths(roomy.files), ['big.py', 'late-nul.txt', 'text.txt'])
  t.same(roomy.skipped, [{ path: 'image.png', reason: 'binary' }])
  t.equal(roomy.files.find((file) => file.path === 'text.txt')?.content.toString(), 'hello\n')
  t.ok(looksBinary(Buffer.from('a\u0000b')))
  t.notOk(looksBinary(Buffer.from('plain text')))
})

t.test('symlinks: out of the root skipped, inside followed once, loops end', async t => {
  const outside = t.testdir({ 'elsewhere.py': 'x\n', dir: { 'far.py': 'x\n' } })
  const root = join(outside, 'root')
  mkdirSync(join(root, 'lib'), { recursive: true })
  mkdirSync(join(root, 'app'), { recursive: true })
  writeFileSync(join(root, 'lib', 'util.py'), 'x\n')
  writeFileSync(join(root, 'app', 'main.py'), 'x\n')
  symlinkSync(join(outside, 'elsewhere.py'), join(root, 'escape.py'))
  symlinkSync(join(outside, 'dir'), join(root, 'escape-dir'))
  symlinkSync(join(root, 'lib'), join(root, 'app', 'lib-link'))
  symlinkSync(root, join(root, 'lib', 'loop'))
  symlinkSync(join(root, 'lib', 'util.py'), join(root, 'alias.py'))
  const walk = await walkTree({ root })
  t.same(paths(walk.files), ['alias.py', 'app/main.py', 'lib/util.py'])
  // A link back to the root (or to any folder above what is walked) is a loop: reported, not followed.
  t.same(walk.skipped, [{ path: 'escape-dir', reason: 'symlink-outside-root' }, { path: 'escape.py', reason: 'symlink-outside-root' }, { path: 'lib/loop', reason: 'symlink-loop' }])

  // Restricted to app/, the link into lib/ is the way there: followed, once.
  const app = await walkTree({ root, target: join(root, 'app') })
  t.same(paths(app.files), ['app/lib-link/util.py', 'app/main.py'])
  t.same(app.skipped, [{ path: 'app/lib-link/loop', reason: 'symlink-loop' }])
})

t.test('a target restricts the walk while the root .gitignore still applies; paths stay relative to the root', async t => {
  const root = t.testdir({
    '.gitignore': '*.gen.ts\nignored/\n',
    pkg: { 'a.ts': 'x\n', 'b.gen.ts': 'x\n', sub: { 'c.ts': 'x\n' } },
    ignored: { 'd.ts': 'x\n' },
    'top.ts': 'x\n'
  })
  const walk = await walkTree({ root, target: 'pkg' })
  t.same(paths(walk.files), ['pkg/a.ts', 'pkg/sub/c.ts'])
  t.equal(walk.targetPath, 'pkg')
  const file = await walkTree({ root, target: join(root, 'pkg', 'a.ts') })
  t.same(paths(file.files), ['pkg/a.ts'])
  t.notOk(file.targetIsDirectory)
  t.same(paths((await walkTree({ root, target: 'pkg/b.gen.ts' })).files), [], 'an ignored target yields nothing')
  const ignoredTarget = await walkTree({ root, target: 'ignored' })
  t.same(paths(ignoredTarget.files), [], 'a target inside an ignored directory yields nothing')
  t.same(ignoredTarget.skipped, [{ path: 'ignored', reason: 'ignored' }], 'and says why')
  t.same((await walkTree({ root, target: 'pkg/b.gen.ts' })).skipped, [{ path: 'pkg/b.gen.ts', reason: 'ignored' }])
  await t.rejects(walkTree({ root, target: '/etc' }), { code: 'BAD_INPUT' })
  await t.rejects(walkTree({ root: join(root, 'missing') }), { code: 'BAD_INPUT' })
})

t.test('unreadable files and directories are skipped as unreadable', { skip: process.getuid?.() === 0 ? 'root reads everything' : false }, async t => {
  const root = t.testdir({ 'ok.py': 'x\n', 'locked.py': 'x\n', closed: { 'inner.py': 'x\n' } })
  chmodSync(join(root, 'locked.py'), 0o000)
  chmodSync(join(root, 'closed'), 0o000)
  t.teardown(() => { chmodSync(join(root, 'closed'), 0o755) })
  const walk = await walkTextFiles({ root })
  t.same(paths(walk.files), ['ok.py'])
  t.same(walk.skipped, [{ path: 'closed', reason: 'unreadable' }, { path: 'locked.py', reason: 'unreadable' }])
})

t.test('a file name that is not UTF-8 is skipped as bad-name (no address can name it), the rest is walked', async t => {
  const root = t.testdir({ 'ok.py': 'x\n' })
  // caf\xe9.py: Latin-1, not UTF-8. The name is made from bytes, as a file system holds it.
  writeFileSync(Buffer.concat([Buffer.from(join(root, 'caf')), Buffer.from([0xe9]), Buffer.from('.py')]), 'y\n')
  const walk = await walkTree({ root })
  t.same(paths(walk.files), ['ok.py'])
  t.same(walk.skipped, [{ path: 'caf\uFFFD.py', reason: 'bad-name' }])
})

t.test('a symlink loop and a broken symlink are skipped with their own reasons', async t => {
  const root = t.testdir({ 'ok.py': 'x\n' })
  symlinkSync(join(root, 'b'), join(root, 'a'))
  symlinkSync(join(root, 'a'), join(root, 'b'))
  symlinkSync(join(root, 'gone.py'), join(root, 'dangling.py'))
  const walk = await walkTree({ root })
  t.same(paths(walk.files), ['ok.py'])
  t.same([...walk.skipped].sort((x, y) => x.path < y.path ? -1 : 1), [
    { path: 'a', reason: 'symlink-loop' }, { path: 'b', reason: 'symlink-loop' }, { path: 'dangling.py', reason: 'broken-symlink' }
  ])
})
