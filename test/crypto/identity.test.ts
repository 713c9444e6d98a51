import t from 'tap'
import {
  generateIdentity, identityFromJSON, identityToJSON, publicIdentity, signMessage, verifySignature, isBoxKeyPair
} from '../../src/crypto/identity.js'

t.test('a generated identity: node id, key sizes, and distinct nodes', async t => {
  const a = generateIdentity()
  const b = generateIdentity()
  t.match(a.nodeId, /^[0-9a-f]{64}$/)
  t.equal(a.nodeId, a.sign.publicKey.toString('hex'))
  t.equal(a.sign.secretKey.length, 64)
  t.equal(a.box.publicKey.length, 32)
  t.ok(isBoxKeyPair(a.box))
  t.not(a.nodeId, b.nodeId)
  t.notOk(a.box.publicKey.equals(b.box.publicKey))
  t.same(publicIdentity(a), { nodeId: a.nodeId, boxPublicKey: a.box.publicKey.toString('hex') })
})

t.test('the JSON form round-trips through a string and holds the keys as text', async t => {
  const identity = generateIdentity()
  const json = JSON.parse(JSON.stringify(identityToJSON(identity)))
  t.equal(json.version, 1)
  t.match(json.sign.secretKey, /^[A-Za-z0-9+/]+=*$/)
  const back = identityFromJSON(json)
  t.equal(back.nodeId, identity.nodeId)
  t.ok(back.sign.secretKey.equals(identity.sign.secretKey))
  t.ok(back.box.secretKey.equals(identity.box.secretKey))
  t.ok(verifySignature(back.nodeId, Buffer.from('m'), signMessage(identity, Buffer.from('m'))), 'the parsed key verifies what the original signed')
})

t.test('a malformed or inconsistent identity is refused', async t => {
  const good = identityToJSON(generateIdentity())
  const other = identityToJSON(generateIdentity())
  const bad: Record<string, unknown> = {
    'not an object': [1, 2],
    'wrong version': { ...good, version: 2 },
    'no box': { ...good, box: undefined },
    'short public key': { ...good, sign: { ...good.sign, publicKey: good.sign.publicKey.slice(2) } },
    'upper-case hex': { ...good, box: { ...good.box, publicKey: good.box.publicKey.toUpperCase() } },
    'base64 with junk': { ...good, sign: { ...good.sign, secretKey: good.sign.secretKey + '!' } },
    'node id of another key': { ...good, nodeId: other.nodeId },
    'signing keys of two nodes': { ...good, sign: { ...good.sign, secretKey: other.sign.secretKey } },
    'box keys of two nodes': { ...good, box: { ...good.box, secretKey: other.box.secretKey } }
  }
  for (const [what, value] of Object.entries(bad)) {
    t.throws(() => identityFromJSON(value), { code: 'BAD_INPUT' }, what)
  }
})

t.test('signatures verify only for the signer, the message and an intact signature', async t => {
  const signer = generateIdentity()
  const stranger = generateIdentity()
  const message = Buffer.from('decision 42: use hyperbee')
  const signature = signMessage(signer, message)
  t.equal(signature.length, 64)
  t.ok(verifySignature(signer.sign.publicKey, message, signature))
  t.ok(verifySignature(signer.nodeId, message, signature), 'a node id works as the key')
  t.notOk(verifySignature(stranger.sign.publicKey, message, signature), 'another key')
  t.notOk(verifySignature(signer.nodeId, Buffer.from('decision 42: use leveldb'), signature), 'another message')
  const flipped = Buffer.from(signature)
  flipped[0] = (flipped[0] ?? 0) ^ 1
  t.notOk(verifySignature(signer.nodeId, message, flipped), 'a changed signature')
  t.notOk(verifySignature('not-hex', message, signature), 'a malformed node id is not valid, not a crash')
  t.notOk(verifySignature(signer.nodeId, message, signature.subarray(1)), 'a short signature is not valid')
})
