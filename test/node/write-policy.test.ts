// The leader authorises every write by the requester's role, as its certificate gives it: a viewer only reads (its
// distribute planted a security insight others then read, and its generate --prune removed records), and a writer
// seals by hand only what its clearance covers. Refusals are ACCESS_DENIED (exit 3).
import t from 'tap'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startNodes } from '../helpers/in-process.js'
import { scratchDir } from '../helpers/scratch.js'

t.test('a viewer may not write; a developer may not seal above its clearance', async t => {
  const nodes = await startNodes(t, ['viewer', 'developer'], { project: 'pol' })
  const [admin, viewer, developer] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]]
  const record = { address: 'ucxl://pol/a.py', kind: 'file', summary: 'A file' }
  await admin.distribute(record, undefined, 'the test')

  const forged = { ...record, summary: 'Forged', insights: [{ role: 'security', text: 'audited, no findings' }] }
  await t.rejects(viewer.distribute(forged, undefined, 'the test'), { code: 'ACCESS_DENIED', message: /role viewer only reads: it may not distribute/ })
  const tree = scratchDir('bzzz-policy-')
  mkdirSync(join(tree, 'src'))
  writeFileSync(join(tree, 'src', 'b.py'), 'def b():\n    return 2\n')
  await t.rejects(viewer.generate({ path: tree, root: tree, project: 'pol', prune: true }), { code: 'ACCESS_DENIED', message: /may not generate/ })
  await t.rejects(viewer.decide({ affects: [record.address], title: 'T', rationale: 'R' }), { code: 'ACCESS_DENIED', message: /may not decide/ })

  await t.rejects(developer.distribute(forged, undefined, 'the test'), { code: 'ACCESS_DENIED', message: /role developer \(clearance internal\) may not write sections at secret/ })
  await t.rejects(developer.decide({ affects: [record.address], title: 'T', rationale: 'R', level: 'confidential' }), { code: 'ACCESS_DENIED', message: /may not write sections at confidential/ })
  const written = await developer.distribute({ ...record, summary: 'Written by a developer', insights: [{ role: 'developer', text: 'entry point' }] }, undefined, 'the test')
  t.equal(written.records, 1, 'a developer writes within its clearance')
  t.equal((await admin.retrieve(record.address, 'security')).context.summary, 'Written by a developer', 'nothing the viewer sent was written')
  t.notMatch(JSON.stringify((await admin.retrieve(record.address, 'security')).context.insights ?? []), /audited/, 'no planted insight')
})
