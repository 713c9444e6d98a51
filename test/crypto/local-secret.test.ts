import t from 'tap'
import { generateIdentity, identityFromJSON, identityToJSON } from '../../src/crypto/identity.js'
import { LocalSecret } from '../../src/crypto/local-secret.js'

t.test('sealLocal/openLocal round-trip, and the key is stable across a reload of the identity', async t => {
  const identity = generateIdentity()
  const secret = LocalSecret.fromIdentity(identity)
  const plaintext = Buffer.from('{"summary":"the analysis cache entry"}')
  const sealed = secret.sealLocal(plaintext, 'analysis-cache')
  t.equal(sealed.length, 1 + 24 + plaintext.length + 16)
  t.notOk(sealed.includes(plaintext), 'the plaintext is not in the sealed bytes')
  t.notOk(sealed.equals(secret.sealLocal(plaintext, 'analysis-cache')), 'a fresh nonce every time')
  const reloaded = LocalSecret.fromIdentity(identityFromJSON(JSON.parse(JSON.stringify(identityToJSON(identity)))))
  t.ok(reloaded.openLocal(sealed, 'analysis-cache').equals(plaintext))
  t.equal(reloaded.openLocal(secret.sealLocal(Buffer.alloc(0), 'x'), 'x').length, 0, 'empty plaintext')
})

t.test('another context, another node, a changed byte or a truncation is CORRUPT', async t => {
  const secret = LocalSecret.fromIdentity(generateIdentity())
  const sealed = secret.sealLocal(Buffer.from('cached'), 'analysis-cache')
  t.throws(() => secret.openLocal(sealed, 'queue-state'), { code: 'CORRUPT' }, 'another context')
  t.throws(() => LocalSecret.fromIdentity(generateIdentity()).openLocal(sealed, 'analysis-cache'), { code: 'CORRUPT' }, 'another node')
  for (const at of [0, 5, sealed.length - 1]) {
    const changed = Buffer.from(sealed)
    changed[at] = (changed[at] ?? 0) ^ 1
    t.throws(() => secret.openLocal(changed, 'analysis-cache'), { code: 'CORRUPT' }, `byte ${at} changed`)
  }
  t.throws(() => secret.openLocal(sealed.subarray(0, 40), 'analysis-cache'), { code: 'CORRUPT', message: /truncated/ })
})

t.test('keyedDigest is stable on one node, differs between nodes and inputs', async t => {
  const identity = generateIdentity()
  const a = LocalSecret.fromIdentity(identity)
  const input = Buffer.from('def main(): pass\n')
  const digest = a.keyedDigest(input)
  t.match(digest, /^[0-9a-f]{32}$/, '16 bytes by default')
  t.match(a.keyedDigest(input, 32), /^[0-9a-f]{64}$/)
  t.equal(LocalSecret.fromIdentity(identity).keyedDigest(input), digest, 'same node, same input, same digest')
  t.not(a.keyedDigest(Buffer.from('def main(): pass \n')), digest, 'another input')
  t.not(LocalSecret.fromIdentity(generateIdentity()).keyedDigest(input), digest, 'another node')
  t.throws(() => a.keyedDigest(input, 8 as 16), { code: 'BAD_INPUT' })
})
