// The view hash a closed store holds, known without opening it (store-stamp.ts): a writer's close records it with its
// files' stat data; it stands while every file keeps its stamps, and only while an open would give that view again.
import t from 'tap'
import { join } from 'node:path'
import { readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { ContextStore } from '../../src/storage/context-store.js'
import { INFO_LOGS_KEPT } from '../../src/storage/info-logs.js'
import { stampedViewHash, stampFile } from '../../src/storage/store-stamp.js'
import type { ContextRecord } from '../../src/context/record.js'
import { testKeys } from '../helpers/crypto-store.js'

const ALL = ['viewer', 'developer', 'qa', 'architect', 'security', 'admin']
const records: ContextRecord[] = [
  { address: 'ucxl://p/', kind: 'project', summary: 'A payments service' },
  { address: 'ucxl://p/src/pay.go', kind: 'file', summary: 'Payment handler', language: 'go' }
]

t.test('a writer\'s close stamps the store; readers keep the stamp; a writer\'s open or a changed file voids it', async t => {
  const keys = await testKeys()
  const dir = join(keys.dir, 'store')
  t.equal(stampedViewHash(dir), null, 'no store, no stamp')
  const store = await ContextStore.open(dir, keys.crypto)
  await store.write(records, { term: 1, recipients: ALL, nowMs: 1 })
  const hash = store.viewHash
  await store.close()
  t.equal(stampedViewHash(dir), hash, 'closed: the view hash it holds')

  // A command that only reads opens the database too, read-only: the stamp stands.
  const reader = await ContextStore.open(dir, keys.crypto, { readOnly: true })
  t.equal((await reader.retrieve('ucxl://p/src/pay.go', 'viewer')).context.summary, 'Payment handler')
  await reader.close()
  t.equal(stampedViewHash(dir), hash, 'after a reader')

  const writer = await ContextStore.open(dir, keys.crypto)
  t.equal(stampedViewHash(dir), null, 'a writer has it open: it may change the store')
  await writer.write([{ address: 'ucxl://p/README', kind: 'file', summary: 'Read me' }], { term: 1, recipients: ALL, nowMs: 2 })
  const newer = writer.viewHash
  await writer.close()
  t.not(newer, hash)
  t.equal(stampedViewHash(dir), newer, 'closed again: the new view hash')

  // A store file changed behind its back (another program, a restore from a backup): its stamps differ.
  const db = join(dir, 'db')
  const data = readdirSync(db).find(name => name.startsWith('MANIFEST-'))!
  const { atimeMs, mtimeMs } = statSync(join(db, data))
  utimesSync(join(db, data), atimeMs / 1000, mtimeMs / 1000 + 1)
  t.equal(stampedViewHash(dir), null, 'one file with another mtime: no stamp')

  const again = await ContextStore.open(dir, keys.crypto)
  await again.close()
  t.equal(stampedViewHash(dir), newer)
  for (const damaged of ['', '{"format":1,"viewHash":"', '{"format":2,"viewHash":"ab","files":"cd"}', 'null']) {
    writeFileSync(stampFile(dir), damaged)
    t.equal(stampedViewHash(dir), null, `a record out of shape (${JSON.stringify(damaged)}) stands for nothing`)
  }
})

t.test('a store whose view has not applied every block it holds is not stamped: an open would apply them', async t => {
  const keys = await testKeys()
  const a = await ContextStore.open(join(keys.dir, 'a'), keys.crypto)
  const b = await ContextStore.open(join(keys.dir, 'b'), keys.crypto)
  let bClosed = false
  t.teardown(async () => { if (!bClosed) await b.close() })
  await b.write(records, { term: 1, recipients: ALL, nowMs: 1 })
  const left = (a as unknown as { replicate: (s: unknown) => NodeJS.ReadWriteStream }).replicate(true)
  const right = (b as unknown as { replicate: (s: unknown) => NodeJS.ReadWriteStream }).replicate(false)
  left.pipe(right).pipe(left)
  await a.downloadRemote(b.writer, b.logLength, 10_000)
  await a.applyRemote(b.writer, b.logLength)
  // b writes again; a downloads the new block and has not applied it when it closes (a daemon stopped mid-sync).
  await b.write([{ address: 'ucxl://p/src/pay.go', kind: 'file', summary: 'Payment handler, v2' }], { term: 1, recipients: ALL, nowMs: 2 })
  const core = a.coreByKey(Buffer.from(b.writer, 'hex'))
  await core.download({ start: 0, end: b.logLength }).done()
  t.equal(core.contiguousLength, b.logLength, 'the block is held')
  const closedWith = a.viewHash
  ;(left as unknown as { destroy: () => void }).destroy()
  await b.close()
  bClosed = true
  await a.close()
  t.equal(stampedViewHash(join(keys.dir, 'a')), null, 'not stamped')

  const reopened = await ContextStore.open(join(keys.dir, 'a'), keys.crypto)
  t.not(reopened.viewHash, closedWith, 'the open applied the held block: the view it closed with would have been wrong')
  t.equal((await reopened.retrieve('ucxl://p/src/pay.go', 'viewer')).context.summary, 'Payment handler, v2')
  await reopened.close()
  t.equal(stampedViewHash(join(keys.dir, 'a')), reopened.viewHash, 'caught up, it is stamped at its close')
})

t.test('a writer\'s close keeps the newest few of RocksDB\'s information logs, which every writer\'s open adds one to', async t => {
  const keys = await testKeys()
  const dir = join(keys.dir, 'store')
  const db = join(dir, 'db')
  const olds = (): string[] => readdirSync(db).filter(name => name.startsWith('LOG.old.')).sort()
  const seen = new Set<string>()
  let hash = ''
  for (let i = 0; i < INFO_LOGS_KEPT + 3; i++) {
    const store = await ContextStore.open(dir, keys.crypto)
    await store.write([{ address: `ucxl://p/f${i}`, kind: 'file', summary: `file ${i}` }], { term: 1, recipients: ALL, nowMs: i + 1 })
    for (const name of olds()) seen.add(name)
    hash = store.viewHash
    await store.close()
  }
  t.ok(seen.size > INFO_LOGS_KEPT, `the opens moved ${seen.size} logs aside`)
  const newest = [...seen].sort((a, b) => BigInt(a.slice(8)) < BigInt(b.slice(8)) ? 1 : -1).slice(0, INFO_LOGS_KEPT)
  t.same(olds(), newest.sort(), `the newest ${INFO_LOGS_KEPT} kept`)
  t.equal(stampedViewHash(dir), hash, 'and the stamp written after stands')
  const reader = await ContextStore.open(dir, keys.crypto, { readOnly: true })
  t.equal((await reader.retrieve('ucxl://p/f0', 'viewer')).context.summary, 'file 0', 'nothing stored is lost')
  await reader.close()
})
