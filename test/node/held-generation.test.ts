// A generate with nothing changed, answered without opening the store (held-generation.ts); anything that would write
// goes on to the peer, which takes the analysis already made, and writes what the same generate writes without it.
import t, { type Test } from 'tap'
import { cpSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RACY_FINE_WINDOW_MS } from '../../src/intelligence/cache.js'
import { generateWithoutStore } from '../../src/node/held-generation.js'
import { homePaths } from '../../src/node/home.js'
import { LocalPeer, type GenerateOptions } from '../../src/node/local-peer.js'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { stampedViewHash } from '../../src/storage/store-stamp.js'
import { rejectsCode } from '../helpers/errors.js'
import { scratchDir } from '../helpers/scratch.js'

const FIXTURE = join(PACKAGE_ROOT, 'fixtures', 'repos', 'mixed')
const AUTH = 'src/server/handlers/auth.py'

/** A home that generated a copy of the fixture, closed: its records' count. */
async function generatedHome (t: Test): Promise<{ home: string, repo: string, records: number }> {
  const home = join(scratchDir('bzzz-peer-'), 'home')
  await LocalPeer.init(home, { cluster: 'test', role: 'admin' })
  const repo = join(scratchDir('bzzz-repo-'), 'mixed')
  cpSync(FIXTURE, repo, { recursive: true })
  // Older than the racy window when the first run checks them, so their stat data prove them unchanged afterwards.
  await new Promise(resolve => setTimeout(resolve, 2 * RACY_FINE_WINDOW_MS))
  const peer = await LocalPeer.open(home)
  const first = await peer.generate({ path: repo, project: 'mixed' })
  await peer.close()
  t.ok(first.files > 5 && first.written === first.records)
  return { home, repo, records: first.records }
}

/** What shows that RocksDB opened the store's database: it starts a new information log each time (LOG.old.* grow). */
function databaseOpens (home: string): string {
  const db = join(homePaths(home).store, 'db')
  return JSON.stringify([readdirSync(db).filter(name => name.startsWith('LOG')).sort(), statSync(join(db, 'LOG')).mtimeMs])
}

/** A generate through the peer, handed what generateWithoutStore opened when it did not answer. */
async function throughPeer (home: string, options: GenerateOptions): Promise<{ report: Awaited<ReturnType<LocalPeer['generate']>>, ahead: boolean }> {
  const first = await generateWithoutStore(home, options)
  if ('report' in first) throw new Error('answered without the store')
  const peer = await LocalPeer.open(home, { opened: first })
  try {
    return { report: await peer.generate(options), ahead: first.analysed !== undefined }
  } finally {
    await peer.close()
  }
}

t.test('a generate with nothing changed is answered without opening the store, as the peer answers it', async t => {
  const { home, repo, records } = await generatedHome(t)
  const opens = databaseOpens(home)
  const held = await generateWithoutStore(home, { path: repo, project: 'mixed' })
  if (!('report' in held)) throw new Error('not answered')
  t.same([held.report.records, held.report.written, held.report.unchanged, held.report.removed, held.report.read], [records, 0, records, 0, 0], 'every record unchanged, no file read')
  t.equal(held.report.cached, held.report.files)
  t.equal(databaseOpens(home), opens, 'the database was not opened')

  // The peer, opening the store, says the same.
  const peer = await LocalPeer.open(home)
  const viewHash = peer.store.viewHash
  const report = await peer.generate({ path: repo, project: 'mixed' })
  await peer.close()
  const { ms: _a, ...withStore } = report
  const { ms: _b, ...without } = held.report
  t.same(without, withStore, 'the same report')
  t.equal(stampedViewHash(homePaths(home).store), viewHash)

  // Another root, project or set of roles is another run: not answered from this one's.
  for (const other of [{ path: repo, project: 'other' }, { path: repo, project: 'mixed', roles: ['developer'] }, { path: join(repo, 'src'), project: 'mixed' }]) {
    t.notOk('report' in await generateWithoutStore(home, other), `not answered: ${JSON.stringify(other).replace(repo, 'REPO')}`)
  }
})

t.test('an edit goes on to the peer with its analysis: one file read once, its records written, answered next time', async t => {
  const { home, repo } = await generatedHome(t)
  const file = join(repo, AUTH)
  const edited = readFileSync(file, 'utf8').replace(/def (\w+)/, 'def renamed_$1')
  writeFileSync(file, edited)
  const options = { path: repo, project: 'mixed' }
  const { report, ahead } = await throughPeer(home, options)
  t.ok(ahead, 'the peer took the analysis made before it opened')
  t.same([report.files - report.cached, report.read], [1, 1], 'the edited file analysed and read once in all')
  t.ok(report.written >= 1 && report.written < report.records, 'its records written, not the others')
  const peer = await LocalPeer.open(home, { readOnly: true })
  const dev = await peer.retrieve(`ucxl://mixed/${AUTH}`, 'developer')
  await peer.close()
  t.ok(dev.context.symbols!.some(s => s.name.startsWith('renamed_')), 'the edited symbol is stored')
  const next = await generateWithoutStore(home, options)
  t.ok('report' in next && next.report.written === 0, 'and the next run is answered without the store')
})

t.test('a store changed since the run (a write of another command, a file touched) is opened', async t => {
  const { home, repo, records } = await generatedHome(t)
  const options = { path: repo, project: 'mixed' }
  // A hand-written record: the store's view is not the one the run left, so the records are offered again.
  const peer = await LocalPeer.open(home)
  await peer.distribute({ address: 'ucxl://mixed/NOTES', kind: 'file', summary: 'Notes' }, undefined, 'notes.json')
  await peer.close()
  const { report, ahead } = await throughPeer(home, options)
  t.ok(ahead, 'the store was closed as its writer left it: analysed ahead')
  t.same([report.records, report.written, report.unchanged], [records, 0, records], 'offered again, found unchanged')
  t.ok('report' in await generateWithoutStore(home, options), 'and held again')

  // A store file touched behind the store's back: no stamp stands, the peer runs it all.
  const current = join(homePaths(home).store, 'db', 'CURRENT')
  const { atimeMs, mtimeMs } = statSync(current)
  utimesSync(current, atimeMs / 1000, mtimeMs / 1000 + 1)
  const touched = await throughPeer(home, options)
  t.notOk(touched.ahead, 'nothing analysed before the store opened')
  t.same([touched.report.records, touched.report.written], [records, 0])
})

t.test('a copied home is not answered from its stamp: the copy is refused as before', async t => {
  const { home, repo } = await generatedHome(t)
  const copy = join(scratchDir('bzzz-copy-'), 'home')
  // Times kept, as `cp -a` keeps them: the files' inodes and change times are still new.
  cpSync(home, copy, { recursive: true, preserveTimestamps: true })
  const first = await generateWithoutStore(copy, { path: repo, project: 'mixed' })
  t.notOk('report' in first, 'no stamp stands for the copy')
  t.notOk('report' in first ? false : first.analysed !== undefined, 'nothing analysed ahead')
  await rejectsCode(t, async () => await LocalPeer.open(copy), 'CORRUPT', /is a copy of another/)
})
