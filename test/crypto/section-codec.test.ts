// The sealed section's plaintext form: stored or deflated with the preset dictionary, in a window sized to the section.
import t from 'tap'
import zlib from 'node:zlib'
import { randomBytes } from 'node:crypto'
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

t.test('a small window is no worse: the same bytes as zlib\'s default window for sections that fit it', async t => {
  for (const size of [60, 300, 900, 2_000, 7_000]) {
    const text = jsonSection(size)
    const large = zlib.deflateRawSync(text, { level: 6, dictionary: DICTIONARY })
    t.same(encodeSectionText(text).subarray(1), large, `${size} bytes: identical output`)
  }
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
