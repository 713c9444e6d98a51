// Issue 17: `keys revoke` replaces the cluster's digest key, which every writer holds (the writer's "unchanged" check,
// the audit's hashed reads). The writers that stay take the new key up from the logs and the revoked one keeps only the
// old; a record digested with the old key is written once more (never wrongly skipped), then known unchanged again; a
// read hashed before the revocation and one after both turn up in `audit ls --address`.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { agreedLeader, startKeysCluster, waitFor, waitForMesh } from '../helpers/cluster.js'
import { Keyring } from '../../src/crypto/keyring.js'

const A = 'ucxl://p/src/a.py'

t.test('keys revoke rotates the digest key: old digests cost one rewrite, old hashed reads are still found', async t => {
  const { cluster, peers: [admin, dev0, dev1, qa], ids } = await startKeysCluster(t)
  const digestOf = async (home: string): Promise<string | undefined> => (await Keyring.load(home)).digestKey?.toString('hex')
  const old = await digestOf(admin.home)
  t.ok(old !== undefined, 'the admin holds a digest key')
  for (const peer of [dev0, dev1, qa]) t.equal(await digestOf(peer.home), old, `${peer.name} holds the same one (its invite's)`)

  // qa records its reads hashed.
  t.equal((await qa.run(['config', 'set', 'auditHashReads', 'true'])).code, 0)
  t.equal((await qa.run(['node', 'stop'])).code, 0)
  const started = await qa.run(['node', 'start', '--bootstrap', cluster.bootstrap, '--detach', '--election-timeout', '1000'])
  t.equal(started.code, 0, started.stderr)
  await waitForMesh(cluster)
  await agreedLeader(cluster)

  const file = join(cluster.dir, 'a.json')
  writeFileSync(file, JSON.stringify({ address: A, kind: 'file', summary: 'file a' }))
  const distribute = async (): Promise<{ written: number, unchanged: number }> => {
    const run = await qa.run(['distribute', '--file', file, '--roles', 'developer,qa', '--json'])
    t.equal(run.code, 0, run.stderr)
    return run.json
  }
  t.match(await distribute(), { written: 1 }, 'the first write')
  t.match(await distribute(), { written: 0, unchanged: 1 }, 'the same record again: known unchanged by its digest')
  t.equal((await qa.run(['retrieve', A, '--role', 'qa'])).code, 0, 'a read before the revocation')

  const revoked = await admin.run(['keys', 'revoke', '--node', ids[2]!, '--json'])
  t.equal(revoked.code, 0, revoked.stderr)
  t.same(revoked.json?.digest?.granted?.sort(), [ids[0], ids[1], ids[3]].sort(), 'the new digest key goes to the writers that stay')

  await waitFor('the writers that stay to take up the new digest key', async () => {
    const keys = await Promise.all([admin, dev0, qa].map(async peer => await digestOf(peer.home)))
    return keys.every(key => key !== old && key === keys[0])
  }, 60_000)
  t.equal(await digestOf(dev1.home), old, 'the revoked developer keeps only the old key')

  // The leader now digests with the new key: the record digested with the old one is written once, then unchanged.
  t.match(await distribute(), { written: 1 }, 'the record digested with the old key is written once more, not skipped')
  t.match(await distribute(), { written: 0, unchanged: 1 }, 'then known unchanged under the new key')
  t.equal((await qa.run(['retrieve', A, '--role', 'qa'])).code, 0, 'a read after the revocation')

  let reads: Array<Record<string, unknown>> = []
  await waitFor('both reads in qa\'s audit log', async () => {
    reads = (await qa.run(['audit', 'ls', '--kind', 'read', '--json'])).json?.events ?? []
    return reads.length >= 2
  }, 30_000)
  t.equal(reads.length, 2)
  t.ok(reads.every(read => !('address' in read) && typeof read.addressHash === 'string'), 'both reads are hashed')
  t.not(reads[0]!.addressHash, reads[1]!.addressHash, 'the read after the revocation is hashed with the new key')
  const found = (await qa.run(['audit', 'ls', '--kind', 'read', '--address', A, '--json'])).json?.events ?? []
  t.same(found.map((e: any) => e.index).sort(), reads.map(e => e.index).sort(), 'audit ls --address finds the read hashed with the old key and the one with the new')
})
