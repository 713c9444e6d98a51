// One acknowledgement rule for every write of records: generate, distribute and decide all wait for replicationFactor
// peers when that many are connected (a generate's records used to need only a majority: 2 of 3).
import t from 'tap'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startNodes } from '../helpers/in-process.js'
import { scratchDir } from '../helpers/scratch.js'

t.test('three connected peers, replication factor 3: generate, distribute and decide each need all three', async t => {
  const nodes = await startNodes(t, ['developer', 'developer'], { project: 'acks', campaigns: role => role === 'admin' })
  const follower = nodes.find(n => n.election.state !== 'leader')!
  const tree = scratchDir('bzzz-ack-rule-')
  mkdirSync(join(tree, 'src'))
  writeFileSync(join(tree, 'src', 'a.py'), 'def a():\n    return 1\n')
  const generated = await follower.generate({ path: tree, root: tree, project: 'acks' })
  t.same(generated.acknowledged, { holders: 3, required: 3 }, 'generate: the records are held by all three')
  const distributed = await follower.distribute({ address: 'ucxl://acks/src/a.py', kind: 'file', summary: 'A' }, undefined, 'the test')
  t.same(distributed.acknowledged, { holders: 3, required: 3 }, 'distribute: the same rule')
  const decided = await follower.decide({ affects: ['ucxl://acks/src/a.py'], title: 'T', rationale: 'R' }) as unknown as { acknowledged: unknown }
  t.same(decided.acknowledged, { holders: 3, required: 3 }, 'decide: the same rule')
})
