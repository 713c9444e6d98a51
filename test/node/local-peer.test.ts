// The one-peer cluster end to end on the sample repo: generate, retrieve by role, no plaintext at rest, re-runs.
import t, { type Test } from 'tap'
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { LocalPeer, findRoot } from '../../src/node/local-peer.js'
import { RACY_FINE_WINDOW_MS } from '../../src/intelligence/cache.js'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { rejectsCode } from '../helpers/errors.js'
import { scratchDir } from '../helpers/scratch.js'

const FIXTURE = join(PACKAGE_ROOT, 'fixtures', 'repos', 'mixed')

function allFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => e.isDirectory() ? allFiles(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [])
}

async function freshPeer (t: Test): Promise<LocalPeer> {
  const home = join(scratchDir('bzzz-peer-'), 'home')
  await LocalPeer.init(home, { cluster: 'test', role: 'admin' })
  const peer = await LocalPeer.open(home)
  t.teardown(() => peer.close())
  return peer
}

function copyFixture (): string {
  const dir = join(scratchDir('bzzz-repo-'), 'mixed')
  cpSync(FIXTURE, dir, { recursive: true })
  return dir
}

t.test('generate the sample repo and retrieve a file as each role', async t => {
  const peer = await freshPeer(t)
  const repo = copyFixture()
  const report = await peer.generate({ path: repo, project: 'mixed' })
  t.equal(report.root, repo, 'no git work tree: the directory itself is the root')
  t.ok(report.files >= 20, `analysed ${report.files} files`)
  t.equal(report.cached, 0)
  t.ok(report.skipped.some(s => s.reason === 'binary'), 'the binary file is skipped as binary')
  t.notOk(report.skipped.some(s => s.path.startsWith('build/')), 'ignored files are not even counted as skipped')
  t.equal(report.written, report.records)
  t.ok(report.bytes > 0)

  const address = 'ucxl://mixed/src/server/handlers/auth.py'
  const viewer = await peer.retrieve(address, 'viewer')
  const developer = await peer.retrieve(address, 'developer')
  const security = await peer.retrieve(address, 'security')
  t.equal(developer.context.language, 'python')
  t.ok(developer.context.symbols!.length > 0, 'developer sees symbols')
  t.ok(developer.context.imports!.length > 0, 'developer sees imports')
  t.equal(viewer.context.symbols, undefined, 'viewer does not')
  t.ok(viewer.context.summary, 'viewer sees what the file is')
  t.notOk(developer.context.insights?.some(i => i.role === 'security'), 'developer sees no security insight')
  t.ok(security.context.insights?.some(i => i.role === 'security'), 'security does')
  t.same(developer.resolvedFrom.at(-1), 'ucxl://mixed/', 'resolution reaches the project root')
  t.ok(developer.resolvedFrom.length >= 3)

  const root = await peer.retrieve('ucxl://mixed/', 'viewer')
  t.equal(root.kind, 'project')
  t.ok(root.context.technologies!.length > 3, `project technologies: ${root.context.technologies!.join(', ')}`)

  const status = await peer.status()
  t.equal(status.records, report.records)
  t.equal(status.leader, status.node.id)
})

t.test('a second run analyses nothing again and writes nothing; a change is picked up', async t => {
  const peer = await freshPeer(t)
  const repo = copyFixture()
  // Files stamped within RACY_FINE_WINDOW_MS of a run are read again by the next (racily clean): let the copy age.
  await new Promise(resolve => setTimeout(resolve, 2 * RACY_FINE_WINDOW_MS))
  const first = await peer.generate({ path: repo, project: 'mixed' })
  const cacheFile = join(peer.home, 'cache', 'analysis-index.bin')
  const saved = statSync(cacheFile)
  const second = await peer.generate({ path: repo, project: 'mixed' })
  t.equal(second.cached, second.files, 'every file from the cache')
  t.equal(second.written, 0, 'no record written again')
  t.equal(second.unchanged, first.records)
  const after = statSync(cacheFile)
  t.same([after.ino, after.mtimeMs], [saved.ino, saved.mtimeMs], 'the unchanged analysis cache is not sealed and written again')
  const file = join(repo, 'src', 'server', 'handlers', 'auth.py')
  writeFileSync(file, readFileSync(file, 'utf8') + '\n\ndef freshly_added_function():\n    return 1\n')
  const third = await peer.generate({ path: repo, project: 'mixed' })
  t.equal(third.files - third.cached, 1, 'only the changed file is analysed')
  t.ok(third.written >= 1)
  t.not(statSync(cacheFile).ino, saved.ino, 'the cache with the new analysis is written')
  const dev = await peer.retrieve('ucxl://mixed/src/server/handlers/auth.py', 'developer')
  t.ok(dev.context.symbols!.some(s => s.name === 'freshly_added_function'), 'the new symbol is there')
})

t.test('no plaintext at rest: a unique marker in a source file is nowhere under the home', async t => {
  const peer = await freshPeer(t)
  const repo = copyFixture()
  const marker = 'zq' + Math.random().toString(36).slice(2, 12) + 'marker'
  writeFileSync(join(repo, 'src', 'marked.py'), `"""${marker} module docstring."""\nimport ${marker}_mod\n\ndef ${marker}():\n    # ${marker}\n    password = "${marker}"\n    return "${marker}"\n`)
  await peer.generate({ path: repo, project: 'mixed' })
  const seen = await peer.retrieve('ucxl://mixed/src/marked.py', 'admin')
  t.ok(JSON.stringify(seen).includes(marker), 'the marker is in the context (so the test can fail)')
  await peer.close()
  const files = allFiles(peer.home)
  t.ok(files.some(f => f.endsWith('analysis-index.bin')) && files.some(f => /analysis-entries\.\d+\.bin$/.test(f)), 'the analysis cache was written')
  for (const file of files) t.notOk(readFileSync(file).includes(marker), `no marker in ${file.slice(peer.home.length)}`)
})

t.test('generate on one file, with --roles, and the bad inputs', async t => {
  const peer = await freshPeer(t)
  const repo = copyFixture()
  const one = await peer.generate({ path: join(repo, 'src', 'server', 'handlers', 'auth.py'), root: repo, project: 'mixed', roles: ['security'] })
  t.equal(one.files, 1)
  t.same(one.roles, ['security'])
  await rejectsCode(t, () => peer.retrieve('ucxl://mixed/src/server/handlers/auth.py', 'developer'), 'ACCESS_DENIED')
  await rejectsCode(t, () => peer.generate({ path: join(repo, 'nope') }), 'NOT_FOUND', /no such file or directory/)
  await rejectsCode(t, () => peer.generate({ path: repo, roles: ['wizard'] }), 'BAD_INPUT', /unknown role "wizard"/)
  await rejectsCode(t, () => peer.generate({ path: tmpdir(), root: repo }), 'BAD_INPUT', /not inside the root/)
  await rejectsCode(t, () => peer.generate({ path: repo, project: 'Bad Name' }), 'BAD_INPUT', /bad project name/)
  // A device or a pipe is nothing to analyse: refused, not "no files under null ... pass --root /dev/null".
  await rejectsCode(t, () => peer.generate({ path: '/dev/null' }), 'BAD_INPUT', /^\/dev\/null is a character device, not a file or a directory: nothing to analyse$/)
  const fifo = join(scratchDir('bzzz-fifo-'), 'pipe')
  execFileSync('mkfifo', [fifo])
  await rejectsCode(t, () => peer.generate({ path: fifo }), 'BAD_INPUT', /is a named pipe, not a file or a directory/)
})

t.test('unreadable, binary and huge files are skipped and counted, not fatal', async t => {
  const peer = await freshPeer(t)
  const repo = scratchDir('bzzz-odd-')
  writeFileSync(join(repo, 'ok.py'), 'def ok():\n    return 1\n')
  writeFileSync(join(repo, 'blob.bin'), Buffer.from([0, 1, 2, 3, 0, 255]))
  writeFileSync(join(repo, 'huge.py'), 'x = 1\n'.repeat(300_000))
  writeFileSync(join(repo, 'locked.py'), 'def locked(): pass\n')
  chmodSync(join(repo, 'locked.py'), 0o000)
  const report = await peer.generate({ path: repo, project: 'odd' })
  const reasons = Object.fromEntries(report.skipped.map(s => [s.path, s.reason]))
  t.equal(reasons['blob.bin'], 'binary')
  t.equal(reasons['huge.py'], 'too-large')
  // root reads any file whatever its mode; elsewhere the locked file is unreadable
  if (process.getuid?.() !== 0) t.equal(reasons['locked.py'], 'unreadable')
  t.ok(report.files >= 1)
  t.ok((await peer.retrieve('ucxl://odd/ok.py', 'developer')).context.symbols!.some(s => s.name === 'ok'))
  t.ok(statSync(repo).isDirectory())
})

t.test('the root is the git work tree holding PATH', async t => {
  const repo = copyFixture()
  const nested = join(repo, 'src', 'server')
  t.equal(findRoot(nested), nested, 'without .git: the directory itself')
  cpSync(join(repo, 'README.md'), join(repo, '.git'))
  t.equal(findRoot(nested), repo, 'with .git above: the work tree')
  t.equal(findRoot(join(nested, 'app.py')), repo)
  // A directory the work tree leaves out (its .gitignore, or an excluded name) is not held by it: it is its own tree.
  writeFileSync(join(repo, '.gitignore'), 'src/server/\n')
  t.equal(findRoot(nested), nested, 'a .gitignore\'d PATH is a tree of its own')
  t.equal(findRoot(join(nested, 'app.py')), nested, 'and so is a file inside it')
  t.equal(findRoot(join(repo, 'src')), repo, 'the directory above it is still in the work tree')
  const vendored = join(repo, 'node_modules', 'lib')
  mkdirSync(vendored, { recursive: true })
  t.equal(findRoot(vendored), vendored, 'so is a package under node_modules')
})

t.test('a generation below the root changes nothing outside it: the project record stays', async t => {
  const peer = await freshPeer(t)
  const repo = copyFixture()
  const outside = ['ucxl://mixed/', 'ucxl://mixed/src/server/app.py', 'ucxl://mixed/services/indexer/main.go', 'ucxl://mixed/src/server']
  const roles = ['developer', 'architect', 'security']
  const snapshot = async (): Promise<unknown[]> => await Promise.all(outside.flatMap(a => roles.map(async r => (await peer.retrieve(a, r)).context)))

  await peer.generate({ path: repo, project: 'mixed' })
  const before = await snapshot()
  t.equal((await peer.retrieve('ucxl://mixed/src/server/app.py', 'developer')).context.language, 'python')
  const web = await peer.generate({ path: join(repo, 'src', 'web'), root: repo, project: 'mixed' })
  t.ok(web.files > 0)
  t.same(await snapshot(), before, 'every record outside src/web resolves as before')
  const file = await peer.generate({ path: join(repo, 'src', 'server', 'db.py'), root: repo, project: 'mixed' })
  t.equal(file.files, 1)
  t.same(await snapshot(), before, 'and after a single file')
  t.equal((await peer.retrieve('ucxl://mixed/src/web/api.ts', 'developer')).context.language, 'typescript', 'the target itself is written')

  // A project whose first generation is below its root still gets a project record.
  const other = await freshPeer(t)
  await other.generate({ path: join(repo, 'src', 'web'), root: repo, project: 'mixed' })
  t.match((await other.retrieve('ucxl://mixed/', 'viewer')).context.summary, /Mixed/)
  t.same((await other.retrieve('ucxl://mixed/src/web/api.ts', 'developer')).resolvedFrom.at(-1), 'ucxl://mixed/')
})

t.test('files whose path no address can name (a backslash, a control character) are skipped as bad-name; the rest is generated', async t => {
  const peer = await freshPeer(t)
  const repo = join(scratchDir('bzzz-names-'), 'names')
  mkdirSync(repo)
  writeFileSync(join(repo, 'ok.py'), 'def ok():\n    pass\n')
  writeFileSync(join(repo, 'a\\b.py'), 'x = 1\n')
  writeFileSync(join(repo, 'ctl\u0001.py'), 'y = 1\n')
  const report = await peer.generate({ path: repo, project: 'names' })
  t.same(report.skipped.filter(s => s.reason === 'bad-name').map(s => s.path).sort(), ['a\\b.py', 'ctl\u0001.py'])
  t.equal(report.files, 1)
  t.equal((await peer.retrieve('ucxl://names/ok.py', 'developer')).context.language, 'python')
})
