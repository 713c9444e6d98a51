// A generation request's raw files are sealed by the requester for the roles that may read every context generated from
// them, and only a leader holding one of their keys analyses them. Before, `generate --roles security` put the files in
// the log sealed at internal for every role, and a developer's home opened them (a secret literal included).
import t from 'tap'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { agreed, startNodes, until } from '../helpers/in-process.js'
import { scratchDir } from '../helpers/scratch.js'

const SECRET = 'sk_live_4f9a8b7c6d5e4f3a2b1c'

function securityTree (): string {
  const tree = scratchDir('bzzz-sealing-')
  mkdirSync(join(tree, 'src'))
  writeFileSync(join(tree, 'src', 'pay.py'), `API_KEY = "${SECRET}"\n\ndef charge(amount):\n    return amount\n`)
  return tree
}

t.test('the files of a --roles security request: the security role opens them, a developer\'s home cannot', async t => {
  const nodes = await startNodes(t, ['developer', 'security'], { project: 'sec', campaigns: role => role === 'admin' })
  const [admin, developer, security] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]]
  t.equal(agreed(nodes)!.node, admin, 'the admin leads')
  const tree = securityTree()
  const report = await security.generate({ path: tree, root: tree, project: 'sec', roles: ['security'] })
  t.match(report, { request: { state: 'completed' } })

  await until('the developer holds the request entry', () => developer.peer.store.queueEvents().some(e => e.entry.type === 'request'))
  const event = developer.peer.store.queueEvents().find(e => e.entry.type === 'request')!
  t.match(event.entry, { readers: ['security'] }, 'the entry names the roles its files are sealed for')
  await t.rejects(developer.peer.store.sealedPayload(event, 'developer', 'internal'), { code: 'ACCESS_DENIED' }, 'the developer\'s key opens nothing of it')
  await t.rejects(developer.peer.store.sealedPayload(event, 'developer'), { code: 'ACCESS_DENIED' })
  const packed = JSON.parse(gunzipSync(await security.peer.store.sealedPayload(event, 'security')).toString('utf8')) as { files: Array<{ content: string }> }
  t.ok(packed.files.some(file => Buffer.from(file.content, 'base64').toString('utf8').includes(SECRET)), 'the security role opens the files')
  await t.rejects(developer.retrieve('ucxl://sec/src/pay.py', 'developer'), { code: 'ACCESS_DENIED' }, 'nor was the context distributed to it')
})

t.test('a leader that holds none of the readers\' keys refuses the request (exit 3); --roles that leaves nobody is bad input', async t => {
  const nodes = await startNodes(t, ['developer', 'security'], { project: 'sec', campaigns: role => role === 'developer' })
  const [, developer, security] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]]
  t.equal(agreed(nodes)!.node, developer, 'the developer leads')
  const tree = securityTree()
  await t.rejects(security.generate({ path: tree, root: tree, project: 'sec' }),
    { code: 'ACCESS_DENIED', message: /the leader \(role developer\) holds no key for security, admin, the only roles that may read this request's files/ })
  t.equal(security.peer.store.queueEvents().length + developer.peer.store.queueEvents().length, 0, 'nothing was appended')
  await t.rejects(security.generate({ path: tree, root: tree, project: 'sec', roles: ['viewer'] }),
    { code: 'BAD_INPUT', message: /--roles viewer leaves no role that may read the files a generate sends: name a role cleared for internal or above/ })
  await t.rejects(security.generate({ path: tree, root: tree, project: 'sec', roles: ['nosuch'] }), { code: 'BAD_INPUT', message: /unknown role "nosuch"/ })
  // Narrowed to roles the developer may read in full, the developer leader may analyse it.
  t.match(await security.generate({ path: tree, root: tree, project: 'sec', roles: ['developer'] }), { request: { state: 'completed' } })
})
