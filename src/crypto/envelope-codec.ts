/**
 * The binary form of an envelope (compact-encoding). Layout, versions 1 and 2 alike (they differ in what the wraps
 * hold and how the plaintext is formed, envelope.ts, not in the layout):
 *
 *   u8 version | 32 writer public key
 *   uint R, R x (uint name length, ASCII role name, uint epoch)        recipient table, one entry per role
 *   uint S, S x (u8 level rank | 24 nonce | uint n, n ciphertext bytes |
 *                uint W, W x (uint recipient index | 48 wrapped key))
 *
 * Role names and epochs are written once in the table, not once per wrap: a 3-section record for 6 roles
 * costs 1 + 32 + ~70 (table) + 3 x (1 + 24 + 1 + 16) + 6 x 49 bytes over its (deflated) plaintext in version 2,
 * 18 x 49 for the wraps in version 1. In version 2 the sections are in ascending level order.
 * Decoding checks every count against the bytes left before it loops or allocates, and throws CORRUPT on
 * anything malformed: truncation, trailing bytes, numbers in a non-minimal form, unknown or repeated levels,
 * unknown or repeated roles, a recipient table not in the order the wraps first name its roles, or with a role
 * no wrap names. So an envelope has exactly one encoding: encode(decode(b)) is b.
 */
import c from 'compact-encoding'
import { badInput, corrupt, isBzzzError } from '../errors.js'
import { ACCESS_LEVELS, levelRank, ROLE_NAME_PATTERN } from './levels.js'
import type { AccessLevel } from './levels.js'
import { BOX_PUBLIC_KEY_BYTES } from './identity.js'
import { isEpoch } from './key-text.js'
import { ENVELOPE_VERSIONS, NONCE_BYTES, TAG_BYTES, WRAPPED_KEY_BYTES } from './envelope.js'
import type { EnvelopeVersion } from './envelope.js'
import type { Envelope, EnvelopeSection, EnvelopeWrap } from './envelope.js'
import { WRITE_ENVELOPE_VERSION, type KeysetWrap, type RecordEnvelope, type WriteKeyset } from './write-keys.js'

type State = ReturnType<typeof c.state>

const MIN_RECIPIENT_BYTES = 3 // name length, one character, epoch
const MIN_WRAP_BYTES = 1 + WRAPPED_KEY_BYTES
const MIN_SECTION_BYTES = 1 + NONCE_BYTES + 1 + TAG_BYTES + 1
const MAX_ROLE_NAME_BYTES = 32

const fixedNonce = c.fixed(NONCE_BYTES)
const fixedWrappedKey = c.fixed(WRAPPED_KEY_BYTES)

interface Layout {
  recipients: Array<{ role: string, epoch: number }>
  index: Map<string, number>
}

/** Builds the recipient table; a role with two epochs in one envelope cannot be encoded. */
function layoutOf (envelope: Envelope): Layout {
  const recipients: Layout['recipients'] = []
  const index = new Map<string, number>()
  for (const section of envelope.sections) {
    for (const wrap of section.wraps) {
      const at = index.get(wrap.role)
      if (at === undefined) {
        index.set(wrap.role, recipients.length)
        recipients.push({ role: wrap.role, epoch: wrap.epoch })
      } else if (recipients[at]?.epoch !== wrap.epoch) {
        throw badInput(`an envelope cannot hold role "${wrap.role}" at two epochs`)
      }
    }
  }
  return { recipients, index }
}

function checkEncodable (envelope: Envelope, layout: Layout): void {
  if (!ENVELOPE_VERSIONS.includes(envelope.version)) throw badInput(`envelope version ${String(envelope.version)} cannot be encoded`)
  if (envelope.writerPublicKey.length !== BOX_PUBLIC_KEY_BYTES) throw badInput('the envelope writer key is not 32 bytes')
  for (const { role, epoch } of layout.recipients) {
    if (!ROLE_NAME_PATTERN.test(role)) throw badInput(`invalid role name "${role}" in envelope`)
    if (!isEpoch(epoch)) throw badInput(`invalid epoch ${epoch} for role "${role}" in envelope`)
  }
  const levels = new Set<AccessLevel>()
  for (const section of envelope.sections) {
    if (levelRank(section.level) < 0 || levels.has(section.level)) throw badInput(`unknown or repeated section level "${section.level}"`)
    if (envelope.version !== 1 && [...levels].some(level => levelRank(level) > levelRank(section.level))) throw badInput('version 2 envelope sections must be in level order')
    levels.add(section.level)
    if (section.nonce.length !== NONCE_BYTES || section.ciphertext.length < TAG_BYTES) throw badInput(`malformed ${section.level} section`)
    const roles = new Set<string>()
    for (const wrap of section.wraps) {
      if (roles.has(wrap.role) || wrap.wrappedKey.length !== WRAPPED_KEY_BYTES) throw badInput(`malformed or repeated wrap for role "${wrap.role}"`)
      roles.add(wrap.role)
    }
  }
}

/** Walks the layout once to size it ('preencode') and once to write it ('encode'): one description of the format. */
function write (step: 'preencode' | 'encode', state: State, envelope: Envelope, layout: Layout): void {
  c.uint8[step](state, envelope.version)
  c.fixed32[step](state, envelope.writerPublicKey)
  c.uint[step](state, layout.recipients.length)
  for (const { role, epoch } of layout.recipients) {
    c.ascii[step](state, role)
    c.uint[step](state, epoch)
  }
  c.uint[step](state, envelope.sections.length)
  for (const section of envelope.sections) {
    c.uint8[step](state, levelRank(section.level))
    fixedNonce[step](state, section.nonce)
    c.buffer[step](state, section.ciphertext)
    c.uint[step](state, section.wraps.length)
    for (const wrap of section.wraps) {
      c.uint[step](state, layout.index.get(wrap.role) ?? 0)
      fixedWrappedKey[step](state, wrap.wrappedKey)
    }
  }
}

/** Reads a compact uint and refuses a longer form than needed, so each envelope has exactly one encoding. */
function readUint (state: State): number {
  const start = state.start
  const value = c.uint.decode(state)
  const used = state.start - start
  const minimal = value <= 0xfc ? 1 : value <= 0xffff ? 3 : value <= 0xffffffff ? 5 : 9
  if (used !== minimal) throw corrupt('envelope has a number in a non-minimal form')
  return value
}

/** A role's name and epoch, as a recipient table or a keyset writes them; a name in `seen` already is refused. */
function readRoleEpoch (state: State, seen: Set<string>): { role: string, epoch: number } {
  const nameLength = readUint(state)
  if (nameLength < 1 || nameLength > MAX_ROLE_NAME_BYTES) throw corrupt('envelope role name length is out of range')
  // latin1, not ascii: Node's ascii decoder drops the high bit, which would let 0xe1 pass for "a".
  const nameBytes = c.fixed(nameLength).decode(state)
  const role = Buffer.from(nameBytes.buffer, nameBytes.byteOffset, nameBytes.byteLength).toString('latin1')
  if (!ROLE_NAME_PATTERN.test(role) || seen.has(role)) throw corrupt('envelope has an invalid or repeated role name')
  seen.add(role)
  const epoch = readUint(state)
  if (!isEpoch(epoch)) throw corrupt(`envelope epoch of role "${role}" is out of range`)
  return { role, epoch }
}

function remaining (state: State): number {
  return state.end - state.start
}

/** Reads a count and checks that `minBytes` per item fit in what is left, before anything loops on it. */
function readCount (state: State, max: number, minBytes: number, what: string): number {
  const count = readUint(state)
  if (count > max || count * minBytes > remaining(state)) throw corrupt(`envelope ${what} count ${count} is out of range`)
  return count
}

function copy (bytes: Uint8Array): Buffer {
  return Buffer.from(bytes)
}

function decode (state: State): Envelope {
  const version = c.uint8.decode(state) as EnvelopeVersion
  if (!ENVELOPE_VERSIONS.includes(version)) throw corrupt(`envelope version ${version} is not supported (expected ${ENVELOPE_VERSIONS.join(' or ')})`)
  const writerPublicKey = copy(c.fixed32.decode(state))

  const recipientCount = readCount(state, Number.MAX_SAFE_INTEGER, MIN_RECIPIENT_BYTES, 'recipient')
  const recipients: Array<{ role: string, epoch: number }> = []
  const roles = new Set<string>()
  for (let i = 0; i < recipientCount; i++) recipients.push(readRoleEpoch(state, roles))

  const sectionCount = readCount(state, ACCESS_LEVELS.length, MIN_SECTION_BYTES, 'section')
  const sections: EnvelopeSection[] = []
  // The encoder lists each role where a wrap first names it: a table in another order, or with a role no wrap
  // names, would decode to an envelope that encodes to other bytes.
  let firstUnused = 0
  const levels = new Set<AccessLevel>()
  for (let i = 0; i < sectionCount; i++) {
    const level = ACCESS_LEVELS[c.uint8.decode(state)]
    if (level === undefined || levels.has(level)) throw corrupt('envelope has an unknown or repeated section level')
    if (version !== 1 && sections.length > 0 && levelRank(level) < levelRank(sections[sections.length - 1]!.level)) throw corrupt('envelope sections are not in level order')
    levels.add(level)
    const nonce = copy(fixedNonce.decode(state))
    const ciphertextLength = readUint(state)
    if (ciphertextLength > remaining(state)) throw corrupt(`envelope ${level} ciphertext length ${ciphertextLength} is out of range`)
    const ciphertext = c.fixed(ciphertextLength).decode(state)
    if (ciphertext.length < TAG_BYTES) throw corrupt(`envelope ${level} ciphertext is shorter than its tag`)
    const wrapCount = readCount(state, recipients.length, MIN_WRAP_BYTES, 'wrap')
    const wraps: EnvelopeWrap[] = []
    const wrapped = new Set<number>()
    for (let j = 0; j < wrapCount; j++) {
      const at = readUint(state)
      const recipient = recipients[at]
      if (recipient === undefined || wrapped.has(at)) throw corrupt('envelope wrap names an unknown or repeated recipient')
      if (at > firstUnused) throw corrupt('envelope recipient table is not in the order its wraps name them')
      if (at === firstUnused) firstUnused++
      wrapped.add(at)
      wraps.push({ role: recipient.role, epoch: recipient.epoch, wrappedKey: copy(fixedWrappedKey.decode(state)) })
    }
    sections.push({ level, nonce, ciphertext: copy(ciphertext), wraps })
  }
  if (firstUnused !== recipients.length) throw corrupt('envelope recipient table has a role no wrap names')
  return { version, writerPublicKey, sections }
}

/** A compact-encoding codec for embedding an envelope in a larger message. */
export const envelopeEncoding = {
  preencode (state: State, envelope: Envelope): void {
    const layout = layoutOf(envelope)
    checkEncodable(envelope, layout)
    write('preencode', state, envelope, layout)
  },
  encode (state: State, envelope: Envelope): void {
    write('encode', state, envelope, layoutOf(envelope))
  },
  decode (state: State): Envelope {
    try {
      return decode(state)
    } catch (err) {
      if (isBzzzError(err)) throw err
      // compact-encoding signals a short buffer with a plain Error('Out of bounds').
      throw corrupt('envelope is truncated', err)
    }
  }
}

export function encodeEnvelope (envelope: Envelope): Buffer {
  const state = c.state()
  envelopeEncoding.preencode(state, envelope)
  // Not zero-filled: the encoding writes every byte that preencode counted.
  state.buffer = Buffer.allocUnsafe(state.end)
  envelopeEncoding.encode(state, envelope)
  return state.buffer as Buffer
}

/** Decodes a whole buffer as one envelope; CORRUPT on any malformed input, including trailing bytes. */
export function decodeEnvelope (buffer: Uint8Array): Envelope {
  const state = c.state(0, buffer.byteLength, buffer)
  const envelope = envelopeEncoding.decode(state)
  if (state.start !== state.end) throw corrupt(`envelope has ${state.end - state.start} trailing bytes`)
  return envelope
}

/**
 * Version 3 (write-keys.ts), a record sealed with its write's keys:
 *
 *   u8 3 | u8 flags (1: the write's keyset follows)
 *   [32 writer public key | 24 nonce | uint R, R x (uint name length, ASCII role name, uint epoch, u8 level rank, 48 wrapped key)]
 *   uint S, S x (u8 level rank | uint n, n ciphertext bytes)
 *
 * Decoded as strictly as versions 1 and 2: one encoding per envelope.
 */
const KEYSET_FLAG = 1
const MIN_KEYSET_WRAP_BYTES = 3 + 1 + WRAPPED_KEY_BYTES
const MIN_RECORD_SECTION_BYTES = 1 + 1 + TAG_BYTES

/**
 * Whether an envelope is of version 3 without its write's keyset (its flags byte says so): it is opened with the envelope
 * of its write's first record (SectionCrypto.open), read without decoding either.
 */
export function needsKeyset (buffer: Uint8Array): boolean {
  return buffer.byteLength >= 2 && buffer[0] === WRITE_ENVELOPE_VERSION && (buffer[1]! & KEYSET_FLAG) === 0
}

/** The version byte of an envelope (1, 2 or 3), without decoding it; CORRUPT when empty. */
export function envelopeVersionOf (buffer: Uint8Array): number {
  if (buffer.byteLength === 0) throw corrupt('the envelope is empty')
  return buffer[0]!
}

function writeRecord (step: 'preencode' | 'encode', state: State, envelope: RecordEnvelope): void {
  c.uint8[step](state, WRITE_ENVELOPE_VERSION)
  const keyset = envelope.keyset
  c.uint8[step](state, keyset === undefined ? 0 : KEYSET_FLAG)
  if (keyset !== undefined) {
    c.fixed32[step](state, keyset.writerPublicKey)
    fixedNonce[step](state, keyset.nonce)
    c.uint[step](state, keyset.wraps.length)
    for (const wrap of keyset.wraps) {
      c.ascii[step](state, wrap.role)
      c.uint[step](state, wrap.epoch)
      c.uint8[step](state, levelRank(wrap.level))
      fixedWrappedKey[step](state, wrap.wrappedKey)
    }
  }
  c.uint[step](state, envelope.sections.length)
  for (const section of envelope.sections) {
    c.uint8[step](state, levelRank(section.level))
    c.buffer[step](state, section.ciphertext)
  }
}

function checkRecordEncodable (envelope: RecordEnvelope): void {
  const keyset = envelope.keyset
  if (keyset !== undefined) {
    if (keyset.writerPublicKey.length !== BOX_PUBLIC_KEY_BYTES || keyset.nonce.length !== NONCE_BYTES) throw badInput('malformed write keyset')
    const roles = new Set<string>()
    for (const wrap of keyset.wraps) {
      if (!ROLE_NAME_PATTERN.test(wrap.role) || roles.has(wrap.role) || !isEpoch(wrap.epoch) || levelRank(wrap.level) < 0 || wrap.wrappedKey.length !== WRAPPED_KEY_BYTES) {
        throw badInput(`malformed or repeated keyset wrap for role "${wrap.role}"`)
      }
      roles.add(wrap.role)
    }
  }
  envelope.sections.forEach((section, i) => {
    if (levelRank(section.level) < 0 || (i > 0 && levelRank(section.level) <= levelRank(envelope.sections[i - 1]!.level))) throw badInput('version 3 envelope sections must be in level order, each level once')
    if (section.ciphertext.length < TAG_BYTES) throw badInput(`malformed ${section.level} section`)
  })
}

function decodeRecord (state: State): RecordEnvelope {
  const version = c.uint8.decode(state)
  if (version !== WRITE_ENVELOPE_VERSION) throw corrupt(`envelope version ${version} is not a record sealed with its write's keys`)
  const flags = c.uint8.decode(state)
  if ((flags & ~KEYSET_FLAG) !== 0) throw corrupt(`envelope flags ${flags} are unknown`)
  let keyset: WriteKeyset | undefined
  if (flags === KEYSET_FLAG) {
    const writerPublicKey = copy(c.fixed32.decode(state))
    const nonce = copy(fixedNonce.decode(state))
    const count = readCount(state, Number.MAX_SAFE_INTEGER, MIN_KEYSET_WRAP_BYTES, 'keyset wrap')
    const wraps: KeysetWrap[] = []
    const roles = new Set<string>()
    for (let i = 0; i < count; i++) {
      const { role, epoch } = readRoleEpoch(state, roles)
      const level = ACCESS_LEVELS[c.uint8.decode(state)]
      if (level === undefined) throw corrupt(`envelope wrap of role "${role}" has an unknown level`)
      wraps.push({ role, epoch, level, wrappedKey: copy(fixedWrappedKey.decode(state)) })
    }
    keyset = { writerPublicKey, nonce, wraps }
  }
  const sectionCount = readCount(state, ACCESS_LEVELS.length, MIN_RECORD_SECTION_BYTES, 'section')
  const sections: RecordEnvelope['sections'] = []
  for (let i = 0; i < sectionCount; i++) {
    const level = ACCESS_LEVELS[c.uint8.decode(state)]
    if (level === undefined || (sections.length > 0 && levelRank(level) <= levelRank(sections[sections.length - 1]!.level))) throw corrupt('envelope has an unknown, repeated or unordered section level')
    const length = readUint(state)
    if (length > remaining(state)) throw corrupt(`envelope ${level} ciphertext length ${length} is out of range`)
    if (length < TAG_BYTES) throw corrupt(`envelope ${level} ciphertext is shorter than its tag`)
    sections.push({ level, ciphertext: copy(c.fixed(length).decode(state)) })
  }
  return { version: WRITE_ENVELOPE_VERSION, ...(keyset !== undefined ? { keyset } : {}), sections }
}

export function encodeRecordEnvelope (envelope: RecordEnvelope): Buffer {
  checkRecordEncodable(envelope)
  const state = c.state()
  writeRecord('preencode', state, envelope)
  state.buffer = Buffer.allocUnsafe(state.end)
  writeRecord('encode', state, envelope)
  return state.buffer as Buffer
}

/** Decodes a whole buffer as one version 3 envelope; CORRUPT on any malformed input, including trailing bytes. */
export function decodeRecordEnvelope (buffer: Uint8Array): RecordEnvelope {
  const state = c.state(0, buffer.byteLength, buffer)
  let envelope: RecordEnvelope
  try {
    envelope = decodeRecord(state)
  } catch (err) {
    if (isBzzzError(err)) throw err
    throw corrupt('envelope is truncated', err)
  }
  if (state.start !== state.end) throw corrupt(`envelope has ${state.end - state.start} trailing bytes`)
  return envelope
}

/** The levels an envelope's sections are sealed at, of any version, read without opening it. */
export function envelopeLevels (buffer: Uint8Array): AccessLevel[] {
  const sections = envelopeVersionOf(buffer) === WRITE_ENVELOPE_VERSION ? decodeRecordEnvelope(buffer).sections : decodeEnvelope(buffer).sections
  return sections.map(section => section.level)
}
