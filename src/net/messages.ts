/**
 * How peers reach and talk to each other (this folder): the DHT bootstrap and options, membership certificates,
 * the wire channel and, here, its messages.
 *
 * The wire protocol between cluster members: seven message types, each a compact-encoding codec. Decoding is
 * strict and bounded: every limit is checked before anything is allocated, every number and length prefix must be
 * minimally encoded (so a frame that decodes re-encodes to the same bytes), and any malformed input becomes one
 * BAD_INPUT error that says what is wrong, never another exception.
 */
import { isUtf8 } from 'node:buffer'
import c from 'compact-encoding'
import { BzzzError, badInput } from '../errors.js'
import { KEY_HEX_PATTERN } from '../crypto/key-text.js'

export const WIRE_PROTOCOL = 'bzzz-ctx/wire'
/**
 * 2: heads carry the tree hash of each log at the length announced. A version-1 peer would refuse those frames (trailing
 * bytes) on every tick, so the versions refuse each other at hello instead, in one line.
 * 3: heads carry the sender's current election term, so that a head sent after its sender moved to a later term does not
 * count towards acknowledging a write of an earlier term (src/distribution/acks.ts).
 * 4: heads carry the leader the sender knows in that term, so that a member with no link to the leader learns of it
 * from its other peers (the election's leader hint).
 */
export const WIRE_VERSION = 4

/** The largest encoded message: a request may carry file contents. */
export const MAX_FRAME_BYTES = 32 * 1024 * 1024
/** Heads announced in one message (one per writer log). */
export const MAX_HEADS = 10_000
/** A membership certificate's JSON text, in UTF-8 bytes. */
export const MAX_CERTIFICATE_BYTES = 4 * 1024
export const MAX_ID_CHARS = 64
export const MAX_OP_CHARS = 32
/** Room in a frame for all but the body: type, id, op, flags and length prefixes (at most ~110 bytes are used). */
export const FRAME_HEADER_BYTES = 1024
/** A request's or response's JSON body, in UTF-8 bytes. */
export const MAX_BODY_BYTES = MAX_FRAME_BYTES - FRAME_HEADER_BYTES
/** The largest hello frame: type, version (up to 9 bytes), certificate length prefix (3) and certificate. */
export const MAX_HELLO_FRAME_BYTES = MAX_CERTIFICATE_BYTES + 16

/** The type tag that starts every frame is the index of its type here: never reorder, only append. */
export const MESSAGE_TYPES = ['hello', 'heads', 'request', 'response', 'election', 'roster', 'audit'] as const
export type MessageType = typeof MESSAGE_TYPES[number]

export interface HelloMessage {
  type: 'hello'
  version: number
  /** The sender's membership certificate, JSON text (see src/net/certificate.ts); the receiver checks it. */
  certificate: string
}
export interface Head {
  /** A writer log's Hypercore key, 64 lower-case hex characters. */
  writer: string
  /** Blocks of that log the sender holds contiguously. */
  length: number
  /**
   * The Merkle tree hash of those blocks (Hypercore's `treeHash(length)`), 32 bytes, hex: what the receiver compares with
   * its own copy at that length. A frame carries one for every head or for none (version 1 sent none).
   */
  hash?: string
}
export interface HeadsMessage {
  type: 'heads'
  /** The sender's current election term when it sent them. */
  term: number
  /** The leader the sender knows in `term` (its node id), when it knows one. */
  leader?: string
  heads: Head[]
}
export interface RequestMessage {
  type: 'request'
  /** Chosen by the requester, echoed by the response: 1-64 of [A-Za-z0-9_-]. */
  id: string
  /** 1-32 of [a-z-]. */
  op: string
  /** JSON text. */
  body: string
}
export interface ResponseMessage {
  type: 'response'
  id: string
  ok: boolean
  /** JSON text: the result, or `{ code, message }` when !ok. */
  body: string
}
/** The kinds of election message (src/election), by their tag: never reorder, only append. */
export const ELECTION_KINDS = ['pre-vote', 'pre-vote-response', 'vote', 'vote-response', 'heartbeat', 'heartbeat-response', 'timeout-now'] as const
export type ElectionKind = typeof ELECTION_KINDS[number]
export interface ElectionWireMessage {
  type: 'election'
  kind: ElectionKind
  term: number
  /** granted (responses), transfer (vote), canCampaign (heartbeat-response); false otherwise. */
  flag: boolean
  /**
   * On a granted vote-response: the voter's Ed25519 signature of its vote (src/node/term-evidence.ts), 64 bytes, hex.
   * The winner writes a majority of them into its log as the evidence that it leads the term.
   */
  proof?: string
}
/** The admin-signed member roster, JSON text (see src/node/roster.ts): sent after hello and whenever it grows. */
export interface RosterMessage { type: 'roster', roster: string }
export const MAX_ROSTER_BYTES = 256 * 1024
/** The head of the sender's audit core, JSON text (`{ key, length, treeHash }`, src/audit): its members co-sign it. */
export interface AuditMessage { type: 'audit', head: string }
export const MAX_AUDIT_HEAD_BYTES = 1024
export type WireMessage = HelloMessage | HeadsMessage | RequestMessage | ResponseMessage | ElectionWireMessage | RosterMessage | AuditMessage

/** compact-encoding's codec state and codec shape (the package does not export its own types for them). */
export interface CodecState { start: number, end: number, buffer: Uint8Array | null }
export interface Codec<T> {
  preencode: (state: CodecState, value: T) => void
  encode: (state: CodecState, value: T) => void
  decode: (state: CodecState) => T
}

const ID = /^[A-Za-z0-9_-]{1,64}$/
const OP = /^[a-z-]{1,32}$/
/** A lone surrogate: a JS string that UTF-8 cannot carry unchanged. */
const LONE_SURROGATE = /\p{Cs}/u
const KEY_BYTES = 32
const SIGNATURE_BYTES = 64
const SIGNATURE_HEX = /^[0-9a-f]{128}$/
const HASH_BYTES = 32
const HASH_HEX = /^[0-9a-f]{64}$/
/** The smallest encoded head: a 32-byte key and a one-byte length. */
const MIN_HEAD_BYTES = KEY_BYTES + 1

const FIELDS: Readonly<Record<MessageType, readonly string[]>> = {
  hello: ['type', 'version', 'certificate'],
  heads: ['type', 'term', 'leader', 'heads'],
  request: ['type', 'id', 'op', 'body'],
  response: ['type', 'id', 'ok', 'body'],
  election: ['type', 'kind', 'term', 'flag', 'proof'],
  roster: ['type', 'roster'],
  audit: ['type', 'head']
}

// ---- validation: the one place that decides what a message may hold -------------------------------------------

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function checkUint (value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw badInput(`${what} must be a whole number from 0 to 2^53-1, not ${describe(value)}`)
  return value
}

function checkJsonText (value: unknown, what: string, maxBytes: number): string {
  if (typeof value !== 'string') throw badInput(`${what} must be a string, not ${describe(value)}`)
  const bytes = Buffer.byteLength(value, 'utf8')
  if (bytes > maxBytes) throw badInput(`${what} is ${bytes} bytes, over the limit of ${maxBytes}`)
  if (LONE_SURROGATE.test(value)) throw badInput(`${what} holds a lone UTF-16 surrogate`)
  try {
    JSON.parse(value)
  } catch {
    throw badInput(`${what} is not JSON text`)
  }
  return value
}

function checkPattern (value: unknown, what: string, pattern: RegExp, rule: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw badInput(`${what} must be ${rule}, not ${describe(value)}`)
  return value
}

function describe (value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `a ${value.length}-character string` : JSON.stringify(value)
  if (Array.isArray(value)) return 'an array'
  if (value === null) return 'null'
  return typeof value === 'object' ? 'an object' : String(value)
}

/** Checks a message object (decoded, or about to be sent) and returns it typed; throws BAD_INPUT saying what is wrong. */
export function validateMessage (value: unknown): WireMessage {
  if (!isRecord(value)) throw badInput(`a wire message must be an object, not ${describe(value)}`)
  const type = value.type
  if (typeof type !== 'string' || !(MESSAGE_TYPES as readonly string[]).includes(type)) throw badInput(`unknown wire message type ${describe(type)}`)
  const fields = FIELDS[type as MessageType]
  for (const key of Object.keys(value)) if (!fields.includes(key)) throw badInput(`a ${type} message has no field "${key}"`)
  switch (type as MessageType) {
    case 'hello':
      checkUint(value.version, 'hello version')
      checkJsonText(value.certificate, 'hello certificate', MAX_CERTIFICATE_BYTES)
      break
    case 'heads': {
      checkUint(value.term, 'heads term')
      if (value.leader !== undefined) checkPattern(value.leader, 'heads leader', KEY_HEX_PATTERN, '64 lower-case hex characters')
      const heads = value.heads
      if (!Array.isArray(heads)) throw badInput(`heads must be an array, not ${describe(heads)}`)
      if (heads.length > MAX_HEADS) throw badInput(`heads holds ${heads.length} entries, over the limit of ${MAX_HEADS}`)
      const writers = new Set<string>()
      const hashed = isRecord(heads[0]) && heads[0].hash !== undefined
      for (let i = 0; i < heads.length; i++) {
        const head: unknown = heads[i]
        if (!isRecord(head)) throw badInput(`head ${i} must be an object, not ${describe(head)}`)
        for (const key of Object.keys(head)) if (key !== 'writer' && key !== 'length' && key !== 'hash') throw badInput(`head ${i} has no field "${key}"`)
        const writer = checkPattern(head.writer, `head ${i} writer`, KEY_HEX_PATTERN, '64 lower-case hex characters')
        checkUint(head.length, `head ${i} length`)
        if (head.hash !== undefined) checkPattern(head.hash, `head ${i} hash`, HASH_HEX, '64 lower-case hex characters')
        // The hashes travel as one block after the heads: every head has one, or none does.
        if ((head.hash !== undefined) !== hashed) throw badInput(`head ${i} ${hashed ? 'lacks a hash' : 'has a hash'}, unlike head 0`)
        if (writers.has(writer)) throw badInput(`head ${i} repeats writer ${writer.slice(0, 16)}…`)
        writers.add(writer)
      }
      break
    }
    case 'request':
      checkPattern(value.id, 'request id', ID, `1-${MAX_ID_CHARS} of A-Z a-z 0-9 _ -`)
      checkPattern(value.op, 'request op', OP, `1-${MAX_OP_CHARS} of a-z and -`)
      checkJsonText(value.body, 'request body', MAX_BODY_BYTES)
      break
    case 'response':
      checkPattern(value.id, 'response id', ID, `1-${MAX_ID_CHARS} of A-Z a-z 0-9 _ -`)
      if (typeof value.ok !== 'boolean') throw badInput(`response ok must be true or false, not ${describe(value.ok)}`)
      checkJsonText(value.body, 'response body', MAX_BODY_BYTES)
      break
    case 'election':
      if (!(ELECTION_KINDS as readonly unknown[]).includes(value.kind)) throw badInput(`unknown election message kind ${describe(value.kind)}`)
      checkUint(value.term, 'election term')
      if (typeof value.flag !== 'boolean') throw badInput(`election flag must be true or false, not ${describe(value.flag)}`)
      if (value.proof !== undefined) {
        if (value.kind !== 'vote-response' || value.flag !== true) throw badInput('only a granted vote-response carries a vote proof')
        if (typeof value.proof !== 'string' || !SIGNATURE_HEX.test(value.proof)) throw badInput(`a vote proof must be 64 bytes of hex, not ${describe(value.proof)}`)
      }
      break
    case 'roster':
      checkJsonText(value.roster, 'roster', MAX_ROSTER_BYTES)
      break
    case 'audit':
      checkJsonText(value.head, 'audit head', MAX_AUDIT_HEAD_BYTES)
      break
  }
  return value as unknown as WireMessage
}

// ---- bounded, strict readers over compact-encoding primitives ----------------------------------------------------

function bufferOf (state: CodecState): Uint8Array {
  if (state.buffer === null) throw badInput('nothing to decode')
  return state.buffer
}

/** The smallest value each width of compact-encoding's uint may carry, so that every number has one encoding. */
const UINT_MINIMUM: Readonly<Record<number, number>> = { 0: 0, 2: 0xfd, 4: 0x10000, 8: 0x100000000 }

function readUint (state: CodecState, what: string): number {
  const buffer = bufferOf(state)
  if (state.start >= state.end) throw badInput(`${what} is missing: the frame is truncated`)
  const prefix = buffer[state.start] ?? 0
  const width = prefix <= 0xfc ? 0 : prefix === 0xfd ? 2 : prefix === 0xfe ? 4 : 8
  if (state.end - state.start - 1 < width) throw badInput(`${what} is truncated`)
  let n: number
  try {
    n = c.uint.decode(state)
  } catch {
    throw badInput(`${what} is beyond the largest safe integer (2^53-1)`)
  }
  if (n < (UINT_MINIMUM[width] ?? 0)) throw badInput(`${what} is not minimally encoded`)
  return n
}

/** A length-prefixed byte string, its length checked against `maxBytes` and what is left before it is touched. */
function readLength (state: CodecState, what: string, maxBytes: number): number {
  const length = readUint(state, `${what} length`)
  if (length > maxBytes) throw badInput(`${what} is ${length} bytes, over the limit of ${maxBytes}`)
  if (length > state.end - state.start) throw badInput(`${what} is truncated: ${length} bytes announced, ${state.end - state.start} left`)
  return length
}

function readText (state: CodecState, what: string, maxBytes: number): string {
  const from = state.start
  const length = readLength(state, what, maxBytes)
  if (!isUtf8(bufferOf(state).subarray(state.start, state.start + length))) throw badInput(`${what} is not valid UTF-8`)
  state.start = from
  return c.string.decode(state)
}

function readBool (state: CodecState, what: string): boolean {
  const buffer = bufferOf(state)
  if (state.start >= state.end) throw badInput(`${what} is missing: the frame is truncated`)
  const byte = buffer[state.start]
  if (byte !== 0 && byte !== 1) throw badInput(`${what} must be 0 or 1, not ${String(byte)}`)
  return c.bool.decode(state)
}

function readKey (state: CodecState, what: string): string {
  if (state.end - state.start < KEY_BYTES) throw badInput(`${what} is truncated`)
  const key = c.fixed32.decode(state)
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')
}

// ---- the codecs -----------------------------------------------------------------------------------------------

interface RawCodec<T> {
  preencode: (state: CodecState, m: T) => void
  encode: (state: CodecState, m: T) => void
  decode: (state: CodecState) => T
}

function preencodeText (state: CodecState, text: string): void { c.string.preencode(state, text) }

/** Each type's fields, without the type tag and without validation (the public codecs add it, once). */
const RAW: { readonly [K in MessageType]: RawCodec<Extract<WireMessage, { type: K }>> } = {
  hello: {
    preencode: (state, m) => { c.uint.preencode(state, m.version); preencodeText(state, m.certificate) },
    encode: (state, m) => { c.uint.encode(state, m.version); c.string.encode(state, m.certificate) },
    decode: state => ({ type: 'hello', version: readUint(state, 'hello version'), certificate: readText(state, 'hello certificate', MAX_CERTIFICATE_BYTES) })
  },
  // The hashes, when there are any, are the frame's last 32 bytes a head, in the heads' order: a version-1 frame (none)
  // reads as before. The leader follows the term: a flag (0 none, 1 one), then its 32-byte key.
  heads: {
    preencode: (state, m) => {
      c.uint.preencode(state, m.term)
      c.uint.preencode(state, 0)
      if (m.leader !== undefined) state.end += KEY_BYTES
      c.uint.preencode(state, m.heads.length)
      for (const head of m.heads) { state.end += KEY_BYTES; c.uint.preencode(state, head.length) }
      if (m.heads[0]?.hash !== undefined) state.end += HASH_BYTES * m.heads.length
    },
    encode: (state, m) => {
      c.uint.encode(state, m.term)
      c.uint.encode(state, m.leader !== undefined ? 1 : 0)
      if (m.leader !== undefined) c.fixed32.encode(state, Buffer.from(m.leader, 'hex'))
      c.uint.encode(state, m.heads.length)
      for (const head of m.heads) { c.fixed32.encode(state, Buffer.from(head.writer, 'hex')); c.uint.encode(state, head.length) }
      if (m.heads[0]?.hash !== undefined) for (const head of m.heads) c.fixed32.encode(state, Buffer.from(head.hash ?? '', 'hex'))
    },
    decode: state => {
      const term = readUint(state, 'heads term')
      const hasLeader = readUint(state, 'heads leader flag')
      if (hasLeader > 1) throw badInput(`heads leader flag must be 0 or 1, not ${hasLeader}`)
      const leader = hasLeader === 1 ? readKey(state, 'heads leader') : undefined
      const count = readUint(state, 'heads count')
      if (count > MAX_HEADS) throw badInput(`heads count ${count} is over the limit of ${MAX_HEADS}`)
      const room = Math.floor((state.end - state.start) / MIN_HEAD_BYTES)
      if (count > room) throw badInput(`heads are truncated: ${count} announced, room for at most ${room}`)
      const heads: Head[] = []
      for (let i = 0; i < count; i++) heads.push({ writer: readKey(state, `head ${i} writer`), length: readUint(state, `head ${i} length`) })
      // Anything else left over is refused as trailing bytes by the frame's codec.
      if (count > 0 && state.end - state.start === HASH_BYTES * count) {
        heads.forEach((head, i) => { head.hash = readKey(state, `head ${i} hash`) })
      }
      return { type: 'heads', term, ...(leader !== undefined ? { leader } : {}), heads }
    }
  },
  request: {
    preencode: (state, m) => { preencodeText(state, m.id); preencodeText(state, m.op); preencodeText(state, m.body) },
    encode: (state, m) => { c.string.encode(state, m.id); c.string.encode(state, m.op); c.string.encode(state, m.body) },
    decode: state => ({
      type: 'request',
      id: readText(state, 'request id', MAX_ID_CHARS),
      op: readText(state, 'request op', MAX_OP_CHARS),
      body: readText(state, 'request body', MAX_BODY_BYTES)
    })
  },
  response: {
    preencode: (state, m) => { preencodeText(state, m.id); c.bool.preencode(state, m.ok); preencodeText(state, m.body) },
    encode: (state, m) => { c.string.encode(state, m.id); c.bool.encode(state, m.ok); c.string.encode(state, m.body) },
    decode: state => ({
      type: 'response',
      id: readText(state, 'response id', MAX_ID_CHARS),
      ok: readBool(state, 'response ok'),
      body: readText(state, 'response body', MAX_BODY_BYTES)
    })
  },
  election: {
    // The proof, when there is one, is the frame's last 64 bytes: a frame without one reads as before.
    preencode: (state, m) => {
      c.uint.preencode(state, ELECTION_KINDS.indexOf(m.kind)); c.uint.preencode(state, m.term); c.bool.preencode(state, m.flag)
      if (m.proof !== undefined) state.end += SIGNATURE_BYTES
    },
    encode: (state, m) => {
      c.uint.encode(state, ELECTION_KINDS.indexOf(m.kind)); c.uint.encode(state, m.term); c.bool.encode(state, m.flag)
      if (m.proof !== undefined) c.fixed64.encode(state, Buffer.from(m.proof, 'hex'))
    },
    decode: state => {
      const tag = readUint(state, 'election kind')
      const kind = ELECTION_KINDS[tag]
      if (kind === undefined) throw badInput(`unknown election message kind ${tag}`)
      const message: ElectionWireMessage = { type: 'election', kind, term: readUint(state, 'election term'), flag: readBool(state, 'election flag') }
      if (state.end - state.start >= SIGNATURE_BYTES) {
        const proof = c.fixed64.decode(state)
        message.proof = Buffer.from(proof.buffer, proof.byteOffset, proof.byteLength).toString('hex')
      }
      return message
    }
  },
  roster: {
    preencode: (state, m) => { preencodeText(state, m.roster) },
    encode: (state, m) => { c.string.encode(state, m.roster) },
    decode: state => ({ type: 'roster', roster: readText(state, 'roster', MAX_ROSTER_BYTES) })
  },
  audit: {
    preencode: (state, m) => { preencodeText(state, m.head) },
    encode: (state, m) => { c.string.encode(state, m.head) },
    decode: state => ({ type: 'audit', head: readText(state, 'audit head', MAX_AUDIT_HEAD_BYTES) })
  }
}

function rawOf (type: MessageType): RawCodec<WireMessage> {
  return RAW[type] as RawCodec<WireMessage>
}

/** A public codec for one message type (no type tag): preencode validates the message, decode validates the result. */
function messageCodec<K extends MessageType> (type: K): Codec<Extract<WireMessage, { type: K }>> {
  const raw = RAW[type] as RawCodec<Extract<WireMessage, { type: K }>>
  return {
    preencode: (state, m) => {
      if (validateMessage(m).type !== type) throw badInput(`a ${m.type} message given to the ${type} codec`)
      raw.preencode(state, m)
    },
    encode: raw.encode,
    decode: state => validateMessage(raw.decode(state)) as Extract<WireMessage, { type: K }>
  }
}

export const helloCodec: Codec<HelloMessage> = messageCodec('hello')
export const headsCodec: Codec<HeadsMessage> = messageCodec('heads')
export const requestCodec: Codec<RequestMessage> = messageCodec('request')
export const responseCodec: Codec<ResponseMessage> = messageCodec('response')
export const electionCodec: Codec<ElectionWireMessage> = messageCodec('election')
export const rosterCodec: Codec<RosterMessage> = messageCodec('roster')
export const auditCodec: Codec<AuditMessage> = messageCodec('audit')

/** The codec of each message type, by type. */
export const messageCodecs: { readonly [K in MessageType]: Codec<Extract<WireMessage, { type: K }>> } = {
  hello: helloCodec,
  heads: headsCodec,
  request: requestCodec,
  response: responseCodec,
  election: electionCodec,
  roster: rosterCodec,
  audit: auditCodec
}

/**
 * A whole frame: the type tag, then that type's fields. Its decode reads to the end of the state (the end of a
 * Protomux message), refusing trailing bytes, so it serves directly as a Protomux message encoding.
 */
export const wireMessageCodec: Codec<WireMessage> = {
  preencode (state, m) {
    validateMessage(m)
    c.uint.preencode(state, MESSAGE_TYPES.indexOf(m.type))
    rawOf(m.type).preencode(state, m)
  },
  encode (state, m) {
    c.uint.encode(state, MESSAGE_TYPES.indexOf(m.type))
    rawOf(m.type).encode(state, m)
  },
  decode (state) {
    const tag = readUint(state, 'message type')
    const type = MESSAGE_TYPES[tag]
    if (type === undefined) throw badInput(`unknown wire message type ${tag}`)
    const message = rawOf(type).decode(state)
    if (state.start !== state.end) throw badInput(`${state.end - state.start} trailing bytes after a ${type} message`)
    return validateMessage(message)
  }
}

/** Encodes a message into one frame; throws BAD_INPUT if the message is not valid (a bug of the sender). */
export function encodeMessage (message: WireMessage): Buffer {
  const state: CodecState = { start: 0, end: 0, buffer: null }
  wireMessageCodec.preencode(state, message)
  if (state.end > MAX_FRAME_BYTES) throw badInput(`a ${message.type} message encodes to ${state.end} bytes, over the limit of ${MAX_FRAME_BYTES}`)
  const buffer = Buffer.allocUnsafe(state.end)
  state.buffer = buffer
  wireMessageCodec.encode(state, message)
  return buffer
}

/** Decodes one frame; any malformed input throws BAD_INPUT saying what is wrong, and nothing else escapes. */
export function decodeMessage (frame: Uint8Array): WireMessage {
  if (!(frame instanceof Uint8Array)) throw badInput('a frame must be bytes')
  if (frame.byteLength > MAX_FRAME_BYTES) throw badInput(`a frame of ${frame.byteLength} bytes is over the limit of ${MAX_FRAME_BYTES}`)
  if (frame.byteLength === 0) throw badInput('an empty frame')
  try {
    return wireMessageCodec.decode({ start: 0, end: frame.byteLength, buffer: frame })
  } catch (err) {
    if (err instanceof BzzzError) throw err
    throw badInput(`a malformed frame: ${(err as Error)?.message ?? String(err)}`)
  }
}
