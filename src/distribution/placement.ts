/**
 * Which members hold an address when replication is sharded (issue 22): weighted rendezvous (highest-random-weight)
 * hashing, pure. Every member scores every key by a hash of the pair, scaled by its declared capacity, and the
 * `factor` highest scores hold the key. A member that joins takes over only the keys it now scores highest on (about
 * factor/N of the slots), and one that leaves hands on only its own; nothing else moves. Every peer computes the same
 * answer from the same member list, with no coordination.
 *
 * The score is the logarithmic method of Schindelhauer and Schomaker ("Weighted distributed hash tables", 2005):
 * weight / -ln(u) for a pair hash u uniform in (0, 1), which gives each member a share of the keys in proportion to
 * its weight. The pair hash mixes a digest of the key with one of the member (each computed once) by two rounds of a
 * 32-bit finaliser, so placing a key costs a multiply-and-xor per member, not a digest.
 */
import { createHash } from 'node:crypto'
import { badInput } from '../errors.js'

export interface PlacementMember {
  id: string
  /** Declared capacity, relative to the others: a member of weight 2 holds about twice the keys of one of weight 1. */
  weight?: number
}

interface Scored { id: string, weight: number, lo: number, hi: number }

/** Two 32-bit halves of a SHA-256 digest of the text (node:crypto's, no I/O). */
function digest32x2 (text: string): [number, number] {
  const d = createHash('sha256').update(text).digest()
  return [d.readUInt32LE(0), d.readUInt32LE(4)]
}

/** murmur3's 32-bit finaliser: every input bit reaches every output bit. */
function fmix32 (h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

const before = (x: { id: string, score: number }, y: { id: string, score: number }): boolean =>
  x.score > y.score || (x.score === y.score && x.id < y.id)

export class Placement {
  private readonly members: Scored[]

  constructor (members: readonly PlacementMember[]) {
    const seen = new Set<string>()
    this.members = members.map(({ id, weight = 1 }) => {
      if (typeof id !== 'string' || id === '') throw badInput('a placement member needs an id')
      if (seen.has(id)) throw badInput(`member ${id.slice(0, 16)} is listed twice`)
      if (!Number.isFinite(weight) || weight <= 0) throw badInput(`member ${id.slice(0, 16)}'s weight must be a positive number, not ${weight}`)
      seen.add(id)
      const [lo, hi] = digest32x2(`bzzz-ctx/placement/member\u0000${id}`)
      return { id, weight, lo, hi }
    })
  }

  get size (): number {
    return this.members.length
  }

  /** The `factor` members that hold `key`, highest score first (all of them when there are fewer). */
  holders (key: string, factor: number): string[] {
    if (!Number.isSafeInteger(factor) || factor < 1) throw badInput(`the replication factor must be a positive integer, not ${factor}`)
    const [klo, khi] = digest32x2(`bzzz-ctx/placement/key\u0000${key}`)
    const top: Array<{ id: string, score: number }> = []
    for (const m of this.members) {
      const a = fmix32(klo ^ m.lo)
      const b = fmix32((khi ^ m.hi) + a)
      // 52 bits of the pair, mapped into (0, 1): never 0, so the logarithm is finite and negative.
      const u = ((a & 0xfffff) * 2 ** 32 + b + 0.5) / 2 ** 52
      const score = m.weight / -Math.log(u)
      if (top.length >= factor) {
        // Most members score below the last kept: compared before anything is allocated for them.
        const last = top[top.length - 1]!
        if (score < last.score || (score === last.score && m.id > last.id)) continue
      }
      const entry = { id: m.id, score }
      if (top.length < factor) top.push(entry)
      else top[top.length - 1] = entry
      // Ties broken by id, so the answer does not depend on the order the members were listed in.
      top.sort((x, y) => before(x, y) ? -1 : 1)
    }
    return top.map(t => t.id)
  }
}

/**
 * How many shards a sharded cluster's addresses fall into: what is placed (an address's shard, not the address), and
 * what a write's payloads are packed by, so that a holder's eager download is a few blocks. Fixed: a peer of another
 * count would place every address elsewhere. 256 gives each of a thousand members with a factor of 3 most of a shard,
 * and a write of 10,000 records about 40 envelopes a block.
 */
export const SHARDS = 256

/** The shard of an address (a digest, so neighbouring addresses scatter). */
export function shardOf (address: string): number {
  return createHash('sha256').update(address).digest().readUInt16LE(0) % SHARDS
}

/** Each shard's holders among `members` (indexed by shard), `factor` a shard, highest score first. */
export function shardHolders (members: readonly PlacementMember[], factor: number): string[][] {
  const placement = new Placement(members)
  return Array.from({ length: SHARDS }, (_, shard) => placement.holders(`shard/${shard}`, factor))
}

/** The shards placed on `member` among `members`, `factor` holders a shard. */
export function shardsPlacedOn (member: string, members: readonly PlacementMember[], factor: number): Set<number> {
  const placed = new Set<number>()
  for (const [shard, holders] of shardHolders(members, factor).entries()) if (holders.includes(member)) placed.add(shard)
  return placed
}
