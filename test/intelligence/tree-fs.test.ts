// A tree held in memory (a request's files on the leader) gives the records the same files give on disk.
import t from 'tap'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { analyzeTree } from '../../src/intelligence/engine.js'
import { AnalysisPool } from '../../src/intelligence/pool.js'
import { MemoryFs } from '../../src/intelligence/tree-fs.js'
import { PACKAGE_ROOT } from '../../src/paths.js'

const FIXTURE = join(PACKAGE_ROOT, 'fixtures', 'repos', 'mixed')
// The files the fixture's .gitignore leaves out are not committed: made here, so that the walk in memory must leave
// them out too (records.test.ts makes the same).
mkdirSync(join(FIXTURE, 'build'), { recursive: true })
for (const [path, text] of [['build/bundle.js', '// generated bundle\nfunction bundled () { return 1 }\n'], ['debug.log', 'started\n'], ['.env.local', 'DATABASE_PASSWORD=local-only-ignored\n']] as const) {
  if (!existsSync(join(FIXTURE, path))) writeFileSync(join(FIXTURE, path), text)
}

/** Every file under the fixture, ignored and binary ones too, by its path relative to it. */
function filesOf (root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>()
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const absolute = join(entry.parentPath, entry.name)
    files.set(relative(root, absolute).split('\\').join('/'), readFileSync(absolute))
  }
  return files
}

const pool = new AnalysisPool({ workers: 1 })
t.teardown(() => pool.close())

t.test('the records of a tree in memory are those of the same files on disk', async t => {
  const files = filesOf(FIXTURE)
  t.ok(files.has('debug.log') && files.has('build/bundle.js') && files.has('assets/logo.png'), 'ignored and binary files are among those in memory')
  const root = '/nowhere/request-tree'
  const fs = new MemoryFs(root, files)
  // The root, a folder below it (its ancestors' manifests and README count), and a single file.
  for (const target of ['', 'src/server', 'src/web/api.ts']) {
    const onDisk = await analyzeTree({ root: FIXTURE, target: join(FIXTURE, target), project: 'mixed', pool })
    const inMemory = await analyzeTree({ root, target: join(root, target), project: 'mixed', pool, fs })
    t.ok(onDisk.records.length > 1, `${target || 'the root'}: records on disk`)
    t.same(inMemory.records, onDisk.records, `${target || 'the root'}: the same records`)
    t.same(inMemory.skipped, onDisk.skipped, `${target || 'the root'}: the same files skipped`)
    t.equal(inMemory.files, onDisk.files, `${target || 'the root'}: the same files analysed`)
  }
  const ignored = await analyzeTree({ root, target: join(root, 'build'), project: 'mixed', pool, fs })
  t.same(ignored.skipped, [{ path: 'build', reason: 'ignored' }], 'a target the .gitignore leaves out holds nothing, in memory too')
  await t.rejects(analyzeTree({ root, target: join(root, 'missing.py'), project: 'mixed', pool, fs }), { code: 'BAD_INPUT', message: /missing\.py/ }, 'a target the tree does not hold is bad input')
})

t.test('a MemoryFs answers for its files and the folders they imply, and for nothing outside its root', async t => {
  const fs = new MemoryFs('/r', new Map([['a/b/c.py', Buffer.from('x = 1\n')], ['a/d.py', Buffer.from('y\n')], ['e.md', Buffer.from('# e\n')]]))
  t.equal(fs.onDisk, false)
  t.ok(fs.stat('/r').isDirectory() && fs.stat('/r/a/b').isDirectory(), 'the root and implied folders are folders')
  t.equal(fs.stat('/r/a/b/c.py').size, 6, 'a file has its size')
  t.same(fs.readdir('/r').map(e => [e.name, e.isDirectory()]), [['a', true], ['e.md', false]], 'a folder lists its files and folders, by name')
  t.same(fs.readdir('/r/a').map(e => e.name), ['b', 'd.py'])
  t.equal(fs.readFile('/r/a/d.py').toString(), 'y\n')
  t.equal(fs.realpath('/r/a/../e.md'), '/r/e.md', 'paths are resolved')
  t.equal(fs.statIfExists('/r/nope'), undefined)
  t.equal(fs.statIfExists('/etc/passwd'), undefined, 'nothing outside the root exists')
  t.throws(() => fs.stat('/r/nope'), { code: 'ENOENT' })
  t.throws(() => fs.readFile('/r/a'), { code: 'EISDIR' }, 'a folder is not read as a file')
  t.throws(() => fs.readdir('/r/e.md'), { code: 'ENOENT' }, 'a file is not listed as a folder')
  t.throws(() => fs.readFile('/r/../etc/passwd'), { code: 'ENOENT' })
})
