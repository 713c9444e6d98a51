// Three real daemons on a loopback DHT: a follower generates a tree larger than one request may carry (the limit made
// small with BZZZ_TEST_REQUEST_PART_BYTES, the tree the fixture repo), so it goes in parts, accepted one after another
// and generated as one by the last: every file's record reaches every peer, the project record counts every folder,
// and a --prune sent in parts removes only what is gone.
import t from 'tap'
import { cpSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { walkTree } from '../../src/intelligence/walk.js'
import { agreedLeader, startCluster, waitForMesh } from '../helpers/cluster.js'

/** Small enough that the fixture repo (about 150 KB of files) goes in several parts. */
const PART_BYTES = 8_192

t.test('a follower generates a tree over the request limit in parts, generated as one', async t => {
  const before = process.env.BZZZ_TEST_REQUEST_PART_BYTES
  process.env.BZZZ_TEST_REQUEST_PART_BYTES = String(PART_BYTES)
  const cluster = await startCluster(['developer', 'qa'], { project: 'mixed' })
  if (before === undefined) delete process.env.BZZZ_TEST_REQUEST_PART_BYTES
  else process.env.BZZZ_TEST_REQUEST_PART_BYTES = before
  t.teardown(() => cluster.stop())
  await waitForMesh(cluster)
  const leader = await agreedLeader(cluster)
  const ids = await Promise.all(cluster.peers.map(async peer => (await peer.run(['status', '--json'])).json.node.id as string))
  const follower = cluster.peers.find((_, i) => ids[i] !== leader.leader)!

  const repo = join(cluster.dir, 'repo')
  cpSync(join(PACKAGE_ROOT, 'fixtures', 'repos', 'mixed'), repo, { recursive: true })
  const walked = await walkTree({ root: repo })

  // Roles any of the three may lead for (a request's files are sealed for the roles that may read all of it).
  const generate = await follower.run(['generate', repo, '--roles', 'developer,qa', '--json'], 180_000)
  t.equal(generate.code, 0, generate.stderr)
  t.ok(generate.json.parts >= 3, `sent in ${generate.json.parts} parts`)
  t.equal(generate.json.requests.length, generate.json.parts, 'one request id per part')
  t.equal(generate.json.request.id, generate.json.requests.at(-1), 'the last part is the one that ran')
  t.match(generate.json.request, { state: 'completed' })
  const analysed = walked.files.length - generate.json.skipped.length
  t.equal(generate.json.files, analysed, 'one summary: every part\'s files analysed in one run')
  for (let i = 1; i <= generate.json.parts; i++) t.match(generate.stderr, new RegExp(`Part ${i} of ${generate.json.parts as number} accepted: \\d+ files`), `progress for part ${i} on stderr`)

  for (const peer of cluster.peers) t.equal((await peer.run(['sync', '--timeout', '30'])).code, 0, `${peer.name} syncs`)
  const hashes = await Promise.all(cluster.peers.map(async peer => (await peer.run(['status', '--json'])).json.viewHash))
  t.equal(new Set(hashes).size, 1, 'one view on every peer')
  const analysedPaths = walked.files.map(file => file.path).filter(path => !generate.json.skipped.some((s: { path: string }) => s.path === path))
  const folders = new Set(analysedPaths.map(path => path.split('/').slice(0, -1).join('/')))
  for (const folder of [...folders]) for (let at = folder.lastIndexOf('/'); at > 0; at = folder.lastIndexOf('/', at - 1)) folders.add(folder.slice(0, at))
  folders.delete('')
  for (const peer of cluster.peers) {
    const missing: string[] = []
    const role = peer.name.startsWith('qa') ? 'qa' : 'developer'
    for (const path of analysedPaths) {
      const got = await peer.run(['retrieve', `ucxl://mixed/${path}`, '--role', role, '--depth', '1', '--json'])
      if (got.code !== 0 || got.json.resolvedFrom[0] !== `ucxl://mixed/${path}`) missing.push(path)
    }
    t.same(missing, [], `${peer.name} holds every file's own record`)
  }
  const project = await follower.run(['retrieve', 'ucxl://mixed/', '--role', 'developer', '--json'])
  t.match(project.json.context.insights?.[0]?.text, new RegExp(`${analysed} files in ${folders.size + 1} directories`), 'the project record counts every part\'s folders')
  for (const folder of folders) {
    const got = await follower.run(['retrieve', `ucxl://mixed/${folder}`, '--role', 'developer', '--depth', '1', '--json'])
    t.equal(got.json?.resolvedFrom?.[0], `ucxl://mixed/${folder}`, `${folder} has its own directory record`)
  }

  // A folder goes; --prune in parts removes it and its files, and keeps what the other parts carry.
  rmSync(join(repo, 'services', 'search'), { recursive: true })
  const pruned = await follower.run(['generate', repo, '--roles', 'developer,qa', '--prune', '--json'], 180_000)
  t.equal(pruned.code, 0, pruned.stderr)
  t.ok(pruned.json.parts >= 3, `the prune went in ${pruned.json.parts} parts`)
  t.equal(pruned.json.removed, 6, 'removed services/search, its src folder and its 4 files, nothing else')
  t.equal(pruned.json.stale, 0)
  for (const peer of cluster.peers) t.equal((await peer.run(['sync', '--timeout', '30'])).code, 0)
  const gone = await follower.run(['retrieve', 'ucxl://mixed/services/search/src/lib.rs', '--role', 'developer', '--depth', '1', '--json'])
  t.not(gone.json?.resolvedFrom?.[0], 'ucxl://mixed/services/search/src/lib.rs', 'the removed file has no record of its own')
  const kept = await follower.run(['retrieve', 'ucxl://mixed/services/indexer/main.go', '--role', 'developer', '--depth', '1', '--json'])
  t.equal(kept.json?.resolvedFrom?.[0], 'ucxl://mixed/services/indexer/main.go', 'its sibling, in another part, stays')

  // --no-wait: every part accepted, every id printed.
  const queued = await follower.run(['generate', repo, '--roles', 'developer,qa', '--no-wait'], 180_000)
  t.equal(queued.code, 0, queued.stderr)
  const listed = /^Requests (\S.*) \(the (\d+) parts of /m.exec(queued.stdout)
  t.ok(listed !== null, queued.stdout)
  t.equal(listed![1]!.split(', ').length, Number(listed![2]), 'every part\'s request id is printed')
})
