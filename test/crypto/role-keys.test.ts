import t from 'tap'
import { DEFAULT_ROLES } from '../../src/crypto/levels.js'
import { generateIdentity, boxPublicKeyOf } from '../../src/crypto/identity.js'
import {
  generateRoleKey, generateRoleSet, openRoleKey, parseSealedRoleKey, publicRoleKey, rotateRole, sealRoleKey
} from '../../src/crypto/role-keys.js'
import { RoleDirectory } from '../../src/crypto/role-directory.js'

t.test('a role key is an X25519 keypair for a role and epoch', async t => {
  const key = generateRoleKey('security')
  t.equal(key.role, 'security')
  t.equal(key.epoch, 1)
  t.ok(boxPublicKeyOf(key.secretKey).equals(key.publicKey))
  t.equal(generateRoleKey('qa', 7).epoch, 7)
  t.throws(() => generateRoleKey('Security'), { code: 'BAD_INPUT' }, 'role names are lower-case')
  t.throws(() => generateRoleKey('qa', 0), { code: 'BAD_INPUT' }, 'epochs start at 1')
  t.same(Object.keys(publicRoleKey(key)).sort(), ['epoch', 'publicKey', 'role'], 'the public view has no secret key')
})

t.test('a sealed role key opens only for the node it was sealed to', async t => {
  const member = generateIdentity()
  const outsider = generateIdentity()
  const key = generateRoleKey('architect', 3)
  const sealed = JSON.parse(JSON.stringify(sealRoleKey(key, member.box.publicKey)))
  t.notOk(JSON.stringify(sealed).includes(key.secretKey.toString('base64')), 'the secret key is not in the sealed form')
  const opened = openRoleKey(sealed, member.box)
  t.ok(opened.secretKey.equals(key.secretKey))
  t.equal(opened.epoch, 3)
  t.throws(() => openRoleKey(sealed, outsider.box), { code: 'ACCESS_DENIED' }, 'another node cannot open it')

  const altered = Buffer.from(sealed.sealedSecretKey, 'base64')
  altered[40] = (altered[40] ?? 0) ^ 1
  t.throws(() => openRoleKey({ ...sealed, sealedSecretKey: altered.toString('base64') }, member.box), { code: 'ACCESS_DENIED' })
  const otherKey = generateRoleKey('architect', 3)
  t.throws(() => openRoleKey({ ...sealed, publicKey: otherKey.publicKey.toString('hex') }, member.box), { code: 'CORRUPT' }, 'a swapped public key is caught')
  t.throws(() => parseSealedRoleKey({ ...sealed, epoch: 'one' }), { code: 'BAD_INPUT' })
  t.throws(() => parseSealedRoleKey({ ...sealed, sealedSecretKey: 'AAAA' }), { code: 'BAD_INPUT' })
})

t.test('the directory publishes public keys only and round-trips through JSON', async t => {
  const { directory, keys } = generateRoleSet(DEFAULT_ROLES)
  t.same(directory.names(), DEFAULT_ROLES.map(role => role.name))
  const text = JSON.stringify(directory)
  for (const key of keys) t.notOk(text.includes(key.secretKey.toString('hex')), `no secret key of ${key.role}`)
  const back = RoleDirectory.fromJSON(JSON.parse(text))
  t.same(back.toJSON(), directory.toJSON())
  t.same(back.get('security'), { name: 'security', clearance: 'secret', epoch: 1, publicKey: keys[4]?.publicKey.toString('hex') })
  t.ok(back.publicKey('admin')?.equals(keys[5]?.publicKey ?? Buffer.alloc(0)))
  t.throws(() => RoleDirectory.fromJSON({}), { code: 'BAD_INPUT' })
  t.throws(() => RoleDirectory.fromJSON([{ name: 'x', clearance: 'cosmic', epoch: 1, publicKey: keys[0]?.publicKey.toString('hex') }]), { code: 'BAD_INPUT', message: /clearance/ })
  t.throws(() => RoleDirectory.fromJSON([...directory.toJSON(), directory.toJSON()[0]]), { code: 'BAD_INPUT', message: /twice/ })
})

t.test('rotation moves a role to the next epoch and never back', async t => {
  const { directory } = generateRoleSet(DEFAULT_ROLES)
  const first = rotateRole(directory, 'developer')
  const second = rotateRole(first.directory, 'developer')
  t.equal(first.key.epoch, 2)
  t.equal(second.key.epoch, 3)
  t.equal(second.directory.get('developer')?.epoch, 3)
  t.equal(second.directory.get('developer')?.clearance, 'internal', 'the clearance is kept')
  t.equal(second.directory.get('qa')?.epoch, 1, 'other roles are untouched')
  t.throws(() => second.directory.withRoleKey(first.key), { code: 'BAD_INPUT', message: /later epoch/ })
  t.throws(() => rotateRole(directory, 'nobody'), { code: 'BAD_INPUT' })
  const added = directory.withRoleKey(generateRoleKey('auditor'), 'confidential')
  t.equal(added.get('auditor')?.clearance, 'confidential')
  t.throws(() => directory.withRoleKey(generateRoleKey('auditor')), { code: 'BAD_INPUT', message: /clearance/ })
})
