// The analysis cache of a home: a run with nothing changed reads no file and opens no stored analysis; an edit that
// keeps the size and the mtime is still caught; a damaged entry costs that one file's analysis, never a wrong answer.
import t, { type Test } from 'tap'
import { cpSync, openSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync, writeSync, closeSync } from 'node:fs'
import { join } from 'node:path'
import { RACY_FINE_WINDOW_MS } from '../../src/intelligence/cache.js'
import { LocalPeer } from '../../src/node/local-peer.js'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { scratchDir } from '../helpers/scratch.js'

const FIXTURE = join(PACKAGE_ROOT, 'fixtures', 'repos', 'mixed')
const AUTH = 'src/server/handlers/auth.py'

async function generatedPeer (t: Test): Promise<{ peer: LocalPeer, repo: string, records: number }> {
  const home = join(scratchDir('bzzz-peer-'), 'home')
  await LocalPeer.init(home, { cluster: 'test', role: 'admin' })
  const peer = await LocalPeer.open(home)
  t.teardown(() => peer.close())
  const repo = join(scratchDir('bzzz-repo-'), 'mixed')
  cpSync(FIXTURE, repo, { recursive: true })
  // A whole second, as a file system with coarse stamps keeps it, so a later write can be given the very same mtime.
  const second = Math.floor(Date.now() / 1000) - 1
  utimesSync(join(repo, AUTH), second, second)
  // Older than the racy window when the first run checks them, so their stat data prove them unchanged afterwards.
  await new Promise(resolve => setTimeout(resolve, 2 * RACY_FINE_WINDOW_MS))
  const first = await peer.generate({ path: repo, project: 'mixed' })
  t.ok(first.files > 5 && first.written === first.records)
  return { peer, repo, records: first.records }
}

function entriesFile (home: string): string {
  const name = readdirSync(join(home, 'cache')).find(n => /^analysis-entries\.\d+\.bin$/.test(n))
  if (name === undefined) throw new Error('no entries file')
  return join(home, 'cache', name)
}

t.test('a run with nothing changed reads no file and opens no stored analysis', async t => {
  const { peer, repo, records } = await generatedPeer(t)
  // Every stored analysis made unreadable: a run that opened one would find it damaged and analyse its file again.
  const entries = entriesFile(peer.home)
  writeFileSync(entries, Buffer.alloc(statSync(entries).size, 0x5a))
  const again = await peer.generate({ path: repo, project: 'mixed' })
  t.equal(again.read, 0, 'no file read: each known from its stat data')
  t.equal(again.cached, again.files)
  t.same([again.records, again.written, again.unchanged, again.removed], [records, 0, records, 0], 'the same records, none written')
  const dev = await peer.retrieve(`ucxl://mixed/${AUTH}`, 'developer')
  t.ok((dev.context.symbols ?? []).length > 0, 'the stored records still answer')
})

t.test('an edit that keeps the size and the mtime (the same second) is caught', async t => {
  const { peer, repo } = await generatedPeer(t)
  const file = join(repo, AUTH)
  const before = statSync(file)
  const text = readFileSync(file, 'utf8')
  const edited = text.replace(/def (\w)/, (_, c: string) => `def ${c === 'z' ? 'y' : 'z'}`)
  t.not(edited, text)
  t.equal(Buffer.byteLength(edited), before.size, 'the same size')
  writeFileSync(file, edited)
  utimesSync(file, before.mtimeMs / 1000, before.mtimeMs / 1000)
  t.equal(statSync(file).mtimeMs, before.mtimeMs, 'the same mtime')
  const run = await peer.generate({ path: repo, project: 'mixed' })
  t.equal(run.files - run.cached, 1, 'the edited file is analysed again')
  t.ok(run.written >= 1)
  const dev = await peer.retrieve(`ucxl://mixed/${AUTH}`, 'developer')
  const name = /def (\w+)/.exec(edited)![1]!
  t.ok(dev.context.symbols!.some(s => s.name === name), `the edited symbol ${name} is there`)
})

t.test('a damaged entry costs one file\'s analysis, and the records come out right', async t => {
  const { peer, repo } = await generatedPeer(t)
  const expected = await peer.retrieve(`ucxl://mixed/${AUTH}`, 'admin')
  // One byte flipped in the middle of the entries file: one sealed analysis no longer opens.
  const entries = entriesFile(peer.home)
  const fd = openSync(entries, 'r+')
  const middle = Math.floor(statSync(entries).size / 2)
  const byte = Buffer.alloc(1)
  const { readSync } = await import('node:fs')
  readSync(fd, byte, 0, 1, middle)
  writeSync(fd, Buffer.from([byte[0]! ^ 0xff]), 0, 1, middle)
  closeSync(fd)
  // Another file changed, so the records are built and every analysis is needed.
  const other = join(repo, 'src', 'server', 'db.py')
  writeFileSync(other, readFileSync(other, 'utf8') + '\n\ndef added_for_the_test():\n    return 1\n')
  const run = await peer.generate({ path: repo, project: 'mixed' })
  t.equal(run.files - run.cached, 2, 'the changed file and the one whose entry was damaged')
  t.equal(run.read, 2)
  t.same(await peer.retrieve(`ucxl://mixed/${AUTH}`, 'admin'), expected, 'an unchanged file reads as before')
  const db = await peer.retrieve('ucxl://mixed/src/server/db.py', 'developer')
  t.ok(db.context.symbols!.some(s => s.name === 'added_for_the_test'))
  const next = await peer.generate({ path: repo, project: 'mixed' })
  t.equal(next.files - next.cached, 0, 'the damaged entry was written again')
})
