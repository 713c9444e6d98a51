import t from 'tap'
import { join } from 'node:path'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import Corestore from 'corestore'
import CoreStorage from 'hypercore-storage'
import { ContextStore } from '../../src/storage/context-store.js'
import { APPEND_CHUNK_BYTES } from '../../src/storage/store-writer.js'
import { associatedData } from '../../src/storage/sealing.js'
import { decodeEntry, encodeBlock, encodeEntry, packBlocks, splitBlock, MAX_ENTRIES_PER_BLOCK } from '../../src/storage/log-entry.js'
import { splitSections } from '../../src/context/sections.js'
import { nextVector, type Version } from '../../src/distribution/version.js'
import type { ContextRecord } from '../../src/context/record.js'
import { testKeys } from '../helpers/crypto-store.js'
import { rejectsCode } from '../helpers/errors.js'

const ALL = ['viewer', 'developer', 'qa', 'architect', 'security', 'admin']
/** Text deflate cannot shrink (sections are deflated before sealing): a large write stays large. */
const incompressible = randomBytes(4500).toString('base64')
const records: ContextRecord[] = [
  { address: 'ucxl://p/', kind: 'project', summary: 'A payments service', purpose: 'Moves money', technologies: ['go', 'postgres'] },
  { address: 'ucxl://p/src', kind: 'directory', summary: 'Sources', technologies: ['go'], insights: [{ role: 'architect', text: 'src depends on db' }] },
  {
    address: 'ucxl://p/src/pay.go', kind: 'file', summary: 'Payment handler', language: 'go', technologies: ['go', 'stripe'],
    symbols: [{ name: 'Pay', kind: 'function', line: 3, exported: true }], imports: ['net/http'],
    insights: [{ role: 'developer', text: 'entry point Pay' }, { role: 'security', text: 'SQL built from strings at line 9' }]
  }
]

function allFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => e.isDirectory() ? allFiles(join(dir, e.name)) : [join(dir, e.name)])
}

t.test('write, then retrieve as each role: sections by clearance, resolved up to the root', async t => {
  const keys = await testKeys()
  const store = await ContextStore.open(join(keys.dir, 'store'), keys.crypto)
  t.teardown(() => store.close())
  const result = await store.write(records, { term: 1, recipients: ALL, nowMs: 1000 })
  t.equal(result.written, 3)
  t.ok(result.bytes > 0)

  const dev = await store.retrieve('ucxl://p/src/pay.go', 'developer')
  t.same(dev.resolvedFrom, ['ucxl://p/src/pay.go', 'ucxl://p/src', 'ucxl://p/'])
  t.equal(dev.context.purpose, 'Moves money', 'inherited from the project')
  t.same(dev.context.technologies, ['go', 'postgres', 'stripe'])
  t.same(dev.context.symbols?.map(s => s.name), ['Pay'])
  t.same(dev.context.insights?.map(i => i.text), ['entry point Pay'], 'developer reads internal insights only')
  t.equal(dev.version.term, 1)

  const viewer = await store.retrieve('ucxl://p/src/pay.go', 'viewer')
  t.equal(viewer.context.symbols, undefined, 'symbols are absent for viewer, not empty')
  t.equal(viewer.context.imports, undefined)
  t.equal(viewer.context.insights, undefined)
  t.equal(viewer.context.summary, 'Payment handler')

  const security = await store.retrieve('ucxl://p/src/pay.go', 'security')
  t.same(security.context.insights?.map(i => i.text).sort(), ['SQL built from strings at line 9', 'entry point Pay', 'src depends on db'])
  const architect = await store.retrieve('ucxl://p/src/pay.go', 'architect')
  t.notOk(architect.context.insights?.some(i => i.role === 'security'), 'architect (confidential) cannot read secret insights')

  await rejectsCode(t, () => store.retrieve('ucxl://p/src/none.go', 'developer'), 'NOT_FOUND')
})

t.test('a record written again as the same object is stored against its parent as it is now, not as it was', async t => {
  // The writer remembers, by record object, what writing it gave (a generate's unchanged records are the same objects
  // from run to run): the memory holds only for the same resolved parent, recipients and source.
  const keys = await testKeys()
  const store = await ContextStore.open(join(keys.dir, 'store'), keys.crypto)
  t.teardown(() => store.close())
  const file: ContextRecord = { address: 'ucxl://p/src/pay.go', kind: 'file', summary: 'Payment handler', language: 'go', technologies: ['stripe'] }
  const folder = (language: string): ContextRecord => ({ address: 'ucxl://p/src', kind: 'directory', summary: 'Sources', language })
  const first = await store.write([folder('go'), file], { term: 1, recipients: ALL, nowMs: 1 })
  t.equal(first.written, 2)
  t.same([(await store.write([folder('go'), file], { term: 1, recipients: ALL, nowMs: 2 })).unchanged], [2], 'the same object again: unchanged')
  // The folder's language changes: the file, the same object, no longer inherits its own; it is stored with it.
  const second = await store.write([folder('python'), file], { term: 1, recipients: ALL, nowMs: 3 })
  t.same([second.written, second.unchanged], [2, 0])
  t.equal((await store.retrieve('ucxl://p/src/pay.go', 'developer')).context.language, 'go')
  t.equal((await store.retrieve('ucxl://p/src', 'developer')).context.language, 'python')
  // Other recipients, or another source, are another write of the same object.
  t.equal((await store.write([folder('python'), file], { term: 1, recipients: ['developer'], nowMs: 4 })).written, 2)
  const sources = { hashes: new Map([['ucxl://p/src/pay.go', 'a'.repeat(64)]]) }
  t.equal((await store.write([file], { term: 1, recipients: ['developer'], nowMs: 5, sources })).written, 1)
  t.equal((await store.write([file], { term: 1, recipients: ['developer'], nowMs: 6, sources })).unchanged, 1)
})

t.test('nothing readable: a role that was not a recipient is denied; a peer without the key is denied', async t => {
  const keys = await testKeys()
  const store = await ContextStore.open(join(keys.dir, 'store'), keys.crypto)
  t.teardown(() => store.close())
  await store.write([{ address: 'ucxl://p/x.py', kind: 'file', summary: 'secret sauce' }], { term: 1, recipients: ['security'], nowMs: 1 })
  await rejectsCode(t, () => store.retrieve('ucxl://p/x.py', 'developer'), 'ACCESS_DENIED', /may not read/)
  t.equal((await store.retrieve('ucxl://p/x.py', 'security')).context.summary, 'secret sauce')
  await store.write([{ address: 'ucxl://p/y.py', kind: 'file', insights: [{ role: 'security', text: 'eval at 3' }] }], { term: 1, recipients: ALL, nowMs: 2 })
  await rejectsCode(t, () => store.retrieve('ucxl://p/y.py', 'viewer'), 'ACCESS_DENIED', /clearance/)

  const devOnly = await testKeys(['developer'])
  const other = await ContextStore.open(join(devOnly.dir, 'store'), devOnly.crypto)
  t.teardown(() => other.close())
  await other.write([{ address: 'ucxl://p/z.py', kind: 'file', summary: 'z' }], { term: 1, recipients: ALL, nowMs: 1 })
  t.equal((await other.retrieve('ucxl://p/z.py', 'developer')).context.summary, 'z')
  await rejectsCode(t, () => other.retrieve('ucxl://p/z.py', 'security'), 'ACCESS_DENIED', /holds no key for role "security"/)
})

t.test('unchanged records are not written again; a change makes a new version and invalidates cached resolutions below it', async t => {
  const keys = await testKeys()
  const store = await ContextStore.open(join(keys.dir, 'store'), keys.crypto)
  t.teardown(() => store.close())
  await store.write(records, { term: 1, recipients: ALL, nowMs: 1 })
  const before = await store.retrieve('ucxl://p/src/pay.go', 'developer')
  const again = await store.write(records, { term: 1, recipients: ALL, nowMs: 2 })
  t.same([again.written, again.unchanged, again.bytes], [0, 3, 0])
  t.equal(await store.retrieve('ucxl://p/src/pay.go', 'developer'), before, 'served from the cache')
  const changed = [{ ...records[0]!, purpose: 'Moves money safely' }]
  const third = await store.write(changed, { term: 1, recipients: ALL, nowMs: 3 })
  t.equal(third.written, 1)
  const after = await store.retrieve('ucxl://p/src/pay.go', 'developer')
  t.equal(after.context.purpose, 'Moves money safely', 'the change at the root reaches the file')
  const root = await store.retrieve('ucxl://p/', 'viewer')
  t.same(root.version.vv, { [store.writer]: 2 }, 'a second version of the root')
  const narrower = await store.write([records[2]!], { term: 1, recipients: ['developer'], nowMs: 4 })
  t.equal(narrower.written, 1, 'a change of recipients is a change')
})

/** A store on disk that holds `records`, closed: its keys, folder, view hash and writer. */
async function closedStore (): Promise<{ keys: Awaited<ReturnType<typeof testKeys>>, dir: string, hash: string, writer: string }> {
  const keys = await testKeys()
  const dir = join(keys.dir, 'store')
  const store = await ContextStore.open(dir, keys.crypto)
  await store.write(records, { term: 1, recipients: ALL, nowMs: 1 })
  const closed = { keys, dir, hash: store.viewHash, writer: store.writer }
  await store.close()
  return closed
}

t.test('the view survives a restart, and catches up with blocks appended after its checkpoint', async t => {
  const { keys, dir, hash, writer } = await closedStore()

  // A crash between append and apply: a block in the log that the view has not applied.
  const raw = new Corestore(dir)
  const log = raw.get({ name: 'log' })
  await log.ready()
  const last = decodeEntry(splitBlock((await log.get(log.length - 1))!).at(-1)!)
  const record: ContextRecord = { address: 'ucxl://p/src/new.go', kind: 'file', summary: 'Appended before a crash' }
  const version: Version = { term: 1, hlc: { wall: 5, logical: 0 }, writer, vv: nextVector(undefined, writer) }
  const envelope = keys.crypto.seal(splitSections(record), ALL, associatedData(record.address, version))
  await log.append(encodeEntry({ type: 'context', address: record.address, kind: 'file', inherits: true, version, envelope }))
  t.ok(last.version.term === 1)
  await raw.close()

  const store = await ContextStore.open(dir, keys.crypto)
  t.teardown(() => store.close())
  t.not(store.viewHash, hash, 'the view changed by catching up')
  t.equal((await store.retrieve('ucxl://p/src/new.go', 'viewer')).context.summary, 'Appended before a crash')
  t.equal((await store.retrieve('ucxl://p/src/pay.go', 'developer')).context.summary, 'Payment handler', 'older records still there')
  t.equal(store.recordCount, 4)
})

t.test('an entry of its own log that this reader refuses is skipped and counted: the home opens, the rest is there', async t => {
  const { keys, dir, writer } = await closedStore()
  const raw = new Corestore(dir)
  const log = raw.get({ name: 'log' })
  await log.ready()
  // A decision header this reader refuses (257 addresses), as an older writer could append, then a good record.
  const bad = encodeEntry({
    type: 'decision', id: 'd-tooManyAddrs', title: 'x', affects: Array.from({ length: 257 }, (_, i) => `ucxl://p/f${i}`), influencedBy: [], supersedes: [],
    author: 'admin', level: 'internal', at: 1, address: 'ucxl://p/f0',
    version: { term: 1, hlc: { wall: 6, logical: 0 }, writer, vv: nextVector(undefined, writer) }, envelope: Buffer.alloc(0)
  } as never)
  await log.append(bad)
  const record: ContextRecord = { address: 'ucxl://p/src/after.go', kind: 'file', summary: 'After the bad entry' }
  const version: Version = { term: 1, hlc: { wall: 7, logical: 0 }, writer, vv: nextVector(undefined, writer) }
  await log.append(encodeEntry({ type: 'context', address: record.address, kind: 'file', inherits: true, version, envelope: keys.crypto.seal(splitSections(record), ALL, associatedData(record.address, version)) }))
  await log.append(bad)
  await raw.close()

  const store = await ContextStore.open(dir, keys.crypto)
  t.teardown(() => store.close())
  t.equal(store.rejectedEntries, 2, 'both copies of the bad entry are counted')
  t.equal((await store.retrieve('ucxl://p/src/after.go', 'viewer')).context.summary, 'After the bad entry')
  t.equal((await store.retrieve('ucxl://p/src/pay.go', 'developer')).context.summary, 'Payment handler', 'older records still there')
  // The clock goes on from the newest entry that decodes: a new write is newer than the good record.
  await store.write([{ address: 'ucxl://p/src/later.go', kind: 'file', summary: 'later' }], { term: 1, recipients: ALL, nowMs: 1 })
  t.ok((await store.retrieve('ucxl://p/src/later.go', 'viewer')).version.hlc.wall >= 7)
})

t.test('a checkpoint that is damaged, or of an older format, costs a replay of the logs and nothing else', async t => {
  const { keys, dir, hash } = await closedStore()
  const file = join(dir, 'view.checkpoint')
  const saved = readFileSync(file)
  const newline = saved.indexOf(10)
  const header = JSON.parse(saved.toString('utf8', 0, newline)) as { format: number, slots: number }
  t.equal(header.format, 9)
  t.equal(header.slots, 3)
  const older = (format: number): Buffer => {
    const text = saved.toString('utf8').replace('"format":9', `"format":${format}`)
    t.not(text, saved.toString('utf8'), `a checkpoint of format ${format} differs from this one`)
    return Buffer.from(text)
  }
  const damaged = [
    saved.subarray(0, saved.length - 5),
    Buffer.from('{"format":9,"hash":'),
    // Format 8 kept no ends of earlier terms (a view would apply what a later leader's term entry refuses): replayed.
    older(8),
    // Format 7 kept no requester on a version (history would name none): replayed.
    older(7),
    // Format 6 kept no term leaders (a view with a leadership rule would refuse every entry after it): replayed.
    older(6),
    // Format 5 kept one slot per address (a hand-written record replaced the generated one): replayed, not read.
    older(5),
    Buffer.from(JSON.stringify({ format: 4, hash, applied: {}, view: { writers: [], slots: [], versions: [] }, queue: [] })),
    Buffer.concat([saved.subarray(0, newline + 3), Buffer.from('#'), saved.subarray(newline + 4)])
  ]
  for (const bytes of damaged) {
    writeFileSync(file, bytes)
    const store = await ContextStore.open(dir, keys.crypto)
    t.equal(store.viewHash, hash, 'the same view, from the logs')
    t.equal(store.recordCount, 3)
    t.equal((await store.retrieve('ucxl://p/src/pay.go', 'developer')).context.summary, 'Payment handler')
    await store.close()
  }
})

t.test('a checkpoint line out of shape under a good digest: one clear error, the file removed, the next open replays', async t => {
  const { keys, dir, hash } = await closedStore()
  const file = join(dir, 'view.checkpoint')
  const text = readFileSync(file, 'utf8')
  const newline = text.indexOf('\n')
  const header = JSON.parse(text.slice(0, newline)) as { digest: string }
  // Every slot names writer 7, which the table does not have; the digest is made to match.
  const body = text.slice(newline + 1).replace(/\t\[\[0,/g, '\t[[7,')
  writeFileSync(file, JSON.stringify({ ...header, digest: createHash('sha256').update(body).digest('hex') }) + '\n' + body)
  let store = await ContextStore.open(dir, keys.crypto)
  await t.rejects(store.retrieve('ucxl://p/src/pay.go', 'developer'), { code: 'CORRUPT', message: /checkpoint .* is damaged: it was removed.*nothing stored is lost/ })
  await store.close()
  t.notOk(existsSync(file), 'removed, and not written again at close')
  store = await ContextStore.open(dir, keys.crypto)
  t.equal(store.viewHash, hash, 'the same view, from the logs')
  t.equal((await store.retrieve('ucxl://p/src/pay.go', 'developer')).context.summary, 'Payment handler')
  await store.close()
})

t.test('no plaintext at rest', async t => {
  const keys = await testKeys()
  const dir = join(keys.dir, 'store')
  const store = await ContextStore.open(dir, keys.crypto)
  const marker = 'MARKER_' + Math.random().toString(36).slice(2) + '_UNIQUE'
  await store.write([{ address: 'ucxl://p/m.py', kind: 'file', summary: marker, symbols: [{ name: marker, kind: 'function', line: 1 }], insights: [{ role: 'security', text: marker }] }], { term: 1, recipients: ALL, nowMs: 1 })
  t.equal((await store.retrieve('ucxl://p/m.py', 'security')).context.summary, marker)
  await store.close()
  const files = allFiles(keys.dir)
  t.ok(files.length > 3, 'the store wrote files')
  for (const file of files) {
    if (statSync(file).size === 0) continue
    t.notOk(readFileSync(file).includes(marker), `no marker in ${file.slice(keys.dir.length)}`)
  }
})

t.test('entries are packed into blocks, and broken framing is refused', async t => {
  const parts = Array.from({ length: MAX_ENTRIES_PER_BLOCK + 10 }, (_, i) => Buffer.from([1, 0, 0, 0, 0, i % 256]))
  const packed = packBlocks(parts)
  t.same(packed.map(b => b.length), [MAX_ENTRIES_PER_BLOCK, 10], 'at most MAX_ENTRIES_PER_BLOCK per block')
  const block = encodeBlock(packed[1]!)
  t.same(splitBlock(block), packed[1], 'a block splits into its entries')
  t.equal(splitBlock(parts[0]!)[0], parts[0], 'a single-entry block is the entry itself')
  for (const broken of [block.subarray(0, block.length - 1), Buffer.concat([block, Buffer.from([0])]), Buffer.from([2, 0, 0, 0, 0, 0]), Buffer.from([9, 1, 2, 3, 4, 5])]) {
    t.throws(() => splitBlock(broken), { code: 'CORRUPT' })
  }
  const headers = Buffer.from(block.subarray(9))
  headers[0] = (headers[0] ?? 0) ^ 0xff
  t.throws(() => splitBlock(Buffer.concat([block.subarray(0, 9), headers])), { code: 'CORRUPT' }, 'headers that do not inflate are CORRUPT')
})

/** A block of several entries as written before headers were packed (format 2): each entry whole, with its length. */
function batchBlock (entries: readonly Buffer[]): Buffer {
  const count = Buffer.alloc(5)
  count.writeUInt8(2, 0)
  count.writeUInt32LE(entries.length, 1)
  return Buffer.concat([count, ...entries.flatMap(e => { const length = Buffer.alloc(4); length.writeUInt32LE(e.length); return [length, e] })])
}

t.test("a block's headers are deflated together, its envelopes left as they are; a block of the older format still reads", async t => {
  const writer = 'ab'.repeat(32)
  const entries = Array.from({ length: 200 }, (_, i) => encodeEntry({
    type: 'context', address: `ucxl://stdlib/email/mime/part${i}.py`, kind: 'file', inherits: true, generated: true, batch: 7,
    version: { term: 3, hlc: { wall: 1_796_000_000_000 + i, logical: 0 }, writer, vv: { [writer]: 7 + i } },
    digest: createHash('sha256').update(String(i)).digest('hex').slice(0, 32), source: { hash: createHash('sha256').update(`f${i}`).digest('hex') },
    envelope: randomBytes(300 + i)
  }))
  const total = entries.reduce((sum, e) => sum + e.length, 0)
  const envelopes = entries.reduce((sum, e) => sum + e.length - 5 - e.readUInt32LE(1), 0)
  const block = encodeBlock(entries)
  t.ok(block.length < envelopes + (total - envelopes) / 3, `${block.length} bytes for ${total} (${envelopes} of them envelopes)`)
  t.same(splitBlock(block), entries, 'each entry reads back byte for byte')
  t.same(splitBlock(batchBlock(entries)), entries, 'a format 2 block (each entry whole) still splits into its entries')
  t.same(splitBlock(batchBlock(entries)).map(e => decodeEntry(e).address), entries.map(e => decodeEntry(e).address))
})

t.test('a batch of records shares blocks; each resolves from its block', async t => {
  const keys = await testKeys()
  const store = await ContextStore.open(join(keys.dir, 'store'), keys.crypto)
  t.teardown(() => store.close())
  const many: ContextRecord[] = Array.from({ length: 600 }, (_, i) => ({ address: `ucxl://p/d${i % 7}/f${i}.go`, kind: 'file', summary: `file ${i}` }))
  const result = await store.write(many, { term: 1, recipients: ALL, nowMs: 1 })
  t.equal(result.written, 600)
  t.ok(store.logLength < 10, `600 entries in ${store.logLength} blocks`)
  for (const i of [0, 1, 255, 256, 599]) t.equal((await store.retrieve(`ucxl://p/d${i % 7}/f${i}.go`, 'viewer')).context.summary, `file ${i}`)
})

t.test('a large write lets timers run while it seals (a daemon\'s heartbeats go out), and writes everything', async t => {
  const keys = await testKeys()
  const store = await ContextStore.open(join(keys.dir, 'store'), keys.crypto)
  t.teardown(() => store.close())
  const many: ContextRecord[] = Array.from({ length: 3000 }, (_, i) => ({
    address: `ucxl://p/d${i % 30}/f${i}.py`, kind: 'file', summary: `file ${i}`, language: 'python',
    symbols: [{ name: `f${i}`, kind: 'function', line: 1 }], insights: [{ role: 'security', text: `finding ${i}` }]
  }))
  const started = performance.now()
  let last = started
  let longest = 0
  const timer = setInterval(() => { const now = performance.now(); longest = Math.max(longest, now - last); last = now }, 5)
  const result = await store.write(many, { term: 1, recipients: ALL, nowMs: 1 })
  const ms = performance.now() - started
  clearInterval(timer)
  t.equal(result.written, 3000)
  // Sealing is most of the write: without yielding, a timer waits through all of it.
  t.ok(longest < ms / 2, `the longest a 5 ms timer waited was ${Math.round(longest)} ms of a ${Math.round(ms)} ms write`)
  t.equal((await store.retrieve('ucxl://p/d7/f2977.py', 'security')).context.summary, 'file 2977')
})

t.test('a write larger than APPEND_CHUNK_BYTES is appended in chunks of about that size, and reads back whole after a reopen', async t => {
  const keys = await testKeys()
  const dir = join(keys.dir, 'store')
  let store = await ContextStore.open(dir, keys.crypto)
  // A spy on the store's own log and payloads core: the size of each chunk's appends (its envelopes, then its headers).
  type Appending = { append: (blocks: Buffer[]) => Promise<unknown> }
  const logs = (store as unknown as { logs: { own: Appending, ownPayloads: Appending } }).logs
  const appends: number[] = []
  for (const core of [logs.own, logs.ownPayloads]) {
    const append = core.append.bind(core)
    core.append = async (blocks: Buffer[]) => { appends.push(blocks.reduce((sum, b) => sum + b.length, 0)); return await append(blocks) }
  }
  const filler = incompressible
  const many: ContextRecord[] = Array.from({ length: 3000 }, (_, i) => ({
    address: `ucxl://p/d${i % 30}/f${i}.py`, kind: 'file', summary: `file ${i} ${filler}`, language: 'python'
  }))
  const result = await store.write(many, { term: 1, recipients: ALL, nowMs: 1, generated: true, remove: ['ucxl://p/gone.py'] })
  t.equal(result.written, 3000)
  const total = appends.reduce((a, b) => a + b, 0)
  t.ok(total > APPEND_CHUNK_BYTES * 1.5, `${total} bytes written`)
  t.ok(appends.length >= 2, `${appends.length} appends`)
  const largest = Math.max(...appends)
  t.ok(largest < APPEND_CHUNK_BYTES + 64 * 1024, `no append holds much more than a chunk (${largest} bytes)`)
  t.equal(result.bytes, total, 'bytes counts every chunk')
  t.equal((await store.retrieve('ucxl://p/d7/f2977.py', 'developer')).context.summary, `file 2977 ${filler}`)
  const hash = store.viewHash
  await store.close()
  store = await ContextStore.open(dir, keys.crypto)
  t.teardown(() => store.close())
  t.equal(store.viewHash, hash, 'the same view after a reopen')
  t.equal((await store.retrieve('ucxl://p/d0/f0.py', 'viewer')).context.summary, `file 0 ${filler}`)
  const again = await store.write(many, { term: 1, recipients: ALL, nowMs: 2, generated: true })
  t.same([again.written, again.unchanged], [0, 3000], 'nothing is written twice')
})

t.test('removals: a generated address a later generate no longer finds reads as absent, survives a reopen, and a new version brings it back', async t => {
  const keys = await testKeys()
  const dir = join(keys.dir, 'store')
  let store = await ContextStore.open(dir, keys.crypto)
  const generated: ContextRecord[] = [
    ...records,
    { address: 'ucxl://p/src/old', kind: 'directory', summary: 'Old code' },
    { address: 'ucxl://p/src/old/gone.go', kind: 'file', summary: 'Gone', language: 'go' }
  ]
  await store.write(generated, { term: 1, recipients: ALL, nowMs: 1000, generated: true })
  await store.write([{ address: 'ucxl://p/src/notes', kind: 'directory', summary: 'Written by hand' }], { term: 1, recipients: ALL, nowMs: 1500 })
  t.same(store.generatedUnder('ucxl://p/src').sort(), ['ucxl://p/src', 'ucxl://p/src/old', 'ucxl://p/src/old/gone.go', 'ucxl://p/src/pay.go'], 'what generates wrote, at and below the folder; not the hand-written record')
  t.equal(store.recordCount, 6)
  const hashBefore = store.viewHash

  // The hand-written address and an unknown one are named too: neither is removed.
  const result = await store.write([], { term: 1, recipients: ALL, nowMs: 2000, remove: ['ucxl://p/src/old', 'ucxl://p/src/old/gone.go', 'ucxl://p/src/notes', 'ucxl://p/src/never'] })
  t.match(result, { written: 0, removed: 2 })
  t.not(store.viewHash, hashBefore, 'a removal is a new version: the view hash moves')
  t.equal(store.recordCount, 4, 'removed addresses are not counted')
  await rejectsCode(t, () => store.retrieve('ucxl://p/src/old/gone.go', 'developer'), 'NOT_FOUND')
  await rejectsCode(t, () => store.retrieve('ucxl://p/src/old', 'developer'), 'NOT_FOUND')
  t.equal((await store.retrieve('ucxl://p/src/notes', 'developer')).context.summary, 'Written by hand', 'a record written by hand is never removed')
  t.match(store.slotsOf('ucxl://p/src/old/gone.go'), [{ origin: 'generated', removed: true }])
  t.same(store.generatedUnder('ucxl://p/src/old'), [], 'a removed address is not removed again')
  t.match(await store.write([], { term: 1, recipients: ALL, nowMs: 2100, remove: ['ucxl://p/src/old'] }), { removed: 0, bytes: 0 })

  // A record written below a removed folder resolves past it, to the folders above.
  await store.write([{ address: 'ucxl://p/src/old/new.go', kind: 'file', summary: 'New' }], { term: 1, recipients: ALL, nowMs: 2200, generated: true })
  t.same((await store.retrieve('ucxl://p/src/old/new.go', 'developer')).resolvedFrom, ['ucxl://p/src/old/new.go', 'ucxl://p/src', 'ucxl://p/'])

  // Reopened from the checkpoint, then from the logs alone: the same view.
  const hash = store.viewHash
  await store.close()
  for (const rebuild of [false, true]) {
    if (rebuild) for (const file of allFiles(dir)) if (file.endsWith('view.checkpoint')) writeFileSync(file, 'damaged')
    store = await ContextStore.open(dir, keys.crypto)
    t.equal(store.viewHash, hash, `the same view hash (${rebuild ? 'replayed' : 'checkpoint'})`)
    t.equal(store.recordCount, 5, 'the removals are still not counted')
    await rejectsCode(t, () => store.retrieve('ucxl://p/src/old/gone.go', 'developer'), 'NOT_FOUND')
    await store.close()
  }

  // The file is back: its new version supersedes the removal.
  store = await ContextStore.open(dir, keys.crypto)
  t.teardown(() => store.close())
  await store.write([{ address: 'ucxl://p/src/old/gone.go', kind: 'file', summary: 'Back', language: 'go' }], { term: 1, recipients: ALL, nowMs: 3000, generated: true })
  t.equal((await store.retrieve('ucxl://p/src/old/gone.go', 'developer')).context.summary, 'Back')
  t.equal(store.recordCount, 6)
})

t.test('an open store takes little disk: RocksDB preallocates its log at 1.1 times the memtable, now 8 MiB', async t => {
  const keys = await testKeys()
  const store = await ContextStore.open(join(keys.dir, 'store'), keys.crypto)
  t.teardown(() => store.close())
  await store.write(records, { term: 1, recipients: ALL, nowMs: 1000 })
  // What the files hold on disk (blocks), not their length: the preallocated log is all but empty.
  const allocated = allFiles(join(keys.dir, 'store')).reduce((sum, file) => sum + statSync(file).blocks * 512, 0)
  t.ok(allocated < 24 * 1024 * 1024, `${(allocated / 1024 / 1024).toFixed(1)} MB allocated while open (75 MB with hypercore-storage's default 64 MiB memtable)`)
})

t.test('an address holds a generated and a hand-written record, each with its own versions; neither replaces the other', async t => {
  const keys = await testKeys()
  const dir = join(keys.dir, 'store')
  let store = await ContextStore.open(dir, keys.crypto)
  const generated: ContextRecord[] = [
    { address: 'ucxl://p/', kind: 'project', summary: 'A payments service' },
    { address: 'ucxl://p/src', kind: 'directory', summary: 'Go directory with 1 file', languages: ['go'], insights: [{ role: 'architect', text: 'fan-in: pay.go' }] },
    { address: 'ucxl://p/src/pay.go', kind: 'file', summary: 'Payment handler', language: 'go' }
  ]
  await store.write(generated, { term: 1, recipients: ALL, nowMs: 1000, generated: true })
  await store.write([{ address: 'ucxl://p/src', kind: 'directory', summary: 'Where money moves', insights: [{ role: 'developer', text: 'keep handlers thin' }] }], { term: 1, recipients: ['developer', 'admin'], nowMs: 2000 })
  // A generate again, with a changed folder record: a new generated version, the hand-written one untouched.
  const again = await store.write([{ ...generated[1]!, summary: 'Go directory with 2 files' }], { term: 1, recipients: ALL, nowMs: 3000, generated: true })
  t.equal(again.written, 1)
  t.equal(store.recordCount, 4, 'three generated records and one hand-written')
  const slots = store.slotsOf('ucxl://p/src')
  t.same(slots.map(s => [s.origin, s.removed, s.conflicts.length]), [['hand-written', false, 0], ['generated', false, 0]])
  t.not(slots[0]!.current, slots[1]!.current, 'version keys differ across the two records of one address')
  t.equal(store.versions().filter(line => line[0] === 'ucxl://p/src').length, 3, 'every version of both is in the history')

  const admin = await store.retrieve('ucxl://p/src/pay.go', 'admin')
  t.equal(admin.context.summary, 'Payment handler')
  t.same(admin.context.insights?.map(i => i.text), ['fan-in: pay.go', 'keep handlers thin'], 'the file gets the insights of both records of its folder')
  t.same(admin.handWritten, ['ucxl://p/src'])
  const folder = await store.retrieve('ucxl://p/src', 'admin')
  t.equal(folder.context.summary, 'Where money moves', 'the hand-written summary lies over the generated one')
  t.same(folder.context.languages, ['go'], 'while the generated fields it lacks stay')
  t.equal(folder.version.writer, store.writer)
  const viewer = await store.retrieve('ucxl://p/src', 'viewer')
  t.equal(viewer.context.summary, 'Go directory with 2 files', 'a role the hand-written record was not distributed to reads the generated one')
  t.same(viewer.withheld.filter(w => w.handWritten === true), [{ address: 'ucxl://p/src', levels: ['public', 'internal'], handWritten: true }])

  // The removal of a generated record (its folder is gone) leaves the hand-written one.
  t.match(await store.write([], { term: 1, recipients: ALL, nowMs: 4000, remove: ['ucxl://p/src'] }), { removed: 1 })
  t.equal((await store.retrieve('ucxl://p/src', 'admin')).context.summary, 'Where money moves')
  t.equal((await store.retrieve('ucxl://p/src', 'admin')).context.languages, undefined, 'the generated fields went with their record')
  await rejectsCode(t, () => store.retrieve('ucxl://p/src', 'viewer'), 'ACCESS_DENIED', /may not read ucxl:\/\/p\/src/)

  const hash = store.viewHash
  await store.close()
  for (const rebuild of [false, true]) {
    if (rebuild) writeFileSync(join(dir, 'view.checkpoint'), 'damaged')
    store = await ContextStore.open(dir, keys.crypto)
    t.equal(store.viewHash, hash, `the same view (${rebuild ? 'replayed' : 'checkpoint'})`)
    t.equal(store.recordCount, 3)
    t.equal((await store.retrieve('ucxl://p/src/pay.go', 'admin')).context.summary, 'Payment handler')
    await store.close()
  }
})

t.test('a writer whose version lost a tiebreak writes again: its new version is kept, not taken for the one it lost', async t => {
  const keys = await testKeys()
  const a = await ContextStore.open(join(keys.dir, 'a'), keys.crypto)
  const b = await ContextStore.open(join(keys.dir, 'b'), keys.crypto)
  t.teardown(async () => { await a.close(); await b.close() })
  const address = 'ucxl://p/notes'
  // Concurrent versions, b's with the later clock: b's wins the tiebreak, a's is kept as a conflict.
  await a.write([{ address, kind: 'file', summary: 'from a' }], { term: 1, recipients: ALL, nowMs: 1000 })
  await b.write([{ address, kind: 'file', summary: 'from b' }], { term: 1, recipients: ALL, nowMs: 2000 })
  const left = (a as unknown as { replicate: (s: unknown) => NodeJS.ReadWriteStream }).replicate(true)
  const right = (b as unknown as { replicate: (s: unknown) => NodeJS.ReadWriteStream }).replicate(false)
  left.pipe(right).pipe(left)
  t.teardown(() => { (left as unknown as { destroy: () => void }).destroy() })
  await a.downloadRemote(b.writer, b.logLength, 10_000)
  await a.applyRemote(b.writer, b.logLength)
  t.equal((await a.retrieve(address, 'viewer')).context.summary, 'from b')
  t.equal(a.slotsOf(address)[0]!.conflicts.length, 1, 'a\'s own version is kept as the conflict')

  // a writes again over b's version: its count must pass the one of its lost version, or the view drops it as known.
  const result = await a.write([{ address, kind: 'file', summary: 'a, after reading b' }], { term: 1, recipients: ALL, nowMs: 3000 })
  t.equal(result.written, 1)
  t.equal((await a.retrieve(address, 'viewer')).context.summary, 'a, after reading b', 'the new version is current')
  t.same(a.slotsOf(address)[0]!.conflicts, [], 'and supersedes both')
})

t.test('a reader that meets a store another process is still making waits for it, rather than failing', async t => {
  const keys = await testKeys()
  const dir = join(keys.dir, 'store')
  // The moment a writer has made the marker and the database but not yet its log: a read-only open fails there.
  const partial = new CoreStorage(dir)
  await partial.ready()
  await partial.close()
  const reading = ContextStore.open(dir, keys.crypto, { readOnly: true, lockWaitMs: 15_000 })
  await new Promise(resolve => setTimeout(resolve, 300))
  const writer = await ContextStore.open(dir, keys.crypto)
  await writer.write(records, { term: 1, recipients: ALL, nowMs: 1000 })
  await writer.close()
  const reader = await reading
  t.teardown(() => reader.close())
  t.ok(reader.readOnly, 'opened read-only')
  t.equal(reader.writer, writer.writer, 'the log the writer made')
})

t.test('a write cut off after its first chunk shows none of it, before and after a reopen; run again, it shows whole', async t => {
  const keys = await testKeys()
  const dir = join(keys.dir, 'store')
  let store = await ContextStore.open(dir, keys.crypto)
  await store.write(records, { term: 1, recipients: ALL, nowMs: 1 })
  const hash = store.viewHash
  // The second append fails, as a process killed between two chunks would never make it.
  const log = (store as unknown as { logs: { own: { append: (blocks: Buffer[]) => Promise<unknown> } } }).logs.own
  const append = log.append.bind(log)
  let appends = 0
  log.append = async (blocks: Buffer[]) => {
    if (++appends === 2) throw new Error('killed between chunks')
    return await append(blocks)
  }
  const filler = incompressible
  const many: ContextRecord[] = Array.from({ length: 3000 }, (_, i) => ({ address: `ucxl://p/big/f${i}.py`, kind: 'file', summary: `file ${i} ${filler}` }))
  await t.rejects(store.write(many, { term: 1, recipients: ALL, nowMs: 2 }), /killed between chunks/)
  t.equal(appends, 2, 'the first chunk reached the log')
  t.equal(store.viewHash, hash, 'none of the write shows')
  await rejectsCode(t, () => store.retrieve('ucxl://p/big/f0.py', 'developer'), 'NOT_FOUND')
  await store.close()
  store = await ContextStore.open(dir, keys.crypto)
  t.teardown(() => store.close())
  t.equal(store.viewHash, hash, 'nor after a reopen, which replays the log')
  await rejectsCode(t, () => store.retrieve('ucxl://p/big/f0.py', 'developer'), 'NOT_FOUND')
  const again = await store.write(many, { term: 1, recipients: ALL, nowMs: 3 })
  t.equal(again.written, 3000, 'run again, the whole write is written')
  t.equal((await store.retrieve('ucxl://p/big/f2999.py', 'developer')).context.summary, `file 2999 ${filler}`)
  t.equal((await store.retrieve('ucxl://p/big/f0.py', 'viewer')).context.summary, `file 0 ${filler}`)
})

t.test('a download given up (its signal aborted: the peers that announced the rest left) returns what is held at once', async t => {
  const keys = await testKeys()
  const store = await ContextStore.open(join(keys.dir, 'store'), keys.crypto)
  t.teardown(() => store.close())
  // Another writer's log that no peer serves: Hypercore would wait for its blocks until the download's own timeout.
  const other = await ContextStore.open(join(keys.dir, 'other'), keys.crypto)
  const writer = other.writer
  await other.close()
  const controller = new AbortController()
  setTimeout(() => { controller.abort() }, 50)
  const started = Date.now()
  const held = await Promise.race([
    store.downloadRemote(writer, 3, 20_000, controller.signal),
    new Promise<string>(resolve => setTimeout(() => { resolve('still waiting after 5 s') }, 5_000).unref())
  ])
  t.equal(held, 0, 'none of its blocks is held, and the call returned on the abort')
  t.ok(Date.now() - started < 5_000, 'well before the download\'s own 20 s timeout')
  t.equal(await store.downloadRemote(writer, 3, 20_000, AbortSignal.abort()), 0, 'a signal aborted before the call: no wait at all')
})

t.test('queue entries given while the writer is busy go in one append, in order; a write given between them keeps its place', async t => {
  const keys = await testKeys()
  const store = await ContextStore.open(join(keys.dir, 'store'), keys.crypto)
  t.teardown(() => store.close())
  // The store's own log, to count its appends (a test's look inside: an append is what costs a flush).
  const log = (store as unknown as { logs: { own: { on: (event: string, listener: () => void) => void } } }).logs.own
  let appends = 0
  log.on('append', () => { appends++ })
  const completion = (id: string): Parameters<ContextStore['appendQueueEntry']>[0] => ({ type: 'completion', id, address: `ucxl://p/${id}`, status: 'completed', at: 1000 })
  const idOf = (event: { entry: object }): string => 'id' in event.entry ? String(event.entry.id) : ''
  const given = Array.from({ length: 20 }, (_, i) => store.appendQueueEntry(completion(`c${i}`), { term: 1, nowMs: 1000 + i }))
  await Promise.all(given)
  t.equal(appends, 1, 'twenty entries given together: one append')
  t.same(store.queueEvents().map(idOf), given.map((_, i) => `c${i}`), 'in the order given, each its own entry')

  appends = 0
  const before = store.appendQueueEntry(completion('before'), { term: 1, nowMs: 2000 })
  const write = store.write(records.slice(0, 1), { term: 1, recipients: ALL, nowMs: 2001 })
  const after = store.appendQueueEntry(completion('after'), { term: 1, nowMs: 2002 })
  await Promise.all([before, write, after])
  const seqOf = (id: string): number => store.queueEvents().find(e => idOf(e) === id)!.seq
  t.ok(seqOf('before') < store.logLength - 2 && seqOf('after') === store.logLength - 1, 'the entry given after the write comes after it')
  t.equal(appends, 3, 'three appends: the entry, the write, the entry')
})
