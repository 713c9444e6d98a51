// Issue 17: an admin removes an engineer who left. `keys revoke` while another member writes: the revoked peer is
// refused at connect, and the log blocks written after the revocation, read straight from the others' stores, open
// with a remaining developer's key files and with none of the revoked one's; the rest still elect and acknowledge.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { distributeStream, startKeysCluster, waitFor } from '../helpers/cluster.js'
import { entriesOf, opened } from '../helpers/log-entries.js'
import { Keyring } from '../../src/crypto/keyring.js'

t.test('keys revoke: the revoked member is refused and opens nothing written after; the rest go on', async t => {
  const { cluster, peers: [admin, dev0, dev1, qa], ids } = await startKeysCluster(t)

  const bad = await admin.run(['keys', 'revoke', '--node', 'f'.repeat(64)])
  t.equal(bad.code, 4, 'an unknown node: exit 4')
  t.match(bad.stderr, /not a member of this cluster's roster/)
  t.equal((await admin.run(['keys', 'revoke', '--node', ids[0]!])).code, 2, 'the admin itself: exit 2')
  t.equal((await dev0.run(['keys', 'revoke', '--node', ids[2]!])).code, 3, 'a member that is not the admin: exit 3')

  const writes = distributeStream(qa, cluster.dir, 'p', 6, 'developer,qa')
  const revoked = await admin.run(['keys', 'revoke', '--node', ids[2]!, '--json'])
  t.equal(revoked.code, 0, revoked.stderr)
  t.match(revoked.json, { node: ids[2], role: 'developer', roster: { voters: 3, majority: 2 }, roles: [{ role: 'developer', epoch: 2 }] })
  t.same(revoked.json.roles[0].granted.sort(), [ids[0], ids[1]].sort(), 'the new epoch goes to the admin and the developer that stays')
  t.same(await writes, [0, 0, 0, 0, 0, 0], 'every distribute during the revocation succeeded')

  await waitFor('the revoked peer to be dropped by every other', async () => {
    const lists = await Promise.all([admin, dev0, qa].map(async peer => (await peer.run(['peers', '--json'])).json?.peers?.map((p: any) => p.id) ?? [ids[2]]))
    return lists.every(list => !list.includes(ids[2]))
  }, 60_000)
  const after = join(cluster.dir, 'after.json')
  writeFileSync(after, JSON.stringify({ address: 'ucxl://p/src/after.py', kind: 'file', summary: 'after the revocation' }))
  const written = await qa.run(['distribute', '--file', after, '--roles', 'developer', '--json'])
  t.equal(written.code, 0, `the three that stay still elect and acknowledge: ${written.stderr}`)
  for (const peer of [admin, dev0, qa]) t.equal((await peer.run(['sync', '--timeout', '20'])).code, 0, `${peer.name} syncs`)
  await waitFor('the developer that stays to take up epoch 2', async () => (await dev0.run(['keys', 'ls', '--json'])).json?.roles?.find((r: any) => r.role === 'developer')?.epochs?.[1]?.held === true, 30_000)
  t.equal((await dev0.run(['retrieve', 'ucxl://p/src/after.py', '--json'])).json?.context?.summary, 'after the revocation', 'it reads what was written after')
  t.equal((await dev1.run(['peers', '--json'])).json?.peers?.length ?? 0, 0, 'the revoked peer is connected to no one')

  // The blocks written after, straight from the stores of those that stay: the revoked peer's key files open none.
  await cluster.stop()
  const remaining = await Keyring.load(dev0.home)
  const gone = await Keyring.load(dev1.home)
  const entries = (await Promise.all([admin, dev0, qa].map(async peer => await entriesOf(join(peer.home, 'store'), 'ucxl://p/src/after.py')))).flat()
  t.ok(entries.length >= 1, `the record written after is in a log (${entries.length} entries)`)
  for (const entry of entries) {
    t.ok(opened(entry, remaining, 'developer') > 0, 'the developer that stays opens it')
    t.equal(opened(entry, gone, 'developer'), 0, 'the revoked developer\'s keys open no section of it')
  }
})
