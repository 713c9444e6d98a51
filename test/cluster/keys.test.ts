// Issue 17, keys: the admin rotates a role while another member writes; every member of the role takes up the new
// epoch from the logs, and reads every record, those sealed before and after; a member of another role is given nothing.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { distributeStream, startKeysCluster, waitFor } from '../helpers/cluster.js'

t.test('keys rotate during a stream of distributes: every record readable by every member of the role', async t => {
  const { cluster, peers: [admin, dev0, dev1, qa], ids } = await startKeysCluster(t)

  const before = await admin.run(['keys', 'ls', '--json'])
  t.equal(before.code, 0, before.stderr)
  const developer = before.json.roles.find((r: any) => r.role === 'developer')
  t.match(developer, { epoch: 1, epochs: [{ epoch: 1, held: true }] })
  t.same(developer.epochs[0].holders, [ids[0], ids[1], ids[2]].sort(), 'the admin and both developers hold its first epoch')

  // qa writes a stream of records for the developers while the admin rotates.
  const writes = distributeStream(qa, cluster.dir, 'p', 8, 'developer,qa')
  const rotated = await admin.run(['keys', 'rotate', '--role', 'developer', '--json'])
  t.equal(rotated.code, 0, rotated.stderr)
  t.match(rotated.json, { rolesVersion: 2, roles: [{ role: 'developer', epoch: 2 }], unknownRole: [] })
  t.same(rotated.json.roles[0].granted.sort(), [ids[0], ids[1], ids[2]].sort(), 'granted to the admin and the two developers, not to qa')
  t.same(await writes, [0, 0, 0, 0, 0, 0, 0, 0], 'every distribute during the rotation succeeded')

  for (const peer of cluster.peers) t.equal((await peer.run(['sync', '--timeout', '20'])).code, 0, `${peer.name} syncs`)
  for (const dev of [dev0, dev1]) {
    await waitFor(`${dev.name} to take up epoch 2`, async () => (await dev.run(['keys', 'ls', '--json'])).json?.roles?.find((r: any) => r.role === 'developer')?.epochs?.[1]?.held === true, 30_000)
    for (let i = 0; i < 8; i++) {
      const read = await dev.run(['retrieve', `ucxl://p/src/f${i}.py`, '--json'])
      t.equal(read.json?.context?.summary, `record ${i}`, `${dev.name} reads record ${i}`)
    }
  }
  const qaKeys = (await qa.run(['keys', 'ls', '--json'])).json
  t.same(qaKeys.roles.find((r: any) => r.role === 'developer').epochs.map((e: any) => e.held), [false, false], 'qa was given no developer key')
  t.equal(qaKeys.rolesVersion, 2, 'yet every peer took up the new directory')

  // What is written now is sealed to the new epoch, which the developers took up.
  const after = join(cluster.dir, 'after.json')
  writeFileSync(after, JSON.stringify({ address: 'ucxl://p/src/after.py', kind: 'file', summary: 'after the rotation' }))
  t.equal((await qa.run(['distribute', '--file', after, '--roles', 'developer'])).code, 0)
  for (const peer of cluster.peers) t.equal((await peer.run(['sync', '--timeout', '20'])).code, 0)
  const history = await dev0.run(['retrieve', 'ucxl://p/src/after.py', '--json'])
  t.equal(history.json?.context?.summary, 'after the rotation', 'a developer reads what was written after')

  const denied = await dev0.run(['keys', 'rotate', '--role', 'developer'])
  t.equal(denied.code, 3, 'a member that is not the admin cannot rotate')
  t.match(denied.stderr, /only the cluster's admin/)
})
