// search, overview, references and retrieve --max-tokens on the CLI: the same cores the MCP server answers with.
import t from 'tap'
import { estimateTokens } from '../../src/agents/tokens.js'
import { cli } from '../helpers/cli.js'
import { generatedHome } from '../helpers/mcp.js'

const home = await generatedHome()
const run = async (...args: string[]): Promise<Awaited<ReturnType<typeof cli>>> => await cli(['--home', home, ...args])

t.test('search: where a name is defined, ranked, with a table and --json', async t => {
  const json = await run('search', 'Database', '--json')
  t.equal(json.code, 0, json.stderr)
  t.match(json.json.results[0], { name: 'Database', kind: 'class', address: 'ucxl://shop/src/server/db.py', line: 5 })
  const table = await run('search', 'login')
  t.match(table.stdout, /defined in more than one place/, 'an ambiguous name says so')
  t.match(table.stdout, /ucxl:\/\/shop\/src\/server\/handlers\/auth\.py:20/)
  const functions = await run('search', 'e', '--kind', 'function', '--json')
  t.ok(functions.json.results.length > 0 && functions.json.results.every((r: any) => r.kind === 'function'))
  const bad = await run('search', 'x', '--kind', 'bogus')
  t.equal(bad.code, 2)
  t.match(bad.stderr, /^bzzz-ctx: --kind must be one of/)
})

t.test('overview: ranked over the import graph, cut to --max-tokens, with the cursor for the rest', async t => {
  const all = await run('overview', '--json')
  t.equal(all.code, 0, all.stderr)
  t.equal(all.json.results.length, all.json.files, 'the whole map fits the default budget')
  t.ok(all.json.results.slice(0, 3).some((f: any) => f.path === 'src/server/db.py'), 'the module four files import ranks near the top')
  const cut = await run('overview', '--max-tokens', '400', '--json')
  t.ok(estimateTokens(JSON.stringify(cut.json)) <= 400, 'within the budget')
  t.ok(cut.json.next !== undefined && cut.json.cutByBudget > 0)
  const next = await run('overview', '--max-tokens', '400', '--cursor', cut.json.next, '--json')
  t.equal(next.json.results[0].path, all.json.results[cut.json.results.length].path, 'the cursor goes on where the page stopped')
  const table = await run('overview', 'src/web')
  t.match(table.stdout, /files under ucxl:\/\/shop\/src\/web/)
})

t.test('references: importers and imports, for a file and a folder', async t => {
  const file = await run('references', 'src/server/db.py', '--json')
  t.equal(file.code, 0, file.stderr)
  t.same(file.json.importedBy.sort(), ['src/server/app.py', 'src/server/handlers/auth.py', 'src/server/handlers/tickets.py', 'tests/test_db.py'])
  const folder = await run('references', 'src/server', '--json')
  t.same(folder.json.importedBy.sort(), ['tests/test_auth.py', 'tests/test_db.py'], 'a folder: only importers from outside it')
  const viewer = await run('references', 'src/server/db.py', '--role', 'viewer', '--json')
  t.same(viewer.json.importedBy, [], 'a viewer reads no imports, so no graph')
  t.ok(viewer.json.withheld.levels.some((w: any) => w.level === 'internal'), 'and is told so')
  const missing = await run('references', 'src/none.py')
  t.equal(missing.code, 4)
})

t.test('retrieve --max-tokens: least useful first, and says what it cut', async t => {
  const whole = await run('retrieve', 'src/server/handlers/auth.py', '--json')
  const cut = await run('retrieve', 'src/server/handlers/auth.py', '--max-tokens', '500', '--json')
  t.equal(cut.code, 0, cut.stderr)
  t.ok(estimateTokens(JSON.stringify(whole.json)) > 600 && estimateTokens(JSON.stringify(cut.json)) <= 500)
  t.ok(cut.json.cut.sources > 0, 'the sources went first')
  t.equal(cut.json.context.summary, whole.json.context.summary, 'the summary stays')
  const table = await run('retrieve', 'src/server/handlers/auth.py', '--max-tokens', '500')
  t.match(table.stdout, /cut to budget +│ \d+ sources/)
  const small = await run('retrieve', 'src/server/handlers/auth.py', '--max-tokens', '10')
  t.equal(small.code, 2, 'below the least an answer can be')
})
