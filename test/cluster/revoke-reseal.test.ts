// Issue 17, keys revoke --reseal: what a revoked member kept opens only what it already had. The records written
// before the revocation (hand-written and generated) are written again by the leader, sealed to the new epochs: their
// current versions, read straight from the stores of those that stay, open with none of the revoked member's key files,
// and every remaining member reads them.
import t from 'tap'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { distributeStream, startKeysCluster, waitFor } from '../helpers/cluster.js'
import { entriesOf, opened } from '../helpers/log-entries.js'
import { Keyring } from '../../src/crypto/keyring.js'
import { versionKey, type Version } from '../../src/distribution/version.js'

const HAND_WRITTEN = [0, 1, 2, 3].map(i => `ucxl://p/src/f${i}.py`)
const GENERATED = 'ucxl://p/lib/gen.py'

t.test('keys revoke --reseal: the current versions of older records no longer open with the revoked keys', async t => {
  const { cluster, peers: [admin, dev0, dev1, qa], ids } = await startKeysCluster(t)

  // Before the revocation: hand-written records, and a generated one, for the developers and qa.
  t.same(await distributeStream(qa, cluster.dir, 'p', HAND_WRITTEN.length, 'developer,qa'), HAND_WRITTEN.map(() => 0))
  const root = join(cluster.dir, 'repo')
  mkdirSync(join(root, 'lib'), { recursive: true })
  writeFileSync(join(root, 'lib', 'gen.py'), 'def generated():\n    return 1\n')
  const generated = await qa.run(['generate', join(root, 'lib', 'gen.py'), '--root', root, '--roles', 'developer,qa', '--json'])
  t.equal(generated.code, 0, generated.stderr)
  const addresses = [...HAND_WRITTEN, GENERATED]
  for (const peer of cluster.peers) t.equal((await peer.run(['sync', '--timeout', '20'])).code, 0, `${peer.name} syncs`)
  const before = new Map<string, string>()
  for (const address of addresses) {
    const read = await dev1.run(['retrieve', address, '--json'])
    t.equal(read.code, 0, `the developer to be revoked reads ${address} before: ${read.stderr}`)
    before.set(address, versionKey(read.json.version as Version))
  }

  const revoked = await admin.run(['keys', 'revoke', '--node', ids[2]!, '--reseal', '--json'])
  t.equal(revoked.code, 0, revoked.stderr)
  t.match(revoked.json, { node: ids[2], roles: [{ role: 'developer', epoch: 2 }], reseal: { roles: ['developer'], unopened: 0, left: [] } })
  t.ok(revoked.json.reseal.resealed >= addresses.length, `the leader resealed every record sealed to developer epoch 1 (${revoked.json.reseal.resealed} of ${revoked.json.reseal.records}, ${revoked.json.reseal.ms} ms)`)

  const remaining = [admin, dev0, qa]
  for (const peer of remaining) t.equal((await peer.run(['sync', '--timeout', '20'])).code, 0, `${peer.name} syncs`)
  await waitFor('the developer that stays to take up epoch 2', async () => (await dev0.run(['keys', 'ls', '--json'])).json?.roles?.find((r: any) => r.role === 'developer')?.epochs?.[1]?.held === true, 30_000)
  const current = new Map<string, string>()
  for (const address of addresses) {
    for (const peer of remaining) {
      const read = await peer.run(['retrieve', address, '--role', peer === qa ? 'qa' : 'developer', '--json'])
      t.equal(read.code, 0, `${peer.name} reads ${address} after the reseal: ${read.stderr}`)
      t.match(read.json?.context?.summary, /./, 'with its content')
      if (peer === dev0) current.set(address, versionKey(read.json.version as Version))
    }
    t.not(current.get(address), before.get(address), `${address} has a new current version`)
  }

  // The current versions, straight from the stores of those that stay: the revoked developer's key files open none.
  await cluster.stop()
  const gone = await Keyring.load(dev1.home)
  const stays = await Keyring.load(dev0.home)
  for (const address of addresses) {
    const entries = (await Promise.all(remaining.map(async peer => await entriesOf(join(peer.home, 'store'), address)))).flat()
    const now = entries.filter(entry => versionKey(entry.version) === current.get(address))
    t.ok(now.length >= 1, `the current version of ${address} is in a log`)
    for (const entry of now) {
      t.equal(opened(entry, gone, 'developer'), 0, `the revoked developer's keys open no section of ${address} now`)
      t.ok(opened(entry, stays, 'developer') > 0, `the developer that stays opens ${address}`)
    }
    const old = entries.filter(entry => versionKey(entry.version) === before.get(address))
    t.ok(old.every(entry => opened(entry, gone, 'developer') > 0), 'what it had before still opens with its keys (the reseal takes nothing back)')
  }
})
