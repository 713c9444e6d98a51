import t from 'tap'
import { utimesSync, writeFileSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { AnalysisCache, ANALYZER_VERSION, analysisKey, contentHash, RACY_COARSE_WINDOW_MS, RACY_FINE_WINDOW_MS, type FileStat } from '../../src/intelligence/cache.js'
import { analyzeTree } from '../../src/intelligence/engine.js'
import { AnalysisPool } from '../../src/intelligence/pool.js'
import { INLINE_FILES } from '../../src/intelligence/analysis-run.js'
import type { FileAnalysis } from '../../src/intelligence/types.js'

const analysis = (bytes: number): FileAnalysis => ({ language: 'python', bytes, lines: 1, symbols: [], imports: [], findings: [] })

const OLD = 1_000_000
const stat = (size: number, mtimeMs = OLD, more: Partial<FileStat> = {}): FileStat => ({ size, mtimeMs, ctimeMs: mtimeMs, ino: 7, ...more })
const LATER = OLD + 10_000

t.test('the cache: stat memo, content-hash entries, versioned keys, JSON round trip, bounds', async t => {
  const cache = new AnalysisCache({ maxEntries: 3 })
  const hash = contentHash(Buffer.from('x = 1\n'))
  t.match(hash, /^[0-9a-f]{64}$/)
  t.equal(hash, contentHash(Buffer.from('x = 1\n')))
  cache.rememberStat('/r/a.py', stat(6), hash, 'python', LATER)
  t.same(cache.lookupStat('/r/a.py', stat(6)), { hash, language: 'python' })
  t.equal(cache.lookupStat('/r/a.py', stat(6, OLD + 1)), undefined, 'another mtime is another file')
  t.equal(cache.lookupStat('/r/a.py', stat(7)), undefined, 'another size is another file')
  t.equal(cache.lookupStat('/r/a.py', stat(6, OLD, { ino: 8 })), undefined, 'another inode is another file')
  t.equal(cache.lookupStat('/r/a.py', stat(6, OLD, { ctimeMs: OLD + 5 })), undefined, 'another ctime (mtime set back) is another file')
  cache.set('python', hash, analysis(6))
  t.same(cache.get('python', hash), analysis(6))
  t.equal(cache.get('c', hash), undefined, 'the language is part of the key')
  t.equal(analysisKey('python', hash), `${ANALYZER_VERSION}:python:${hash}`, 'the analyzer version is part of the key')

  const restored = AnalysisCache.fromJSON(JSON.parse(JSON.stringify(cache.toJSON())))
  t.same(restored.lookupStat('/r/a.py', stat(6)), { hash, language: 'python' })
  t.same(restored.get('python', hash), analysis(6))
  const otherVersion = { ...cache.toJSON(), analyzer: ANALYZER_VERSION + 1 }
  t.equal(AnalysisCache.fromJSON(otherVersion).size, 0, 'a cache written by another analyzer version is not used')
  t.throws(() => AnalysisCache.fromJSON({ nonsense: true }), { code: 'CORRUPT' })
  t.throws(() => AnalysisCache.fromJSON({ ...cache.toJSON(), format: 1 }), { code: 'CORRUPT' }, 'nor one of another format')

  for (let i = 0; i < 5; i++) cache.set('python', contentHash(Buffer.from(String(i))), analysis(i))
  t.equal(cache.size, 3, 'bounded')
  cache.rememberStat('/r/b.py', stat(1), contentHash(Buffer.from('4')), 'python', LATER)
  cache.retainOnly(new Set(['/r/b.py']), '/r/')
  t.equal(cache.lookupStat('/r/a.py', stat(6)), undefined, 'a file no longer seen is dropped')
  t.equal(cache.size, 1, 'only analyses still in use are kept')
})

t.test('racily clean: stat data as recent as the check that recorded them prove nothing, so the file is read', async t => {
  const cache = new AnalysisCache()
  const hash = contentHash(Buffer.from('x = 1\n'))
  const fine = OLD + 123
  cache.rememberStat('/r/a.py', stat(6, fine), hash, 'python', fine + RACY_FINE_WINDOW_MS)
  t.equal(cache.lookupStat('/r/a.py', stat(6, fine)), undefined, 'stamped within the window of the check: read again')
  cache.rememberStat('/r/a.py', stat(6, fine), hash, 'python', fine + RACY_FINE_WINDOW_MS + 1)
  t.same(cache.lookupStat('/r/a.py', stat(6, fine)), { hash, language: 'python' }, 'older than the window: trusted')
  t.ok(cache.changed, 'a check that now proves what the last could not is saved')
  // Whole seconds: a file system that keeps no finer stamps (a later write in the same second keeps it).
  cache.rememberStat('/r/b.py', stat(6, OLD), hash, 'python', OLD + 1_500)
  t.equal(cache.lookupStat('/r/b.py', stat(6, OLD)), undefined, 'within the coarse window of a whole-second stamp')
  cache.rememberStat('/r/b.py', stat(6, OLD), hash, 'python', OLD + RACY_COARSE_WINDOW_MS + 1)
  t.ok(cache.lookupStat('/r/b.py', stat(6, OLD)) !== undefined)
  const saved = AnalysisCache.fromJSON(JSON.parse(JSON.stringify(cache.toJSON())))
  saved.rememberStat('/r/a.py', stat(6, fine), hash, 'python', fine + 50_000)
  t.notOk(saved.changed, 'read again with the same data, already proven: nothing to save')
})

t.test('a second run over an unchanged tree analyses nothing again; a changed file is analysed again', async t => {
  const root = t.testdir({
    'README.md': '# Tool\n\nA tool that does things.\n',
    'app.py': '"""The app."""\ndef main():\n    pass\n',
    'lib.ts': 'export function util (): number { return 1 }\n',
    pkg: { 'mod.go': 'package pkg\n\nfunc Run() {}\n', 'same.go': 'package pkg\n\nfunc Run() {}\n' }
  })
  const pool = new AnalysisPool({ workers: 2 })
  t.teardown(() => pool.close())
  const cache = new AnalysisCache()
  const first = await analyzeTree({ root, project: 'tool', cache, pool })
  t.equal(first.files, 5)
  t.equal(first.cached, 1, 'two files with the same bytes are analysed once')

  const second = await analyzeTree({ root, project: 'tool', cache, pool })
  t.equal(second.files, 5)
  t.equal(second.cached, second.files, 'every file came from the cache')
  t.same(second.records, first.records, 'the same records')

  // Persisted and loaded again (as the caller does), the cache still knows every file.
  const reloaded = AnalysisCache.fromJSON(JSON.parse(JSON.stringify(cache.toJSON())))
  const third = await analyzeTree({ root, project: 'tool', cache: reloaded, pool })
  t.equal(third.cached, third.files)

  writeFileSync(join(root, 'app.py'), '"""The app, changed."""\ndef main():\n    pass\n\ndef extra():\n    pass\n')
  const changed = await analyzeTree({ root, project: 'tool', cache, pool })
  t.equal(changed.cached, changed.files - 1, 'only the changed file is analysed')
  const app = changed.records.find((record) => record.address === 'ucxl://tool/app.py')
  t.equal(app?.summary, 'The app, changed.')
  t.same(app?.symbols?.map((symbol) => symbol.name), ['main', 'extra'])

  // Touched but not changed: the content hash finds it, no analysis.
  utimesSync(join(root, 'lib.ts'), new Date(), new Date(Date.now() + 5000))
  const touched = await analyzeTree({ root, project: 'tool', cache, pool })
  t.equal(touched.cached, touched.files)

  const before = cache.size
  unlinkSync(join(root, 'README.md'))
  await analyzeTree({ root, project: 'tool', cache, pool })
  t.ok(cache.size < before, 'a deleted file leaves the cache after a run over the whole root')
})

t.test('the cache knows when it changed, so an unchanged one is not sealed and written again', async t => {
  const hash = contentHash(Buffer.from('x = 1\n'))
  const cache = new AnalysisCache()
  t.notOk(cache.changed, 'a new cache has nothing to save')
  cache.rememberStat('/r/a.py', stat(6), hash, 'python', LATER)
  cache.set('python', hash, analysis(6))
  t.ok(cache.changed, 'entries were added')
  const loaded = AnalysisCache.fromJSON(JSON.parse(JSON.stringify(cache.toJSON())))
  t.notOk(loaded.changed, 'a cache loaded from its snapshot has nothing new')
  t.ok(loaded.get('python', hash) !== undefined && loaded.lookupStat('/r/a.py', stat(6)) !== undefined)
  loaded.rememberStat('/r/a.py', stat(6), hash, 'python', LATER)
  t.notOk(loaded.changed, 'the same stat again is no change')
  loaded.retainOnly(new Set(['/r/a.py']), '/r/')
  t.notOk(loaded.changed, 'keeping everything is no change')
  loaded.rememberStat('/r/a.py', stat(6, OLD + 1000), hash, 'python', LATER)
  t.ok(loaded.changed, 'a new mtime is a change')
  const other = AnalysisCache.fromJSON(JSON.parse(JSON.stringify(cache.toJSON())))
  other.retainOnly(new Set(), '/r/')
  t.ok(other.changed, 'dropping a file is a change')
})

t.test('a run with nothing changed on the same cache gives the last run\'s records without building them; any change builds them', async t => {
  const root = t.testdir({
    'app.py': '"""The app."""\nimport pkg.mod\ndef main():\n    pass\n',
    pkg: { '__init__.py': '', 'mod.py': 'def run():\n    pass\n' },
    'go.mod': 'module example.com/tool\n\ngo 1.22\n'
  })
  const pool = new AnalysisPool({ workers: 1 })
  t.teardown(() => pool.close())
  const cache = new AnalysisCache()
  const first = await analyzeTree({ root, project: 'tool', cache, pool })
  const second = await analyzeTree({ root, project: 'tool', cache, pool })
  t.ok(second.records.every((record, i) => record === first.records[i]), 'the same record objects: not built again')
  t.not(second.records, first.records, 'a list of its own')
  const rebuilt = (result: typeof first): boolean => result.records.every((record, i) => record !== first.records[i])

  const fresh = await analyzeTree({ root, project: 'tool', cache: AnalysisCache.fromJSON(JSON.parse(JSON.stringify(cache.toJSON()))), pool })
  t.ok(rebuilt(fresh), 'a cache loaded from disk has no records: they are built')
  t.same(fresh.records, first.records, 'and come out the same')
  t.ok(rebuilt(await analyzeTree({ root, project: 'other', cache, pool })), 'another project name')
  const narrower = await analyzeTree({ root, target: join(root, 'pkg'), project: 'tool', cache, pool })
  t.not(narrower.records.length, first.records.length, 'another target')

  // A file that is not analysed still counts: it is one of the tree's paths.
  writeFileSync(join(root, 'notes.bin'), Buffer.from([0, 1, 2, 3]))
  const withBinary = await analyzeTree({ root, project: 'tool', cache, pool })
  t.equal(withBinary.skipped.length, 1)
  const again = await analyzeTree({ root, project: 'tool', cache, pool })
  t.ok(again.records.every((record, i) => record === withBinary.records[i]), 'unchanged again: reused')
  writeFileSync(join(root, 'go.mod'), 'module example.com/renamed\n\ngo 1.22\n')
  const manifest = await analyzeTree({ root, project: 'tool', cache, pool })
  const builtAgain = (result: typeof first, before: typeof first): string[] => result.records.filter((record, i) => record !== before.records[i]).map(record => record.address)
  t.same(builtAgain(manifest, again), ['ucxl://tool/', 'ucxl://tool/go.mod'], 'a changed manifest at the root: its own record and those it is under')
  t.equal(manifest.recordsBuilt, 2)
  writeFileSync(join(root, 'pkg', 'mod.py'), 'def run():\n    pass\n\ndef stop():\n    pass\n')
  const changed = await analyzeTree({ root, project: 'tool', cache, pool })
  t.same(changed.records.find(r => r.address === 'ucxl://tool/pkg/mod.py')?.symbols?.map(s => s.name), ['run', 'stop'], 'a changed file')
  t.same(builtAgain(changed, manifest), ['ucxl://tool/', 'ucxl://tool/pkg', 'ucxl://tool/pkg/mod.py'], 'only the file, its folders and the project')
  t.equal(changed.recordsBuilt, 3)
  const fromNothing = await analyzeTree({ root, project: 'tool', pool })
  t.equal(JSON.stringify(changed.records), JSON.stringify(fromNothing.records), 'the same records as a run with no cache')
})

t.test('a run on a cache read from a home (its analyses left on disk) with nothing changed starts no worker', async t => {
  const root = t.testdir({ 'app.py': 'def main():\n    pass\n', pkg: { 'mod.py': 'def run():\n    pass\n' } })
  const first = new AnalysisPool({ workers: 1 })
  t.teardown(() => first.close())
  const cache = new AnalysisCache()
  // Checked well after the files were written, so their stat data prove them unchanged (not racily clean).
  await analyzeTree({ root, project: 'tool', cache, pool: first, wallClockMs: () => Date.now() + 10_000 })
  // As a home keeps it: the stat lines, and the analyses apart, loaded only when a record needs one.
  const snapshot = new Map(cache.toJSON().analyses)
  const stored = { has: (key: string) => snapshot.has(key), load: (key: string) => snapshot.get(key) }
  const reread = AnalysisCache.fromStatLines(cache.statLines(), { stored })
  t.equal(reread.size, 0, 'no analysis in memory')
  t.ok(reread.knowsFiles, 'but it knows the files')
  const pool = new AnalysisPool({ workers: 1 })
  t.teardown(() => pool.close())
  const again = await analyzeTree({ root, project: 'tool', cache: reread, pool })
  t.equal(again.read, 0, 'nothing read')
  t.equal(pool.running, 0, 'and no worker started')
  t.notOk(new AnalysisCache().knowsFiles, 'an empty cache knows none')

  // One file changed: it is analysed on this thread, still with no worker.
  writeFileSync(join(root, 'pkg', 'mod.py'), 'def run():\n    pass\n\ndef stop():\n    pass\n')
  const changed = await analyzeTree({ root, project: 'tool', cache: reread, pool })
  t.equal(changed.read, 1, 'the changed file is read')
  t.same(changed.records.find(r => r.address === 'ucxl://tool/pkg/mod.py')?.symbols?.map(s => s.name), ['run', 'stop'], 'and analysed')
  t.equal(pool.running, 0, 'on this thread: no worker started for it')
  const fromWorkers = await analyzeTree({ root, project: 'tool', pool: first })
  t.equal(JSON.stringify(changed.records), JSON.stringify(fromWorkers.records), 'the same records as the workers give')

  // More than INLINE_FILES new files: the workers take them.
  for (let i = 0; i <= INLINE_FILES; i++) writeFileSync(join(root, `new${i}.py`), `def f${i}():\n    return ${i}\n`)
  const many = await analyzeTree({ root, project: 'tool', cache: reread, pool })
  t.ok(many.read >= INLINE_FILES + 1, `${many.read} files read (mod.py again too when its change was racily clean)`)
  t.ok(pool.running > 0, 'a worker started for them')

  // A cache that knows nothing, and a target that is one file: analysed here, no worker started up front for it. A
  // folder's run on such a cache starts them while it walks.
  const fresh = new AnalysisPool({ workers: 1 })
  t.teardown(() => fresh.close())
  const one = await analyzeTree({ root, target: join(root, 'pkg', 'mod.py'), project: 'tool', cache: new AnalysisCache(), pool: fresh })
  t.same(one.records.find(r => r.address === 'ucxl://tool/pkg/mod.py')?.symbols?.map(s => s.name), ['run', 'stop'], 'the file is analysed')
  t.equal(fresh.running, 0, 'on this thread: no worker started for one file')
  await analyzeTree({ root, target: join(root, 'pkg'), project: 'tool', cache: new AnalysisCache(), pool: fresh })
  t.ok(fresh.running > 0, 'a folder on an empty cache starts the workers')
})
