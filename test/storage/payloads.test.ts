// Headers and payloads apart: a write's records keep their headers in the writer log and (all but the write's first)
// their envelopes in the writer's payloads core. A peer says it holds a log only as far as it holds the payloads too.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { ContextStore } from '../../src/storage/context-store.js'
import { payloadsKeyOf } from '../../src/storage/store-logs.js'
import { shardOf } from '../../src/distribution/placement.js'
import { decodeEntry, encodeBlock, encodeEntry, encodePayloadBlock, splitBlock, splitPayloadBlock, type ContextEntry, type LogEntry } from '../../src/storage/log-entry.js'
import type { ContextRecord } from '../../src/context/record.js'
import { testKeys } from '../helpers/crypto-store.js'
import { rejectsCode, throwsCode } from '../helpers/errors.js'

const ALL = ['viewer', 'developer', 'qa', 'architect', 'security', 'admin']
/** Text deflate cannot shrink: an envelope the size of a real file's record, and larger. */
const filler = randomBytes(3000).toString('base64')

function recordsOf (prefix: string, count: number): ContextRecord[] {
  return Array.from({ length: count }, (_, i) => ({ address: `ucxl://p/${prefix}/f${i}.py`, kind: 'file' as const, summary: `${prefix} ${i} ${filler}` }))
}

interface Cores {
  own: { length: number, byteLength: number, get: (seq: number) => Promise<Buffer>, manifest: { signers: Array<{ publicKey: Buffer }> } }
  ownPayloads: { key: Buffer, length: number, byteLength: number }
}
const coresOf = (store: ContextStore): Cores => (store as unknown as { logs: Cores }).logs

/** Every entry of a store's own log, as its blocks hold them (headers only, for a pointing entry). */
async function logged (store: ContextStore): Promise<LogEntry[]> {
  const { own } = coresOf(store)
  const entries: LogEntry[] = []
  for (let seq = 0; seq < own.length; seq++) for (const bytes of splitBlock(await own.get(seq))) entries.push(decodeEntry(bytes))
  return entries
}

function replicate (t: Pick<Test, 'teardown'>, a: ContextStore, b: ContextStore): void {
  const left = (a as unknown as { replicate: (initiator: boolean) => NodeJS.ReadWriteStream }).replicate(true)
  const right = (b as unknown as { replicate: (initiator: boolean) => NodeJS.ReadWriteStream }).replicate(false)
  left.pipe(right).pipe(left)
  t.teardown(() => { (left as unknown as { destroy: () => void }).destroy() })
}

t.test('a write keeps its first record\'s envelope in the log and the others\' in the payloads core; one record stays whole', async t => {
  const keys = await testKeys()
  const dir = join(keys.dir, 'store')
  let store = await ContextStore.open(dir, keys.crypto)
  await store.write(recordsOf('a', 40), { term: 1, recipients: ALL, nowMs: 1000 })
  await store.write([{ address: 'ucxl://p/one.py', kind: 'file', summary: 'alone' }], { term: 1, recipients: ALL, nowMs: 2000 })
  const cores = coresOf(store)
  const context = (await logged(store)).filter((e): e is ContextEntry => e.type === 'context')
  const write = context.filter(e => e.address.startsWith('ucxl://p/a/'))
  t.equal(write.length, 40)
  const [first, ...others] = write
  t.ok(first!.envelope.length > 3000 && first!.payload === undefined, 'the first record carries its envelope (and the write\'s keys)')
  t.ok(cores.ownPayloads.key.equals(payloadsKeyOf(cores.own.manifest.signers[0]!.publicKey)), 'the payloads core\'s key is derived from the key that signs the log: any peer finds it')
  t.ok(others.every(e => e.envelope.length === 0 && e.payload !== undefined && e.batch === first!.batch), 'the others point into it')
  t.same(others.map(e => e.payload), others.map((_, i) => ({ block: others[0]!.payload!.block, index: i })), 'in write order, in one block')
  const alone = context.find(e => e.address === 'ucxl://p/one.py')!
  t.ok(alone.envelope.length > 0 && alone.payload === undefined && alone.batch === undefined, 'a write of one record keeps it whole')
  t.ok(cores.own.byteLength < cores.ownPayloads.byteLength / 10, `the log holds the headers: ${cores.own.byteLength} bytes against ${cores.ownPayloads.byteLength} of payloads`)
  t.equal(store.logBytes, cores.own.byteLength + cores.ownPayloads.byteLength, 'logBytes counts both')
  for (const i of [0, 1, 39]) t.equal((await store.retrieve(`ucxl://p/a/f${i}.py`, 'developer')).context.summary, `a ${i} ${filler}`)
  await store.close()
  store = await ContextStore.open(dir, keys.crypto)
  t.teardown(() => store.close())
  t.equal((await store.retrieve('ucxl://p/a/f39.py', 'viewer')).context.summary, `a 39 ${filler}`, 'read back after a reopen')
  t.equal((await store.retrieve('ucxl://p/one.py', 'viewer')).context.summary, 'alone')
})

t.test('a replica downloads a log with its payloads, says it holds it only then, and reads every record without the writer', async t => {
  const keys = await testKeys()
  const a = await ContextStore.open(join(keys.dir, 'a'), keys.crypto)
  let b: ContextStore | null = await ContextStore.open(join(keys.dir, 'b'), keys.crypto)
  t.teardown(async () => { await a.close(); await b?.close() })
  await b.write(recordsOf('b', 300), { term: 1, recipients: ALL, nowMs: 1000 })
  await b.write(recordsOf('c', 5), { term: 1, recipients: ALL, nowMs: 2000 })
  const writer = b.writer
  const length = b.logLength
  replicate(t, a, b)
  t.equal(await a.downloadRemote(writer, length, 10_000), length, 'the whole log is held, payloads and all')
  t.same(a.heads().find(h => h.writer === writer), { writer, length }, 'and said to be')
  await a.applyRemote(writer, length)
  // The writer goes: what the replica reads is its own copy.
  await b.close()
  b = null
  for (const [prefix, i] of [['b', 0], ['b', 299], ['c', 4]] as const) {
    t.equal((await a.retrieve(`ucxl://p/${prefix}/f${i}.py`, 'developer')).context.summary, `${prefix} ${i} ${filler}`)
  }
})

t.test('a replica missing payloads says it holds the log only up to the entries whose payloads it holds, and fetches them again', async t => {
  const keys = await testKeys()
  const dirA = join(keys.dir, 'a')
  let a = await ContextStore.open(dirA, keys.crypto)
  const b = await ContextStore.open(join(keys.dir, 'b'), keys.crypto)
  t.teardown(async () => { await a.close(); await b.close() })
  await b.write(recordsOf('b', 200), { term: 1, recipients: ALL, nowMs: 1000 })
  const firstWrite = b.logLength
  await b.write(recordsOf('c', 200), { term: 1, recipients: ALL, nowMs: 2000 })
  const writer = b.writer
  const length = b.logLength
  replicate(t, a, b)
  t.equal(await a.downloadRemote(writer, length, 10_000), length)
  await a.applyRemote(writer, length)
  // The second write's payloads are lost here (cleared), the first's kept.
  const logs = (a as unknown as { logs: { remotePayloads: Map<string, { length: number, contiguousLength: number, clear: (start: number, end: number) => Promise<void> }> } }).logs
  const payloads = logs.remotePayloads.get(writer)!
  const firstPayloads = (coresOf(b).ownPayloads.length)
  const secondStart = (await logged(b)).filter((e): e is ContextEntry => e.type === 'context' && e.address.startsWith('ucxl://p/c/') && e.payload !== undefined)[0]!.payload!.block
  t.ok(secondStart > 0 && secondStart < firstPayloads, `the second write's payloads start at block ${secondStart} of ${firstPayloads}`)
  await payloads.clear(secondStart, payloads.length)
  await a.close()
  a = await ContextStore.open(dirA, keys.crypto)
  const held = a.heads().find(h => h.writer === writer)?.length
  t.equal(held, firstWrite, `said held: the first write's ${firstWrite} blocks, not the ${length} of the log`)
  await b.write([{ address: 'ucxl://p/nudge.py', kind: 'file', summary: 'n' }], { term: 1, recipients: ALL, nowMs: 3000 })
  replicate(t, a, b)
  t.equal(await a.downloadRemote(writer, b.logLength, 10_000), b.logLength, 'a download fetches the missing payloads with the new blocks')
  t.equal((await a.retrieve('ucxl://p/c/f199.py', 'developer')).context.summary, `c 199 ${filler}`)
})

t.test('a pointer is refused where it cannot be: on an entry that also carries an envelope, outside a write, malformed', async t => {
  const version = { term: 1, hlc: { wall: 1, logical: 0 }, writer: 'a'.repeat(64), vv: { ['a'.repeat(64)]: 1 } }
  const base: ContextEntry = { type: 'context', address: 'ucxl://p/x.py', kind: 'file', inherits: true, version, batch: 3, envelope: Buffer.alloc(0), payload: { block: 2, index: 5 } }
  t.same((decodeEntry(encodeEntry(base)) as ContextEntry).payload, { block: 2, index: 5 }, 'a well-formed pointer reads back')
  const refused: Array<[string, ContextEntry]> = [
    ['and an envelope', { ...base, envelope: Buffer.from([1, 2, 3]) }],
    ['outside a write', { ...base, batch: undefined } as unknown as ContextEntry],
    ['on a removal', { ...base, removed: true }],
    ['a negative block', { ...base, payload: { block: -1, index: 0 } }],
    ['an index past a block', { ...base, payload: { block: 0, index: 256 } }],
    ['an extra field', { ...base, payload: { block: 0, index: 0, hash: 'x' } as unknown as ContextEntry['payload'] }]
  ]
  for (const [what, entry] of refused) throwsCode(t, () => decodeEntry(encodeEntry(entry)), 'CORRUPT', undefined, `refused: ${what}`)
  const block = encodePayloadBlock([Buffer.from([1]), Buffer.alloc(0), Buffer.from('envelope')])
  t.same(splitPayloadBlock(block).map(b => b.toString('hex')), ['01', '', Buffer.from('envelope').toString('hex')], 'a payloads block holds its envelopes as given, an empty one too')
  t.same(splitPayloadBlock(encodePayloadBlock([Buffer.from([1])])), [Buffer.from([1])], 'one envelope is framed too (never taken for the framing)')
  for (let cut = 0; cut < block.length; cut++) throwsCode(t, () => splitPayloadBlock(block.subarray(0, cut)), 'CORRUPT', undefined, `cut at ${cut}`)
  throwsCode(t, () => splitPayloadBlock(Buffer.concat([block, Buffer.from([0])])), 'CORRUPT', undefined, 'a byte past its last envelope')
})

interface PayloadsCore { key: Buffer, length: number, has: (block: number) => Promise<boolean> }
const ownPayloads = (store: ContextStore): PayloadsCore => (store as unknown as { logs: { ownPayloads: PayloadsCore } }).logs.ownPayloads
const remotePayloads = (store: ContextStore, writer: string): PayloadsCore => (store as unknown as { logs: { remotePayloads: Map<string, PayloadsCore> } }).logs.remotePayloads.get(writer)!

/** The payloads blocks a store's own log points into for the records under `prefix`. */
async function blocksOf (store: ContextStore, prefix: string): Promise<number[]> {
  const entries = (await logged(store)).filter((e): e is ContextEntry => e.type === 'context' && e.address.startsWith(`ucxl://p/${prefix}/`) && e.payload !== undefined)
  return [...new Set(entries.map(e => e.payload!.block))]
}

async function heldOf (core: PayloadsCore, blocks: readonly number[]): Promise<boolean[]> {
  return await Promise.all(blocks.map(async block => await core.has(block)))
}

function edited (prefix: string, count: number, edit: string): ContextRecord[] {
  return recordsOf(prefix, count).map(record => ({ ...record, summary: `${record.summary} ${edit}` }))
}

t.test('a sweep clears the payloads of superseded versions past the retention; current versions and every header stay', async t => {
  const keys = await testKeys()
  const dir = join(keys.dir, 'store')
  let store = await ContextStore.open(dir, keys.crypto)
  await store.write(recordsOf('a', 40), { term: 1, recipients: ALL, nowMs: 1000 })
  const first = await blocksOf(store, 'a')
  await store.write(edited('a', 40, 'v2'), { term: 1, recipients: ALL, nowMs: 2000 })
  const second = (await blocksOf(store, 'a')).filter(block => !first.includes(block))
  t.ok(first.length > 0 && second.length > 0, `the first write's envelopes in blocks ${first.join(',')}, the second's in ${second.join(',')}`)
  t.same(await store.clearPayloads(10_000, 5_000), { blocks: 0, envelopes: 0 }, 'nothing younger than the retention')
  t.same(await store.clearPayloads(1_000, 5_000), { blocks: first.length, envelopes: 39 }, 'the first write\'s superseded envelopes (but its first record\'s, in the log)')
  t.same(await heldOf(ownPayloads(store), first), first.map(() => false), 'their blocks are freed')
  t.same(await heldOf(ownPayloads(store), second), second.map(() => true), 'the current versions\' are kept')
  for (const i of [0, 1, 39]) t.equal((await store.retrieve(`ucxl://p/a/f${i}.py`, 'developer')).context.summary, `a ${i} ${filler} v2`)
  t.equal(store.versions().filter(line => line[0] === 'ucxl://p/a/f7.py').length, 2, 'the history keeps both versions\' headers')

  // One record of a block superseded: the block holds current versions too, and stays.
  await store.write([{ ...edited('a', 1, 'v3')[0]! }, { address: 'ucxl://p/other.py', kind: 'file', summary: 'o' }], { term: 1, recipients: ALL, nowMs: 3000 })
  t.same(await store.clearPayloads(0, 9_000), { blocks: 0, envelopes: 0 }, 'a block is cleared only when every envelope in it is superseded')
  await store.close()
  store = await ContextStore.open(dir, keys.crypto)
  t.teardown(() => store.close())
  t.same(await store.clearPayloads(0, 9_000), { blocks: 0, envelopes: 0 }, 'after a reopen: nothing more (the cleared blocks are known gone)')
  t.equal((await store.retrieve('ucxl://p/a/f0.py', 'viewer')).context.summary, `a 0 ${filler} v3`)
  t.equal((await store.retrieve('ucxl://p/a/f39.py', 'viewer')).context.summary, `a 39 ${filler} v2`)
})

t.test('a peer that joins after its writer cleared superseded payloads holds the whole log without them, and clears its own copies too', async t => {
  const keys = await testKeys()
  const a = await ContextStore.open(join(keys.dir, 'a'), keys.crypto)
  let b: ContextStore | null = await ContextStore.open(join(keys.dir, 'b'), keys.crypto)
  t.teardown(async () => { await a.close(); await b?.close() })
  await b.write(recordsOf('a', 40), { term: 1, recipients: ALL, nowMs: 1000 })
  const first = await blocksOf(b, 'a')
  await b.write(edited('a', 40, 'v2'), { term: 1, recipients: ALL, nowMs: 2000 })
  const second = (await blocksOf(b, 'a')).filter(block => !first.includes(block))
  t.equal((await b.clearPayloads(0, 9_000)).blocks, first.length, 'the writer cleared the first write\'s payloads')
  // The store's waits are on its clock, whose timers hold no process open (a daemon's server does): this test's does.
  const alive = setInterval(() => {}, 1_000)
  t.teardown(() => { clearInterval(alive) })
  const writer = b.writer
  replicate(t, a, b)
  t.equal(await a.downloadRemote(writer, b.logLength, 10_000), b.logLength, 'the joiner holds the whole log: it waits for no superseded payload')
  t.same(a.heads().find(h => h.writer === writer)?.length, b.logLength)
  t.same(await heldOf(remotePayloads(a, writer), second), second.map(() => true), 'with the current versions\' payloads')

  await b.write(edited('a', 40, 'v3'), { term: 1, recipients: ALL, nowMs: 3000 })
  t.equal(await a.downloadRemote(writer, b.logLength, 10_000), b.logLength)
  await a.applyRemote(writer, b.logLength)
  await b.close()
  b = null
  t.equal((await a.clearPayloads(0, 9_000)).blocks, second.length, 'the replica clears its copies of what the third write superseded')
  t.same(await heldOf(remotePayloads(a, writer), second), second.map(() => false))
  for (const i of [0, 39]) t.equal((await a.retrieve(`ucxl://p/a/f${i}.py`, 'developer')).context.summary, `a ${i} ${filler} v3`, 'and reads the current ones from its own copy')
})

t.test('a writer whose records point where no envelope is: the download gives up in its time, says held what is whole, and the read is CORRUPT', async t => {
  const keys = await testKeys()
  const a = await ContextStore.open(join(keys.dir, 'a'), keys.crypto)
  const b = await ContextStore.open(join(keys.dir, 'b'), keys.crypto)
  t.teardown(async () => { await a.close(); await b.close() })
  await b.write(recordsOf('a', 3), { term: 1, recipients: ALL, nowMs: 1000 })
  await b.write(recordsOf('c', 3), { term: 1, recipients: ALL, nowMs: 1500 })
  const writer = b.writer
  const whole = b.logLength
  // A second version of a/f0..f2 appended by hand: the first as written, the others pointing past their block and
  // into a block the payloads core never had.
  const { own } = coresOf(b) as unknown as { own: Cores['own'] & { append: (blocks: Buffer[]) => Promise<unknown> } }
  const written = (await logged(b)).filter((e): e is ContextEntry => e.type === 'context' && e.address.startsWith('ucxl://p/a/'))
  const seq = own.length
  const forged = written.map((entry, i): ContextEntry => ({
    ...entry,
    version: { ...entry.version, hlc: { wall: 2000, logical: i }, vv: { [writer]: 2 } },
    batch: seq,
    ...(i === 2 ? { end: true as const } : {}),
    ...(i === 1 ? { payload: { block: 0, index: 99 } } : i === 2 ? { payload: { block: 50, index: 0 } } : {})
  }))
  await own.append([encodeBlock(forged.map(encodeEntry))])
  // The store's waits are on its clock, whose timers hold no process open (a daemon's server does): this test's does.
  const alive = setInterval(() => {}, 1_000)
  t.teardown(() => { clearInterval(alive) })
  replicate(t, a, b)
  const started = Date.now()
  t.equal(await a.downloadRemote(writer, seq + 1, 3_000), whole, 'the log is held up to the forged write: its envelopes are nowhere')
  t.ok(Date.now() - started < 15_000, `within the download's time, not for ever (${Date.now() - started} ms)`)
  t.equal(a.heads().find(h => h.writer === writer)?.length, whole, 'and said held that far')
  await rejectsCode(t, () => a.retrieve('ucxl://p/a/f1.py', 'developer'), 'CORRUPT', /points at envelope 99 of payloads block 0, which holds \d+/)
  t.equal((await a.retrieve('ucxl://p/c/f2.py', 'developer')).context.summary, `c 2 ${filler}`, 'the records of whole writes read as before')
})

t.test('packed by shard: each payloads block holds one shard\'s envelopes; a full replica finds every block, a member only its shards\'', async t => {
  const keys = await testKeys()
  const writer = await ContextStore.open(join(keys.dir, 'w'), keys.crypto, { shardPayloads: true })
  const full = await ContextStore.open(join(keys.dir, 'full'), keys.crypto, { shardPayloads: true })
  const member = await ContextStore.open(join(keys.dir, 'member'), keys.crypto, { shardPayloads: true })
  t.teardown(async () => { await writer.close(); await full.close(); await member.close() })
  const records = recordsOf('s', 120)
  await writer.write(records, { term: 1, recipients: ALL, nowMs: 1000 })
  const context = (await logged(writer)).filter((e): e is ContextEntry => e.type === 'context' && e.payload !== undefined)
  const shardsOfBlock = new Map<number, Set<number>>()
  for (const entry of context) {
    let shards = shardsOfBlock.get(entry.payload!.block)
    if (shards === undefined) shardsOfBlock.set(entry.payload!.block, shards = new Set())
    shards.add(shardOf(entry.address))
  }
  t.ok([...shardsOfBlock.values()].every(s => s.size === 1), 'one shard a block')
  t.equal(shardsOfBlock.size, new Set(context.map(e => shardOf(e.address))).size, 'one block a shard (a small write)')
  t.ok(context.some((e, i) => i > 0 && e.payload!.block < context[i - 1]!.payload!.block), 'so the pointers go back within the write')

  const length = writer.logLength
  replicate(t, full, writer)
  t.equal(await full.downloadRemote(writer.writer, length, 10_000), length, 'a full replica holds the log')
  t.same(await full.heldPayloadBlocks(), { held: shardsOfBlock.size, of: shardsOfBlock.size }, 'with every payloads block, though its pointers go back')

  // A member holds the shards placed on it: half of them here.
  const placed = new Set([...new Set(context.map(e => shardOf(e.address)))].filter((_, i) => i % 2 === 0))
  await member.placePayloads(address => placed.has(shardOf(address)))
  replicate(t, member, writer)
  t.equal(await member.downloadRemote(writer.writer, length, 10_000), length, 'a member says it holds the log')
  t.same(await member.heldPayloadBlocks(), { held: placed.size, of: shardsOfBlock.size }, 'with the blocks of its shards only')
  const away = records.find((r, i) => i > 0 && !placed.has(shardOf(r.address)))!
  t.equal((await member.retrieve(away.address, 'developer')).context.summary, away.summary, 'another shard\'s record is fetched when read')
  t.same(await member.heldPayloadBlocks(), { held: placed.size + 1, of: shardsOfBlock.size }, 'and kept')
})
