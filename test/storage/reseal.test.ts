// Issue 17, keys --reseal: after a rotation, the current version of every record sealed to the old epoch is written
// again sealed to the new one (hand-written and generated alike, header kept); removals and other roles' records stay;
// a record with a section the writer cannot open is left and reported; a write during the reseal is not lost.
import t from 'tap'
import { join } from 'node:path'
import { ContextStore } from '../../src/storage/context-store.js'
import { associatedData } from '../../src/storage/sealing.js'
import { envelopeVersionOf, needsKeyset } from '../../src/crypto/envelope-codec.js'
import type { RoleKeyLookup } from '../../src/crypto/envelope.js'
import { WRITE_ENVELOPE_VERSION } from '../../src/crypto/write-keys.js'
import { Keyring } from '../../src/crypto/keyring.js'
import { LocalSecret } from '../../src/crypto/local-secret.js'
import { DEFAULT_ROLES } from '../../src/crypto/levels.js'
import { generateRoleSet, rotateRole } from '../../src/crypto/role-keys.js'
import type { RoleDirectory } from '../../src/crypto/role-directory.js'
import { decodeSealed, sectionCrypto } from '../../src/node/section-crypto.js'
import { versionKey } from '../../src/distribution/version.js'
import { decodeEntry, splitBlock, type ContextEntry, type LogEntry } from '../../src/storage/log-entry.js'
import { scratchDir } from '../helpers/scratch.js'

/**
 * The role epochs an envelope is sealed to, and what a role's key opens of it: a record written alone (version 3, its
 * write's keys in it) or sealed again by a reseal (version 2), as the store's crypto reads them.
 */
function recipientsOf (envelope: Buffer): Array<{ role: string, epoch: number }> {
  return decodeSealed(envelope, undefined, () => undefined, Buffer.alloc(0)).sealedTo
}

function openAs (envelope: Buffer, role: string, lookup: RoleKeyLookup, ad: Buffer): unknown {
  return decodeSealed(envelope, undefined, lookup, ad).open(role)
}

/** The current version's entry of an address, read from the store's own log by the version retrieve names. */
async function currentEntry (store: ContextStore, dir: string, address: string, role: string): Promise<ContextEntry> {
  const { version } = await store.retrieve(address, role)
  const logs = (store as unknown as { logs: { writer: string, own: { length: number, get: (seq: number) => Promise<Buffer> }, entryAt: (writer: string, seq: number, index: number) => Promise<LogEntry> } }).logs
  const log = logs.own
  for (let seq = log.length - 1; seq >= 0; seq--) {
    for (const [index, bytes] of splitBlock(await log.get(seq)).entries()) {
      const entry = decodeEntry(bytes)
      // With its envelope, from the payloads core where the entry points there.
      if (entry.type === 'context' && entry.address === address && versionKey(entry.version) === versionKey(version)) return await logs.entryAt(logs.writer, seq, index) as ContextEntry
    }
  }
  throw new Error(`no entry of ${address} in ${dir}`)
}

const HASH = 'a'.repeat(64)
const COMMIT = 'b'.repeat(40)

t.test('reseal: the stale current versions again, to the new epoch; the rest as they were', async t => {
  const dir = scratchDir('bzzz-reseal-')
  const keyring = await Keyring.create(dir)
  const roles = generateRoleSet(DEFAULT_ROLES)
  // The writer (a developer-and-qa leader) holds no security key: a secret section for security it cannot open.
  for (const key of roles.keys) if (key.role === 'developer' || key.role === 'qa') keyring.addRoleKey(key)
  const oldDeveloper = await Keyring.create(scratchDir('bzzz-reseal-old-'))
  oldDeveloper.addRoleKey(roles.keys.find(k => k.role === 'developer')!)
  let directory: RoleDirectory = roles.directory
  const store = await ContextStore.open(join(dir, 'store'), sectionCrypto(keyring, () => directory, LocalSecret.fromIdentity(keyring.identity)))
  t.teardown(() => store.close())

  await store.write([{ address: 'ucxl://p/a.py', kind: 'file', summary: 'A' }], { term: 1, recipients: ['developer', 'qa'], nowMs: 1000 })
  await store.write([{ address: 'ucxl://p/b.py', kind: 'file', summary: 'B', insights: [{ role: 'security', text: 'a secret finding' }] }], { term: 1, recipients: ['developer', 'security'], nowMs: 1001 })
  await store.write([{ address: 'ucxl://p/c.py', kind: 'file', summary: 'C' }], { term: 1, recipients: ['developer'], nowMs: 1002, generated: true, sources: { commit: COMMIT, hashes: new Map([['ucxl://p/c.py', HASH]]) } })
  await store.write([{ address: 'ucxl://p/d.py', kind: 'file', summary: 'D' }], { term: 1, recipients: ['developer'], nowMs: 1003, generated: true })
  await store.write([], { term: 1, recipients: ['developer'], nowMs: 1004, generated: true, remove: ['ucxl://p/d.py'] })
  await store.write([{ address: 'ucxl://p/e.py', kind: 'file', summary: 'E' }], { term: 1, recipients: ['qa'], nowMs: 1005 })
  const eBefore = store.slotsOf('ucxl://p/e.py')[0]!.current

  const rotated = rotateRole(directory, 'developer')
  directory = rotated.directory
  keyring.addRoleKey(rotated.key)
  const stale = (role: string, epoch: number): boolean => role === 'developer' && epoch < directory.get('developer')!.epoch

  // A write queued just after the reseal starts: sealed to the new epoch, and never overwritten by the reseal.
  const resealing = store.reseal(stale, { term: 1, now: () => 2000 })
  const during = store.write([{ address: 'ucxl://p/a.py', kind: 'file', summary: 'A, written during the reseal' }], { term: 1, recipients: ['developer', 'qa'], nowMs: 2001 })
  const [result] = await Promise.all([resealing, during])
  t.equal(result.records, 4, 'four current records looked at (the removal is not one)')
  t.equal(result.unopened, 1, 'b.py is left: its secret section is sealed to security alone')
  t.same(result.left, [{ level: 'secret', roles: ['security'], records: 1 }], 'reported by level and roles')
  t.equal(result.resealed + result.changed + result.unopened, result.stale, 'every stale record is resealed, replaced meanwhile, or left')
  t.ok(result.resealed >= 1, `c.py at least is resealed (${result.resealed}; a.py ${result.changed === 1 ? 'changed meanwhile' : 'resealed or rewritten'})`)

  t.equal((await store.retrieve('ucxl://p/a.py', 'developer')).context.summary, 'A, written during the reseal', 'the write during the reseal stays current')
  for (const address of ['ucxl://p/a.py', 'ucxl://p/c.py']) {
    const entry = await currentEntry(store, dir, address, 'developer')
    t.same(recipientsOf(entry.envelope).find(r => r.role === 'developer'), { role: 'developer', epoch: 2 }, `${address} is sealed to developer epoch 2`)
    t.throws(() => openAs(entry.envelope, 'developer', oldDeveloper.lookup, associatedData(address, entry.version)), { code: 'ACCESS_DENIED' }, `the old developer key opens nothing of ${address}`)
  }
  const c = await currentEntry(store, dir, 'ucxl://p/c.py', 'developer')
  t.match(c, { generated: true, source: { commit: COMMIT, hash: HASH } }, 'a generated record stays generated, its source kept')
  t.equal((await store.retrieve('ucxl://p/c.py', 'developer')).context.summary, 'C', 'with the same content')
  t.ok(c.digest !== undefined, 'and its digest, so a generate of the same content writes nothing')
  t.equal(store.slotsOf('ucxl://p/d.py')[0]!.removed, true, 'the removal is untouched')
  t.equal(store.slotsOf('ucxl://p/e.py')[0]!.current, eBefore, 'a record of a role not rotated is untouched')
  const b = await currentEntry(store, dir, 'ucxl://p/b.py', 'developer')
  t.same(recipientsOf(b.envelope).find(r => r.role === 'developer'), { role: 'developer', epoch: 1 }, 'b.py, left, is as it was')

  const again = await store.reseal(stale, { term: 1, now: () => 3000 })
  t.match(again, { stale: 1, resealed: 0, unopened: 1 }, 'a second reseal finds only what it cannot open')
  const unchanged = await store.write([{ address: 'ucxl://p/c.py', kind: 'file', summary: 'C' }], { term: 1, recipients: ['developer'], nowMs: 4000, generated: true, sources: { commit: 'c'.repeat(40), hashes: new Map([['ucxl://p/c.py', HASH]]) } })
  t.equal(unchanged.unchanged, 1, 'the resealed record counts as unchanged to the next generate of the same content')
})

t.test('the records of one write share its keys: the first carries them, the others open through it, and a reseal reads them all', async t => {
  const dir = scratchDir('bzzz-reseal-batch-')
  const keyring = await Keyring.create(dir)
  const roles = generateRoleSet(DEFAULT_ROLES)
  for (const key of roles.keys) if (key.role === 'developer' || key.role === 'qa') keyring.addRoleKey(key)
  let directory: RoleDirectory = roles.directory
  const store = await ContextStore.open(join(dir, 'store'), sectionCrypto(keyring, () => directory, LocalSecret.fromIdentity(keyring.identity)))
  t.teardown(() => store.close())
  const names = ['f', 'g', 'h']
  await store.write(names.map(name => ({ address: `ucxl://p/${name}.py`, kind: 'file' as const, summary: name.toUpperCase(), imports: [`${name}_lib`] })), { term: 1, recipients: ['developer', 'qa'], nowMs: 1000 })
  await store.write([{ address: 'ucxl://p/k.py', kind: 'file', summary: 'K' }, { address: 'ucxl://p/m.py', kind: 'file', summary: 'M' }], { term: 1, recipients: ['qa'], nowMs: 1001 })
  const [f, g, h] = await Promise.all(names.map(async name => await currentEntry(store, dir, `ucxl://p/${name}.py`, 'developer')))
  t.ok(!needsKeyset(f!.envelope) && envelopeVersionOf(f!.envelope) === WRITE_ENVELOPE_VERSION, 'the first record carries the write\'s keys')
  t.ok(needsKeyset(g!.envelope) && needsKeyset(h!.envelope), 'the others do not')
  t.ok(g!.batch === f!.batch && h!.batch === f!.batch && f!.batch !== undefined, 'and name the write by its first block')
  t.same(recipientsOf(f!.envelope).map(r => r.role).sort(), ['developer', 'qa'])
  for (const name of names) {
    const read = await store.retrieve(`ucxl://p/${name}.py`, 'developer')
    t.same([read.context.summary, read.context.imports], [name.toUpperCase(), [`${name}_lib`]], `${name}.py opens as developer`)
  }
  t.equal((await store.retrieve('ucxl://p/m.py', 'qa')).context.summary, 'M', 'a second write\'s records open through its own first')
  await t.rejects(store.retrieve('ucxl://p/m.py', 'developer'), { code: 'ACCESS_DENIED' }, 'and only for its own recipients')

  const rotated = rotateRole(directory, 'developer')
  directory = rotated.directory
  keyring.addRoleKey(rotated.key)
  const result = await store.reseal((role, epoch) => role === 'developer' && epoch < directory.get('developer')!.epoch, { term: 1, now: () => 2000 })
  t.match(result, { stale: 3, resealed: 3, unopened: 0 }, 'every record of the write is read back and sealed again, the first and the others')
  for (const name of names) {
    const entry = await currentEntry(store, dir, `ucxl://p/${name}.py`, 'developer')
    t.same(recipientsOf(entry.envelope).find(r => r.role === 'developer'), { role: 'developer', epoch: 2 }, `${name}.py is sealed to developer epoch 2`)
    t.equal((await store.retrieve(`ucxl://p/${name}.py`, 'developer')).context.summary, name.toUpperCase())
  }
})
