// The sealed section's plaintext form: stored or deflated with the preset dictionary, in a window sized to the section.
import t from 'tap'
import zlib from 'node:zlib'
import { randomBytes } from 'node:crypto'
import { SMALL_DEFLATE_MAX, SmallDeflater } from '../../src/crypto/small-deflate.js'
import { seededRandom } from '../../sim/random.js'
import { DICTIONARY, MAX_INFLATED_BYTES, MIN_COMPRESS_BYTES, SECTION_DEFLATED, SECTION_STORED, decodeSectionText, encodeSectionText } from '../../src/crypto/section-codec.js'

function jsonSection (bytes: number): Buffer {
  const symbols: unknown[] = []
  let text = ''
  for (let i = 0; text.length < bytes; i++) {
    symbols.push({ name: `handler_${i}`, kind: 'function', line: 10 + i, exported: i % 2 === 0, doc: `Return the value ${i}` })
    text = JSON.stringify({ symbols })
  }
  return Buffer.from(text.slice(0, bytes))
}

t.test('every size round-trips; text is deflated, random bytes and tiny sections are stored', async t => {
  for (const size of [0, 1, MIN_COMPRESS_BYTES - 1, MIN_COMPRESS_BYTES, 100, 600, 1_000, 1_500, 4_000, 31_000, 33_000, 200_000]) {
    const text = jsonSection(size)
    const sealed = encodeSectionText(text)
    t.same(decodeSectionText(sealed, 'test'), text, `${size} bytes of text round-trip`)
    t.equal(sealed[0], size >= MIN_COMPRESS_BYTES ? SECTION_DEFLATED : SECTION_STORED, `${size} bytes of text are ${size >= MIN_COMPRESS_BYTES ? 'deflated' : 'stored'}`)
    if (size >= 1_000) t.ok(sealed.length < text.length / 2, `${size} bytes of text deflate to ${sealed.length}`)
    const noise = randomBytes(size)
    const stored = encodeSectionText(noise)
    t.equal(stored[0], SECTION_STORED, `${size} random bytes are stored as they are`)
    t.same(decodeSectionText(stored, 'test'), noise)
  }
  t.equal(encodeSectionText(jsonSection(500), false)[0], SECTION_STORED, 'compression can be turned off')
})

t.test('small sections: our fixed-code encoder, read by zlib, about as small; larger: zlib in a window sized to them', async t => {
  for (const size of [60, 300, SMALL_DEFLATE_MAX]) {
    const text = jsonSection(size)
    const ours = encodeSectionText(text).subarray(1)
    const zlibs = zlib.deflateRawSync(text, { level: 6, dictionary: DICTIONARY })
    t.same(zlib.inflateRawSync(ours, { dictionary: DICTIONARY }), text, `${size} bytes: zlib reads it`)
    t.ok(ours.length <= Math.ceil(zlibs.length * 1.1), `${size} bytes: ${ours.length} against zlib's ${zlibs.length}`)
  }
  for (const size of [SMALL_DEFLATE_MAX + 1, 900, 2_000, 7_000]) {
    const text = jsonSection(size)
    const large = zlib.deflateRawSync(text, { level: 6, dictionary: DICTIONARY })
    t.same(encodeSectionText(text).subarray(1), large, `${size} bytes: identical to zlib's default window`)
  }
})

t.test('the small encoder: zlib reads back every input, whatever its bytes', async t => {
  const deflater = new SmallDeflater(DICTIONARY)
  const random = seededRandom(7)
  const inputs: Buffer[] = [Buffer.alloc(0), Buffer.from('a'), Buffer.from('abc'), Buffer.alloc(SMALL_DEFLATE_MAX, 0x61),
    DICTIONARY.subarray(0, SMALL_DEFLATE_MAX), DICTIONARY.subarray(DICTIONARY.length - 300), Buffer.from('ab'.repeat(256))]
  for (let i = 0; i < 400; i++) {
    const size = Math.floor(random() * (SMALL_DEFLATE_MAX + 1))
    const kind = i % 4
    const bytes = Buffer.alloc(size)
    for (let j = 0; j < size; j++) {
      bytes[j] = kind === 0 ? Math.floor(random() * 256) // noise
        : kind === 1 ? 97 + Math.floor(random() * 3) // a small alphabet: long matches
          : kind === 2 ? DICTIONARY[Math.floor(random() * DICTIONARY.length)]! // the dictionary's bytes
            : (j > 8 && random() < 0.7 ? bytes[j - 1 - Math.floor(random() * 8)]! : Math.floor(random() * 256)) // repeats near by
    }
    inputs.push(bytes, jsonSection(size))
  }
  let failed = 0
  for (const input of inputs) {
    const out = deflater.deflate(input)
    if (!zlib.inflateRawSync(out, { dictionary: DICTIONARY }).equals(input)) failed++
  }
  t.equal(failed, 0, `${inputs.length} inputs round-trip through zlib's inflate`)
  t.throws(() => deflater.deflate(Buffer.alloc(SMALL_DEFLATE_MAX + 1)), RangeError, 'a larger input is refused')
  t.same(deflater.deflate(jsonSection(200)), deflater.deflate(jsonSection(200)), 'the same bytes every time')
})

t.test('sections deflated with zlib\'s default window (written before the window was sized) still open', async t => {
  const text = jsonSection(5_000)
  const old = Buffer.concat([Buffer.of(SECTION_DEFLATED), zlib.deflateRawSync(text, { level: 6, dictionary: DICTIONARY })])
  t.same(decodeSectionText(old, 'test'), text)
})

t.test('damage is CORRUPT, never a crash or an endless inflate', async t => {
  t.throws(() => decodeSectionText(Buffer.of(7, 1, 2, 3), 'summary'), { code: 'CORRUPT', message: /unknown codec 7/ })
  const sealed = encodeSectionText(jsonSection(3_000))
  const garbled = Buffer.from(sealed)
  for (let i = 1; i < garbled.length; i += 3) garbled[i]! ^= 0xa5
  t.throws(() => decodeSectionText(garbled, 'summary'), { code: 'CORRUPT', message: /summary section does not inflate/ })
  const bomb = Buffer.concat([Buffer.of(SECTION_DEFLATED), zlib.deflateRawSync(Buffer.alloc(MAX_INFLATED_BYTES + 1024), { dictionary: DICTIONARY })])
  t.throws(() => decodeSectionText(bomb, 'summary'), { code: 'CORRUPT' }, 'a section that inflates past the bound is refused')
})
