// The wire messages: round trips of every type, and hostile bytes that only ever give a valid message or BAD_INPUT.
import t from 'tap'
import fc from 'fast-check'
import { BzzzError } from '../../src/errors.js'
import {
  ELECTION_KINDS, MAX_BODY_BYTES, MAX_CERTIFICATE_BYTES, MAX_ROSTER_BYTES, MAX_AUDIT_HEAD_BYTES, MAX_FRAME_BYTES, MAX_HEADS, MESSAGE_TYPES, decodeMessage, encodeMessage,
  messageCodecs, validateMessage, wireMessageCodec, type CodecState, type WireMessage
} from '../../src/net/messages.js'
import { throwsCode } from '../helpers/errors.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const writerArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hex)
const idArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/)
const opArb = fc.stringMatching(/^[a-z-]{1,32}$/)
const bodyArb = fc.oneof(fc.json({ maxDepth: 3 }), fc.json({ maxDepth: 2, stringUnit: 'binary' }))
const certificateArb = fc.json({ maxDepth: 2, stringUnit: 'binary' }).filter(s => Buffer.byteLength(s) <= MAX_CERTIFICATE_BYTES)

export const messageArb: fc.Arbitrary<WireMessage> = fc.oneof(
  fc.record({ type: fc.constant('hello' as const), version: fc.maxSafeNat(), certificate: certificateArb }),
  fc.record({
    type: fc.constant('heads' as const),
    term: fc.oneof(fc.nat(300), fc.maxSafeNat()),
    heads: fc.uniqueArray(fc.record({ writer: writerArb, length: fc.oneof(fc.nat(300), fc.maxSafeNat()) }), { selector: h => h.writer, maxLength: 12 })
  }),
  // Version 2's heads: each with the tree hash of its log at that length; version 4's with the leader the sender knows.
  fc.record({
    type: fc.constant('heads' as const),
    term: fc.oneof(fc.nat(300), fc.maxSafeNat()),
    leader: writerArb,
    heads: fc.uniqueArray(fc.record({ writer: writerArb, length: fc.oneof(fc.nat(300), fc.maxSafeNat()), hash: writerArb }), { selector: h => h.writer, maxLength: 12 })
  }),
  fc.record({ type: fc.constant('request' as const), id: idArb, op: opArb, body: bodyArb }),
  fc.record({ type: fc.constant('response' as const), id: idArb, ok: fc.boolean(), body: bodyArb }),
  fc.record({ type: fc.constant('election' as const), kind: fc.constantFrom(...ELECTION_KINDS), term: fc.oneof(fc.nat(300), fc.maxSafeNat()), flag: fc.boolean() }),
  fc.record({ type: fc.constant('roster' as const), roster: bodyArb }),
  fc.record({ type: fc.constant('audit' as const), head: bodyArb.filter(s => Buffer.byteLength(s) <= MAX_AUDIT_HEAD_BYTES) })
)

/** Decodes, and checks the only two outcomes allowed: a valid message that re-encodes to the same bytes, or BAD_INPUT. */
function decodeOutcome (frame: Uint8Array): 'valid' | 'refused' {
  let message: WireMessage
  try {
    message = decodeMessage(frame)
  } catch (err) {
    if (!(err instanceof BzzzError) || err.code !== 'BAD_INPUT') throw new Error(`decode threw something other than BAD_INPUT: ${String(err)} (${Buffer.from(frame).toString('hex').slice(0, 200)})`)
    if (err.message.length === 0) throw new Error('BAD_INPUT without a message')
    return 'refused'
  }
  validateMessage(message)
  if (!encodeMessage(message).equals(Buffer.from(frame))) throw new Error(`an accepted frame does not re-encode to itself: ${Buffer.from(frame).toString('hex').slice(0, 200)}`)
  return 'valid'
}

t.test('every message type round-trips, and the frame is canonical', async t => {
  const seen = new Set<string>()
  fc.assert(fc.property(messageArb, message => {
    seen.add(message.type)
    const frame = encodeMessage(message)
    if (frame.byteLength > MAX_FRAME_BYTES) return false
    const decoded = decodeMessage(frame)
    t.same(decoded, message)
    return encodeMessage(decoded).equals(frame)
  }), { numRuns: 400 })
  t.same([...seen].sort(), [...MESSAGE_TYPES].sort(), 'every type was generated')
})

t.test('the per-type codecs and the frame codec work as compact-encoding codecs (Protomux encodings)', async t => {
  fc.assert(fc.property(messageArb, message => {
    const codec = messageCodecs[message.type] as unknown as typeof wireMessageCodec
    const state: CodecState = { start: 0, end: 0, buffer: null }
    codec.preencode(state, message)
    state.buffer = Buffer.alloc(state.end)
    codec.encode(state, message)
    if (state.start !== state.end) return false
    state.start = 0
    t.same(codec.decode(state), message)
    const whole: CodecState = { start: 0, end: 0, buffer: null }
    wireMessageCodec.preencode(whole, message)
    whole.buffer = Buffer.alloc(whole.end)
    wireMessageCodec.encode(whole, message)
    return Buffer.from(whole.buffer).equals(encodeMessage(message))
  }), { numRuns: 100 })
  throwsCode(t, () => messageCodecs.hello.preencode({ start: 0, end: 0, buffer: null }, { type: 'request', id: 'a', op: 'b', body: '1' } as never), 'BAD_INPUT', /request message given to the hello codec/)
})

t.test('random bytes decode to a valid message or BAD_INPUT, nothing else', async t => {
  const counts = { valid: 0, refused: 0 }
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), bytes => { counts[decodeOutcome(bytes)]++ }), { numRuns: 3000 })
  // Random bytes behind a valid type tag reach the field decoders.
  fc.assert(fc.property(fc.integer({ min: 0, max: 3 }), fc.uint8Array({ maxLength: 200 }), (tag, rest) => { counts[decodeOutcome(Buffer.concat([Buffer.from([tag]), rest]))]++ }), { numRuns: 3000 })
  t.ok(counts.refused > 5000, `most random frames are refused (${counts.refused} refused, ${counts.valid} valid)`)
})

t.test('every truncation of a valid frame is refused; every single-byte mutation is refused or canonical', async t => {
  let decodes = 0
  let validMutants = 0
  fc.assert(fc.property(messageArb, fc.integer({ min: 0, max: 255 }), (message, randomByte) => {
    const frame = encodeMessage(message)
    // Heads without their hash block are a version-1 frame, which still reads: that one truncation decodes, to the
    // same heads without hashes (which count for nothing, src/distribution/head-check.ts).
    const unhashed = message.type === 'heads' && message.heads.length > 0 && message.heads[0]!.hash !== undefined
      ? encodeMessage({ type: 'heads', term: message.term, ...(message.leader !== undefined ? { leader: message.leader } : {}), heads: message.heads.map(({ writer, length }) => ({ writer, length })) }).byteLength
      : -1
    for (let end = 0; end < frame.byteLength; end++) {
      decodes++
      if (end === unhashed) continue
      if (decodeOutcome(frame.subarray(0, end)) !== 'refused') return false
    }
    for (let i = 0; i < frame.byteLength; i++) {
      const original = frame[i] as number
      for (const value of new Set([original ^ 0x01, original ^ 0x80, original ^ 0xff, 0x00, 0x01, 0xfc, 0xfd, 0xfe, 0xff, randomByte])) {
        if (value === original) continue
        const mutant = Buffer.from(frame)
        mutant[i] = value
        decodes++
        if (decodeOutcome(mutant) === 'valid') validMutants++
      }
    }
    return true
  }), { numRuns: 80 })
  t.ok(decodes > 10_000, `${decodes} truncated or mutated frames decoded (${validMutants} mutants were valid messages)`)
})

t.test('all 256 values at every byte of one frame of each type', async t => {
  const frames = [
    encodeMessage({ type: 'hello', version: 1, certificate: '{"node":"ab"}' }),
    encodeMessage({ type: 'heads', term: 7, heads: [{ writer: 'a'.repeat(64), length: 300 }, { writer: 'b'.repeat(64), length: 2 ** 40 }] }),
    encodeMessage({ type: 'heads', term: 7, heads: [{ writer: 'a'.repeat(64), length: 3, hash: 'c'.repeat(64) }, { writer: 'b'.repeat(64), length: 1, hash: 'd'.repeat(64) }] }),
    encodeMessage({ type: 'heads', term: 7, leader: 'e'.repeat(64), heads: [{ writer: 'a'.repeat(64), length: 3 }] }),
    encodeMessage({ type: 'request', id: 'r-1', op: 'generate', body: '{"path":"src/é"}' }),
    encodeMessage({ type: 'response', id: 'r_1', ok: false, body: '{"code":"NOT_FOUND","message":"no"}' }),
    encodeMessage({ type: 'election', kind: 'vote-response', term: 300, flag: true }),
    encodeMessage({ type: 'roster', roster: '{"version":2,"members":["ab"]}' })
  ]
  let refused = 0
  let total = 0
  for (const frame of frames) {
    for (let i = 0; i < frame.byteLength; i++) {
      for (let value = 0; value < 256; value++) {
        const mutant = Buffer.from(frame)
        mutant[i] = value
        total++
        if (decodeOutcome(mutant) === 'refused') refused++
      }
    }
  }
  t.ok(total > 40_000, `${total} mutants`)
  t.ok(refused > 0 && refused < total, `${refused} of ${total} refused, the rest valid and canonical`)
})

t.test('hostile length prefixes are refused before anything is allocated', async t => {
  const uint64 = (n: bigint): Buffer => { const b = Buffer.alloc(9); b[0] = 0xff; b.writeBigUInt64LE(n, 1); return b }
  const uint32 = (n: number): Buffer => { const b = Buffer.alloc(5); b[0] = 0xfe; b.writeUInt32LE(n, 1); return b }
  const text = (s: string): Buffer => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)])
  const cases: Array<[string, Buffer, RegExp]> = [
    ['request id of 2^32 bytes', Buffer.concat([Buffer.from([2]), uint64(2n ** 32n)]), /request id is 4294967296 bytes, over the limit/],
    ['request id of 2^32-1 bytes', Buffer.concat([Buffer.from([2]), uint32(2 ** 32 - 1)]), /over the limit/],
    ['request body of 2^53 bytes', Buffer.concat([Buffer.from([2]), text('a'), text('op'), uint64(2n ** 53n)]), /request body length is beyond the largest safe integer/],
    ['request body of 2^32 bytes', Buffer.concat([Buffer.from([2]), text('a'), text('op'), uint64(2n ** 32n)]), /request body is 4294967296 bytes, over the limit of 33553408/],
    ['request body of 30 MiB, 3 bytes sent', Buffer.concat([Buffer.from([2]), text('a'), text('op'), uint32(30 * 1024 * 1024), Buffer.from('"x"')]), /request body is truncated: 31457280 bytes announced, 3 left/],
    ['certificate of 2^32 bytes', Buffer.concat([Buffer.from([0, 1]), uint64(2n ** 32n)]), /hello certificate is 4294967296 bytes, over the limit of 4096/],
    ['heads count 2^32', Buffer.concat([Buffer.from([1, 0, 0]), uint64(2n ** 32n)]), /heads count 4294967296 is over the limit of 10000/],
    ['heads count 2^53', Buffer.concat([Buffer.from([1, 0, 0]), uint64(2n ** 53n)]), /heads count is beyond the largest safe integer/],
    ['heads count 10,000, one head sent', Buffer.concat([Buffer.from([1, 0, 0, 0xfd]), Buffer.from([0x10, 0x27]), Buffer.alloc(33)]), /heads are truncated: 10000 announced, room for at most 1/],
    ['heads leader flag 2^53', Buffer.concat([Buffer.from([1, 0]), uint64(2n ** 53n)]), /heads leader flag is beyond the largest safe integer/],
    ['hello version 2^64-1', Buffer.concat([Buffer.from([0]), uint64(2n ** 64n - 1n)]), /hello version is beyond the largest safe integer/],
    ['type tag 2^53', uint64(2n ** 53n), /message type is beyond the largest safe integer/]
  ]
  const before = process.memoryUsage()
  const started = process.hrtime.bigint()
  for (let round = 0; round < 200; round++) {
    for (const [label, frame, pattern] of cases) {
      if (round === 0) throwsCode(t, () => decodeMessage(frame), 'BAD_INPUT', pattern, label)
      else try { decodeMessage(frame) } catch {}
    }
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  const after = process.memoryUsage()
  t.ok(after.arrayBuffers - before.arrayBuffers < 16 * 1024 * 1024, `no large buffers allocated (${after.arrayBuffers - before.arrayBuffers} bytes)`)
  t.ok(ms < 1000, `2,200 hostile frames refused in ${ms.toFixed(1)} ms`)
  throwsCode(t, () => decodeMessage(Buffer.alloc(MAX_FRAME_BYTES + 1)), 'BAD_INPUT', /over the limit of 33554432/, 'a frame over MAX_FRAME_BYTES')
})

t.test('malformed frames say what is wrong', async t => {
  const ok = encodeMessage({ type: 'response', id: 'x', ok: true, body: '1' })
  throwsCode(t, () => decodeMessage(Buffer.alloc(0)), 'BAD_INPUT', /empty frame/)
  throwsCode(t, () => decodeMessage(Buffer.from([7])), 'BAD_INPUT', /unknown wire message type 7/)
  throwsCode(t, () => decodeMessage(Buffer.from([4, 7, 1, 0])), 'BAD_INPUT', /unknown election message kind 7/)
  throwsCode(t, () => decodeMessage(Buffer.from([4, 2, 1, 2])), 'BAD_INPUT', /election flag must be 0 or 1, not 2/)
  throwsCode(t, () => decodeMessage(Buffer.from([4, 2, 1])), 'BAD_INPUT', /election flag is missing/)
  throwsCode(t, () => decodeMessage(Buffer.concat([ok, Buffer.from([0])])), 'BAD_INPUT', /1 trailing bytes after a response message/)
  const badBool = Buffer.from(ok); badBool[3] = 2
  throwsCode(t, () => decodeMessage(badBool), 'BAD_INPUT', /response ok must be 0 or 1, not 2/)
  throwsCode(t, () => decodeMessage(Buffer.from([0, 0xfd, 5, 0, 2, 0x31, 0x32])), 'BAD_INPUT', /hello version is not minimally encoded/)
  throwsCode(t, () => decodeMessage(Buffer.from([0, 1, 2, 0xc3, 0x28])), 'BAD_INPUT', /hello certificate is not valid UTF-8/)
  throwsCode(t, () => decodeMessage(Buffer.from([0, 1, 3, 0xed, 0xa0, 0x80])), 'BAD_INPUT', /not valid UTF-8/, 'an encoded surrogate')
  throwsCode(t, () => decodeMessage(Buffer.from([0, 1, 2, 0x7b, 0x7b])), 'BAD_INPUT', /hello certificate is not JSON text/)
  throwsCode(t, () => decodeMessage(Buffer.from([2, 1, 0x2e, 2, 0x61, 0x62, 1, 0x31])), 'BAD_INPUT', /request id must be 1-64 of/)
  throwsCode(t, () => decodeMessage(Buffer.from([2, 1, 0x61, 2, 0x41, 0x62, 1, 0x31])), 'BAD_INPUT', /request op must be 1-32 of a-z/)
  throwsCode(t, () => decodeMessage(Buffer.from([2, 0, 2, 0x61, 0x62, 1, 0x31])), 'BAD_INPUT', /request id must be/, 'an empty id')
  throwsCode(t, () => decodeMessage(Buffer.concat([Buffer.from([2, 65]), Buffer.alloc(65, 0x61)])), 'BAD_INPUT', /request id is 65 bytes, over the limit of 64/)
  const twice = encodeMessage({ type: 'heads', term: 7, heads: [{ writer: 'c'.repeat(64), length: 1 }, { writer: 'd'.repeat(64), length: 1 }] })
  twice.fill(0xcc, 4 + 33, 4 + 33 + 32) // the second writer becomes the first (after the type, the term, the leader flag and the count)
  throwsCode(t, () => decodeMessage(twice), 'BAD_INPUT', /head 1 repeats writer/)
  const led = encodeMessage({ type: 'heads', term: 7, leader: 'e'.repeat(64), heads: [] })
  t.same(decodeMessage(led), { type: 'heads', term: 7, leader: 'e'.repeat(64), heads: [] }, 'the leader follows the term')
  throwsCode(t, () => decodeMessage(Buffer.concat([Buffer.from([1, 7, 2]), led.subarray(3)])), 'BAD_INPUT', /heads leader flag must be 0 or 1, not 2/)
  throwsCode(t, () => decodeMessage(Buffer.from([1, 7, 1, 0xee, 0xee])), 'BAD_INPUT', /heads leader is truncated/)
})

t.test('limits: the largest values pass, one more is refused, on encode and on decode', async t => {
  const certificate = JSON.stringify('x'.repeat(MAX_CERTIFICATE_BYTES - 2))
  t.same(decodeMessage(encodeMessage({ type: 'hello', version: 1, certificate })), { type: 'hello', version: 1, certificate })
  throwsCode(t, () => encodeMessage({ type: 'hello', version: 1, certificate: JSON.stringify('x'.repeat(MAX_CERTIFICATE_BYTES - 1)) }), 'BAD_INPUT', /hello certificate is 4097 bytes, over the limit of 4096/)

  const heads = Array.from({ length: MAX_HEADS }, (_, i) => ({ writer: i.toString(16).padStart(64, '0'), length: i }))
  const frame = encodeMessage({ type: 'heads', term: 7, heads })
  t.equal((decodeMessage(frame) as { heads: unknown[] }).heads.length, MAX_HEADS)
  throwsCode(t, () => encodeMessage({ type: 'heads', term: 7, heads: [...heads, { writer: 'f'.repeat(64), length: 0 }] }), 'BAD_INPUT', /heads holds 10001 entries, over the limit of 10000/)
  const over = Buffer.concat([Buffer.from([1, 7, 0, 0xfd, 0x11, 0x27]), frame.subarray(6), Buffer.alloc(33)]) // count 10,001
  throwsCode(t, () => decodeMessage(over), 'BAD_INPUT', /heads count 10001 is over the limit of 10000/)

  const body = JSON.stringify('b'.repeat(MAX_BODY_BYTES - 2))
  const big = encodeMessage({ type: 'request', id: 'i'.repeat(64), op: 'o'.repeat(32), body })
  t.ok(big.byteLength <= MAX_FRAME_BYTES, `the largest request encodes to ${big.byteLength} bytes`)
  t.equal((decodeMessage(big) as { body: string }).body.length, MAX_BODY_BYTES)
  throwsCode(t, () => encodeMessage({ type: 'response', id: 'i', ok: true, body: JSON.stringify('b'.repeat(MAX_BODY_BYTES - 1)) }), 'BAD_INPUT', /response body is 33553409 bytes, over the limit of 33553408/)
})

t.test('validateMessage refuses what a frame could not carry unchanged', async t => {
  const bad: Array<[unknown, RegExp]> = [
    [null, /must be an object/],
    [[], /must be an object/],
    [{ type: 'bye' }, /unknown wire message type "bye"/],
    [{ type: 'hello', version: 1, certificate: '{}', extra: 1 }, /a hello message has no field "extra"/],
    [{ type: 'hello', version: -1, certificate: '{}' }, /hello version must be a whole number/],
    [{ type: 'hello', version: 1.5, certificate: '{}' }, /hello version must be a whole number/],
    [{ type: 'hello', version: 2 ** 53, certificate: '{}' }, /hello version must be a whole number/],
    [{ type: 'hello', version: 1, certificate: '"\ud800"' }, /lone UTF-16 surrogate/],
    [{ type: 'hello', version: 1, certificate: 42 }, /hello certificate must be a string/],
    [{ type: 'heads', term: 7, heads: {} }, /heads must be an array/],
    [{ type: 'heads', heads: [] }, /heads term must be a whole number/],
    [{ type: 'heads', term: -1, heads: [] }, /heads term must be a whole number/],
    [{ type: 'heads', term: 7, leader: 'E'.repeat(64), heads: [] }, /heads leader must be 64 lower-case hex/],
    [{ type: 'heads', term: 7, leader: null, heads: [] }, /heads leader must be 64 lower-case hex/],
    [{ type: 'heads', term: 7, heads: [{ writer: 'A'.repeat(64), length: 1 }] }, /head 0 writer must be 64 lower-case hex/],
    [{ type: 'heads', term: 7, heads: [{ writer: 'a'.repeat(63), length: 1 }] }, /head 0 writer must be 64 lower-case hex/],
    [{ type: 'heads', term: 7, heads: [{ writer: 'a'.repeat(64), length: Number.NaN }] }, /head 0 length must be a whole number/],
    [{ type: 'heads', term: 7, heads: [{ writer: 'a'.repeat(64), length: 1, at: 2 }] }, /head 0 has no field "at"/],
    [{ type: 'heads', term: 7, heads: [{ writer: 'a'.repeat(64), length: 1 }, { writer: 'a'.repeat(64), length: 2 }] }, /head 1 repeats writer/],
    [{ type: 'request', id: 'a b', op: 'x', body: '1' }, /request id must be 1-64 of/],
    [{ type: 'request', id: 'x'.repeat(65), op: 'x', body: '1' }, /request id must be 1-64 of/],
    [{ type: 'request', id: 'a', op: 'Generate', body: '1' }, /request op must be 1-32 of a-z/],
    [{ type: 'request', id: 'a', op: 'x'.repeat(33), body: '1' }, /request op must be 1-32 of a-z/],
    [{ type: 'request', id: 'a', op: 'x', body: '{nope' }, /request body is not JSON text/],
    [{ type: 'response', id: 'a', ok: 'yes', body: '1' }, /response ok must be true or false/],
    [{ type: 'response', id: 'a', ok: true }, /response body must be a string/],
    [{ type: 'election', kind: 'vote', term: 1 }, /election flag must be true or false/],
    [{ type: 'election', kind: 'elect', term: 1, flag: true }, /unknown election message kind "elect"/],
    [{ type: 'election', kind: 'vote', term: -1, flag: true }, /election term must be a whole number/],
    [{ type: 'roster', roster: JSON.stringify('r'.repeat(MAX_ROSTER_BYTES)) }, /roster is \d+ bytes, over the limit/]
  ]
  for (const [value, pattern] of bad) {
    throwsCode(t, () => validateMessage(value), 'BAD_INPUT', pattern, JSON.stringify(value)?.slice(0, 60))
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && MESSAGE_TYPES.includes((value as { type: never }).type)) {
      throwsCode(t, () => encodeMessage(value as WireMessage), 'BAD_INPUT', pattern, 'encode refuses it too')
    }
  }
})

t.test('heads carry their hashes as one block after them; a version-1 frame (none) still reads', async t => {
  const plain = [{ writer: 'a'.repeat(64), length: 3 }, { writer: 'b'.repeat(64), length: 1 }]
  const hashed = plain.map((head, i) => ({ ...head, hash: String(i + 1).repeat(64) }))
  const v1 = encodeMessage({ type: 'heads', term: 7, heads: plain })
  const v2 = encodeMessage({ type: 'heads', term: 7, heads: hashed })
  t.equal(v2.byteLength, v1.byteLength + 64, 'two hashes of 32 bytes')
  t.same(v2.subarray(0, v1.byteLength), v1, 'the heads themselves are encoded as before')
  t.same(decodeMessage(v1), { type: 'heads', term: 7, heads: plain })
  t.same(decodeMessage(v2), { type: 'heads', term: 7, heads: hashed })
  throwsCode(t, () => decodeMessage(v2.subarray(0, v2.byteLength - 1)), 'BAD_INPUT', /63 trailing bytes after a heads message/, 'a hash block cut short')
  throwsCode(t, () => encodeMessage({ type: 'heads', term: 7, heads: [hashed[0]!, plain[1]!] }), 'BAD_INPUT', /head 1 lacks a hash, unlike head 0/)
  throwsCode(t, () => encodeMessage({ type: 'heads', term: 7, heads: [plain[0]!, hashed[1]!] }), 'BAD_INPUT', /head 1 has a hash, unlike head 0/)
  throwsCode(t, () => encodeMessage({ type: 'heads', term: 7, heads: [{ ...plain[0]!, hash: 'A'.repeat(64) }] }), 'BAD_INPUT', /head 0 hash must be 64 lower-case hex/)
})
