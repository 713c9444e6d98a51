import t from 'tap'
import { spawn } from 'node:child_process'
import { appendFileSync, cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readGitCommit } from '../../src/intelligence/source-state.js'
import { decodeEntry, encodeEntry, type ContextEntry } from '../../src/storage/log-entry.js'
import { BIN, cli } from '../helpers/cli.js'
import { call, FIXTURE, mcpClient } from '../helpers/mcp.js'
import { scratchDir } from '../helpers/scratch.js'

const COMMIT = 'a'.repeat(40)
const OTHER = 'b'.repeat(40)

t.test('the commit checked out is read from .git without git: a branch, packed refs, a detached head, a linked work tree', async t => {
  const root = scratchDir('bzzz-git-')
  t.equal(readGitCommit(root), null, 'no repository')
  mkdirSync(join(root, '.git', 'refs', 'heads'), { recursive: true })
  writeFileSync(join(root, '.git', 'HEAD'), 'ref: refs/heads/main\n')
  t.equal(readGitCommit(root), null, 'an unborn branch')
  writeFileSync(join(root, '.git', 'packed-refs'), `# pack-refs with: peeled\n${OTHER} refs/heads/main\n`)
  t.equal(readGitCommit(root), OTHER, 'a packed ref')
  writeFileSync(join(root, '.git', 'refs', 'heads', 'main'), COMMIT + '\n')
  t.equal(readGitCommit(root), COMMIT, 'the loose ref wins over the packed one')
  const linked = scratchDir('bzzz-git-wt-')
  mkdirSync(join(root, '.git', 'worktrees', 'wt'), { recursive: true })
  writeFileSync(join(root, '.git', 'worktrees', 'wt', 'HEAD'), 'ref: refs/heads/main\n')
  writeFileSync(join(root, '.git', 'worktrees', 'wt', 'commondir'), '../..\n')
  writeFileSync(join(linked, '.git'), `gitdir: ${join(root, '.git', 'worktrees', 'wt')}\n`)
  t.equal(readGitCommit(linked), COMMIT, 'a linked work tree reads its refs from the common directory')
  writeFileSync(join(root, '.git', 'HEAD'), OTHER + '\n')
  t.equal(readGitCommit(root), OTHER, 'a detached head')
})

t.test('a context header carries its source, and a malformed one is refused', async t => {
  const version = { term: 1, hlc: { wall: 1, logical: 0 }, writer: 'w', vv: { w: 1 } }
  const entry: ContextEntry = { type: 'context', address: 'ucxl://p/a.py', kind: 'file', inherits: true, version, generated: true, source: { commit: COMMIT, hash: 'c'.repeat(64) }, envelope: Buffer.alloc(0) }
  t.same((decodeEntry(encodeEntry(entry)) as ContextEntry).source, entry.source)
  for (const source of [{ hash: 'short' }, { hash: 'c'.repeat(64), commit: 'main' }, { hash: 'c'.repeat(64), extra: 1 }, 'c'.repeat(64)]) {
    t.throws(() => decodeEntry(encodeEntry({ ...entry, source } as unknown as ContextEntry)), { code: 'CORRUPT' }, JSON.stringify(source))
  }
  const { generated: _generated, ...handWritten } = entry
  t.throws(() => decodeEntry(encodeEntry(handWritten as ContextEntry)), { code: 'CORRUPT' }, 'only a generated record has a source')
})

/** A copy of the fixture as a git work tree at COMMIT (a .git of files: no git needed), and a home generated from it. */
async function generatedTree (): Promise<{ home: string, repo: string }> {
  const dir = scratchDir('bzzz-fresh-')
  const repo = join(dir, 'repo')
  cpSync(FIXTURE, repo, { recursive: true })
  mkdirSync(join(repo, '.git', 'refs', 'heads'), { recursive: true })
  writeFileSync(join(repo, '.git', 'HEAD'), 'ref: refs/heads/main\n')
  writeFileSync(join(repo, '.git', 'refs', 'heads', 'main'), COMMIT + '\n')
  const home = join(dir, 'home')
  const init = await cli(['--home', home, 'init', '--cluster', 'acme', '--role', 'admin', '--project', 'shop', '-q'])
  if (init.code !== 0) throw new Error(init.stderr)
  const generate = await cli(['--home', home, 'generate', repo, '-q'])
  if (generate.code !== 0) throw new Error(generate.stderr)
  return { home, repo }
}

t.test('status says when the project was generated, from which commit, and which addresses are stale against the tree', async t => {
  const { home, repo } = await generatedTree()
  const fresh = await cli(['--home', home, 'status', '--root', repo, '--json'])
  t.equal(fresh.code, 0, fresh.stderr)
  t.match(fresh.json.freshness, { project: 'shop', root: repo, commit: COMMIT, lastGenerated: { commit: COMMIT }, stale: [], staleTotal: 0 })
  t.ok(fresh.json.freshness.checked > 40, 'every generated record compared')

  appendFileSync(join(repo, 'src', 'server', 'app.py'), '# changed\n')
  rmSync(join(repo, 'src', 'server', 'config.py'))
  writeFileSync(join(repo, 'src', 'web', 'extra.ts'), 'export const x = 1\n')
  writeFileSync(join(repo, 'src', 'web', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]))
  writeFileSync(join(repo, '.git', 'refs', 'heads', 'main'), OTHER + '\n')
  const stale = await cli(['--home', home, 'status', '--root', repo, '--json'])
  t.same(stale.json.freshness.stale, [
    { address: 'ucxl://shop/src/server/app.py', reason: 'changed' },
    { address: 'ucxl://shop/src/server/config.py', reason: 'removed' },
    { address: 'ucxl://shop/src/web', reason: 'new' }
  ], 'a changed file, a removed one, and the folder a text file was added to (a picture is no news)')
  t.equal(stale.json.freshness.commit, OTHER)
  const table = await cli(['--home', home, 'status', '--root', repo])
  t.match(table.stdout, /stale\s+│ 3 of \d+ records/)
  t.match(table.stdout, /changed: ucxl:\/\/shop\/src\/server\/app\.py/)

  // A generate again makes them fresh, and what was unchanged keeps the commit it was made at.
  const again = await cli(['--home', home, 'generate', repo, '--prune', '--json'])
  t.equal(again.code, 0, again.stderr)
  const after = await cli(['--home', home, 'status', '--root', repo, '--json'])
  t.same(after.json.freshness.stale, [])
  t.equal(after.json.freshness.lastGenerated.commit, OTHER)

  const mcp = await mcpClient(home, ['--root', repo])
  try {
    appendFileSync(join(repo, 'src', 'server', 'db.py'), '# changed\n')
    const status = await call(mcp.client, 'status')
    t.same(status.json.freshness.stale, [{ address: 'ucxl://shop/src/server/db.py', reason: 'changed' }], 'the MCP status tool says the same')
  } finally {
    await mcp.close()
  }
})

t.test('generate --watch generates again when files change, and Ctrl-C ends it cleanly', async t => {
  const { home, repo } = await generatedTree()
  const child = spawn(process.execPath, [BIN, '--home', home, 'generate', repo, '--watch', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const exited = new Promise<number | null>(resolve => child.on('close', code => resolve(code)))
  const lines = (): any[] => stdout.split('\n').filter(line => line.startsWith('{')).map(line => JSON.parse(line))
  const until = async (check: () => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 300 && !check(); i++) await new Promise(resolve => setTimeout(resolve, 100))
    if (!check()) { child.kill('SIGKILL'); throw new Error(`timed out waiting for ${what}: ${stderr}`) }
  }
  await until(() => lines().length >= 1, 'the first run')
  t.equal(lines()[0].unchanged, lines()[0].records, 'the first run finds the tree as generated')
  // Watching starts after the first run's report; a change right then may be missed by a slow watcher set-up.
  await new Promise(resolve => setTimeout(resolve, 500))
  appendFileSync(join(repo, 'src', 'server', 'app.py'), 'def added():\n    return 2\n')
  appendFileSync(join(repo, 'src', 'server', 'db.py'), '# two changes, one run\n')
  await until(() => lines().length >= 2, 'a run after the change')
  const run = lines()[1]
  t.same(run.changed, ['src/server/app.py', 'src/server/db.py'], 'debounced: both changes in one run')
  t.ok(run.written >= 2, 'the changed files written again')
  child.kill('SIGINT')
  t.equal(await exited, 0, 'Ctrl-C ends it with 0')
  const status = await cli(['--home', home, 'status', '--root', repo, '--json'])
  t.same(status.json.freshness.stale, [], 'the tree is fresh')
  const retrieved = await cli(['--home', home, 'retrieve', 'ucxl://shop/src/server/app.py', '--role', 'developer', '--json'])
  t.ok(retrieved.json.context.symbols.some((s: any) => s.name === 'added'), 'the new function is in its context')
})
