// The commands as a program uses them: --json shapes of the contract, and tables for people.
import t from 'tap'
import { writeFileSync, cpSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { cli, tempHome } from '../helpers/cli.js'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { scratchDir } from '../helpers/scratch.js'

const FIXTURE = join(PACKAGE_ROOT, 'fixtures', 'repos', 'mixed')

t.test('init, generate, retrieve, distribute, status: --json shapes', async t => {
  const home = tempHome()
  const repo = join(scratchDir('bzzz-cli-repo-'), 'shop')
  cpSync(FIXTURE, repo, { recursive: true })
  const env = { BZZZ_HOME: home }

  const init = await cli(['init', '--cluster', 'acme', '--role', 'developer', '--project', 'shop', '--json'], env)
  t.equal(init.code, 0, init.stderr)
  t.match(init.json, { cluster: 'acme', role: 'developer', project: 'shop', nodeId: /^[0-9a-f]{64}$/ })

  const generate = await cli(['generate', repo, '--json'], env)
  t.equal(generate.code, 0, generate.stderr)
  t.equal(generate.stderr, '', 'nothing on stderr with --json (no progress bar on a pipe)')
  for (const key of ['files', 'skipped', 'records', 'bytes', 'ms']) t.ok(key in generate.json, `generate --json has ${key}`)
  t.equal(generate.json.project, 'shop', 'the configured project')
  t.ok(Array.isArray(generate.json.skipped) && generate.json.skipped.every((s: any) => typeof s.path === 'string' && typeof s.reason === 'string'))
  // Nothing changed: the same run, answered without opening the store (held-generation.ts), in the same shape.
  const unchanged = await cli(['generate', repo, '--json'], env)
  t.equal(unchanged.code, 0, unchanged.stderr)
  // (A file copied within the racy window of the first run is read again: its stat data cannot prove it unchanged.)
  t.same({ ...unchanged.json, ms: 0, read: 0 }, { ...generate.json, ms: 0, read: 0, cached: generate.json.files, written: 0, unchanged: generate.json.records, bytes: 0 }, 'a generate with nothing changed: the same report, nothing analysed or written')

  const retrieve = await cli(['retrieve', 'ucxl://shop/src/server/handlers/auth.py', '--role', 'developer', '--json'], env)
  t.equal(retrieve.code, 0, retrieve.stderr)
  const r = retrieve.json
  t.equal(r.address, 'ucxl://shop/src/server/handlers/auth.py')
  t.equal(r.role, 'developer')
  t.equal(r.resolvedFrom[0], r.address, 'resolvedFrom: most specific first')
  t.equal(r.resolvedFrom.at(-1), 'ucxl://shop/', '... to the root')
  t.equal(r.context.language, 'python')
  t.ok(r.context.technologies.includes('flask') && r.context.technologies.includes('jwt'), 'the root\'s requirements.txt, and its own import')
  t.notOk(r.context.technologies.some((name: string) => ['go', 'gorilla', 'spring-boot', 'sinatra', 'tokio'].includes(name)), 'not what manifests in other folders declare')
  t.ok(r.context.symbols.every((s: any) => typeof s.name === 'string' && typeof s.kind === 'string'))
  t.ok(r.context.imports.every((i: unknown) => typeof i === 'string'))
  t.ok((r.context.insights ?? []).every((i: any) => (i.role !== undefined || i.level !== undefined) && typeof i.text === 'string'))
  t.match(r.version, { term: 1, writer: /^[0-9a-f]{64}$/, hlc: { wall: Number, logical: Number } })
  t.same(r.withheld.find((w: any) => w.address === r.address)?.levels, ['confidential', 'secret'], 'the architect\'s and security\'s sections exist, sealed for a developer')

  // Every address the one batch wrote has its history (a writer's first version of each has the same key).
  for (const address of ['ucxl://shop/src/server/handlers/auth.py', 'ucxl://shop/services/indexer/main.go', 'ucxl://shop/']) {
    const history = await cli(['history', address, '--json'], env)
    t.equal(history.code, 0, `history of ${address}: ${history.stderr}`)
    t.match(history.json.versions, [{ term: 1, current: true, conflict: false }], `one version, current: ${address}`)
  }

  const viewer = await cli(['retrieve', 'src/server/handlers/auth.py', '--role', 'viewer', '--json'], env)
  t.equal(viewer.code, 0, 'a bare path means the configured project')
  t.notOk('symbols' in viewer.json.context, 'a section the role may not read is absent, not empty')
  t.notOk('imports' in viewer.json.context)
  t.same(viewer.json.withheld.find((w: any) => w.address === viewer.json.address)?.levels, ['internal', 'confidential', 'secret'], '... and listed as withheld: hidden, not empty')
  const folder = await cli(['retrieve', 'src/server/handlers/', '--role', 'viewer', '--json'], env)
  t.equal(folder.json?.address, 'ucxl://shop/src/server/handlers', 'a bare folder path with the slash a shell completes it with')
  const strict = await cli(['retrieve', 'ucxl://shop/src/server/handlers/', '--role', 'viewer'], env)
  t.equal(strict.code, 2, 'a whole UCXL address is taken as written: only the root ends with "/"')

  const human = await cli(['retrieve', 'ucxl://shop/src/server/handlers/auth.py'], env)
  t.equal(human.code, 0)
  t.match(human.stdout, /role\s+.*developer/, 'default role: this peer\'s')
  t.match(human.stdout, /resolved from/)

  const record = join(repo, 'note.json')
  writeFileSync(record, JSON.stringify({ address: 'ucxl://shop/src/server', kind: 'directory', tags: ['payments'], insights: [{ role: 'architect', text: 'Split the handlers by tenant' }] }))
  const distribute = await cli(['distribute', '--file', record, '--roles', 'architect,developer', '--json'], env)
  t.equal(distribute.code, 0, distribute.stderr)
  t.match(distribute.json, { address: 'ucxl://shop/src/server', roles: ['architect', 'developer'], written: 1 })
  const architect = await cli(['retrieve', 'ucxl://shop/src/server/handlers/auth.py', '--role', 'architect', '--json'], env)
  t.ok(architect.json.context.insights.some((i: any) => i.text === 'Split the handlers by tenant'), 'the hand-written directory insight reaches the file')
  t.ok(architect.json.context.tags.includes('payments'))
  const unshared = await cli(['retrieve', 'ucxl://shop/src/server/handlers/auth.py', '--role', 'viewer', '--json'], env)
  t.notOk(unshared.json.context.tags?.includes('payments'), 'a hand-written record not distributed to the viewer adds nothing for it')
  t.ok(unshared.json.resolvedFrom.includes('ucxl://shop/src/server'), 'while the generated record of the folder still serves the viewer')
  t.same(unshared.json.handWritten, [])
  t.same(unshared.json.withheld.find((w: any) => w.address === 'ucxl://shop/src/server' && w.handWritten === true)?.levels, ['public', 'confidential'], 'yet the viewer learns it is there, sealed')
  const admin = await cli(['retrieve', 'ucxl://shop/src/server/handlers/auth.py', '--role', 'admin', '--json'], env)
  t.same(admin.json.withheld, [{ address: 'ucxl://shop/src/server', levels: ['public', 'confidential'], handWritten: true }], 'the admin, a recipient of every generated section, misses only the record not distributed to it')
  // A file directly in the folder: the folder's findings are the nearest of their kind (handlers/ has its own).
  const adminApp = await cli(['retrieve', 'ucxl://shop/src/server/app.py', '--role', 'admin', '--json'], env)
  t.ok(adminApp.json.context.insights.some((i: any) => /^Security findings/.test(i.text) && i.text.includes('db.py')), 'and keeps the generated sections of the folder the hand-written record lies over')
  const unsharedHuman = await cli(['retrieve', 'ucxl://shop/src/server/handlers/auth.py', '--role', 'viewer'], env)
  t.match(unsharedHuman.stdout, /withheld[^\n]*internal, confidential, secret at ucxl:\/\/shop\/src\/server\/handlers\/auth\.py[\s\S]*public, confidential at ucxl:\/\/shop\/src\/server \(hand-written\)/)

  // A generate again keeps the hand-written record: each is its own record of the address, with its own versions.
  writeFileSync(join(repo, 'src', 'server', 'extra.py'), 'def extra():\n    return 1\n')
  const regenerated = await cli(['generate', join(repo, 'src', 'server'), '--json'], env)
  t.equal(regenerated.code, 0, regenerated.stderr)
  t.ok(regenerated.json.written >= 2, 'the folder\'s generated record is written again (it has a new file)')
  const again = await cli(['retrieve', 'ucxl://shop/src/server', '--role', 'architect', '--json'], env)
  t.ok(again.json.context.insights.some((i: any) => i.text === 'Split the handlers by tenant'), 'the hand-written insight outlives a generate of its folder')
  t.same(again.json.handWritten, ['ucxl://shop/src/server'])
  const againHuman = await cli(['retrieve', 'ucxl://shop/src/server', '--role', 'architect'], env)
  t.match(againHuman.stdout, /resolved from\s+[^\n]*ucxl:\/\/shop\/src\/server \(hand-written\)/)
  const history = await cli(['history', 'ucxl://shop/src/server', '--json'], env)
  t.equal(history.code, 0, history.stderr)
  t.same(history.json.versions.filter((v: any) => v.current).map((v: any) => v.origin).sort(), ['generated', 'hand-written'], 'history: a current version of each record')

  const status = await cli(['status', '--json'], env)
  t.equal(status.code, 0)
  t.match(status.json, { node: { id: init.json.nodeId, role: 'developer' }, cluster: 'acme', leader: init.json.nodeId, term: 1, peers: 0, members: 1, viewHash: /^[0-9a-f]{64}$/ })
  const table = await cli(['status'], env)
  t.match(table.stdout, /this peer/)
  const quiet = await cli(['status', '-q'], env)
  t.equal(quiet.stdout, '', '-q prints nothing on success')
})

t.test('generate again after files are deleted or moved: counted as stale, removed with --prune; hand-written ones stay', async t => {
  const home = tempHome()
  const repo = join(scratchDir('bzzz-cli-repo-'), 'shop')
  cpSync(FIXTURE, repo, { recursive: true })
  const env = { BZZZ_HOME: home }
  t.equal((await cli(['init', '--cluster', 'acme', '--role', 'admin', '--project', 'shop'], env)).code, 0)
  const first = await cli(['generate', repo, '--json'], env)
  t.match(first.json, { removed: 0, stale: 0 }, 'nothing stale the first time')
  const hand = join(repo, '..', 'concept.json')
  writeFileSync(hand, JSON.stringify({ address: 'ucxl://shop/src/server/flows', kind: 'directory', summary: 'How a ticket moves' }))
  t.equal((await cli(['distribute', '--file', hand], env)).code, 0)
  const before = (await cli(['status', '--json'], env)).json.records

  rmSync(join(repo, 'src', 'server', 'db.py'))
  renameSync(join(repo, 'src', 'server', 'handlers'), join(repo, 'src', 'server', 'routes'))
  const one = await cli(['generate', join(repo, 'src', 'server', 'config.py'), '--root', repo, '--prune', '--json'], env)
  t.match(one.json, { removed: 0, stale: 0 }, 'a generate of one file sees nothing gone')
  // The repo is not a git work tree: --root keeps the addresses of the first generate.
  const counted = await cli(['generate', join(repo, 'src'), '--root', repo], env)
  t.equal(counted.code, 0, counted.stderr)
  t.match(counted.stdout, /6 address\(es\) an earlier generate wrote under src were not found this time .* Run again with --prune to remove them/, 'db.py, and handlers/ with its four files: counted')
  t.equal((await cli(['retrieve', 'src/server/db.py', '--role', 'developer'], env)).code, 0, 'without --prune a stale address still answers')

  const pruned = await cli(['generate', join(repo, 'src'), '--root', repo, '--prune', '--json'], env)
  t.equal(pruned.code, 0, pruned.stderr)
  t.match(pruned.json, { removed: 6, stale: 0 })
  t.equal(pruned.json.records, pruned.json.written + pruned.json.unchanged, 'records add up, below the root too (where the project record is left as it is)')
  for (const gone of ['src/server/db.py', 'src/server/handlers', 'src/server/handlers/auth.py']) {
    const run = await cli(['retrieve', gone, '--role', 'developer'], env)
    t.equal(run.code, 4, `${gone} is gone`)
    t.match(run.stderr, /it was removed when its folder was generated again without it/)
  }
  t.equal((await cli(['retrieve', 'src/server/routes/auth.py', '--role', 'developer', '--json'], env)).json.context.language, 'python', 'the moved file is at its new address')
  t.equal((await cli(['retrieve', 'src/server/flows', '--role', 'developer', '--json'], env)).json.context.summary, 'How a ticket moves', 'a hand-written record is never removed')
  t.equal((await cli(['status', '--json'], env)).json.records, before - 6 + 5, 'status counts what is there: 6 removed, routes/ and its four files added')
  const history = await cli(['history', 'src/server/db.py', '--json'], env)
  t.match(history.json.versions, [{ current: false }, { current: true, removed: true }], 'history keeps the versions; the current one is the removal')
  const table = await cli(['generate', join(repo, 'src'), '--root', repo, '--prune'], env)
  t.notMatch(table.stdout, /Removed|not found this time/, 'nothing more to remove')
})
