import t from 'tap'
import fc from 'fast-check'
import { isBzzzError } from '../../src/errors.js'
import { ACCESS_LEVELS, DEFAULT_ROLES } from '../../src/crypto/levels.js'
import { generateIdentity } from '../../src/crypto/identity.js'
import { generateRoleSet } from '../../src/crypto/role-keys.js'
import { openSections, sealSections, NONCE_BYTES, WRAPPED_KEY_BYTES, TAG_BYTES } from '../../src/crypto/envelope.js'
import type { Envelope, EnvelopeSection, EnvelopeWrap } from '../../src/crypto/envelope.js'
import { decodeEnvelope, encodeEnvelope } from '../../src/crypto/envelope-codec.js'

const roleName = fc.stringMatching(/^[a-z][a-z0-9_-]{0,31}$/)
const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length }).map(b => Buffer.from(b))

/** Structurally valid envelopes (random bytes where the crypto would be): the codec does not care. */
const envelopeArbitrary: fc.Arbitrary<Envelope> = fc.record({
  writerPublicKey: bytes(32),
  roles: fc.uniqueArray(fc.record({ role: roleName, epoch: fc.integer({ min: 1, max: 0xffffffff }) }), { selector: r => r.role, maxLength: 8 }),
  levels: fc.subarray([...ACCESS_LEVELS])
}).chain(({ writerPublicKey, roles, levels }) => fc.tuple(...levels.map(level => fc.record({
  nonce: bytes(NONCE_BYTES),
  ciphertext: fc.uint8Array({ minLength: TAG_BYTES, maxLength: 300 }).map(b => Buffer.from(b)),
  wraps: fc.subarray(roles).chain(chosen => fc.tuple(...chosen.map(r => bytes(WRAPPED_KEY_BYTES).map(wrappedKey => ({ ...r, wrappedKey })))))
}).map((section): EnvelopeSection => ({ level, ...section })))).map(sections => ({ version: 1 as const, writerPublicKey, sections })))

function decodesOrCorrupt (buffer: Uint8Array): Envelope | 'corrupt' {
  try {
    return decodeEnvelope(buffer)
  } catch (err) {
    if (isBzzzError(err) && err.code === 'CORRUPT' && !err.message.includes('\n')) return 'corrupt'
    throw err
  }
}

t.test('decode(encode(envelope)) is the envelope', async t => {
  fc.assert(fc.property(envelopeArbitrary, envelope => {
    const encoded = encodeEnvelope(envelope)
    t.same(decodeEnvelope(encoded), envelope)
    t.same(encodeEnvelope(decodeEnvelope(encoded)), encoded)
  }), { numRuns: 300 })
})

t.test('a sealed record survives encoding and opens', async t => {
  const { directory, keys } = generateRoleSet(DEFAULT_ROLES)
  const writer = generateIdentity().box
  const ad = Buffer.from('ucxl://demo/README.md#3')
  const sections = [
    { level: 'public' as const, plaintext: Buffer.alloc(600, 'p') },
    { level: 'internal' as const, plaintext: Buffer.alloc(300, 'i') },
    { level: 'secret' as const, plaintext: Buffer.alloc(124, 's') }
  ]
  const encoded = encodeEnvelope(sealSections({ sections, recipients: DEFAULT_ROLES.map(r => r.name), directory, writer, ad }))
  const opened = openSections(decodeEnvelope(encoded), 'security', (role, epoch) => keys.find(k => k.role === role && k.epoch === epoch), ad)
  t.equal(opened.get('secret')?.toString(), 's'.repeat(124))
  t.equal(opened.get('public')?.length, 600)
  // 1 KiB of plaintext, 3 sections, 6 roles: 6 + 6 + 2 wraps of 49 bytes, a role table, and per section nonce + tag.
  const overhead = encoded.length - 1024
  t.ok(overhead < 14 * 49 + 3 * 45 + 120, `overhead ${overhead} bytes`)
})

t.test('no byte of a sealed, encoded record can change unnoticed', async t => {
  const { directory, keys } = generateRoleSet(DEFAULT_ROLES)
  const lookup = (role: string, epoch: number) => keys.find(k => k.role === role && k.epoch === epoch)
  const roles = DEFAULT_ROLES.map(r => r.name)
  const ad = Buffer.from('ucxl://demo/lib/x.py#2')
  const sections = ACCESS_LEVELS.slice(0, 4).map(level => ({ level, plaintext: Buffer.from(`${level} part`) }))
  const encoded = encodeEnvelope(sealSections({ sections, recipients: roles, directory, writer: generateIdentity().box, ad }))
  const view = (buffer: Buffer): string => {
    try {
      const envelope = decodeEnvelope(buffer)
      return roles.map(role => {
        try {
          return [...openSections(envelope, role, lookup, ad)].map(([level, text]) => `${level}=${text.toString('hex')}`).join(',')
        } catch (err) {
          if (isBzzzError(err) && (err.code === 'CORRUPT' || err.code === 'ACCESS_DENIED')) return err.code
          throw err
        }
      }).join(';')
    } catch (err) {
      if (isBzzzError(err) && err.code === 'CORRUPT') return 'CORRUPT'
      throw err
    }
  }
  const original = view(encoded)
  t.notMatch(original, /CORRUPT|ACCESS_DENIED/, 'the intact record opens for every role')
  let unnoticed = 0
  for (let at = 0; at < encoded.length; at++) {
    const changed = Buffer.from(encoded)
    changed[at] = (changed[at] ?? 0) ^ 0x01
    if (view(changed) === original) unnoticed++
  }
  t.equal(unnoticed, 0, `all ${encoded.length} single-bit changes are refused or change what a role reads`)
})

t.test('random buffers never crash the decoder', async t => {
  let decoded = 0
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), buffer => {
    if (decodesOrCorrupt(buffer) !== 'corrupt') decoded++
  }), { numRuns: 2000 })
  // Buffers that start like an envelope reach deeper checks than the version byte.
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), buffer => {
    decodesOrCorrupt(Buffer.concat([Buffer.from([1]), Buffer.alloc(32), buffer]))
  }), { numRuns: 2000 })
  t.equal(decoded, 0, 'no random buffer passes for an envelope')
})

t.test('every truncation and every single-byte change of a valid encoding is handled', async t => {
  fc.assert(fc.property(envelopeArbitrary, fc.nat(), fc.integer({ min: 1, max: 255 }), (envelope, at, flip) => {
    const encoded = encodeEnvelope(envelope)
    const cut = at % encoded.length
    t.equal(decodesOrCorrupt(encoded.subarray(0, cut)), 'corrupt', `truncated to ${cut} of ${encoded.length} bytes`)
    const changed = Buffer.from(encoded)
    changed[cut] = (changed[cut] ?? 0) ^ flip
    const result = decodesOrCorrupt(changed)
    // A changed byte inside a key, nonce or ciphertext still decodes (the AEAD catches it); whatever decodes
    // has exactly one encoding, the bytes it came from.
    if (result !== 'corrupt') t.ok(encodeEnvelope(result).equals(changed), 'decoded bytes re-encode to themselves')
    t.equal(decodesOrCorrupt(Buffer.concat([encoded, Buffer.from([0])])), 'corrupt', 'a trailing byte')
  }), { numRuns: 300 })
})

t.test('hostile counts and lengths are refused without allocating', async t => {
  const head = Buffer.concat([Buffer.from([1]), Buffer.alloc(32)])
  const cases: Record<string, Buffer> = {
    'empty buffer': Buffer.alloc(0),
    'unknown version': Buffer.concat([Buffer.from([2]), Buffer.alloc(40)]),
    'recipient count 2^32-1': Buffer.concat([head, Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff])]),
    'recipient count 2^64-1': Buffer.concat([head, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]),
    'role name of 0 bytes': Buffer.concat([head, Buffer.from([1, 0, 1, 0])]),
    'role name of 200 bytes': Buffer.concat([head, Buffer.from([1, 200]), Buffer.alloc(200, 0x61), Buffer.from([1, 0])]),
    'upper-case role': Buffer.concat([head, Buffer.from([1, 1, 0x41, 1, 0])]),
    'role byte with the high bit set': Buffer.concat([head, Buffer.from([1, 1, 0xe1, 1, 0])]),
    'non-minimal count': Buffer.concat([head, Buffer.from([0xfd, 0, 0, 0])]),
    'epoch 0': Buffer.concat([head, Buffer.from([1, 1, 0x61, 0, 0])]),
    'six sections': Buffer.concat([head, Buffer.from([0, 6]), Buffer.alloc(600)]),
    'level 9': Buffer.concat([head, Buffer.from([0, 1, 9]), Buffer.alloc(24), Buffer.from([16]), Buffer.alloc(16), Buffer.from([0])]),
    'ciphertext length 2^32-1': Buffer.concat([head, Buffer.from([0, 1, 0]), Buffer.alloc(24), Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff]), Buffer.alloc(64)]),
    'ciphertext shorter than a tag': Buffer.concat([head, Buffer.from([0, 1, 0]), Buffer.alloc(24), Buffer.from([3, 1, 2, 3, 0])]),
    'wrap of an unknown recipient': Buffer.concat([head, Buffer.from([1, 1, 0x61, 1, 1, 0]), Buffer.alloc(24), Buffer.from([16]), Buffer.alloc(16), Buffer.from([1, 5]), Buffer.alloc(48)]),
    'two wraps for one recipient': Buffer.concat([head, Buffer.from([1, 1, 0x61, 1, 1, 0]), Buffer.alloc(24), Buffer.from([16]), Buffer.alloc(16), Buffer.from([2, 0]), Buffer.alloc(48), Buffer.from([0]), Buffer.alloc(48)]),
    'repeated role': Buffer.concat([head, Buffer.from([2, 1, 0x61, 1, 1, 0x61, 2, 0])]),
    'repeated level': Buffer.concat([head, Buffer.from([0, 2]), Buffer.from([0]), Buffer.alloc(24), Buffer.from([16]), Buffer.alloc(16), Buffer.from([0]), Buffer.from([0]), Buffer.alloc(24), Buffer.from([16]), Buffer.alloc(16), Buffer.from([0])])
  }
  for (const [what, buffer] of Object.entries(cases)) {
    t.throws(() => decodeEnvelope(buffer), { code: 'CORRUPT' }, what)
  }
  const valid = Buffer.concat([head, Buffer.from([1, 1, 0x61, 1, 1, 0]), Buffer.alloc(24), Buffer.from([16]), Buffer.alloc(16), Buffer.from([1, 0]), Buffer.alloc(48)])
  t.same(decodeEnvelope(valid).sections[0]?.wraps[0]?.role, 'a', 'the hand-built valid envelope decodes (so the cases above fail for their stated reason)')
})

t.test('an envelope the codec cannot express is refused on encode', async t => {
  const envelope: Envelope = {
    version: 1,
    writerPublicKey: Buffer.alloc(32),
    sections: [
      { level: 'public', nonce: Buffer.alloc(24), ciphertext: Buffer.alloc(16), wraps: [{ role: 'qa', epoch: 1, wrappedKey: Buffer.alloc(48) }] },
      { level: 'internal', nonce: Buffer.alloc(24), ciphertext: Buffer.alloc(16), wraps: [{ role: 'qa', epoch: 2, wrappedKey: Buffer.alloc(48) }] }
    ]
  }
  t.throws(() => encodeEnvelope(envelope), { code: 'BAD_INPUT', message: /two epochs/ })
  t.throws(() => encodeEnvelope({ ...envelope, writerPublicKey: Buffer.alloc(31) }), { code: 'BAD_INPUT' })
})

t.test('a recipient table out of the order the wraps name it, or with a role no wrap names, is refused (one encoding only)', async t => {
  const wrap = (role: string, fill: number): EnvelopeWrap => ({ role, epoch: 1, wrappedKey: Buffer.alloc(WRAPPED_KEY_BYTES, fill) })
  const envelope: Envelope = {
    version: 1, writerPublicKey: Buffer.alloc(32, 7),
    sections: [{ level: 'public', nonce: Buffer.alloc(NONCE_BYTES, 1), ciphertext: Buffer.alloc(TAG_BYTES + 3, 2), wraps: [wrap('alpha', 3), wrap('beta', 4)] }]
  }
  const encoded = encodeEnvelope(envelope)
  t.same(decodeEnvelope(encoded), envelope)
  // The two wraps are the last bytes: index, then the wrapped key. Swapped indexes name beta first, then alpha.
  const swapped = Buffer.from(encoded)
  const first = encoded.length - 2 * (1 + WRAPPED_KEY_BYTES)
  const second = encoded.length - (1 + WRAPPED_KEY_BYTES)
  t.same([swapped[first], swapped[second]], [0, 1])
  swapped[first] = 1
  swapped[second] = 0
  t.throws(() => decodeEnvelope(swapped), { code: 'CORRUPT', message: /not in the order its wraps name them/ })
  // Beta's wrap taken out (and the wrap count with it): beta stays in the table, named by no wrap.
  t.equal(encoded[first - 1], 2, 'the wrap count precedes the wraps')
  const dropped = Buffer.concat([encoded.subarray(0, first - 1), Buffer.from([1]), encoded.subarray(first, second)])
  t.throws(() => decodeEnvelope(dropped), { code: 'CORRUPT', message: /a role no wrap names/ })
})

