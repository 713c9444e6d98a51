import t from 'tap'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { analyzeTree } from '../../src/intelligence/engine.js'
import { AnalysisPool } from '../../src/intelligence/pool.js'
import { DEFAULT_ROLES } from '../../src/crypto/levels.js'
import { PACKAGE_ROOT } from '../../src/paths.js'
import type { ContextRecord, Insight } from '../../src/context/record.js'
import type { AnalyzeProgress } from '../../src/intelligence/types.js'

const FIXTURE = join(PACKAGE_ROOT, 'fixtures', 'repos', 'mixed')
/** The fake secrets planted in the fixture: none may ever appear in a record. */
const SECRETS = ['AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzF4ke8Qx2Lm', 'Tr0ub4dor&3-fixture', 'MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu', 'local-only-ignored']

// Files the fixture's .gitignore ignores are not committed: make sure they exist, so ignoring them is tested.
mkdirSync(join(FIXTURE, 'build'), { recursive: true })
const ignoredFiles: Array<[string, string]> = [
  ['build/bundle.js', '// generated bundle: must never be analysed\nfunction bundled () { return 1 }\n'],
  ['debug.log', '2024-05-01 12:00:01 started server on :8080\n'],
  ['.env.local', 'DATABASE_PASSWORD=local-only-ignored\n']
]
for (const [path, text] of ignoredFiles) if (!existsSync(join(FIXTURE, path))) writeFileSync(join(FIXTURE, path), text)

const pool = new AnalysisPool({ workers: 2 })
t.teardown(() => pool.close())
const progress: AnalyzeProgress[] = []
const result = await analyzeTree({ root: FIXTURE, project: 'mixed', pool, onProgress: (p) => progress.push(p) })
const byAddress = new Map(result.records.map((record) => [record.address, record]))
const record = (address: string): ContextRecord => {
  const found = byAddress.get(address)
  if (found === undefined) throw new Error(`no record ${address}`)
  return found
}
const insightsOf = (r: ContextRecord, role: string, kind?: string): Insight[] =>
  (r.insights ?? []).filter((insight) => insight.role === role && (kind === undefined || insight.kind === kind))
const text = (r: ContextRecord, role: string, kind: string): string => insightsOf(r, role, kind).map((insight) => insight.text).join(' | ')

t.test('the walk of the fixture: ignored files left out, the binary skipped, everything else analysed', async t => {
  t.same(result.skipped, [{ path: 'assets/logo.png', reason: 'binary' }])
  const files = result.records.filter((r) => r.kind === 'file').map((r) => r.address.slice('ucxl://mixed/'.length))
  t.equal(result.files, files.length)
  t.ok(result.files >= 45 && result.files <= 60, `a small repo (${result.files} files)`)
  for (const ignored of ['build/bundle.js', 'debug.log', '.env.local', 'assets/logo.png']) t.notOk(files.includes(ignored), `${ignored} has no record`)
  const languages = new Set(result.records.filter((r) => r.kind === 'file').map((r) => r.language))
  for (const language of ['python', 'typescript', 'tsx', 'javascript', 'go', 'rust', 'java', 'ruby', 'bash', 'powershell', 'php', 'c', 'css', 'ini']) t.ok(languages.has(language), `a ${language} file`)
  t.equal(result.cached, 0)
  t.ok(result.sourceBytes > 10_000)
})

t.test('addresses: the project is ucxl://mixed/, directories have no trailing slash, every directory with files has a record', async t => {
  t.equal(result.records[0]?.address, 'ucxl://mixed/')
  t.equal(result.records[0]?.kind, 'project')
  t.equal(result.records.filter((r) => r.kind === 'project').length, 1)
  for (const r of result.records) {
    if (r.kind !== 'project') t.notOk(r.address.endsWith('/'), `${r.address} has no trailing slash`)
    t.match(r.address, /^ucxl:\/\/mixed\/[^\s]*$/)
  }
  const files = result.records.filter((r) => r.kind === 'file').map((r) => r.address.slice('ucxl://mixed/'.length))
  const expected = new Set<string>()
  for (const path of files) {
    const parts = path.split('/').slice(0, -1)
    for (let i = 1; i <= parts.length; i++) expected.add(`ucxl://mixed/${parts.slice(0, i).join('/')}`)
  }
  const directories = result.records.filter((r) => r.kind === 'directory').map((r) => r.address)
  t.same(directories.sort(), [...expected].sort())
  t.ok(directories.includes('ucxl://mixed/src/server/handlers'), 'three levels deep')
  t.equal(new Set(result.records.map((r) => r.address)).size, result.records.length, 'no address twice')
})

t.test('the project record: README purpose, technologies of the manifests, languages, project-level insights', async t => {
  const project = record('ucxl://mixed/')
  t.match(project.purpose, /^Mixed is a small ticketing service/)
  t.match(project.summary, /^Mixed is a small ticketing service/)
  // The root's manifests (package.json, requirements.txt): what holds for every file, since technologies gather down.
  for (const technology of ['python', 'flask', 'node', 'react', 'express', 'typescript']) {
    t.ok(project.technologies?.includes(technology), `technology ${technology}`)
  }
  for (const technology of ['go', 'gorilla', 'rust', 'tokio', 'sinatra', 'spring-boot']) {
    t.notOk(project.technologies?.includes(technology), `not ${technology}: a manifest further down declares it for its own folder`)
  }
  t.same(project.technologies, [...new Set(project.technologies)].sort(), 'sorted and unique')
  t.ok((project.technologies ?? []).every((name) => name === name.toLowerCase()), 'lower case')
  for (const language of ['python', 'typescript', 'go', 'rust', 'java', 'ruby']) t.ok(project.languages?.includes(language), `language ${language}`)
  t.equal(project.languages?.[0], 'python', 'most files first')
  t.notOk(project.languages?.includes('markdown'), 'code languages only')
  t.equal(project.tags, undefined, 'languages are not tags: tags gather down to every file')
  t.equal(project.language, 'python')
  t.match(text(project, 'architect', 'module-dependencies'), /tests\/ → src\/ \(3\)/, 'test_auth.py uses handlers/auth.py (from src.server.handlers import auth) and the package')
  t.match(text(project, 'architect', 'fan-in-out'), /src\/ in 2\/out 0/)
  t.match(text(project, 'qa', 'tests'), /6 test files here; \d+ of \d+ source modules have tests; without tests: .*src\/server\/app\.py/)
  t.match(text(project, 'developer', 'entry-point'), /src\/server\/app\.py/)
  t.match(text(project, 'security', 'findings-summary'), /secret-like literal in 2 files \(src\/server\/config\.py and src\/server\/handlers\/auth\.py\)/)
})

t.test('directory records: README purpose, dominant language, technologies, insights for each role', async t => {
  const handlers = record('ucxl://mixed/src/server/handlers')
  t.equal(handlers.kind, 'directory')
  t.match(handlers.purpose, /^HTTP handlers of the API/)
  t.equal(handlers.language, 'python')
  t.match(handlers.summary, /^Python package with 4 files/)
  t.match(text(handlers, 'architect', 'module-dependencies'), /From the rest of the project: src\/server \(2\)/)
  t.match(text(handlers, 'architect', 'module-dependencies'), /External packages: .*jwt/)
  t.match(text(handlers, 'qa', 'tests'), /without tests: tickets\.py/)
  t.notMatch(text(handlers, 'qa', 'tests'), /auth\.py/, 'auth.py is covered by tests/test_auth.py')

  const server = record('ucxl://mixed/src/server')
  t.match(text(server, 'developer', 'entry-point'), /app\.py/)
  t.match(text(server, 'developer', 'main-modules'), /db\.py \(imported by \d files\)/)
  t.match(text(server, 'architect', 'module-dependencies'), /Between its modules: app\.py → handlers\/ \(3\), handlers\/ → db\.py \(2\)/, 'app.py uses handlers/auth.py and tickets.py')
  t.match(text(server, 'architect', 'fan-in-out'), /db\.py in 4\/out 0/)
  t.equal(server.technologies, undefined, 'no manifest here: its files\' imports are on their own records')
  t.same(record('ucxl://mixed/src/server/db.py').technologies, ['sqlite'], 'a file\'s own imports')

  const indexer = record('ucxl://mixed/services/indexer')
  t.equal(indexer.language, 'go')
  t.match(indexer.summary, /^Go module/)
  t.same(indexer.technologies, ['go', 'gorilla', 'testify'])
  t.match(text(indexer, 'architect', 'module-dependencies'), /main\.go → store\/ \(1\)/, 'a Go import of its own module resolves to the package directory')
  const search = record('ucxl://mixed/services/search')
  t.equal(search.purpose, 'Answers full-text queries over the ticket index', 'a manifest description when there is no README')
  t.equal(text(search, 'qa', 'tests'), '0 test files here; 1 of 1 source module has tests.', 'inline Rust tests count')
  const billing = record('ucxl://mixed/billing')
  t.match(billing.purpose, /invoices and taxes/)
  t.match(text(billing, 'qa', 'tests'), /^\d+ test files? here/, 'its tests are its qa insight\'s to say')
  t.equal(billing.tags, undefined, 'not a tag every file below would inherit')
  t.same(handlers.languages, ['python'])
  t.ok((record('ucxl://mixed/src').languages ?? []).length <= 3, 'at most three languages')
})

t.test('file records: summaries, symbols, imports and insights by role; roles are the default ones', async t => {
  const auth = record('ucxl://mixed/src/server/handlers/auth.py')
  t.equal(auth.language, 'python')
  t.equal(auth.summary, 'Logs users in: checks passwords, issues signed session tokens and audits failed logins.')
  t.equal(auth.purpose, undefined, 'a one-sentence doc is the summary, not also the purpose (the folder\'s purpose is inherited)')
  t.match(record('ucxl://mixed/src/README.md'), { summary: 'The API server (server, Python) and the browser client (web, TypeScript) of Mixed.', purpose: /^The API server .* Both talk JSON/ }, 'a doc of more than one sentence is the purpose, and its first sentence the summary')
  t.same(auth.symbols?.map((s) => `${s.name}:${s.kind}:${s.line}:${String(s.exported)}`), [
    'SERVICE_PASSWORD:constant:12:true', 'TOKEN_ALGORITHM:constant:13:true', 'LoginError:class:16:true', 'login:function:20:true',
    'issue_token:function:29:true', '_verify_password:function:35:false', '_audit_failure:function:42:false', 'recent_failures:function:47:true'
  ])
  t.same(auth.imports, ['hashlib', 'hmac', 'subprocess', 'time', 'jwt', '..db'])
  t.same(auth.technologies, ['jwt'])
  t.match(text(auth, 'developer', 'key-symbols'), /exported class LoginError \(line 16\)/)
  t.match(text(auth, 'qa', 'tests'), /Covered by 1 test file: tests\/test_auth\.py/)
  t.match(text(auth, 'architect', 'fan-in-out'), /Imports src\/server\/db\.py/)
  t.same(insightsOf(auth, 'security').map((insight) => insight.kind).sort(), ['auth', 'crypto', 'exec', 'secret-literal', 'sql-concat'])
  t.equal(text(auth, 'security', 'secret-literal'), 'secret-like literal at line 12')
  t.equal(text(auth, 'security', 'exec'), 'process execution at lines 4 and 44')
  t.equal(text(auth, 'security', 'sql-concat'), 'SQL built from strings at line 49')

  const app = record('ucxl://mixed/src/server/app.py')
  t.match(text(app, 'developer', 'entry-point'), /__main__/)
  t.ok(app.tags?.includes('entry-point'))
  t.match(text(app, 'qa', 'tests'), /No test file found for app\.py/)
  const db = record('ucxl://mixed/src/server/db.py')
  t.match(text(db, 'architect', 'fan-in-out'), /^Fan-in 4, fan-out 0/)
  t.equal(text(db, 'security', 'sql-concat'), 'SQL built from strings at line 17')
  const test = record('ucxl://mixed/tests/test_auth.py')
  t.ok(test.tags?.includes('test'))
  t.match(text(test, 'qa', 'tests'), /This is a test file \(for auth\)/)
  t.match(record('ucxl://mixed/bin/mixed').summary, /Runs the Mixed API server/)
  t.equal(record('ucxl://mixed/bin/mixed').language, 'bash', 'a shebang names the language of an extensionless script')
  t.match(text(record('ucxl://mixed/services/search/src/index.rs'), 'qa', 'tests'), /inline tests/)
  t.match(text(record('ucxl://mixed/src/web/index.ts'), 'developer', 'entry-point'), /package\.json/)
  t.equal(record('ucxl://mixed/README.md').language, 'markdown')
  t.equal(record('ucxl://mixed/config/settings.ini').summary, 'Runtime settings of the Mixed server.')

  const roles = new Set(DEFAULT_ROLES.map((role) => role.name))
  for (const r of result.records) {
    for (const insight of r.insights ?? []) t.ok(insight.role !== undefined && roles.has(insight.role), `${r.address}: role ${String(insight.role)}`)
  }
})

t.test('no record ever holds a secret from the tree', async t => {
  const everything = JSON.stringify(result.records)
  for (const secret of SECRETS) t.notOk(everything.includes(secret), `records do not contain ${secret.slice(0, 6)}…`)
  t.notOk(everything.includes('PRIVATE KEY'), 'not even the header of the private key')
  const config = record('ucxl://mixed/src/server/config.py')
  t.match(text(config, 'security', 'secret-literal'), /^secret-like literal at lines 5, 6 and 8$/)
})

t.test('progress is reported, at the end with every file done', async t => {
  t.ok(progress.length >= 1)
  const last = progress[progress.length - 1]
  t.equal(last?.done, last?.total)
  t.equal(last?.total, result.files + result.skipped.filter((s) => s.reason === 'binary').length)
  t.ok(progress.every((p, i) => i === 0 || p.done >= (progress[i - 1]?.done ?? 0)), 'done never goes back')
})

t.test('a target below the root: only its records, addresses still from the root, root README for the project', async t => {
  const partial = await analyzeTree({ root: FIXTURE, target: join(FIXTURE, 'src', 'server'), project: 'mixed', pool })
  const addresses = partial.records.map((r) => r.address)
  t.equal(addresses[0], 'ucxl://mixed/')
  t.same(addresses.filter((a) => !a.includes('.') && a !== 'ucxl://mixed/'), ['ucxl://mixed/src/server', 'ucxl://mixed/src/server/handlers'])
  t.ok(addresses.includes('ucxl://mixed/src/server/handlers/auth.py'))
  t.notOk(addresses.some((a) => a.startsWith('ucxl://mixed/src/web')))
  t.equal(partial.files, 8)
  const project = partial.records[0] as ContextRecord
  t.match(project.purpose, /^Mixed is a small ticketing service/)
  t.ok(project.technologies?.includes('flask') && project.technologies.includes('node'), 'root manifests')
  t.equal(project.insights, undefined, 'project-wide insights need the whole tree')
  const auth = partial.records.find((r) => r.address === 'ucxl://mixed/src/server/handlers/auth.py') as ContextRecord
  t.match(text(auth, 'qa', 'tests'), /tests\/test_auth\.py/, 'tests outside the target still count')

  const single = await analyzeTree({ root: FIXTURE, target: 'src/web/api.ts', project: 'mixed', pool })
  t.same(single.records.map((r) => r.address), ['ucxl://mixed/', 'ucxl://mixed/src/web/api.ts'])
  t.match(text(single.records[1] as ContextRecord, 'qa', 'tests'), /api\.test\.ts/)
  await t.rejects(analyzeTree({ root: FIXTURE, project: 'Bad Name', pool }), { code: 'BAD_INPUT' })
})

t.test('records do not depend on the order analyses arrive in (an ambiguous import resolves the same way)', async t => {
  const { buildRecords } = await import('../../src/intelligence/records.js')
  const analysis = (imports: string[]) => ({ language: 'python', bytes: 1, lines: 1, symbols: [{ name: 'f', kind: 'function' as const, line: 1 }], imports, findings: [] })
  // `abc` names both pkg/abc.py and pkg/resources/abc.py: which one counts must not be first come, first served.
  const files = [
    { path: 'pkg/abc.py', analysis: analysis([]) },
    { path: 'pkg/resources/abc.py', analysis: analysis([]) },
    { path: 'pkg/resources/reader.py', analysis: analysis(['abc']) },
    { path: 'pkg/user.py', analysis: analysis(['.abc', 'abc']) }
  ]
  const input = (order: typeof files) => ({ project: 'p', targetPath: '', targetIsDirectory: true, files: order, treePaths: order.map(f => f.path), manifests: [] })
  const expected = JSON.stringify(buildRecords(input(files)))
  for (const order of [[...files].reverse(), [files[2]!, files[0]!, files[3]!, files[1]!], [files[1]!, files[3]!, files[0]!, files[2]!]]) {
    t.equal(JSON.stringify(buildRecords(input(order))), expected, order.map(f => f.path).join(' '))
  }
})

t.test('directory counts (subdirectories, test files) agree with counting every pair, at every level and below a target', async t => {
  const { buildRecords } = await import('../../src/intelligence/records.js')
  const analysis = { language: 'python', bytes: 1, lines: 1, symbols: [{ name: 'f', kind: 'function' as const, line: 1 }], imports: [], findings: [] }
  const paths = ['a.py', 'x/b.py', 'x/y/c.py', 'x/y/z/d.py', 'x/y/z/test_d.py', 'x/w/e.py', 'x/w/tests/test_e.py', 'q/r/s/f.py', 'q/test_f.py', 'xy/g.py']
  const under = (path: string, directory: string): boolean => directory === '' || path.startsWith(directory + '/')
  for (const targetPath of ['', 'x', 'x/y']) {
    const files = paths.filter(path => under(path, targetPath)).map(path => ({ path, analysis }))
    const records = buildRecords({ project: 'p', targetPath, targetIsDirectory: true, files, treePaths: paths, manifests: [] })
    const directories = records.filter(r => r.kind === 'directory').map(r => r.address.slice('ucxl://p/'.length))
    // The project record speaks for the root directory when the target is the root.
    const directoryRecord = (directory: string) => records.find(r => r.address === `ucxl://p/${directory}` && (directory === '' || r.kind === 'directory'))!
    const all = targetPath === '' ? ['', ...directories] : directories
    t.ok(all.includes(targetPath), `the target ${targetPath || '(root)'} has a record`)
    for (const directory of all) {
      const below = all.filter(other => other !== directory && under(other, directory)).length
      const summary = directory === '' ? (records[0]!.insights ?? []).find(i => i.kind === 'overview')!.text : directoryRecord(directory).summary!
      if (below > 0) t.match(summary, new RegExp(` in ${below + 1} directories`), `${targetPath || '(root)'}: ${directory || '(root)'} has ${below} below it`)
      else t.notMatch(summary, / in \d+ director/, `${targetPath || '(root)'}: ${directory || '(root)'} has none below it`)
      const tests = paths.filter(path => /(?:^|\/)test_/.test(path) && under(path, directory)).length
      const qa = (directoryRecord(directory).insights ?? []).find(i => i.role === 'qa' && i.kind === 'tests')?.text ?? ''
      t.match(qa, new RegExp(`^${tests} test files? here`), `${directory || '(root)'}: ${tests} test files under it`)
    }
  }
})

t.test('key symbols: types and functions first, then constants, then variables, each in line order', async t => {
  const { buildRecords } = await import('../../src/intelligence/records.js')
  const symbols = [
    { name: 'logger', kind: 'variable' as const, line: 3, exported: true },
    { name: 'MAX_SIZE', kind: 'constant' as const, line: 4, exported: true },
    { name: 'run', kind: 'function' as const, line: 10, exported: true },
    { name: 'Service', kind: 'class' as const, line: 6, exported: true }
  ]
  const files = [{ path: 'service.py', analysis: { language: 'python', bytes: 1, lines: 12, symbols, imports: [], findings: [] } }]
  const records = buildRecords({ project: 'p', targetPath: '', targetIsDirectory: true, files, treePaths: ['service.py'], manifests: [] })
  const file = records.find((r) => r.address === 'ucxl://p/service.py')!
  t.equal(text(file, 'developer', 'key-symbols'), 'Key symbols: exported class Service (line 6), exported function run (line 10), exported constant MAX_SIZE (line 4), exported variable logger (line 3).')
})
