/**
 * The plaintext form of a sealed section (envelope version 2): one codec byte, then the section's bytes, stored as they
 * are or deflated. Compression happens per section, that is per access level, never across levels: the ciphertext's
 * length is all a role learns of a level above its clearance, and a compression context shared with a level it reads
 * would make that length depend on how much the hidden text repeats the visible one.
 */
import zlib from 'node:zlib'
import { corrupt } from '../errors.js'
import { SMALL_DEFLATE_MAX, SmallDeflater } from './small-deflate.js'

export const SECTION_STORED = 0
export const SECTION_DEFLATED = 1

/** Below this a section is stored: deflate's header and the zlib call cost more than the few bytes it could save. */
export const MIN_COMPRESS_BYTES = 48
/**
 * The largest plaintext a deflated section may inflate to. A writer stores larger sections as they are, so the bound
 * never refuses an honest section; it keeps a small hostile one from inflating without end.
 */
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024
/** zlib's default: about 20 µs for a 3 KB section here; level 9 saves 1% more and costs twice the time. */
const DEFLATE_LEVEL = 6

/**
 * A preset dictionary: the text sections are made of (src/context/sections.ts joins record fields as JSON), so even a
 * section of a hundred bytes finds its keys and kinds here. Fixed for ever once written: a deflated section names no
 * dictionary, so a new one needs a new codec byte. Generic on purpose: names of fields and kinds, no corpus's words.
 */
export const DICTIONARY = Buffer.from([
  '{"summary":"","purpose":"","language":"","languages":[],"technologies":[],"tags":[],"imports":[],',
  '"insights":[{"role":"developer","kind":"entry-point","text":""},{"role":"qa","kind":"tests","text":""},',
  '{"role":"architect","kind":"module-dependencies","text":"imports "},{"role":"architect","kind":"fan-in-out","text":""},',
  '{"role":"security","kind":"crypto","text":""},{"level":"internal","text":""}],',
  '"symbols":[{"name":"","kind":"module","line":1},{"name":"","kind":"constant","line":',
  '{"name":"","kind":"variable","line":,"exported":false},{"name":"","kind":"class","line":,"exported":true,"doc":"',
  '{"name":"","kind":"function","line":,"exported":true,"doc":"Return the "},',
  '{"name":"__init__","kind":"method","line":,"parent":"","exported":true},',
  '{"name":"","kind":"method","line":,"parent":"","exported":false,"doc":"Return "},',
  '{"name":"","kind":"method","line":,"parent":"","exported":true,"doc":"'
].join(''))

let smallDeflater: SmallDeflater | null = null
/** The encoder of small sections, made on first use (hashing the dictionary once). */
function small (): SmallDeflater {
  return (smallDeflater ??= new SmallDeflater(DICTIONARY))
}

/** deflate's lookahead: a window holds the dictionary and the input only with this much to spare. */
const MIN_LOOKAHEAD = 262

/**
 * The smallest window (and hash table) that holds the dictionary and the whole section, so the output is the same as
 * with the largest: zlib allocates and clears about 256 KiB per call at its defaults, which for sections of a few
 * hundred bytes cost more than the compression (10,000 records sealed: 93 ms of deflate at the defaults, 64 ms so).
 * The output buffer is sized to the section too, not zlib's 16 KiB chunk. Any inflater reads it: a raw inflate with
 * the default window takes every smaller one.
 */
function deflateOptions (length: number): zlib.ZlibOptions {
  let windowBits = 9
  while (windowBits < 15 && (1 << windowBits) - MIN_LOOKAHEAD < DICTIONARY.length + length) windowBits++
  return { level: DEFLATE_LEVEL, dictionary: DICTIONARY, windowBits, memLevel: Math.max(1, Math.min(8, windowBits - 7)), chunkSize: Math.max(64, length + 64) }
}

/** The section's plaintext as it is sealed: deflated when that is smaller, else stored. */
export function encodeSectionText (plaintext: Buffer, compress = true): Buffer {
  if (compress && plaintext.length >= MIN_COMPRESS_BYTES && plaintext.length <= MAX_INFLATED_BYTES) {
    const deflated = plaintext.length <= SMALL_DEFLATE_MAX ? small().deflate(plaintext) : zlib.deflateRawSync(plaintext, deflateOptions(plaintext.length))
    if (deflated.length + 1 < plaintext.length) return Buffer.concat([Buffer.of(SECTION_DEFLATED), deflated])
  }
  return Buffer.concat([Buffer.of(SECTION_STORED), plaintext])
}

/** The section's plaintext back from its sealed form; CORRUPT on an unknown codec or a body that does not inflate. */
export function decodeSectionText (sealed: Buffer, where: string): Buffer {
  const codec = sealed[0]
  const body = sealed.subarray(1)
  if (codec === SECTION_STORED) return body
  if (codec !== SECTION_DEFLATED) throw corrupt(`the ${where} section has an unknown codec ${String(codec)}`)
  try {
    return zlib.inflateRawSync(body, { dictionary: DICTIONARY, maxOutputLength: MAX_INFLATED_BYTES })
  } catch (err) {
    throw corrupt(`the ${where} section does not inflate: the envelope is damaged`, err)
  }
}
