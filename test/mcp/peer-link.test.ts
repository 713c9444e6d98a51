// The peer a server keeps open: a home another process writes to is seen on the next call; a daemon is used when one runs.
import t from 'tap'
import { cpSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startBootstrap } from '../../src/net/bootstrap.js'
import { cli, cliProcess } from '../helpers/cli.js'
import { call, FIXTURE, mcpClient } from '../helpers/mcp.js'
import { scratchDir } from '../helpers/scratch.js'

async function homeOn (repo: string): Promise<string> {
  const home = join(scratchDir('bzzz-mcp-link-'), 'home')
  t.equal((await cli(['--home', home, 'init', '--cluster', 'acme', '--role', 'admin', '--project', 'shop', '-q'])).code, 0)
  const generate = await cli(['--home', home, 'generate', repo, '--root', repo, '-q'])
  if (generate.code !== 0) throw new Error(generate.stderr)
  return home
}

t.test('without a daemon: a generate by another process is seen on the next question', async t => {
  const repo = join(scratchDir('bzzz-mcp-repo-'), 'shop')
  cpSync(FIXTURE, repo, { recursive: true })
  const home = await homeOn(repo)
  const mcp = await mcpClient(home)
  t.teardown(mcp.close)
  const before = await call(mcp.client, 'search', { query: 'reconcile_ledger' })
  t.equal(before.json.total, 0)
  writeFileSync(join(repo, 'src', 'server', 'ledger.py'), '"""Ledger upkeep."""\n\ndef reconcile_ledger():\n    return 0\n')
  const generate = await cli(['--home', home, 'generate', join(repo, 'src', 'server'), '--root', repo, '-q'])
  t.equal(generate.code, 0, generate.stderr)
  const after = await call(mcp.client, 'search', { query: 'reconcile_ledger' })
  t.match(after.json.results[0], { name: 'reconcile_ledger', address: 'ucxl://shop/src/server/ledger.py', line: 3 })
  const decided = await call(mcp.client, 'decide', { affects: ['src/server/ledger.py'], title: 'Keep a ledger', rationale: 'Audits' })
  t.notOk(decided.isError, `a decision without a daemon, through the store's lock: ${decided.text}`)
  const history = await call(mcp.client, 'history', { address: 'src/server/ledger.py' })
  t.ok(history.json.decisions.some((d: any) => d.id === decided.json.id), 'and read back by the same server')
})

t.test('with a daemon: the server answers through it (mode daemon), search included', async t => {
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  t.teardown(() => dht.close())
  const home = await homeOn(FIXTURE)
  t.teardown(async () => { await cliProcess(['--home', home, 'node', 'stop']).catch(() => {}) })
  const started = await cliProcess(['--home', home, 'node', 'start', '--bootstrap', dht.nodes.join(','), '--detach', '--election-timeout', '200'], {}, 60_000)
  t.equal(started.code, 0, started.stderr)
  const mcp = await mcpClient(home)
  t.teardown(mcp.close)
  const status = await call(mcp.client, 'status')
  t.equal(status.json.mode, 'daemon')
  const search = await call(mcp.client, 'search', { query: 'Database' })
  t.match(search.json.results[0], { name: 'Database', address: 'ucxl://shop/src/server/db.py' }, 'the catalog through the daemon\'s addresses op')
  const references = await call(mcp.client, 'references', { address: 'src/server/db.py' })
  t.equal(references.json.importedByTotal, 4)
  const decided = await call(mcp.client, 'decide', { affects: ['src/server/db.py'], title: 'Through the leader', rationale: 'The daemon leads' })
  t.notOk(decided.isError, decided.text)
})
