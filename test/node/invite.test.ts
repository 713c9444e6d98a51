// Invites and membership certificates: who can invite, what a joined peer holds, what is refused.
import t from 'tap'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { cli, tempHome } from '../helpers/cli.js'
import { createInvite, redeemInvite } from '../../src/node/invite.js'
import { readConfig } from '../../src/node/home.js'
import { certificateProblem, issueCertificate } from '../../src/net/certificate.js'
import { generateIdentity } from '../../src/crypto/identity.js'
import { rejectsCode } from '../helpers/errors.js'

t.test('each invite says how many voters the roster has now, unredeemed invites among them, and how many elect a leader', async t => {
  const admin = tempHome()
  t.equal((await cli(['--home', admin, 'init', '--cluster', 'acme', '--role', 'admin'])).code, 0)
  const first = await cli(['--home', admin, 'invite', '--role', 'qa', '--out', join(dirname(admin), 'qa.invite')])
  t.match(first.stdout, /The roster now has 2 voters, this invite's peer among them whether or not it joins: a leader needs 2 of them running\./)
  const second = await cli(['--home', admin, 'invite', '--role', 'viewer', '--json'])
  t.match(second.json, { voters: 3, majority: 2, invite: /^\S+$/ })
})

t.test('the admin invites, the new peer joins with its role\'s keys only', async t => {
  const admin = tempHome()
  t.equal((await cli(['--home', admin, 'init', '--cluster', 'acme', '--role', 'admin', '--project', 'shop'])).code, 0)
  const file = join(dirname(admin), 'dev.invite')
  const invite = await cli(['--home', admin, 'invite', '--role', 'developer', '--out', file, '--json'])
  t.equal(invite.code, 0, invite.stderr)
  t.equal(statSync(file).mode & 0o777, 0o600, 'the invite file is private')
  t.equal(invite.json.invite, null, 'not printed when written to a file')
  t.match(invite.json, { voters: 2, majority: 2 }, 'the invite\'s peer is a voter from now on')

  const dev = tempHome()
  const join1 = await cli(['--home', dev, 'init', '--join', file, '--json'])
  t.equal(join1.code, 0, join1.stderr)
  t.same(join1.json.rolesHeld, ['developer'], 'holds the developer key and no other')
  const adminConfig = readConfig(admin)
  const devConfig = readConfig(dev)
  t.same(devConfig.cluster, adminConfig.cluster, 'same cluster, topic and admin')
  t.equal(devConfig.role, 'developer')
  t.equal(devConfig.project, 'shop')
  t.equal(certificateProblem(devConfig.certificate, { cluster: adminConfig.cluster.id, adminKey: adminConfig.cluster.adminKey, node: devConfig.nodeId, nowMs: Date.now() }), null)

  const status = await cli(['--home', dev, 'status', '--json'])
  t.same(status.json.roles.filter((r: any) => r.held).map((r: any) => r.name), ['developer'])
  const again = await cli(['--home', dev, 'init', '--join', file])
  t.equal(again.code, 2, 'a home is not joined twice')

  const noKey = await cli(['--home', dev, 'retrieve', 'ucxl://shop/nothing.py', '--role', 'security'])
  t.equal(noKey.code, 3, 'a role this peer holds no key for: 3, even for an address with no record')
  t.match(noKey.stderr, /holds no key for role "security"/)

  // Without its daemon a member may not write: that would bypass the leader (and any role could do it).
  const record = join(dirname(admin), 'offline.json')
  writeFileSync(record, JSON.stringify({ address: 'ucxl://shop/src/auth.py', kind: 'file', summary: 'written offline' }))
  for (const home of [dev, admin]) {
    const offline = await cli(['--home', home, 'distribute', '--file', record])
    t.equal(offline.code, 5, 'a member of a cluster of two writes through the leader')
    t.match(offline.stderr, /is one of 2 members of cluster "acme": distribute goes through its leader, so start this peer's daemon/)
    const decided = await cli(['--home', home, 'decide', 'ucxl://shop/src/auth.py', '--title', 'T', '--rationale', 'R'])
    t.equal(decided.code, 5)
    const generated = await cli(['--home', home, 'generate', dirname(record)])
    t.equal(generated.code, 5)
  }
  t.equal((await cli(['--home', dev, 'status', '--json'])).json.records, 0, 'nothing was written')
  // Without its daemon, one of several members cannot know who leads: status does not claim it is itself.
  for (const home of [dev, admin]) {
    const local = await cli(['--home', home, 'status', '--json'])
    t.match(local.json, { mode: 'local', members: 2, leader: null })
    const human = await cli(['--home', home, 'status'])
    t.match(human.stdout, /unknown: start this peer's daemon/)
    t.notMatch(human.stdout, /its own leader|this peer\s*│/)
  }

  const notAdmin = await cli(['--home', dev, 'invite', '--role', 'viewer'])
  t.equal(notAdmin.code, 3, 'only the admin invites')
  t.match(notAdmin.stderr, /only the cluster's admin/)
})

t.test('bad invites are refused with a clear line', async t => {
  const admin = tempHome()
  await cli(['--home', admin, 'init', '--cluster', 'acme', '--role', 'admin'])
  const { invite } = await createInvite(admin, 'qa', { ttlMs: 1000, nowMs: Date.now() - 10_000 })
  await rejectsCode(t, () => redeemInvite(tempHome(), invite), 'BAD_INPUT', /expired/)
  await rejectsCode(t, () => redeemInvite(tempHome(), 'bzzz1:not-base64-json'), 'BAD_INPUT', /damaged/)
  // Every field is signed: an invite changed anywhere, even its expiry, is refused.
  const fresh = await createInvite(admin, 'qa')
  const [encoded, signature] = fresh.invite.slice(6).split('.') as [string, string]
  const resigned = (change: (body: any) => void): string => {
    const body = JSON.parse(Buffer.from(encoded, 'base64url').toString())
    change(body)
    return `bzzz1:${Buffer.from(JSON.stringify(body)).toString('base64url')}.${signature}`
  }
  const expired = await createInvite(admin, 'qa', { ttlMs: 1000, nowMs: Date.now() - 10_000 })
  const [expiredBody, expiredSignature] = expired.invite.slice(6).split('.') as [string, string]
  const revivedBody = JSON.parse(Buffer.from(expiredBody, 'base64url').toString())
  revivedBody.expiresAt = Date.now() + 3_600_000
  const tampered: Array<[string, string]> = [
    ['an expired invite given a later expiry', `bzzz1:${Buffer.from(JSON.stringify(revivedBody)).toString('base64url')}.${expiredSignature}`],
    ['another role in the certificate', resigned(body => { body.certificate.role = 'admin' })],
    ['another cluster name', resigned(body => { body.cluster.name = 'acme2' })],
    ['another replication factor', resigned(body => { body.replicationFactor = 1 })],
    ['one character changed', `bzzz1:${encoded.slice(0, 50)}${encoded[50] === 'A' ? 'B' : 'A'}${encoded.slice(51)}.${signature}`],
    ['no signature (an older invite)', `bzzz1:${encoded}`]
  ]
  for (const [what, text] of tampered) await rejectsCode(t, () => redeemInvite(tempHome(), text), 'BAD_INPUT', /damaged|altered|not signed/, what)
  t.ok((await redeemInvite(tempHome(), fresh.invite)).nodeId, 'the invite as made is good')
  const run = await cli(['--home', tempHome(), 'init', '--join', 'garbage'])
  t.equal(run.code, 2)
  t.match(run.stderr, /neither an invite/)
  await rejectsCode(t, () => createInvite(admin, 'wizard'), 'BAD_INPUT', /unknown role/)
})

t.test('certificates: forged, of another cluster, for another node, expired', async t => {
  const admin = generateIdentity()
  const other = generateIdentity()
  const node = generateIdentity()
  const cluster = 'ab'.repeat(16)
  const now = Date.now()
  const good = issueCertificate(admin, { cluster, node: node.nodeId, role: 'developer', issuedAt: now, expiresAt: now + 1000 })
  const expect = { cluster, adminKey: admin.nodeId, node: node.nodeId, nowMs: now }
  t.equal(certificateProblem(good, expect), null)
  t.match(certificateProblem(issueCertificate(other, { cluster, node: node.nodeId, role: 'developer', issuedAt: now, expiresAt: null }), expect), /not issued by this cluster's admin/)
  t.match(certificateProblem({ ...good, issuer: admin.nodeId, role: 'admin' }, expect), /signature does not verify/)
  t.match(certificateProblem(good, { ...expect, cluster: 'cd'.repeat(16) }), /another cluster/)
  t.match(certificateProblem(good, { ...expect, node: other.nodeId }), /another node/)
  t.match(certificateProblem(good, { ...expect, nowMs: now + 5000 }), /expired/)
  t.match(certificateProblem('x', expect), /not an object/)
})
