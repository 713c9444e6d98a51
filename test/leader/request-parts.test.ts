// A tree sent to the leader in several requests (parts) generates the records one request of the whole tree would:
// the directory and project records speak for every part, and --prune removes only what is gone from the tree, never
// what another part carries. On a real store and coordinator, in process (test/cluster/generate-parts.test.ts runs
// the same through real daemons).
import t from 'tap'
import { mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { LocalPeer } from '../../src/node/local-peer.js'
import { Coordinator, packFiles, partition } from '../../src/leader/coordinator.js'
import { coordinatorHostOf, sealRequestFiles } from '../../src/node/coordinator-host.js'
import { silentLogger } from '../../src/node/logger.js'
import { systemClock } from '../../src/clock.js'
import { scratchDir } from '../helpers/scratch.js'

const FILES: Record<string, string> = {
  'top.py': 'import pkg.a.x\n\ndef top():\n    return pkg.a.x.x()\n',
  'pkg/__init__.py': '"""The package."""\n',
  'pkg/a/__init__.py': '"""Part a."""\n',
  'pkg/a/x.py': 'def x():\n    """Gives one."""\n    return 1\n' + '# padding\n'.repeat(20),
  'pkg/a/y.py': 'from pkg.a.x import x\n\ndef y():\n    return x() + 1\n' + '# padding\n'.repeat(20),
  'pkg/b/__init__.py': '"""Part b."""\n',
  'pkg/b/z.py': 'def z():\n    return 3\n' + '# padding\n'.repeat(20),
  'tools/t.py': 'import os\n\ndef t():\n    return os.getcwd()\n' + '# padding\n'.repeat(20)
}
/** Small enough that the tree above goes in several parts, large enough for its largest file. */
const PART_BYTES = 300

function writeTree (root: string): void {
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
}

async function leaderOf (home: string, t: { teardown: (fn: () => unknown) => void }): Promise<{ peer: LocalPeer, coordinator: Coordinator }> {
  await LocalPeer.init(home, { cluster: 'c', role: 'admin', project: 'p' })
  const peer = await LocalPeer.open(home)
  t.teardown(() => peer.close())
  const coordinator = new Coordinator({
    ...coordinatorHostOf(peer),
    logger: silentLogger(),
    clock: systemClock,
    leadership: () => ({ term: 1, isLeader: true, hasLease: true }),
    acknowledge: async () => ({ holders: 1, required: 1 }),
    announce: () => {}
  }, { concurrency: 1 })
  coordinator.start()
  t.teardown(() => coordinator.stop())
  coordinator.leadership(true, 1)
  return { peer, coordinator }
}

let sent = 0
/** Sends the tree as the cluster's generate does: every part in order, the last one last; waits for the last. */
async function generateInParts (peer: LocalPeer, coordinator: Coordinator, tree: string, partBytes: number, prune = false): Promise<{ parts: number, ids: string[], report: any }> {
  const { parts } = await packFiles(tree, tree, partBytes)
  const group = `group-${++sent}`
  const ids: string[] = []
  for (const [index, part] of parts.entries()) {
    const request = { id: `${group}-part-${index}`, address: 'ucxl://p/', project: 'p', path: '.' }
    await coordinator.accept({
      ...request, priority: 'normal', requester: peer.config.nodeId, ...(prune ? { prune: true } : {}),
      ...(parts.length > 1 ? { part: { group, index, count: parts.length } } : {}), sealed: sealRequestFiles(peer, request, part.payload).sealed
    })
    ids.push(request.id)
  }
  const completion = await coordinator.completion(ids[ids.length - 1]!, 30_000)
  if (completion.status !== 'completed') throw new Error(`the last part ${completion.status}: ${completion.error}`)
  return { parts: parts.length, ids, report: completion.report }
}

async function contexts (peer: LocalPeer): Promise<Map<string, unknown>> {
  const seen = new Map<string, unknown>()
  for (const { address } of await peer.addresses()) seen.set(address, (await peer.retrieve(address, 'admin', 1)).context)
  return seen
}

t.test('partition: folders in depth-first order, a part within its bytes, a folder kept whole where it fits', async t => {
  const files = [
    { path: 'z.py', size: 10 }, { path: 'a/b/c.py', size: 40 }, { path: 'a/x.py', size: 30 }, { path: 'a-b/y.py', size: 30 },
    { path: 'a/b/d.py', size: 40 }, { path: 'big.bin', size: 500 }
  ]
  const parts = partition(files, 100).map(part => part.map(file => file.path))
  t.same(parts, [['big.bin'], ['z.py', 'a/x.py'], ['a/b/c.py', 'a/b/d.py'], ['a-b/y.py']],
    'a file over the size alone, the rest of the root with a, then a/b whole (80 of 100 bytes), then its sibling a-b')
  t.same(partition([], 100), [[]], 'an empty tree is one empty part')
  t.equal(partition(files, 1_000).length, 1, 'a tree within the size is one part')
})

t.test('a tree in parts gives the records of one request of it, and --prune in parts removes only what is gone', async t => {
  const dir = scratchDir('bzzz-parts-')
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const tree = join(dir, 'tree')
  writeTree(tree)

  const whole = await leaderOf(join(dir, 'whole'), t)
  const one = await generateInParts(whole.peer, whole.coordinator, tree, 1024 * 1024)
  t.equal(one.parts, 1, 'the reference: the whole tree in one request')
  const inParts = await leaderOf(join(dir, 'parts'), t)
  const split = await generateInParts(inParts.peer, inParts.coordinator, tree, PART_BYTES)
  t.ok(split.parts >= 3, `the tree went in ${split.parts} parts`)
  t.equal(split.report.files, Object.keys(FILES).length, 'the last part\'s run analysed every part\'s files')
  t.equal(split.report.records, one.report.records, 'and wrote as many records as one request of the tree')

  const expected = await contexts(whole.peer)
  const got = await contexts(inParts.peer)
  t.same([...got.keys()].sort(), [...expected.keys()].sort(), 'the same addresses: every file, every folder, the project')
  for (const [address, context] of expected) t.same(got.get(address), context, `${address} reads as from one request`)
  t.match((got.get('ucxl://p/') as any).insights[0].text, /8 files in 5 directories/, 'the project record speaks for every part\'s folders')

  for (const id of split.ids) t.equal((await inParts.coordinator.completion(id, 30_000)).status, 'completed', `part ${id} completed`)

  // pkg/b goes: a prune sent in parts removes its file and folder, and nothing another part carries.
  unlinkSync(join(tree, 'pkg/b/z.py'))
  unlinkSync(join(tree, 'pkg/b/__init__.py'))
  const pruned = await generateInParts(inParts.peer, inParts.coordinator, tree, PART_BYTES, true)
  t.ok(pruned.parts >= 2, `the pruning run went in ${pruned.parts} parts`)
  t.equal(pruned.report.removed, 3, 'removed: pkg/b, its __init__.py and z.py')
  const after = await contexts(inParts.peer)
  t.same([...after.keys()].sort(), [...got.keys()].filter(a => !a.startsWith('ucxl://p/pkg/b')).sort(), 'every other address stays')
})
