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

t.test('--expires takes a duration; a bad one is one line and exit 2', async t => {
  const admin = tempHome()
  await cli(['--home', admin, 'init', '--cluster', 'acme', '--role', 'admin'])
  const expiresIn = async (args: string[]): Promise<number> => {
    const made = await cli(['--home', admin, 'invite', '--role', 'qa', ...args, '--json'])
    t.equal(made.code, 0, made.stderr)
    return Date.parse(made.json.expiresAt) - Date.now()
  }
  const near = (ms: number, want: number, what: string): void => { t.ok(Math.abs(ms - want) < 60_000, `${what}: ${ms} ms`) }
  near(await expiresIn([]), 7 * 86_400_000, 'seven days by default')
  near(await expiresIn(['--expires', '2h']), 2 * 3_600_000, '2h')
  near(await expiresIn(['--expires', '30m']), 30 * 60_000, '30m')
  near(await expiresIn(['--expires', '2w']), 14 * 86_400_000, '2w')
  near(await expiresIn(['--expires', '5']), 5 * 3_600_000, 'a bare number is hours, as before')
  const before = readFileSync(join(admin, 'roster.json'), 'utf8')
  for (const bad of ['0h', '3x', '-1d', '366d', '2 h', '1.5h', '']) {
    const run = await cli(['--home', admin, 'invite', '--role', 'qa', '--expires', bad])
    t.equal(run.code, 2, `--expires "${bad}"`)
    t.match(run.stderr, /^bzzz-ctx: --expires must be a duration from 1m to 365d, such as 2h, 7d or 2w .*\n$/, 'one line')
  }
  t.equal(readFileSync(join(admin, 'roster.json'), 'utf8'), before, 'no voter was added by a refused invite')
  // An expired invite is refused at redemption: bad input, exit 2.
  const { invite } = await createInvite(admin, 'qa', { ttlMs: 60_000, nowMs: Date.now() - 120_000 })
  const late = await cli(['--home', tempHome(), 'init', '--join', invite])
  t.equal(late.code, 2)
  t.match(late.stderr, /^bzzz-ctx: the invite expired on \S+: ask the admin for a new one\n$/)
})

t.test('invite ls and invite cancel: states, a new roster without the node, and the refusals', async t => {
  const admin = tempHome()
  await cli(['--home', admin, 'init', '--cluster', 'acme', '--role', 'admin'])
  const adminNode = readConfig(admin).nodeId
  const dev = (await cli(['--home', admin, 'invite', '--role', 'developer', '--json'])).json
  const qa = (await cli(['--home', admin, 'invite', '--role', 'qa', '--json'])).json
  const old = await createInvite(admin, 'viewer', { ttlMs: 60_000, nowMs: Date.now() - 120_000 })
  t.match([dev.id, qa.id, old.id], [/^[0-9a-f]{8}$/, /^[0-9a-f]{8}$/, /^[0-9a-f]{8}$/], 'each invite says its id')
  t.equal(statSync(join(admin, 'invites.json')).mode & 0o777, 0o600, 'the invites file is private')
  // The admin's daemon records each member it meets in members.json: that is what makes an invite redeemed.
  const devHome = tempHome()
  await cli(['--home', devHome, 'init', '--join', dev.invite])
  writeFileSync(join(admin, 'members.json'), JSON.stringify([[dev.node, 'developer']]))

  const listed = await cli(['--home', admin, 'invite', 'ls', '--json'])
  t.equal(listed.code, 0, listed.stderr)
  t.match(listed.json.invites, [
    { id: dev.id, role: 'developer', node: dev.node, state: 'redeemed', voter: true, createdAt: String, expiresAt: dev.expiresAt },
    { id: qa.id, role: 'qa', state: 'pending', voter: true },
    { id: old.id, role: 'viewer', state: 'expired', voter: true }
  ])
  const human = await cli(['--home', admin, 'invite', 'ls'])
  t.match(human.stdout, /1 expired invite\(s\) still count as voters until cancelled: bzzz-ctx invite cancel [0-9a-f]{8}/)

  const roster = (): any => JSON.parse(readFileSync(join(admin, 'roster.json'), 'utf8'))
  const version = roster().version
  t.equal(roster().members.length, 4)
  const cancelled = await cli(['--home', admin, 'invite', 'cancel', old.id, '--json'])
  t.equal(cancelled.code, 0, cancelled.stderr)
  t.match(cancelled.json, { id: old.id, node: old.node, role: 'viewer', roster: { version: version + 1, voters: 3, majority: 2 } })
  t.equal(roster().version, version + 1, 'a new roster, one version up')
  t.notOk(roster().members.includes(old.node), 'without the cancelled invite\'s node')
  t.ok(roster().members.includes(adminNode) && roster().members.includes(qa.node), 'and with everyone else')
  const human2 = await cli(['--home', admin, 'invite', 'cancel', qa.id])
  t.equal(human2.code, 0)
  t.match(human2.stdout, /Cancelled invite [0-9a-f]{8} \(a qa, node [0-9a-f]{16}…\): roster v\d+ has 2 voters, and a leader needs 2 of them running\./)
  t.match((await cli(['--home', admin, 'invite', 'ls', '--json'])).json.invites.map((i: any) => i.state), ['redeemed', 'cancelled', 'cancelled'])

  const refusals: Array<[string, string[], number, RegExp]> = [
    ['an unknown id', ['invite', 'cancel', 'feedbeef'], 4, /^bzzz-ctx: no invite feedbeef in this admin's invites: see `bzzz-ctx invite ls`\n$/],
    ['one cancelled already', ['invite', 'cancel', old.id], 2, /^bzzz-ctx: invite [0-9a-f]{8} was cancelled already, on \S+\n$/],
    ['a redeemed one', ['invite', 'cancel', dev.id], 2, new RegExp(`^bzzz-ctx: invite ${dev.id} was redeemed .*revoke it with \`bzzz-ctx keys revoke --node ${dev.node}\`\\n$`)],
    ['no id', ['invite', 'cancel'], 2, /missing required argument 'id'/],
    ['a verb that does not exist', ['invite', 'drop', qa.id], 2, /unknown invite command 'drop': use one of ls, cancel/]
  ]
  for (const [what, args, code, message] of refusals) {
    const run = await cli(['--home', admin, ...args])
    t.equal(run.code, code, what)
    t.match(run.stderr, message, what)
  }
  t.ok(roster().members.includes(dev.node), 'the redeemed member is still on the roster')
  for (const args of [['invite', 'ls'], ['invite', 'cancel', qa.id]]) {
    const run = await cli(['--home', devHome, ...args])
    t.equal(run.code, 3, `${args.join(' ')} on a member that is not the admin`)
    t.match(run.stderr, /only the cluster's admin/)
  }
})
