// Issue 24, item 5: every leader change rewrote every unchanged record (1,275 of 1,275 after a failover), because a
// record's digest was keyed by its writer's own secret. Now every member that may write holds the cluster's digest key
// (made at init, sealed to each writer in its invite), so a new leader writes only what changed.
import t from 'tap'
import { cpSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { agreed, startNodes, until } from '../helpers/in-process.js'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { scratchDir } from '../helpers/scratch.js'

t.test('a new leader generates an unchanged tree: nothing is written again; a changed file is', async t => {
  const nodes = await startNodes(t, ['developer', 'qa'], { project: 'shop' })
  const repo = join(scratchDir('bzzz-rewrites-'), 'shop')
  cpSync(join(PACKAGE_ROOT, 'fixtures', 'repos', 'mixed'), repo, { recursive: true })
  const request = { path: repo, root: repo, project: 'shop', roles: ['developer', 'qa'] }
  const first = agreed(nodes)!
  const requester = nodes.find(n => n.nodeId !== first.leader)!
  const before = await requester.generate(request)
  t.match(before, { request: { state: 'completed' } })
  t.ok(before.written > 20, `the first leader wrote ${before.written} records`)
  const lengthBefore = nodes.find(n => n.nodeId === first.leader)!.peer.store.logLength

  // Leadership moves to another peer (the old leader resigns), which then runs the same generate.
  await nodes.find(n => n.nodeId === first.leader)!.resign()
  await until('a new leader', () => { const now = agreed(nodes); return now !== null && now.leader !== first.leader }, 30_000)
  const second = agreed(nodes)!
  const asker = nodes.find(n => n.nodeId !== second.leader)!
  const again = await asker.generate(request)
  t.match(again, { request: { state: 'completed', term: second.term } }, 'the new leader ran it')
  t.equal(again.written, 0, `the new leader wrote nothing again (${again.unchanged} unchanged)`)
  t.equal(again.unchanged, before.written, 'every record unchanged')
  t.equal(nodes.find(n => n.nodeId === first.leader)!.peer.store.logLength, lengthBefore, 'and the old leader\'s log did not grow either')

  writeFileSync(join(repo, 'src', 'server', 'app.py'), 'def changed():\n    return 2\n')
  const changed = await asker.generate(request)
  t.ok(changed.written >= 1 && changed.written < before.written, `a changed file is written again (${changed.written})`)
})
