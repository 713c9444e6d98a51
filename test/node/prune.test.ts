// generate --prune in a cluster: a follower's request carries it to the leader, whose removals every peer applies.
import t from 'tap'
import { cpSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { agreed, startNodes, until } from '../helpers/in-process.js'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { scratchDir } from '../helpers/scratch.js'

t.test('a follower generates with --prune: the leader removes what is gone, and the follower sees it removed', async t => {
  const nodes = await startNodes(t, ['developer'], { project: 'shop', campaigns: role => role === 'admin' })
  const leader = nodes.find(n => n.nodeId === agreed(nodes)!.leader)!
  const follower = nodes.find(n => n !== leader)!
  const repo = join(scratchDir('bzzz-prune-'), 'shop')
  cpSync(join(PACKAGE_ROOT, 'fixtures', 'repos', 'mixed'), repo, { recursive: true })
  const gone = 'ucxl://shop/src/server/db.py'

  t.match(await follower.generate({ path: repo, root: repo, project: 'shop' }), { request: { state: 'completed' }, removed: 0, stale: 0 })
  rmSync(join(repo, 'src', 'server', 'db.py'))
  t.match(await follower.generate({ path: join(repo, 'src'), root: repo, project: 'shop' }), { removed: 0, stale: 1 }, 'without --prune: counted, kept')
  const pruned = await follower.generate({ path: join(repo, 'src'), root: repo, project: 'shop', prune: true })
  t.match(pruned, { request: { state: 'completed' }, removed: 1, stale: 0 }, 'the leader removed it')
  t.match(leader.peer.store.slotsOf(gone), [{ origin: 'generated', removed: true }])
  await until('the removal to reach the follower', () => follower.peer.store.slotsOf(gone)[0]?.removed === true, 20_000)
  await t.rejects(follower.retrieve(gone, 'developer'), { code: 'NOT_FOUND' })
  t.equal(follower.peer.store.viewHash, leader.peer.store.viewHash, 'one view')
})
