import t from 'tap'
import { DEFAULT_ROLE_LEVELS } from '../helpers/crypto-store.js'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { decodeEnvelope, encodeEnvelope } from '../../src/crypto/envelope-codec.js'
import { ACCESS_LEVELS, DEFAULT_ROLES, levelRank } from '../../src/crypto/levels.js'
import type { AccessLevel } from '../../src/crypto/levels.js'
import { generateBoxKeyPair, generateIdentity, identityFromSeed } from '../../src/crypto/identity.js'
import { generateRoleKey, generateRoleSet, rotateRole } from '../../src/crypto/role-keys.js'
import type { RoleKeyPair } from '../../src/crypto/role-keys.js'
import { RoleDirectory } from '../../src/crypto/role-directory.js'
import { SharedKeyCache } from '../../src/crypto/shared-key-cache.js'
import { envelopeRecipients, openSections, sealSections, sectionReaders, WRAPPED_KEY_BYTES } from '../../src/crypto/envelope.js'
import type { Envelope, PlainSection, RoleKeyLookup } from '../../src/crypto/envelope.js'

const ad = Buffer.from('ucxl://demo/src/app.ts#v1')
const allLevels: PlainSection[] = ACCESS_LEVELS.map(level => ({ level, plaintext: Buffer.from(`${level} text of app.ts`) }))
const everyRole = DEFAULT_ROLES.map(role => role.name)

function lookupFrom (keys: readonly RoleKeyPair[]): RoleKeyLookup {
  return (role, epoch) => keys.find(key => key.role === role && key.epoch === epoch)
}

function setup () {
  const { directory, keys } = generateRoleSet(DEFAULT_ROLES)
  // The writer gets the directory through its JSON form: public keys only.
  const publicDirectory = RoleDirectory.fromJSON(JSON.parse(JSON.stringify(directory)))
  const writer = generateIdentity().box
  return { directory: publicDirectory, keys, writer, lookup: lookupFrom(keys) }
}

function cloneEnvelope (envelope: Envelope): Envelope {
  return {
    version: envelope.version,
    writerPublicKey: Buffer.from(envelope.writerPublicKey),
    sections: envelope.sections.map(section => ({
      level: section.level,
      nonce: Buffer.from(section.nonce),
      ciphertext: Buffer.from(section.ciphertext),
      wraps: section.wraps.map(wrap => ({ ...wrap, wrappedKey: Buffer.from(wrap.wrappedKey) }))
    }))
  }
}

function sectionAt (envelope: Envelope, level: AccessLevel) {
  const section = envelope.sections.find(candidate => candidate.level === level)
  if (section === undefined) throw new Error(`no ${level} section`)
  return section
}

t.test('each role opens exactly the levels its clearance covers', async t => {
  const { directory, writer, lookup } = setup()
  const envelope = sealSections({ sections: allLevels, recipients: everyRole, directory, writer, ad })
  t.same(envelope.sections.map(section => section.level), ACCESS_LEVELS, 'one section per level, in level order')
  const expected = DEFAULT_ROLE_LEVELS
  for (const [role, levels] of Object.entries(expected)) {
    const opened = openSections(envelope, role, lookup, ad)
    t.same([...opened.keys()], levels, `${role} opens ${levels.join(', ')}`)
    for (const level of levels) t.equal(opened.get(level)?.toString(), `${level} text of app.ts`, `${role} reads the ${level} plaintext`)
  }
  // No key reaches a level a role is not cleared for: the absence is cryptographic, not a filter.
  t.same(sectionReaders(envelope, 'secret').sort(), ['admin', 'security'])
  t.same(sectionReaders(envelope, 'top-secret'), ['admin'])
  // One wrap per role, at the highest level it reads; the keys below come down the chain.
  t.same(envelope.sections.map(section => section.wraps.map(wrap => wrap.role).sort()), [['viewer'], ['developer', 'qa'], ['architect'], ['security'], ['admin']])
})

t.test('a role that is not a recipient opens nothing, even with its own valid key', async t => {
  const { directory, writer, lookup } = setup()
  const envelope = sealSections({ sections: allLevels, recipients: ['viewer', 'developer'], directory, writer, ad })
  t.same([...openSections(envelope, 'admin', lookup, ad).keys()], [], 'admin was not a recipient')
  t.same([...openSections(envelope, 'security', lookup, ad).keys()], [])
  t.same([...openSections(envelope, 'developer', lookup, ad).keys()], ['public', 'internal'])
  t.same(envelopeRecipients(envelope), [{ role: 'viewer', epoch: 1 }, { role: 'developer', epoch: 1 }])
  // Sections above every recipient's clearance are not sealed at all.
  t.same(envelope.sections.map(section => section.level), ['public', 'internal'])
})

t.test("a role's key cannot be used to open another role's wrap", async t => {
  const { directory, writer, keys } = setup()
  const envelope = sealSections({ sections: allLevels, recipients: ['admin'], directory, writer, ad })
  const developerKey = keys.find(key => key.role === 'developer')
  // A thief relabels admin's wrap as developer's and tries developer's key: the wrap does not open.
  const relabelled = cloneEnvelope(envelope)
  for (const section of relabelled.sections) for (const wrap of section.wraps) wrap.role = 'developer'
  t.throws(() => openSections(relabelled, 'developer', () => developerKey, ad), { code: 'CORRUPT' })
  // And a peer that claims admin's public key with another secret key gets nothing either.
  const adminKey = keys.find(key => key.role === 'admin')
  const forged = { publicKey: adminKey?.publicKey ?? Buffer.alloc(32), secretKey: generateBoxKeyPair().secretKey }
  t.throws(() => openSections(envelope, 'admin', () => forged, ad), { code: 'CORRUPT' })
})

t.test('tampering with a ciphertext, a wrap, a nonce, the AD, the writer key or the section set is refused', async t => {
  const { directory, writer, lookup } = setup()
  const envelope = sealSections({ sections: allLevels, recipients: everyRole, directory, writer, ad })
  t.equal(openSections(envelope, 'admin', lookup, ad).size, 5, 'the untouched envelope opens')

  const tamperings: Record<string, (e: Envelope) => void> = {
    ciphertext: e => { const s = sectionAt(e, 'secret'); s.ciphertext[3] = (s.ciphertext[3] ?? 0) ^ 1 },
    tag: e => { const s = sectionAt(e, 'public'); const i = s.ciphertext.length - 1; s.ciphertext[i] = (s.ciphertext[i] ?? 0) ^ 0x80 },
    wrap: e => { const w = sectionAt(e, 'top-secret').wraps.find(x => x.role === 'admin'); if (w !== undefined) w.wrappedKey[0] = (w.wrappedKey[0] ?? 0) ^ 1 },
    'wrap moved down a level': e => {
      const from = sectionAt(e, 'top-secret'); const to = sectionAt(e, 'secret')
      to.wraps.push(...from.wraps.splice(0))
    },
    nonce: e => { const s = sectionAt(e, 'confidential'); s.nonce[10] = (s.nonce[10] ?? 0) ^ 1 },
    'writer key': e => { e.writerPublicKey = generateBoxKeyPair().publicKey },
    'level label': e => { const s = sectionAt(e, 'top-secret'); s.level = 'public'; sectionAt(e, 'public').level = 'top-secret' },
    'dropped section': e => { e.sections.splice(2, 1) },
    'swapped ciphertexts': e => {
      const a = sectionAt(e, 'public'); const b = sectionAt(e, 'internal');
      [a.ciphertext, b.ciphertext] = [b.ciphertext, a.ciphertext]
    }
  }
  for (const [what, tamper] of Object.entries(tamperings)) {
    const copy = cloneEnvelope(envelope)
    tamper(copy)
    t.throws(() => openSections(copy, 'admin', lookup, ad), { code: 'CORRUPT' }, `tampered ${what} is CORRUPT`)
  }
  t.throws(() => openSections(envelope, 'admin', lookup, Buffer.from('ucxl://demo/src/other.ts#v1')), { code: 'CORRUPT' }, 'another AD is CORRUPT')
  t.throws(() => openSections(envelope, 'viewer', lookup, Buffer.alloc(0)), { code: 'CORRUPT' }, 'an empty AD is CORRUPT')
  const shortWrap = cloneEnvelope(envelope)
  const wrap = sectionAt(shortWrap, 'public').wraps[0]
  if (wrap !== undefined) wrap.wrappedKey = wrap.wrappedKey.subarray(1)
  t.throws(() => openSections(shortWrap, wrap?.role ?? 'viewer', lookup, ad), { code: 'CORRUPT' }, 'a malformed wrap length is CORRUPT, not an assertion')
})

t.test('rotation: epoch-1 records stay readable, new records use epoch 2, a keyring without epoch 2 cannot read them', async t => {
  const { directory, keys, writer } = setup()
  const record1 = sealSections({ sections: allLevels, recipients: everyRole, directory, writer, ad })
  const rotated = rotateRole(directory, 'security')
  t.equal(rotated.key.epoch, 2)
  t.equal(rotated.directory.get('security')?.epoch, 2)
  t.equal(rotated.directory.get('security')?.publicKey, rotated.key.publicKey.toString('hex'))
  t.equal(directory.get('security')?.epoch, 1, 'the old directory is unchanged')

  const record2 = sealSections({ sections: allLevels, recipients: everyRole, directory: rotated.directory, writer, ad })
  t.same(sectionAt(record2, 'secret').wraps.find(wrap => wrap.role === 'security')?.epoch, 2, 'new records wrap for epoch 2')
  t.same(sectionAt(record1, 'secret').wraps.find(wrap => wrap.role === 'security')?.epoch, 1)

  const withBoth = lookupFrom([...keys, rotated.key])
  const epoch1Only = lookupFrom(keys)
  t.equal(openSections(record1, 'security', withBoth, ad).get('secret')?.toString(), 'secret text of app.ts', 'a member with both epochs reads the old record')
  t.equal(openSections(record2, 'security', withBoth, ad).get('secret')?.toString(), 'secret text of app.ts', 'and the new one')
  t.equal(openSections(record1, 'security', epoch1Only, ad).size, 4, 'a revoked member still reads what it was given before')
  t.throws(() => openSections(record2, 'security', epoch1Only, ad), { code: 'ACCESS_DENIED', message: /security.*epoch 2/ }, 'but not records of epoch 2')
  t.equal(openSections(record2, 'developer', epoch1Only, ad).size, 2, 'roles that did not rotate are unaffected')
})

t.test('the shared key is agreed once per (writer, role epoch) and reused', async t => {
  const { directory, writer, lookup } = setup()
  const cache = new SharedKeyCache()
  for (let i = 0; i < 20; i++) sealSections({ sections: allLevels, recipients: everyRole, directory, writer, ad, cache })
  t.equal(cache.agreements, 6, 'six roles: six agreements for twenty records')
  const envelope = sealSections({ sections: allLevels, recipients: everyRole, directory, writer, ad, cache })
  for (let i = 0; i < 10; i++) for (const role of everyRole) openSections(envelope, role, lookup, ad, cache)
  t.equal(cache.agreements, 12, 'and six on the reading side for ten reads by each role')
  const otherWriter = generateBoxKeyPair()
  sealSections({ sections: allLevels, recipients: ['viewer'], directory, writer: otherWriter, ad, cache })
  t.equal(cache.agreements, 13, 'another writer needs its own agreement')

  const small = new SharedKeyCache({ maxEntries: 2 })
  sealSections({ sections: allLevels, recipients: everyRole, directory, writer, ad, cache: small })
  t.equal(small.size, 2, 'the cache stays within its bound')
})

t.test('bad input to sealSections', async t => {
  const { directory, writer } = setup()
  t.throws(() => sealSections({ sections: allLevels, recipients: ['nobody'], directory, writer, ad }), { code: 'BAD_INPUT', message: /nobody/ })
  const twice = [{ level: 'public' as const, plaintext: Buffer.from('a') }, { level: 'public' as const, plaintext: Buffer.from('b') }]
  t.throws(() => sealSections({ sections: twice, recipients: ['viewer'], directory, writer, ad }), { code: 'BAD_INPUT' })
  const unknownLevel = [{ level: 'cosmic' as AccessLevel, plaintext: Buffer.from('a') }]
  t.throws(() => sealSections({ sections: unknownLevel, recipients: ['viewer'], directory, writer, ad }), { code: 'BAD_INPUT' })
  const empty = sealSections({ sections: [{ level: 'public', plaintext: Buffer.alloc(0) }], recipients: ['viewer', 'viewer'], directory, writer, ad })
  t.equal(empty.sections[0]?.wraps.length, 1, 'a repeated recipient is wrapped once')
  t.throws(() => openSections(empty, 'viewer', lookupFrom(setup().keys), ad), { code: 'CORRUPT' }, "another cluster's viewer key does not fit")
})

t.test('a directory refuses two roles with one public key (the shared nonce depends on it)', async t => {
  const key = generateRoleKey('viewer')
  const entry = { name: 'viewer', clearance: 'public' as const, epoch: 1, publicKey: key.publicKey.toString('hex') }
  t.throws(() => new RoleDirectory([entry, { ...entry, name: 'qa' }]), { code: 'BAD_INPUT' })
  t.equal(new RoleDirectory([entry]).size, 1, 'one role alone is fine')
  t.equal(WRAPPED_KEY_BYTES, 48, 'a wrap is a 32-byte key and its tag')
})

/** A section's JSON as splitSections makes it: long, and repetitive the way symbol lists are. */
function symbolText (level: AccessLevel, count: number): Buffer {
  const symbols = Array.from({ length: count }, (_, i) => ({ name: `handler_${level}_${i}`, kind: 'method', line: 10 + i * 7, parent: 'Server', exported: true }))
  return Buffer.from(JSON.stringify({ summary: `the ${level} part of server.py`, symbols }))
}

t.test('a compressible record is sealed deflated and opens for exactly the roles cleared for each level', async t => {
  const { directory, writer, lookup } = setup()
  const sections = ACCESS_LEVELS.map(level => ({ level, plaintext: symbolText(level, 40) }))
  const envelope = sealSections({ sections, recipients: ['viewer', 'developer', 'security'], directory, writer, ad })
  for (const section of envelope.sections) {
    const plain = sections.find(s => s.level === section.level)!.plaintext
    t.ok(section.ciphertext.length < plain.length / 3, `the ${section.level} section is sealed deflated (${section.ciphertext.length} of ${plain.length} bytes)`)
  }
  t.same(envelope.sections.map(s => s.level), ['public', 'internal', 'confidential', 'secret'], 'a level no recipient reads is left out')
  const expected: Record<string, AccessLevel[]> = { viewer: ['public'], developer: ['public', 'internal'], security: ['public', 'internal', 'confidential', 'secret'], qa: [], admin: [] }
  for (const [role, levels] of Object.entries(expected)) {
    const opened = openSections(envelope, role, lookup, ad)
    t.same([...opened.keys()], levels, `${role} opens ${levels.join(', ') || 'nothing'}`)
    for (const level of levels) t.ok(opened.get(level)?.equals(sections.find(s => s.level === level)!.plaintext), `${role} reads the ${level} plaintext back`)
  }
})

t.test('a tampered compressed section is refused: the AEAD covers the deflated bytes', async t => {
  const { directory, writer, lookup } = setup()
  const plaintext = symbolText('internal', 60)
  const envelope = sealSections({ sections: [{ level: 'internal', plaintext }], recipients: ['developer'], directory, writer, ad })
  const section = sectionAt(envelope, 'internal')
  t.ok(section.ciphertext.length < plaintext.length / 3, 'the section is deflated')
  for (const at of [0, 1, Math.floor(section.ciphertext.length / 2), section.ciphertext.length - 17]) {
    const copy = cloneEnvelope(envelope)
    const target = sectionAt(copy, 'internal')
    target.ciphertext[at] = (target.ciphertext[at] ?? 0) ^ 0x01
    t.throws(() => openSections(copy, 'developer', lookup, ad), { code: 'CORRUPT' }, `a flipped bit at byte ${at} is CORRUPT`)
  }
  t.ok(openSections(envelope, 'developer', lookup, ad).get('internal')?.equals(plaintext), 'the untouched envelope opens')
})

t.test('an envelope sealed before version 2 (one wrap per section and reader, stored plaintext) still opens', async t => {
  const fixture = JSON.parse(readFileSync(new URL('./fixtures/envelope-v1.json', import.meta.url), 'utf8')) as {
    roles: Record<string, AccessLevel>, ad: string, plaintexts: Record<AccessLevel, string>, envelope: string
  }
  const keys = Object.keys(fixture.roles).map((role, i) => ({ role, epoch: 1, ...identityFromSeed(Buffer.alloc(64, i + 1)).box }))
  const envelope = decodeEnvelope(Buffer.from(fixture.envelope, 'hex'))
  t.equal(envelope.version, 1, 'the fixture is a version 1 envelope')
  const fixtureAd = Buffer.from(fixture.ad, 'hex')
  for (const [role, clearance] of Object.entries(fixture.roles)) {
    const opened = openSections(envelope, role, lookupFrom(keys), fixtureAd)
    const levels = ACCESS_LEVELS.filter(level => levelRank(level) <= levelRank(clearance))
    t.same([...opened.keys()], levels, `${role} opens ${levels.join(', ')}`)
    for (const level of levels) t.equal(opened.get(level)?.toString(), fixture.plaintexts[level], `${role} reads the ${level} plaintext`)
    t.same(sectionReaders(envelope, 'secret').sort(), ['admin', 'security'])
  }
  t.ok(encodeEnvelope(envelope).equals(Buffer.from(fixture.envelope, 'hex')), 'and encodes to the same bytes')
})

t.test('property: any sections for any recipients round-trip through the codec, each role opening exactly its levels', async t => {
  const { directory, writer, lookup } = setup()
  const clearance = new Map(DEFAULT_ROLES.map(role => [role.name, role.clearance]))
  const text = fc.oneof(fc.string({ maxLength: 300 }), fc.array(fc.constantFrom('name', 'kind', 'method', '"line":', '{', '}', 'x'), { maxLength: 200 }).map(parts => parts.join('')))
  fc.assert(fc.property(
    fc.subarray([...ACCESS_LEVELS], { minLength: 1 }), fc.array(text, { minLength: 5, maxLength: 5 }), fc.subarray(everyRole, { minLength: 1 }),
    (levels, texts, recipients) => {
      const sections = levels.map((level, i) => ({ level, plaintext: Buffer.from(texts[i]!) }))
      const envelope = decodeEnvelope(encodeEnvelope(sealSections({ sections, recipients, directory, writer, ad })))
      for (const role of everyRole) {
        const opened = openSections(envelope, role, lookup, ad)
        const want = recipients.includes(role) ? levels.filter(level => levelRank(level) <= levelRank(clearance.get(role)!)) : []
        if (JSON.stringify([...opened.keys()]) !== JSON.stringify(want)) return false
        for (const level of want) if (!opened.get(level)!.equals(sections.find(s => s.level === level)!.plaintext)) return false
      }
      return envelope.sections.every(section => section.wraps.length <= recipients.length)
    }
  ), { numRuns: 200, seed: 23 })
  t.pass('200 random envelopes')
})
