/**
 * `audit verify`: every audit core this peer holds, checked three ways. Its signature: the core's tree at its signed
 * length must carry its writer's signature. Its entries: the Merkle tree recomputed from the blocks held must be the
 * tree that was signed (else the first block that differs was changed after it was written). Its witnesses: each
 * checkpoint another member co-signed must match the core (a core shorter than a co-signed length was truncated; one
 * whose tree at that length differs was forked or rewritten, between the last checkpoint that still holds and it).
 */
import c from 'compact-encoding'
import type Hypercore from 'hypercore'
import { verifySignature } from '../crypto/identity.js'
import { decodeAuditEvent } from './audit-event.js'
import type { AuditLog, HeldCore, PlacedEvent } from './audit-log.js'
import { bindingVerifies, checkpointVerifies } from './checkpoint.js'
import { prefixTreeHashes } from './merkle.js'

export type AuditProblemKind = 'unsigned' | 'changed' | 'truncated' | 'forked' | 'unbound' | 'bad-checkpoint'

export interface AuditProblem {
  kind: AuditProblemKind
  /** The node whose core it is, and the core. */
  node: string
  core: string
  /** The entry (changed), or the range of entries (forked: from the last co-signed length that holds, to the one that does not). */
  index?: number
  from?: number
  to?: number
  /** The witness whose checkpoint the core fails (truncated, forked, bad-checkpoint). */
  witness?: string
  detail: string
}

export interface AuditCoreReport { node: string, core: string, own: boolean, length: number, held: number, checkpoints: number }

export interface AuditVerifyReport { ok: boolean, cores: AuditCoreReport[], checkpoints: number, problems: AuditProblem[] }

interface Checkpoint { witness: string, subject: string, key: string, length: number, treeHash: string, at: number }

const short = (key: string): string => key.slice(0, 12)

/** The Ed25519 signature a single-signer core stores (Hypercore encodes it as a one-proof multisignature). */
function storedSignature (core: Hypercore): Buffer | null {
  const encoded = (core as unknown as { state?: { signature?: Buffer | null } }).state?.signature
  if (encoded === null || encoded === undefined) return null
  try {
    const state = { start: 0, end: encoded.byteLength, buffer: encoded }
    if (c.uint.decode(state) !== 1) return null
    c.uint.decode(state)
    const signature = c.fixed64.decode(state) as Buffer
    return c.uint.decode(state) === 0 ? Buffer.from(signature) : null
  } catch {
    return null
  }
}

async function signatureHolds (core: Hypercore): Promise<boolean> {
  const signer = core.manifest?.signers[0]?.publicKey
  const signature = storedSignature(core)
  if (signer === undefined || signature === null) return false
  return verifySignature(signer, await core.signable(core.signedLength, core.fork), signature)
}

/** The blocks of a core this peer holds from the start, up to its length. */
async function heldBlocks (core: Hypercore): Promise<Buffer[]> {
  const blocks: Buffer[] = []
  for (let index = 0; index < core.length; index++) {
    const block = await core.get(index, { wait: false })
    if (block === null) break
    blocks.push(block)
  }
  return blocks
}

/** The first entry whose bytes no longer hash to the stored tree, or null (a binary search over prefix lengths). */
async function firstChanged (core: Hypercore, prefixes: readonly Buffer[]): Promise<number | null> {
  const storedAt = async (length: number): Promise<Buffer> => await core.treeHash(length)
  const n = prefixes.length
  if (n === 0 || prefixes[n - 1]!.equals(await storedAt(n))) return null
  let low = 1
  let high = n
  while (low < high) {
    const mid = Math.floor((low + high) / 2)
    if (prefixes[mid - 1]!.equals(await storedAt(mid))) low = mid + 1
    else high = mid
  }
  return low - 1
}

function checkpointsIn (events: readonly PlacedEvent[], cluster: string, problems: AuditProblem[]): Checkpoint[] {
  const found: Checkpoint[] = []
  for (const { core, owner, index, event } of events) {
    if (event.kind !== 'checkpoint') continue
    const { subject, key, length, treeHash, signature } = event
    const head = { key: String(key), length: Number(length), treeHash: String(treeHash) }
    if (typeof subject !== 'string' || !checkpointVerifies(cluster, owner, subject, head, signature) || event.node !== owner) {
      problems.push({ kind: 'bad-checkpoint', node: owner, core, index, witness: owner, detail: `entry ${index} of ${short(owner)}'s audit core is a checkpoint whose signature does not verify` })
      continue
    }
    found.push({ witness: owner, subject, ...head, at: event.at })
  }
  return found
}

/** Checks every audit core `log` holds, and the checkpoints its members co-signed. */
export async function verifyAudit (log: AuditLog, cluster: string): Promise<AuditVerifyReport> {
  const problems: AuditProblem[] = []
  const cores: AuditCoreReport[] = []
  const trees = new Map<string, { held: HeldCore, prefixes: Buffer[] }>()
  for (const held of log.cores()) {
    const { core, node, key } = held
    if (core.length > 0 && !(await signatureHolds(core))) {
      problems.push({ kind: 'unsigned', node, core: key, detail: `${short(node)}'s audit core ${short(key)} does not carry its writer's signature at length ${core.length}` })
    }
    const blocks = await heldBlocks(core)
    const prefixes = prefixTreeHashes(blocks)
    trees.set(key, { held, prefixes })
    const changed = await firstChanged(core, prefixes)
    if (changed !== null) {
      problems.push({ kind: 'changed', node, core: key, index: changed, detail: `entry ${changed} of ${short(node)}'s audit core ${short(key)} was changed after it was signed` })
    }
    const first = blocks[0]
    let bound = false
    try {
      const open = first === undefined ? null : decodeAuditEvent(first, 'block 0')
      bound = open === null || (open.kind === 'open' && open.node === node && bindingVerifies(cluster, node, key, open.proof))
    } catch {}
    if (!bound) problems.push({ kind: 'unbound', node, core: key, index: 0, detail: `${short(node)}'s audit core ${short(key)} does not begin with that node's signed binding` })
    cores.push({ node, core: key, own: held.own, length: core.length, held: blocks.length, checkpoints: 0 })
  }
  const checkpoints = checkpointsIn(await log.events(), cluster, problems)
  for (const report of cores) {
    const mine = checkpoints.filter(cp => cp.key === report.core).sort((a, b) => a.length - b.length)
    report.checkpoints = mine.length
    const tree = trees.get(report.core)!
    let holds = 0
    for (const cp of mine) {
      const where = `witness ${short(cp.witness)} co-signed ${cp.length} entries of ${short(report.node)}'s audit core ${short(report.core)}`
      if (cp.subject !== report.node) {
        problems.push({ kind: 'bad-checkpoint', node: report.node, core: report.core, witness: cp.witness, detail: `${where} as another node's (${short(cp.subject)})` })
      } else if (report.length < cp.length) {
        problems.push({ kind: 'truncated', node: report.node, core: report.core, witness: cp.witness, from: report.length, to: cp.length, detail: `${where}, but it holds ${report.length}: entries ${report.length} to ${cp.length - 1} were removed` })
      } else if (cp.length > tree.prefixes.length) {
        continue
      } else if (tree.prefixes[cp.length - 1]!.toString('hex') !== cp.treeHash) {
        problems.push({ kind: 'forked', node: report.node, core: report.core, witness: cp.witness, from: holds, to: cp.length - 1, detail: `${where}, and its entries differ from them: forked or rewritten between entry ${holds} and entry ${cp.length - 1}` })
      } else {
        holds = Math.max(holds, cp.length)
      }
    }
  }
  return { ok: problems.length === 0, cores, checkpoints: checkpoints.length, problems }
}
