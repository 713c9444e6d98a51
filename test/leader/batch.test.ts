// Batched generation on a real store and coordinator, in process: requests queued together are analysed in one run,
// written in one write and acknowledged once, and each completes on its own, with its own report; one whose files do
// not open, or whose tree does not analyse, fails alone. The records are those the requests write one at a time.
import t from 'tap'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { LocalPeer } from '../../src/node/local-peer.js'
import { Coordinator, packFiles, type CompletionHeader } from '../../src/leader/coordinator.js'
import { coordinatorHostOf, sealRequestFiles } from '../../src/node/coordinator-host.js'
import { silentLogger } from '../../src/node/logger.js'
import { systemClock } from '../../src/clock.js'
import { scratchDir } from '../helpers/scratch.js'

const FILES: Record<string, string> = {
  'a.py': 'import lib.d\n\ndef a():\n    return lib.d.d()\n',
  'b.py': 'def b():\n    """Gives two."""\n    return 2\n',
  'lib/d.py': 'def d():\n    return 4\n',
  'web/c.ts': 'export function c (): number { return 3 }\n'
}

interface Leader {
  peer: LocalPeer
  coordinator: Coordinator
  /** How many requests each call of the analysis was given. */
  generateCalls: number[]
  /** The kinds of acknowledgement waited for, in order. */
  acks: string[]
}

/** A leader whose queue is not started until `lead` (so that what is accepted before queues together). */
async function leaderOf (home: string, t: { teardown: (fn: () => unknown) => void }, batchSize?: number): Promise<Leader> {
  await LocalPeer.init(home, { cluster: 'c', role: 'admin', project: 'p' })
  const peer = await LocalPeer.open(home)
  t.teardown(() => peer.close())
  const host = coordinatorHostOf(peer)
  const generateCalls: number[] = []
  const acks: string[] = []
  const coordinator = new Coordinator({
    ...host,
    generate: async runs => { generateCalls.push(runs.length); return await host.generate(runs) },
    logger: silentLogger(),
    clock: systemClock,
    leadership: () => ({ term: 1, isLeader: true, hasLease: true }),
    acknowledge: async kind => { acks.push(kind); return { holders: 1, required: 1 } },
    announce: () => {}
  }, { concurrency: 1, ...(batchSize !== undefined ? { batchSize } : {}) })
  coordinator.start()
  t.teardown(() => coordinator.stop())
  return { peer, coordinator, generateCalls, acks }
}

function writeTree (root: string): void {
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
}

/** Accepts a request for `path` whose files are `payload` (by default the tree's files under it, packed). */
async function accept (leader: Leader, tree: string, id: string, path: string, payload?: Buffer): Promise<void> {
  const packed = payload ?? (await packFiles(tree, join(tree, path))).parts[0]!.payload
  const request = { id, address: `ucxl://p/${path}`, project: 'p', path }
  await leader.coordinator.accept({ ...request, priority: 'normal', requester: leader.peer.config.nodeId, sealed: sealRequestFiles(leader.peer, request, packed).sealed })
}

t.test('requests queued together: one analysis, one write, one acknowledgement; each completes alone, a bad one fails alone', async t => {
  const dir = scratchDir('bzzz-batch-')
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const tree = join(dir, 'tree')
  writeTree(tree)
  const leader = await leaderOf(join(dir, 'home'), t)
  const paths = Object.keys(FILES)
  for (const [i, path] of paths.entries()) await accept(leader, tree, `req-${i}`, path)
  // Files that do not decompress fail when they are opened; a target its files do not hold fails in the analysis.
  await accept(leader, tree, 'req-garbled', 'garbled.py', Buffer.from('not gzip at all'))
  await accept(leader, tree, 'req-missing', 'missing.py', gzipSync(JSON.stringify({ path: 'missing.py', files: [] })))
  t.same(leader.acks, paths.map(() => 'request').concat(['request', 'request']), 'each request acknowledged as it was accepted')
  leader.acks.length = 0

  leader.coordinator.leadership(true, 1)
  const ids = [...paths.map((_, i) => `req-${i}`), 'req-garbled', 'req-missing']
  const completions = new Map<string, CompletionHeader>()
  for (const id of ids) completions.set(id, await leader.coordinator.completion(id, 30_000))

  t.same(leader.generateCalls, [paths.length + 1], 'the requests whose files opened were analysed in one run')
  t.same(leader.acks, ['records'], 'and their records acknowledged once')
  for (const [i, path] of paths.entries()) {
    const completion = completions.get(`req-${i}`)!
    t.equal(completion.status, 'completed', `${path} completed`)
    t.match(completion.report, { files: 1, skipped: 0, acknowledged: { holders: 1, required: 1 } }, `${path}: its own report`)
    t.ok(completion.report!.records >= 1 && completion.report!.records === completion.report!.written + completion.report!.unchanged)
    const read = await leader.peer.retrieve(`ucxl://p/${path}`, 'admin')
    t.ok(read.context.summary, `${path}'s record is in the store`)
  }
  t.match(completions.get('req-garbled'), { status: 'failed', error: /do not decompress/ }, 'the garbled request failed alone')
  t.match(completions.get('req-missing'), { status: 'failed', error: /missing\.py/ }, 'so did the one whose analysis failed')
  const rows = new Map(leader.coordinator.queue.list().map(row => [row.id, row]))
  t.same(ids.map(id => rows.get(id)?.state), [...paths.map(() => 'completed'), 'failed', 'failed'], 'queue ls shows each request on its own')
  t.notOk([...rows.values()].some(row => 'batchKey' in row), 'and no batch key')
})

t.test('a batch writes the records its requests write one at a time', async t => {
  const dir = scratchDir('bzzz-batch-')
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const tree = join(dir, 'tree')
  writeTree(tree)
  const batched = await leaderOf(join(dir, 'batched'), t)
  const alone = await leaderOf(join(dir, 'alone'), t, 1)
  const paths = ['.', ...Object.keys(FILES), 'lib']
  for (const leader of [batched, alone]) {
    for (const [i, path] of paths.entries()) await accept(leader, tree, `req-${i}`, path)
    leader.coordinator.leadership(true, 1)
    for (const i of paths.keys()) t.equal((await leader.coordinator.completion(`req-${i}`, 30_000)).status, 'completed')
  }
  t.same(batched.generateCalls, [paths.length], 'one run for all')
  t.same(alone.generateCalls, paths.map(() => 1), 'one run each')
  for (const i of paths.keys()) {
    const [a, b] = await Promise.all([batched, alone].map(async leader => (await leader.coordinator.completion(`req-${i}`, 1_000)).report!))
    t.same([a.files, a.records, a.written], [b.files, b.records, b.written], `request ${paths[i]}: the same report`)
  }
  const addresses = batched.peer.store.liveAddresses().map(a => a.address).sort()
  t.same(addresses, alone.peer.store.liveAddresses().map(a => a.address).sort(), 'the same addresses')
  for (const address of addresses) {
    t.same((await batched.peer.retrieve(address, 'admin')).context, (await alone.peer.retrieve(address, 'admin')).context, `${address}: the same context`)
  }
})

t.test('a request whose files name paths no tree can hold fails alone, with what is wrong, and writes nothing', async t => {
  const dir = scratchDir('bzzz-batch-')
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const tree = join(dir, 'tree')
  writeTree(tree)
  const leader = await leaderOf(join(dir, 'home'), t)
  const payload = (path: string, files: Array<{ path: string, text: string }>): Buffer =>
    gzipSync(JSON.stringify({ path, files: files.map(file => ({ path: file.path, content: Buffer.from(file.text).toString('base64') })) }))
  const bad: Array<[string, Buffer, RegExp]> = [
    ['req-up', payload('.', [{ path: '../escape.py', text: 'x = 1\n' }]), /outside its root/],
    ['req-absolute', payload('.', [{ path: '/etc/escape.py', text: 'x = 1\n' }]), /outside its root/],
    ['req-target-up', payload('../..', [{ path: 'a.py', text: 'x = 1\n' }]), /outside its root/],
    ['req-root-file', payload('.', [{ path: '.', text: 'x = 1\n' }]), /its root folder itself/],
    ['req-both', payload('.', [{ path: 'm.py', text: 'x = 1\n' }, { path: 'm.py/n.py', text: 'y = 2\n' }]), /m\.py as both a file and a folder/],
    ['req-no-files', gzipSync(JSON.stringify({ path: '.', files: 'none' })), /malformed request payload/]
  ]
  // Each for an address of its own: a later request for the same address would supersede it.
  for (const [i, [id, sealed]] of bad.entries()) await accept(leader, tree, id, `bad-${i}`, sealed)
  await accept(leader, tree, 'req-good', 'a.py')
  leader.coordinator.leadership(true, 1)
  for (const [id, , error] of bad) t.match(await leader.coordinator.completion(id, 30_000), { status: 'failed', error }, `${id} failed: ${String(error)}`)
  t.match(await leader.coordinator.completion('req-good', 30_000), { status: 'completed', report: { files: 1 } }, 'the good request beside them completed')
  t.same(leader.peer.store.generatedUnder('ucxl://p/').sort(), ['ucxl://p/', 'ucxl://p/a.py'], 'only its records were written')
})
