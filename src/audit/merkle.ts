/**
 * Hypercore's Merkle tree, recomputed from the blocks a core holds (the hashes of hypercore-crypto: BLAKE2b-256 over a
 * type byte, sizes as 8-byte little-endian numbers, children or roots). Comparing it with the tree the core stored,
 * prefix by prefix, finds the first block whose bytes no longer match what was signed.
 */
import sodium from 'sodium-native'

const LEAF_TYPE = Buffer.from([0])
const PARENT_TYPE = Buffer.from([1])
const ROOT_TYPE = Buffer.from([2])

interface TreeNode { index: number, size: number, hash: Buffer }

function uint64 (value: number): Buffer {
  const out = Buffer.alloc(8)
  out.writeBigUInt64LE(BigInt(value))
  return out
}

function blake2b (parts: Buffer[]): Buffer {
  const out = Buffer.alloc(32)
  sodium.crypto_generichash_batch(out, parts)
  return out
}

/** The depth of a node of a flat tree: its index's trailing one bits. */
function depthOf (index: number): number {
  let depth = 0
  while (((index >> depth) & 1) === 1) depth++
  return depth
}

/** The tree hash after each block: element k is the hash of the first k+1 blocks (what `core.treeHash(k + 1)` signs). */
export function prefixTreeHashes (blocks: readonly Buffer[]): Buffer[] {
  const roots: TreeNode[] = []
  const hashes: Buffer[] = []
  blocks.forEach((block, i) => {
    roots.push({ index: 2 * i, size: block.byteLength, hash: blake2b([LEAF_TYPE, uint64(block.byteLength), block]) })
    while (roots.length >= 2 && depthOf(roots.at(-1)!.index) === depthOf(roots.at(-2)!.index)) {
      const right = roots.pop()!
      const left = roots.pop()!
      roots.push({ index: (left.index + right.index) / 2, size: left.size + right.size, hash: blake2b([PARENT_TYPE, uint64(left.size + right.size), left.hash, right.hash]) })
    }
    hashes.push(blake2b([ROOT_TYPE, ...roots.flatMap(root => [root.hash, uint64(root.index), uint64(root.size)])]))
  })
  return hashes
}
