// `bzzz-ctx audit ls` and `audit verify` on a home: what was written is listed and filtered, an untouched log verifies,
// and a byte flipped in an entry on disk makes verify exit 1 naming the entry.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Corestore from 'corestore'
import { cli, tempHome } from '../helpers/cli.js'
import { homePaths } from '../../src/node/home.js'

t.test('audit ls lists and filters; audit verify passes, then reports a changed entry', async t => {
  const home = tempHome()
  const env = { BZZZ_HOME: home }
  t.equal((await cli(['init', '--cluster', 'c', '--role', 'admin', '--project', 'p'], env)).code, 0)
  const file = join(home, '..', 'r.json')
  writeFileSync(file, JSON.stringify({ address: 'ucxl://p/src/a.py', kind: 'file', summary: 'audited' }))
  t.equal((await cli(['distribute', '--file', file, '--roles', 'developer'], env)).code, 0)
  t.equal((await cli(['decide', 'ucxl://p/src/a.py', '--title', 'Keep a.py', '--rationale', 'r'], env)).code, 0)

  const all = await cli(['audit', 'ls', '--json'], env)
  t.equal(all.code, 0, all.stderr)
  t.same(all.json.events.map((e: any) => e.kind), ['open', 'distribute', 'decision'])
  t.match(all.json.events[1], { index: 1, role: 'admin', address: 'ucxl://p/src/a.py', records: 1, written: 1, roles: ['developer'] })
  t.match(all.json.events[2], { kind: 'decision', title: 'Keep a.py', address: 'ucxl://p/src/a.py' })
  const node = all.json.events[0].node as string

  t.same((await cli(['audit', 'ls', '--kind', 'decision', '--json'], env)).json.events.map((e: any) => e.kind), ['decision'])
  t.equal((await cli(['audit', 'ls', '--node', node.slice(0, 8), '--since', '1h', '--json'], env)).json.events.length, 3)
  t.equal((await cli(['audit', 'ls', '--since', '2999-01-01', '--json'], env)).json.events.length, 0)
  const table = await cli(['audit', 'ls'], env)
  t.match(table.stdout, /admin │ distribute │ requester=/)
  t.match(table.stdout, /address=ucxl:\/\/p\/src\/a\.py/)
  const badKind = await cli(['audit', 'ls', '--kind', 'nope'], env)
  t.equal(badKind.code, 2)
  t.match(badKind.stderr, /^bzzz-ctx: unknown audit event kind "nope": one of open, /)
  t.equal((await cli(['audit', 'ls', '--since', 'yesterday'], env)).code, 2)
  t.equal((await cli(['audit', 'ls', '--node', 'xyz'], env)).code, 2)

  const clean = await cli(['audit', 'verify', '--json'], env)
  t.equal(clean.code, 0, clean.stderr)
  t.match(clean.json, { ok: true, problems: [], cores: [{ node, length: 3, own: true }] })

  // Flip a byte of entry 1 (the distribute) where it is stored, leaving the signed tree as it was.
  const store = new Corestore(homePaths(home).store)
  const core = store.get({ name: 'audit' })
  await core.ready()
  const block = (await core.get(1))!
  block[10] ^= 0x01
  const tx = (core as unknown as { state: { storage: { write: () => { putBlock: (i: number, b: Buffer) => void, flush: () => Promise<void> } } } }).state.storage.write()
  tx.putBlock(1, block)
  await tx.flush()
  await store.close()

  const damaged = await cli(['audit', 'verify'], env)
  t.equal(damaged.code, 1)
  t.match(damaged.stderr, /^bzzz-ctx: the audit log does not verify: entry 1 of [0-9a-f]{12}'s audit core [0-9a-f]{12} was changed after it was signed\n$/)
  t.match(damaged.stdout, /changed: entry 1/)
  const json = await cli(['audit', 'verify', '--json'], env)
  t.equal(json.code, 1)
  t.match(json.json, { ok: false, problems: [{ kind: 'changed', node, index: 1 }] })
})
