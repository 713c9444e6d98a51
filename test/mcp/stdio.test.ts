// The MCP server as an agent meets it: the SDK's own client against `bzzz-ctx mcp` over stdio, on a generated home.
import t from 'tap'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { estimateTokens } from '../../src/agents/tokens.js'
import { BIN, cli, cliProcess } from '../helpers/cli.js'
import { call, generatedHome, mcpClient } from '../helpers/mcp.js'

const home = await generatedHome()

t.test('the tool list: at most 10 tools, under 3,000 tokens in all', async t => {
  const mcp = await mcpClient(home)
  t.teardown(mcp.close)
  const { tools } = await mcp.client.listTools()
  t.same(tools.map(tool => tool.name).sort(), ['decide', 'history', 'hops', 'overview', 'references', 'retrieve', 'search', 'status'])
  t.ok(estimateTokens({ tools }) < 3000, `the list costs ${estimateTokens({ tools })} tokens`)
})

t.test('each tool answers from the generated tree, within its budget', async t => {
  const mcp = await mcpClient(home)
  t.teardown(mcp.close)
  const { client } = mcp

  const status = await call(client, 'status')
  t.match(status.json, { role: 'developer', cluster: 'acme', project: 'shop', mode: 'local', term: 1, maxTokens: 8000 })
  t.ok(status.json.records > 40, 'the records of the fixture')

  const defined = await call(client, 'search', { query: 'Database' })
  t.notOk(defined.isError, defined.text)
  t.match(defined.json.results[0], { name: 'Database', kind: 'class', address: 'ucxl://shop/src/server/db.py', line: 5, match: 'exact' }, 'where Database is defined, first')
  t.equal(defined.json.ambiguous, false, 'one exact definition')
  const login = await call(client, 'search', { query: 'login' })
  t.equal(login.json.ambiguous, true, 'login is defined twice: ranked candidates')
  t.same(login.json.results.filter((r: any) => r.match === 'exact').map((r: any) => r.address).sort(),
    ['ucxl://shop/src/server/handlers/auth.py', 'ucxl://shop/src/web/api.ts'])
  const classes = await call(client, 'search', { query: 'a', kind: 'class', limit: 2 })
  t.ok(classes.json.results.every((r: any) => r.kind === 'class'), 'the kind filter holds')
  t.equal(classes.json.results.length, 2)
  t.ok(classes.json.total > 2 && classes.json.next === '2', 'a cursor for the rest')
  const rest = await call(client, 'search', { query: 'a', kind: 'class', limit: 2, cursor: classes.json.next })
  t.notSame(rest.json.results, classes.json.results, 'the next page moves on')

  const references = await call(client, 'references', { address: 'src/server/db.py' })
  t.same(references.json.importedBy.sort(), ['src/server/app.py', 'src/server/handlers/auth.py', 'src/server/handlers/tickets.py', 'tests/test_db.py'], 'who imports db.py')
  t.same(references.json.external, ['sqlite3'], 'and what it imports from outside')
  const app = await call(client, 'references', { address: 'src/server/app.py' })
  t.same(app.json.imports, ['src/server/config.py', 'src/server/db.py', 'src/server/handlers/__init__.py', 'src/server/handlers/auth.py',
    'src/server/handlers/tickets.py'], 'what app.py imports in the project (from .handlers import auth, tickets: two modules)')

  const overview = await call(client, 'overview', { max_tokens: 400 })
  t.ok(estimateTokens(overview.text) <= 400, `the map fits its budget (${estimateTokens(overview.text)} tokens)`)
  t.ok(overview.json.results.slice(0, 3).some((f: any) => f.path === 'src/server/db.py'), 'the most imported module ranks near the top')
  t.ok(overview.json.next !== undefined && overview.json.cutByBudget > 0, 'the budget cut the rest, and says so')
  t.ok(overview.json.withheld.levels.some((w: any) => w.level === 'secret'), 'what the role may not read is said by level')
  const folder = await call(client, 'overview', { address: 'src/server' })
  t.ok(folder.json.results.every((f: any) => f.path.startsWith('src/server/')), 'a folder\'s map holds its files only')

  const whole = await call(client, 'retrieve', { address: 'src/server/app.py' })
  t.match(whole.json, { address: 'ucxl://shop/src/server/app.py', role: 'developer', context: { language: 'python' } })
  t.ok(whole.json.context.symbols.some((s: any) => s.name === 'create_app'), 'a developer reads symbols')
  const small = await call(client, 'retrieve', { address: 'src/server/app.py', max_tokens: 400 })
  t.ok(estimateTokens(whole.text) > 500 && estimateTokens(small.text) <= 400, `a retrieve cut to 400 tokens costs ${estimateTokens(small.text)}`)
  t.ok(Object.keys(small.json.cut).length > 0, 'and says what it cut')
  t.ok(small.json.withheld.length > 0, 'and what it withheld')

  const decided = await call(client, 'decide', { affects: ['src/server/db.py'], title: 'SQLite until 10k users', rationale: 'One file, no server' })
  t.notOk(decided.isError, decided.text)
  t.match(decided.json.id, /^d-/)
  const hops = await call(client, 'hops', { target: 'src/server/db.py' })
  t.ok(hops.json.hits.some((h: any) => h.ref === decided.json.id || JSON.stringify(h).includes(decided.json.id)), 'hops reaches the decision just made')
  const history = await call(client, 'history', { address: 'src/server/db.py' })
  t.ok(history.json.decisions.some((d: any) => d.id === decided.json.id), 'history names it')
  t.ok(history.json.versions.length >= 1)
})

t.test('errors are tool errors with their code, and the server keeps serving', async t => {
  const mcp = await mcpClient(home)
  t.teardown(mcp.close)
  const { client } = mcp
  const bad = await call(client, 'retrieve', { address: 'ucxl://BAD/x' })
  t.match(bad, { isError: true, json: { error: { code: 'BAD_INPUT' } } }, 'a bad address')
  const unknown = await call(client, 'retrieve', { address: 'src/nope.py' })
  t.match(unknown, { isError: true, json: { error: { code: 'NOT_FOUND' } } }, 'an unknown address')
  const huge = await call(client, 'search', { query: 'x'.repeat(200_000) })
  t.match(huge, { isError: true, json: { error: { code: 'BAD_INPUT' } } }, 'an oversized argument')
  const cursor = await call(client, 'search', { query: 'a', cursor: 'zz' })
  t.match(cursor, { isError: true, json: { error: { code: 'BAD_INPUT' } } }, 'a cursor this list never gave')
  const after = await call(client, 'search', { query: 'Database' })
  t.notOk(after.isError, 'still serving')
})

t.test('a viewer\'s server never returns an internal section; a record not for the role is ACCESS_DENIED', async t => {
  const note = join(dirname(home), 'note.json')
  writeFileSync(note, JSON.stringify({ address: 'ucxl://shop/src/plans.md', kind: 'file', summary: 'Plans for the architects' }))
  const distributed = await cli(['--home', home, 'distribute', '--file', note, '--roles', 'architect'])
  t.equal(distributed.code, 0, distributed.stderr)
  const mcp = await mcpClient(home, ['--role', 'viewer'])
  t.teardown(mcp.close)
  const { client } = mcp
  const retrieved = await call(client, 'retrieve', { address: 'src/server/app.py' })
  t.equal(retrieved.json.role, 'viewer')
  t.notOk('symbols' in retrieved.json.context || 'imports' in retrieved.json.context, 'no symbols or imports')
  t.ok(retrieved.json.withheld.some((w: any) => w.levels.includes('internal')), 'withheld, by level')
  const search = await call(client, 'search', { query: 'Database' })
  t.notOk(search.json.results.some((r: any) => r.kind === 'class'), 'search finds no symbol the viewer may not read')
  t.ok(search.json.withheld.levels.some((w: any) => w.level === 'internal' && w.records > 10), 'and says internal sections were withheld')
  const references = await call(client, 'references', { address: 'src/server/db.py' })
  t.same(references.json.importedBy, [], 'no import graph from imports the viewer may not read')
  const denied = await call(client, 'retrieve', { address: 'src/plans.md' })
  t.match(denied, { isError: true, json: { error: { code: 'ACCESS_DENIED' } } }, 'a record distributed to architects only')
})

t.test('a role this peer holds no key for: the server does not start (exit 3, one line)', async t => {
  const invite = join(dirname(home), 'dev.invite')
  t.equal((await cli(['--home', home, 'invite', '--role', 'developer', '--out', invite])).code, 0)
  const joined = join(dirname(home), 'joined')
  const init = await cli(['--home', joined, 'init', '--join', invite])
  t.equal(init.code, 0, init.stderr)
  const run = await cliProcess(['--home', joined, 'mcp', '--role', 'security'], {}, 30_000)
  t.equal(run.code, 3)
  t.match(run.stderr, /^bzzz-ctx: this peer holds no key for role "security": ask as a role it holds \(developer\)\n$/)
  t.equal(run.stdout, '', 'nothing on the protocol\'s stream')
})

t.test('malformed and oversized JSON-RPC lines are answered as errors; the server keeps serving', async t => {
  const child = spawn(process.execPath, [BIN, '--home', home, 'mcp'], { stdio: ['pipe', 'pipe', 'pipe'] })
  t.teardown(() => { child.kill() })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  const lines = (): any[] => out.split('\n').filter(l => l !== '').map(l => JSON.parse(l))
  const waitFor = async (ok: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !ok(); i++) await new Promise(resolve => setTimeout(resolve, 50))
  }
  child.stdin.write('this is not json\n')
  child.stdin.write('{"jsonrpc":"2.0","method":\n')
  child.stdin.write('[1,2,3]\n')
  child.stdin.write('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"query":"' + 'y'.repeat(5 * 1024 * 1024) + '"}}}\n')
  child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }) + '\n')
  child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n')
  child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'search', arguments: { query: 'Database' } } }) + '\n')
  await waitFor(() => lines().some(l => l.id === 3))
  const got = lines()
  t.same(got.filter(l => l.id === null).map(l => l.error.code), [-32700, -32700, -32600, -32600], 'two lines not JSON, one not JSON-RPC, one too long')
  t.ok(got.find(l => l.id === 2)?.result?.serverInfo?.name === 'bzzz-ctx', 'initialize answered after them')
  const answer = JSON.parse(got.find(l => l.id === 3).result.content[0].text)
  t.equal(answer.results[0].name, 'Database', 'and a tool call')
  child.stdin.end()
  const code = await new Promise(resolve => child.on('close', resolve))
  t.equal(code, 0, 'the end of its input ends the server')
})
