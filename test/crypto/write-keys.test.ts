// Version 3 envelopes: a write's keys, wrapped once per recipient, shared by its records; each section sealed with a key
// of its own. Each role opens what its clearance covers and nothing above; tampering, a record moved to another address
// or another write's keyset, and a missing role key are refused; the codec has one encoding per envelope.
import t from 'tap'
import { DEFAULT_ROLE_LEVELS } from '../helpers/crypto-store.js'
import fc from 'fast-check'
import { decodeRecordEnvelope, encodeRecordEnvelope, envelopeVersionOf, needsKeyset } from '../../src/crypto/envelope-codec.js'
import { ACCESS_LEVELS, DEFAULT_ROLES, levelRank } from '../../src/crypto/levels.js'
import type { AccessLevel } from '../../src/crypto/levels.js'
import { generateIdentity } from '../../src/crypto/identity.js'
import { generateRoleSet, rotateRole } from '../../src/crypto/role-keys.js'
import type { RoleKeyPair } from '../../src/crypto/role-keys.js'
import { RoleDirectory } from '../../src/crypto/role-directory.js'
import { encodeEnvelope } from '../../src/crypto/envelope-codec.js'
import { sealSections, type PlainSection, type RoleKeyLookup } from '../../src/crypto/envelope.js'
import { keysetReaders, openRecordSections, WriteKeys, type RecordEnvelope } from '../../src/crypto/write-keys.js'

const everyRole = DEFAULT_ROLES.map(role => role.name)
const sectionsOf = (name: string): PlainSection[] => ACCESS_LEVELS.map(level => ({ level, plaintext: Buffer.from(`${level} text of ${name}`) }))
const adOf = (name: string): Buffer => Buffer.from(`ucxl://demo/${name}#v1`)

function setup () {
  const { directory, keys } = generateRoleSet(DEFAULT_ROLES)
  const publicDirectory = RoleDirectory.fromJSON(JSON.parse(JSON.stringify(directory)))
  const lookup: RoleKeyLookup = (role, epoch) => keys.find((key: RoleKeyPair) => key.role === role && key.epoch === epoch)
  return { directory: publicDirectory, keys, writer: generateIdentity().box, lookup }
}

const levelsOf = (opened: Map<AccessLevel, Buffer>): AccessLevel[] => [...opened.keys()]

t.test('one write, many records: each role opens the levels its clearance covers, in every record', async t => {
  const { directory, writer, lookup } = setup()
  const keys = new WriteKeys({ recipients: everyRole, directory, writer })
  const first = keys.seal(sectionsOf('a.ts'), adOf('a.ts'), true)
  const second = keys.seal(sectionsOf('b.ts'), adOf('b.ts'), false)
  keys.wipe()
  t.ok(first.keyset !== undefined && second.keyset === undefined, 'only the first carries the keyset')
  t.equal(first.keyset!.wraps.length, everyRole.length, 'one wrap per recipient role, for the whole write')
  const expected = DEFAULT_ROLE_LEVELS
  for (const role of everyRole) {
    for (const [name, envelope] of [['a.ts', first], ['b.ts', second]] as const) {
      const opened = openRecordSections(envelope, first.keyset!, role, lookup, adOf(name))
      t.same(levelsOf(opened), expected[role], `${role} reads ${name} at ${expected[role]!.join(', ')}`)
      for (const [level, text] of opened) t.equal(text.toString(), `${level} text of ${name}`)
    }
  }
  t.same(keysetReaders(first.keyset!, 'confidential').sort(), ['admin', 'architect', 'security'])
})

t.test('the envelope: small, one encoding, version 3, and a record that needs its write\'s first', async t => {
  const { directory, writer } = setup()
  const keys = new WriteKeys({ recipients: everyRole, directory, writer })
  const plain = sectionsOf('a.ts').slice(0, 3)
  const withKeys = encodeRecordEnvelope(keys.seal(plain, adOf('a.ts'), true))
  const without = encodeRecordEnvelope(keys.seal(plain, adOf('b.ts'), false))
  const v2 = encodeEnvelope(sealSections({ sections: plain, recipients: everyRole, directory, writer, ad: adOf('b.ts') }))
  t.equal(envelopeVersionOf(without), 3)
  t.ok(needsKeyset(without) && !needsKeyset(withKeys) && !needsKeyset(v2), 'only a record without its write\'s keys needs them')
  const plaintext = plain.reduce((sum, s) => sum + s.plaintext.length, 0)
  t.ok(without.length - plaintext < 3 * 20 + 5, `a record costs ${without.length - plaintext} bytes over its plaintext (version 2: ${v2.length - plaintext})`)
  t.ok(v2.length - without.length > 400, 'over 400 bytes less than version 2 for 6 roles')
  for (const bytes of [withKeys, without]) t.same(encodeRecordEnvelope(decodeRecordEnvelope(bytes)), bytes, 'encode(decode(b)) is b')
})

t.test('refused: tampering, another address, another write\'s keys, a missing role key, a second wrap for a role', async t => {
  const { directory, writer, lookup } = setup()
  const keys = new WriteKeys({ recipients: everyRole, directory, writer })
  const first = keys.seal(sectionsOf('a.ts'), adOf('a.ts'), true)
  const record = keys.seal(sectionsOf('b.ts'), adOf('b.ts'), false)
  const other = new WriteKeys({ recipients: everyRole, directory, writer }).seal(sectionsOf('c.ts'), adOf('c.ts'), true)
  t.throws(() => openRecordSections(record, first.keyset!, 'admin', lookup, adOf('c.ts')), { code: 'CORRUPT' }, 'replayed under another address')
  t.throws(() => openRecordSections(record, other.keyset!, 'admin', lookup, adOf('b.ts')), { code: 'CORRUPT' }, 'opened with another write\'s keys')
  const flipped: RecordEnvelope = { ...record, sections: record.sections.map((s, i) => i === 0 ? { ...s, ciphertext: Buffer.from(s.ciphertext.map((b, j) => j === 3 ? b ^ 1 : b)) } : s) }
  t.throws(() => openRecordSections(flipped, first.keyset!, 'viewer', lookup, adOf('b.ts')), { code: 'CORRUPT' }, 'a flipped bit')
  const dropped: RecordEnvelope = { ...record, sections: record.sections.slice(1) }
  t.throws(() => openRecordSections(dropped, first.keyset!, 'admin', lookup, adOf('b.ts')), { code: 'CORRUPT' }, 'a section dropped: the others no longer authenticate')
  const wrongLevel = { ...first.keyset!, wraps: first.keyset!.wraps.map(w => w.role === 'viewer' ? { ...w, level: 'top-secret' as AccessLevel } : w) }
  t.throws(() => openRecordSections(record, wrongLevel, 'viewer', lookup, adOf('b.ts')), { code: 'CORRUPT' }, 'a wrap that claims a higher level')
  const twice = { ...first.keyset!, wraps: [...first.keyset!.wraps, first.keyset!.wraps[0]!] }
  t.throws(() => openRecordSections(record, twice, first.keyset!.wraps[0]!.role, lookup, adOf('b.ts')), { code: 'CORRUPT' })
  t.throws(() => openRecordSections(record, first.keyset!, 'admin', () => undefined, adOf('b.ts')), { code: 'ACCESS_DENIED' }, 'no key for the role')
  t.same(levelsOf(openRecordSections(record, first.keyset!, 'nobody', lookup, adOf('b.ts'))), [], 'a role the write was not sealed to reads nothing')
})

t.test('a rotated role: the old key opens the writes before, not those after', async t => {
  const { directory, keys, writer } = setup()
  const before = new WriteKeys({ recipients: ['developer'], directory, writer }).seal(sectionsOf('a.ts'), adOf('a.ts'), true)
  const rotated = rotateRole(directory, 'developer')
  const after = new WriteKeys({ recipients: ['developer'], directory: rotated.directory, writer }).seal(sectionsOf('a.ts'), adOf('a.ts'), true)
  const old: RoleKeyLookup = (role, epoch) => keys.find(key => key.role === role && key.epoch === epoch)
  const both: RoleKeyLookup = (role, epoch) => old(role, epoch) ?? (rotated.key.role === role && rotated.key.epoch === epoch ? rotated.key : undefined)
  t.same(levelsOf(openRecordSections(before, before.keyset!, 'developer', old, adOf('a.ts'))), ['public', 'internal'])
  t.throws(() => openRecordSections(after, after.keyset!, 'developer', old, adOf('a.ts')), { code: 'ACCESS_DENIED' })
  t.same(levelsOf(openRecordSections(after, after.keyset!, 'developer', both, adOf('a.ts'))), ['public', 'internal'])
  t.equal(after.sections.length, 2, 'levels no recipient reads are left out')
})

t.test('the decoder refuses what the encoder never writes, and any truncation', async t => {
  const { directory, writer } = setup()
  const bytes = encodeRecordEnvelope(new WriteKeys({ recipients: everyRole, directory, writer }).seal(sectionsOf('a.ts'), adOf('a.ts'), true))
  for (let cut = 0; cut < bytes.length; cut += 7) t.throws(() => decodeRecordEnvelope(bytes.subarray(0, cut)), { code: 'CORRUPT' }, `cut at ${cut}`)
  t.throws(() => decodeRecordEnvelope(Buffer.concat([bytes, Buffer.from([0])])), { code: 'CORRUPT' }, 'a trailing byte')
  t.throws(() => decodeRecordEnvelope(Buffer.from([3, 2, 0])), { code: 'CORRUPT' }, 'unknown flags')
  t.throws(() => decodeRecordEnvelope(Buffer.from([2, 0, 0])), { code: 'CORRUPT' }, 'another version')
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (random) => {
    try {
      const decoded = decodeRecordEnvelope(Buffer.concat([Buffer.from([3]), random]))
      return Buffer.concat([Buffer.from([3]), random]).equals(encodeRecordEnvelope(decoded))
    } catch (err) {
      return (err as { code?: string }).code === 'CORRUPT'
    }
  }), { numRuns: 2000 })
  t.pass('random bytes decode to an envelope that encodes to them, or are CORRUPT')
  t.ok(levelRank('public') === 0)
})
