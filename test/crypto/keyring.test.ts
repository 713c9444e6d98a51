import t from 'tap'
import type { Test } from 'tap'
import { chmod, readdir, readFile, stat, writeFile, rm, mkdir } from 'node:fs/promises'
import { DEFAULT_ROLES } from '../../src/crypto/levels.js'
import { generateIdentity } from '../../src/crypto/identity.js'
import { generateRoleKey, generateRoleSet, rotateRole, sealRoleKey } from '../../src/crypto/role-keys.js'
import { Keyring, keyringPaths } from '../../src/crypto/keyring.js'
import { openSections, sealSections } from '../../src/crypto/envelope.js'
import { writeFileAtomic } from '../../src/crypto/atomic-file.js'

async function mode (path: string): Promise<number> {
  return (await stat(path)).mode & 0o777
}

async function homeWithRoles (t: Test) {
  const home = t.testdir({})
  const keyring = await Keyring.create(home)
  const { directory, keys } = generateRoleSet(DEFAULT_ROLES)
  for (const key of keys.slice(0, 3)) keyring.addRoleKey(key)
  await keyring.save()
  return { home, keyring, directory, keys, paths: keyringPaths(home) }
}

t.test('create, add role keys, save, load: the same keys come back', async t => {
  const { home, keyring, keys } = await homeWithRoles(t)
  const loaded = await Keyring.load(home)
  t.equal(loaded.nodeId, keyring.nodeId)
  t.ok(loaded.identity.box.secretKey.equals(keyring.identity.box.secretKey))
  t.same(loaded.roles(), ['developer', 'qa', 'viewer'])
  t.ok(loaded.hasRole('qa'))
  t.notOk(loaded.hasRole('admin'))
  t.ok(loaded.roleSecretKey('viewer', 1)?.equals(keys[0]?.secretKey ?? Buffer.alloc(0)))
  t.equal(loaded.roleSecretKey('viewer', 2), undefined)
  t.equal(loaded.lookup('developer', 1)?.publicKey.toString('hex'), keys[1]?.publicKey.toString('hex'))

  const rolesText = await readFile(keyringPaths(home).rolesFile, 'utf8')
  for (const key of keys) t.notOk(rolesText.includes(key.secretKey.toString('base64')), `roles.json does not hold ${key.role}'s secret key in the clear`)
  t.throws(() => loaded.addRoleKey({ ...generateRoleKey('viewer'), epoch: 1 }), { code: 'BAD_INPUT', message: /different key/ })
  const mismatched = { ...generateRoleKey('admin'), publicKey: generateRoleKey('admin').publicKey }
  t.throws(() => loaded.addRoleKey(mismatched), { code: 'BAD_INPUT' })
  loaded.addRoleKey(keys[0] ?? generateRoleKey('viewer'))
  t.same(loaded.epochs('viewer'), [1], 'adding a held key again is a no-op')
})

t.test('key files are 0600 and the keys directory 0700, whatever the umask', async t => {
  const previous = process.umask(0o000)
  t.teardown(() => { process.umask(previous) })
  const { paths, keyring } = await homeWithRoles(t)
  t.equal(await mode(paths.nodeFile), 0o600, 'node.json')
  t.equal(await mode(paths.rolesFile), 0o600, 'roles.json')
  t.equal(await mode(paths.keysDir), 0o700, 'keys/')

  await chmod(paths.rolesFile, 0o644)
  await chmod(paths.keysDir, 0o755)
  keyring.addRoleKey(generateRoleKey('admin'))
  await keyring.save()
  t.equal(await mode(paths.rolesFile), 0o600, 'a save replaces a loosened file with a 0600 one')
  t.equal(await mode(paths.keysDir), 0o700, 'and tightens the directory')

  process.umask(0o277)
  const strict = await homeWithRoles(t)
  t.equal(await mode(strict.paths.nodeFile), 0o600, 'a umask that strips the owner write bit does not leave a 0400 file')
  t.same((await readdir(paths.keysDir)).sort(), ['node.json', 'roles.json'], 'no temporary files are left behind')
})

t.test('an atomic write that fails leaves the old file whole and no temporary file', async t => {
  const dir = t.testdir({ 'f.json': 'old' })
  // A value the file handle cannot write makes the write fail after the temporary file exists.
  await t.rejects(writeFileAtomic(`${dir}/f.json`, 42 as unknown as string))
  t.equal(await readFile(`${dir}/f.json`, 'utf8'), 'old')
  t.same(await readdir(dir), ['f.json'])
  await writeFileAtomic(`${dir}/f.json`, 'new')
  t.equal(await readFile(`${dir}/f.json`, 'utf8'), 'new', 'and a good write replaces it')
  t.same(await readdir(dir), ['f.json'])
})

t.test('create refuses to replace an existing identity', async t => {
  const { home } = await homeWithRoles(t)
  await t.rejects(Keyring.create(home, generateIdentity()), { code: 'BAD_USAGE' })
})

t.test('a missing, truncated, non-JSON, wrong-shape or tampered key file is CORRUPT, in one line naming the file', async t => {
  const cases: Array<[string, (p: ReturnType<typeof keyringPaths>) => Promise<void>, RegExp]> = [
    ['missing node.json', p => rm(p.nodeFile), /node\.json is missing: restore it from a backup or run `bzzz-ctx init`/],
    ['missing roles.json', p => rm(p.rolesFile), /roles\.json is missing: restore it from a backup/],
    ['empty node.json', p => writeFile(p.nodeFile, ''), /node\.json is corrupt \(empty\)/],
    ['truncated node.json', async p => { const s = await readFile(p.nodeFile, 'utf8'); await writeFile(p.nodeFile, s.slice(0, s.length / 2)) }, /node\.json is corrupt \(not JSON\)/],
    ['truncated roles.json', async p => { const s = await readFile(p.rolesFile, 'utf8'); await writeFile(p.rolesFile, s.slice(0, 100)) }, /roles\.json is corrupt \(not JSON\)/],
    ['node.json is an array', p => writeFile(p.nodeFile, '[]'), /node\.json is corrupt \(identity is not a JSON object\)/],
    ['node.json with a changed public key', async p => {
      const json = JSON.parse(await readFile(p.nodeFile, 'utf8'))
      json.box.publicKey = generateIdentity().box.publicKey.toString('hex')
      await writeFile(p.nodeFile, JSON.stringify(json))
    }, /node\.json is corrupt \(identity box keys do not belong together\)/],
    ['roles.json without keys', p => writeFile(p.rolesFile, '{"version":1}'), /roles\.json is corrupt/],
    ['roles.json with a flipped sealed byte', async p => {
      const json = JSON.parse(await readFile(p.rolesFile, 'utf8'))
      const sealed = Buffer.from(json.keys[0].sealedSecretKey, 'base64')
      sealed[50] = (sealed[50] ?? 0) ^ 1
      json.keys[0].sealedSecretKey = sealed.toString('base64')
      await writeFile(p.rolesFile, JSON.stringify(json))
    }, /roles\.json is corrupt \(the key of role "\w+" epoch 1 was not sealed to this node, or was altered\)/],
    ['roles.json of another node', async p => {
      const other = generateIdentity()
      const json = JSON.parse(await readFile(p.rolesFile, 'utf8'))
      json.nodeId = other.nodeId
      await writeFile(p.rolesFile, JSON.stringify(json))
    }, /roles\.json is corrupt \(its keys are sealed to another node\)/],
    ['roles.json with a key sealed to another node', async p => {
      const json = JSON.parse(await readFile(p.rolesFile, 'utf8'))
      json.keys.push(sealRoleKey(generateRoleKey('admin'), generateIdentity().box.publicKey))
      await writeFile(p.rolesFile, JSON.stringify(json))
    }, /roles\.json is corrupt \(the key of role "admin"/],
    ['roles.json listing a key twice', async p => {
      const json = JSON.parse(await readFile(p.rolesFile, 'utf8'))
      json.keys.push(json.keys[0])
      await writeFile(p.rolesFile, JSON.stringify(json))
    }, /listed twice/]
  ]
  for (const [what, damage, message] of cases) {
    const { home, paths } = await homeWithRoles(t)
    await damage(paths)
    await t.rejects(Keyring.load(home), { code: 'CORRUPT', message }, what)
    const text = await Keyring.load(home).then(() => '', (err: unknown) => (err as Error).message)
    t.notOk(text.includes('\n'), `${what}: one line`)
    t.ok(text.startsWith('key file ' + home), `${what}: names the file`)
  }
  const empty = t.testdir({})
  await t.rejects(Keyring.load(empty), { code: 'CORRUPT', message: /node\.json is missing/ }, 'a home without keys')
  await mkdir(keyringPaths(empty).nodeFile, { recursive: true })
  await t.rejects(Keyring.load(empty), { code: 'CORRUPT', message: /cannot be read \(EISDIR\)/ }, 'an unreadable key file')
})

t.test('grants and rotation through keyrings', async t => {
  const admin = await Keyring.create(t.testdir({}))
  const member = await Keyring.create(t.testdir({}))
  const revoked = await Keyring.create(t.testdir({}))
  const { directory, keys } = generateRoleSet(DEFAULT_ROLES)
  const security1 = keys.find(key => key.role === 'security')
  if (security1 === undefined) throw new Error('no security key')
  admin.addRoleKey(security1)
  // The admin seals the epoch-1 key to both members; a grant only opens for the node it names.
  member.addSealedRoleKey(sealRoleKey(security1, member.identity.box.publicKey))
  revoked.addSealedRoleKey(sealRoleKey(security1, revoked.identity.box.publicKey))
  t.throws(() => member.addSealedRoleKey(sealRoleKey(security1, revoked.identity.box.publicKey)), { code: 'ACCESS_DENIED' })

  const ad = Buffer.from('ucxl://demo/src/auth.ts#1')
  const sections = [{ level: 'secret' as const, plaintext: Buffer.from('token compared with ===') }]
  const writer = generateIdentity().box
  const before = sealSections({ sections, recipients: ['security'], directory, writer, ad })

  const rotated = rotateRole(directory, 'security')
  admin.addRoleKey(rotated.key)
  member.addSealedRoleKey(sealRoleKey(rotated.key, member.identity.box.publicKey))
  await member.save()
  const after = sealSections({ sections, recipients: ['security'], directory: rotated.directory, writer, ad })

  const memberReloaded = await Keyring.load(member.home)
  t.same(memberReloaded.epochs('security'), [1, 2], 'the keyring keeps the old epoch')
  t.equal(memberReloaded.latestEpoch('security'), 2)
  t.equal(openSections(before, 'security', memberReloaded.lookup, ad).get('secret')?.toString(), 'token compared with ===')
  t.equal(openSections(after, 'security', memberReloaded.lookup, ad).get('secret')?.toString(), 'token compared with ===')
  t.equal(openSections(before, 'security', revoked.lookup, ad).size, 1, 'the revoked node still reads the epoch-1 record')
  t.throws(() => openSections(after, 'security', revoked.lookup, ad), { code: 'ACCESS_DENIED' }, 'but not the epoch-2 one')
})
