// The audit core and its verification, on Corestores in the test: batched appends, a witness's checkpoint, and each
// kind of damage `audit verify` must report (a changed entry, a truncated core, a forked core) with where it is.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { pipeline } from 'node:stream'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import { AuditLog } from '../../src/audit/audit-log.js'
import { verifyAudit } from '../../src/audit/verify.js'
import { prefixTreeHashes } from '../../src/audit/merkle.js'
import { generateIdentity, type NodeIdentity } from '../../src/crypto/identity.js'
import { systemClock } from '../../src/clock.js'
import { scratchDir } from '../helpers/scratch.js'

const CLUSTER = 'c'.repeat(64)

interface Peer { store: Corestore, log: AuditLog, identity: NodeIdentity, own: Hypercore }

async function openPeer (dir: string, identity = generateIdentity()): Promise<Peer> {
  const store = new Corestore(dir)
  const own = store.get({ name: 'audit' })
  await own.ready()
  const log = await AuditLog.open({ own, coreOf: key => store.get({ key }), node: identity.nodeId, role: 'developer', cluster: CLUSTER, identity, clock: systemClock })
  return { store, log, identity, own }
}

/** Replicates two stores in this process until the returned function is called. */
function replicate (a: Peer, b: Peer): () => void {
  const left = a.store.replicate(true) as NodeJS.ReadWriteStream & { destroy: () => void }
  const right = b.store.replicate(false) as NodeJS.ReadWriteStream & { destroy: () => void }
  pipeline(left, right, left, () => {})
  return () => { left.destroy(); right.destroy() }
}

/** A peer with `events` entries whose head a witness co-signed, the witness's core then held by the peer too. */
async function witnessed (t: Test, events: number): Promise<{ subject: Peer, witness: Peer, cosigned: number }> {
  const dir = scratchDir('bzzz-audit-')
  const subject = await openPeer(join(dir, 'subject'))
  const witness = await openPeer(join(dir, 'witness'))
  t.teardown(async () => { await subject.store.close(); await witness.store.close() })
  for (let i = 0; i < events; i++) subject.log.record('read', { address: `ucxl://p/f${i}` })
  await subject.log.flushed()
  const stop = replicate(subject, witness)
  const head = (await subject.log.head())!
  t.equal(await witness.log.witness(subject.identity.nodeId, head), 'cosigned', 'the witness co-signs the head its replica agrees with')
  await witness.log.flushed()
  const held = await subject.log.learn(witness.identity.nodeId, (await witness.log.head())!.key)
  const range = held.core.download({ start: 0, end: witness.own.length })
  await range.done()
  await subject.log.flushed()
  stop()
  return { subject, witness, cosigned: head.length }
}

t.test('the recomputed Merkle tree is the one Hypercore signs', async t => {
  const store = new Corestore(scratchDir('bzzz-merkle-'))
  t.teardown(async () => await store.close())
  const core = store.get({ name: 'x' })
  const blocks = Array.from({ length: 13 }, (_, i) => Buffer.from('block ' + 'x'.repeat(i)))
  await core.append(blocks)
  const hashes = prefixTreeHashes(blocks)
  for (let length = 1; length <= blocks.length; length++) t.same(hashes[length - 1], await core.treeHash(length), `at length ${length}`)
})

t.test('events are appended in batches, block 0 binds the core, and an untouched log verifies', async t => {
  const peer = await openPeer(scratchDir('bzzz-audit-'))
  t.teardown(async () => await peer.store.close())
  const appends: number[] = []
  const append = peer.own.append.bind(peer.own)
  peer.own.append = async (blocks: Buffer | Buffer[]) => { appends.push(Array.isArray(blocks) ? blocks.length : 1); return await append(blocks) }
  for (let i = 0; i < 200; i++) peer.log.record('distribute', { address: `ucxl://p/f${i}`, records: 1 })
  await peer.log.flushed()
  t.equal(peer.own.length, 201, 'the open event and 200 more')
  t.ok(appends.length <= 2, `200 events took ${appends.length} appends`)
  const events = await peer.log.events()
  t.equal(events[0]!.event.kind, 'open')
  t.same(events.slice(1).map(e => e.event.address), Array.from({ length: 200 }, (_, i) => `ucxl://p/f${i}`), 'in the order recorded')
  t.equal(events[5]!.event.node, peer.identity.nodeId)
  const report = await verifyAudit(peer.log, CLUSTER)
  t.same(report.problems, [])
  t.ok(report.ok)
})

t.test('a witness co-signs once per interval, and only when more than checkpoints was logged', async t => {
  const { subject, witness } = await witnessed(t, 5)
  const stop = replicate(subject, witness)
  t.teardown(stop)
  t.equal(await witness.log.witness(subject.identity.nodeId, (await subject.log.head())!, { intervalMs: 0 }), 'agrees', 'the subject logged only its learning of the witness core since')
  subject.log.record('read', { address: 'ucxl://p/more' })
  await subject.log.flushed()
  t.equal(await witness.log.witness(subject.identity.nodeId, (await subject.log.head())!, { intervalMs: 0 }), 'cosigned')
  const report = await verifyAudit(witness.log, CLUSTER)
  t.same(report.problems, [], 'the witness verifies the subject\'s core against both of its checkpoints')
  t.equal(report.checkpoints, 2)
})

t.test('a changed entry is reported at its index', async t => {
  const { subject } = await witnessed(t, 8)
  const block = (await subject.own.get(4))!
  block[block.length - 3] ^= 0x01
  const state = (subject.own as unknown as { state: { storage: { write: () => { putBlock: (i: number, b: Buffer) => void, flush: () => Promise<void> } } } }).state
  const tx = state.storage.write()
  tx.putBlock(4, block)
  await tx.flush()
  const report = await verifyAudit(subject.log, CLUSTER)
  t.notOk(report.ok)
  const changed = report.problems.filter(p => p.kind === 'changed')
  t.same(changed.map(p => [p.node, p.index]), [[subject.identity.nodeId, 4]], 'entry 4 of the subject\'s core')
})

t.test('a truncated core is reported against the length its witness co-signed', async t => {
  const { subject, witness, cosigned } = await witnessed(t, 8)
  await subject.own.truncate(cosigned - 3)
  const report = await verifyAudit(subject.log, CLUSTER)
  t.notOk(report.ok)
  const truncated = report.problems.filter(p => p.kind === 'truncated')
  t.equal(truncated.length, 1)
  t.match(truncated[0], { node: subject.identity.nodeId, witness: witness.identity.nodeId, from: cosigned - 3, to: cosigned })
})

t.test('a forked core (other entries at the same indexes) is reported between the checkpoints', async t => {
  const { subject, witness, cosigned } = await witnessed(t, 8)
  await subject.own.truncate(cosigned - 2)
  for (let i = 0; i < 4; i++) subject.log.record('read', { address: `ucxl://p/forged${i}` })
  await subject.log.flushed()
  t.ok(subject.own.length >= cosigned, 'as long as before, or longer')
  const report = await verifyAudit(subject.log, CLUSTER)
  t.notOk(report.ok)
  const forked = report.problems.filter(p => p.kind === 'forked')
  t.equal(forked.length, 1)
  t.match(forked[0], { node: subject.identity.nodeId, witness: witness.identity.nodeId, from: 0, to: cosigned - 1 })
  t.same(report.problems.filter(p => p.kind === 'changed' || p.kind === 'unsigned'), [], 'the fork is signed and self-consistent: only the witness shows it')
})
