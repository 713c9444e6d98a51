/**
 * Raw DEFLATE (RFC 1951) of a small input against a fixed preset dictionary, in one block of the fixed Huffman codes:
 * what zlib's own `inflateRaw` with that dictionary reads back, so a section it writes needs no new codec.
 *
 * Why not zlib: a section of a record is a few hundred bytes, and each `deflateRawSync` call sets up a stream and hashes
 * the whole dictionary again before it compresses anything: about 9.5 µs a section here, the largest single cost of
 * sealing a record. This encoder hashes the dictionary once, at load, and keeps its tables between calls. For inputs
 * this small zlib itself picks the fixed codes (a dynamic block's code tables cost more than they save), and the
 * matcher below searches as level 6 does (hash chains, the longest match), so the output is about as small.
 */

/** Inputs up to this size go through here; larger ones through zlib (its dynamic codes pay there). */
export const SMALL_DEFLATE_MAX = 512

const MIN_MATCH = 3
const MAX_MATCH = 258
/** How many earlier positions of a hash a match is looked for among (zlib's level 6 looks at 128). */
const MAX_CHAIN = 64
const HASH_BITS = 12
const HASH_SIZE = 1 << HASH_BITS
const NIL = -1

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

/** For each match length 3..258: its length code's index (0..28). */
const LENGTH_INDEX = new Uint8Array(MAX_MATCH + 1)
for (let i = 0; i < LENGTH_BASE.length; i++) {
  const end = i + 1 < LENGTH_BASE.length ? LENGTH_BASE[i + 1]! : MAX_MATCH + 1
  for (let length = LENGTH_BASE[i]!; length < end; length++) LENGTH_INDEX[length] = i
}
LENGTH_INDEX[MAX_MATCH] = 28

function distanceIndex (distance: number): number {
  let i = DIST_BASE.length - 1
  while (DIST_BASE[i]! > distance) i--
  return i
}

/** Reverses the low `bits` bits: Huffman codes go into the stream most significant bit first. */
function reverse (code: number, bits: number): number {
  let out = 0
  for (let i = 0; i < bits; i++) { out = (out << 1) | (code & 1); code >>>= 1 }
  return out
}

/** The fixed literal/length codes (RFC 1951 3.2.6), each already reversed for the LSB-first stream, and their lengths. */
const LIT_CODE = new Uint16Array(288)
const LIT_BITS = new Uint8Array(288)
for (let v = 0; v < 288; v++) {
  const [code, bits] = v < 144 ? [0x30 + v, 8] : v < 256 ? [0x190 + v - 144, 9] : v < 280 ? [v - 256, 7] : [0xc0 + v - 280, 8]
  LIT_CODE[v] = reverse(code, bits)
  LIT_BITS[v] = bits
}
const DIST_CODE = new Uint8Array(30)
for (let d = 0; d < 30; d++) DIST_CODE[d] = reverse(d, 5)

/** Writes bits least significant first into a byte buffer. */
class BitWriter {
  private bits = 0
  private count = 0
  length = 0
  constructor (readonly out: Buffer) {}

  put (value: number, bits: number): void {
    this.bits |= value << this.count
    this.count += bits
    while (this.count >= 8) {
      this.out[this.length++] = this.bits & 0xff
      this.bits >>>= 8
      this.count -= 8
    }
  }

  finish (): void {
    if (this.count > 0) this.out[this.length++] = this.bits & 0xff
    this.bits = 0
    this.count = 0
  }
}

function hash3 (data: Uint8Array, i: number): number {
  return (((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!) * 2654435761 >>> (32 - HASH_BITS))
}

/** An encoder for one dictionary: its tables hashed once; each call reuses them. Not re-entrant (it is synchronous). */
export class SmallDeflater {
  private readonly window: Buffer
  private readonly dictHead: Int32Array
  private readonly head = new Int32Array(HASH_SIZE)
  private readonly prev: Int32Array
  private readonly out: Buffer
  private readonly dictLength: number

  constructor (dictionary: Buffer) {
    this.dictLength = dictionary.length
    this.window = Buffer.alloc(dictionary.length + SMALL_DEFLATE_MAX)
    dictionary.copy(this.window)
    this.prev = new Int32Array(this.window.length).fill(NIL)
    this.dictHead = new Int32Array(HASH_SIZE).fill(NIL)
    for (let i = 0; i + MIN_MATCH <= dictionary.length; i++) {
      const h = hash3(this.window, i)
      this.prev[i] = this.dictHead[h]!
      this.dictHead[h] = i
    }
    // The worst case: every byte a 9-bit literal, plus the block's header and end.
    this.out = Buffer.alloc(Math.ceil((SMALL_DEFLATE_MAX * 9 + 3 + 7) / 8) + 1)
  }

  /** The raw DEFLATE stream of `input` (at most SMALL_DEFLATE_MAX bytes), with the dictionary as its preset window. */
  deflate (input: Uint8Array): Buffer {
    if (input.length > SMALL_DEFLATE_MAX) throw new RangeError(`small deflate takes at most ${SMALL_DEFLATE_MAX} bytes, not ${input.length}`)
    const { window, head, prev, dictLength } = this
    window.set(input, dictLength)
    head.set(this.dictHead)
    const end = dictLength + input.length
    const writer = new BitWriter(this.out)
    writer.put(1, 1) // BFINAL
    writer.put(1, 2) // BTYPE 01: the fixed codes
    let i = dictLength
    while (i < end) {
      let bestLength = 0
      let bestDistance = 0
      if (i + MIN_MATCH <= end) {
        const h = hash3(window, i)
        const limit = Math.min(MAX_MATCH, end - i)
        let candidate = head[h]!
        for (let chain = 0; candidate !== NIL && chain < MAX_CHAIN; chain++) {
          // Quick reject: a longer match must agree at the byte that would extend the best one.
          if (window[candidate + bestLength] === window[i + bestLength]) {
            let length = 0
            while (length < limit && window[candidate + length] === window[i + length]) length++
            if (length > bestLength) {
              bestLength = length
              bestDistance = i - candidate
              if (length === limit) break
            }
          }
          candidate = prev[candidate]!
        }
        prev[i] = head[h]!
        head[h] = i
      }
      if (bestLength >= MIN_MATCH) {
        const li = LENGTH_INDEX[bestLength]!
        const symbol = 257 + li
        writer.put(LIT_CODE[symbol]!, LIT_BITS[symbol]!)
        if (LENGTH_EXTRA[li]! > 0) writer.put(bestLength - LENGTH_BASE[li]!, LENGTH_EXTRA[li]!)
        const di = distanceIndex(bestDistance)
        writer.put(DIST_CODE[di]!, 5)
        if (DIST_EXTRA[di]! > 0) writer.put(bestDistance - DIST_BASE[di]!, DIST_EXTRA[di]!)
        // The positions the match covers are hashed too, so later matches can start inside it.
        for (let j = i + 1; j < i + bestLength && j + MIN_MATCH <= end; j++) {
          const h = hash3(window, j)
          prev[j] = head[h]!
          head[h] = j
        }
        i += bestLength
      } else {
        const byte = window[i]!
        writer.put(LIT_CODE[byte]!, LIT_BITS[byte]!)
        i++
      }
    }
    writer.put(LIT_CODE[256]!, LIT_BITS[256]!)
    writer.finish()
    return Buffer.from(this.out.subarray(0, writer.length))
  }
}
