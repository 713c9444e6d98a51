// The audit log records the cluster's governance (real daemons: an admin, two developers, qa): each peer's redemption of
// its invite and each member it admits for the first time; the admin's invites, their cancellation and a revocation;
// and every roster change a peer adopts, with who came and went, on the admin and on a member alike.
import t from 'tap'
import { join } from 'node:path'
import { startKeysCluster, waitFor, type TestPeer } from '../helpers/cluster.js'

interface Row { node: string, kind: string, [field: string]: unknown }

async function events (peer: TestPeer, ...filter: string[]): Promise<Row[]> {
  const listed = await peer.run(['audit', 'ls', '--json', ...filter])
  return listed.code === 0 ? listed.json.events as Row[] : []
}

t.test('joins, invites, a cancellation, a revocation and the roster changes are in the audit log', async t => {
  const { cluster, peers: [admin, dev1, dev2, qa], ids } = await startKeysCluster(t)
  const [adminId, dev1Id, dev2Id, qaId] = ids as [string, string, string, string]

  const made = await admin.run(['invite', '--role', 'qa', '--out', join(cluster.dir, 'late.invite'), '--json'])
  t.equal(made.code, 0, made.stderr)
  const invite = made.json as { id: string, node: string, rosterVersion: number }
  // The admin's daemon picks a saved roster up at its next tick: one it never held is no change it adopted.
  await waitFor('the admin\'s adoption of the roster with the invited node', async () =>
    (await events(admin, '--kind', 'roster')).some(e => e.node === adminId && e.version === invite.rosterVersion))
  t.equal((await admin.run(['invite', 'cancel', invite.id])).code, 0)
  await waitFor('the admin\'s adoption of the roster without the invited node', async () =>
    (await events(admin, '--kind', 'roster')).some(e => e.node === adminId && e.version === invite.rosterVersion + 1))
  const revoked = await admin.run(['keys', 'revoke', '--node', dev2Id, '--json'])
  t.equal(revoked.code, 0, revoked.stderr)
  const rosterAfter = revoked.json.roster.version as number

  let own: Row[] = []
  await waitFor('the admin\'s invite, cancellation, revocation and roster changes', async () => {
    own = (await events(admin, '--node', adminId)).filter(e => e.node === adminId)
    return own.some(e => e.kind === 'revoke') && own.some(e => e.kind === 'roster' && (e.removed as string[]).includes(dev2Id))
  })
  t.match(own.find(e => e.kind === 'invite' && e.id === invite.id), { subject: invite.node, id: invite.id, subjectRole: 'qa', role: 'admin', rosterVersion: invite.rosterVersion }, 'the invite made')
  t.match(own.find(e => e.kind === 'invite-cancelled'), { subject: invite.node, id: invite.id, subjectRole: 'qa', rosterVersion: invite.rosterVersion + 1 }, 'its cancellation')
  t.match(own.find(e => e.kind === 'revoke'), { subject: dev2Id, subjectRole: 'developer', roles: ['developer'], rosterVersion: rosterAfter }, 'the revocation')
  const rosters = own.filter(e => e.kind === 'roster')
  t.ok(rosters.some(e => (e.added as string[]).includes(invite.node) && e.version === invite.rosterVersion), 'the roster the invite grew')
  t.ok(rosters.some(e => (e.removed as string[]).includes(invite.node) && e.version === invite.rosterVersion + 1), 'the roster its cancellation shrank')
  t.ok(rosters.some(e => (e.removed as string[]).includes(dev2Id) && e.version === rosterAfter && e.members === 3), 'the roster without the revoked member')
  t.ok(own.some(e => e.kind === 'invite' && e.subject === dev1Id && e.subjectRole === 'developer'), 'the invites made before the daemon ran, on the home')
  const admitted = own.filter(e => e.kind === 'join').map(e => e.subject)
  for (const member of [dev1Id, dev2Id, qaId]) t.ok(admitted.includes(member), `the admin admitted ${member.slice(0, 8)} once`)
  t.equal(new Set(admitted).size, admitted.length, 'each member is admitted once, not at every connection')

  let member: Row[] = []
  await waitFor('the member\'s adoption of the roster without the revoked member', async () => {
    member = await events(dev1, '--node', dev1Id)
    return member.some(e => e.kind === 'roster' && e.version === rosterAfter)
  })
  t.match(member.find(e => e.kind === 'roster' && e.version === rosterAfter), { removed: [dev2Id], members: 3 }, 'the member adopted it, and says who went')
  t.match(member.find(e => e.kind === 'join' && e.redeemed === true), { subject: dev1Id, subjectRole: 'developer' }, 'its own redemption of its invite')
  t.ok(member.some(e => e.kind === 'join' && e.subject === adminId), 'the admin admitted by the member')
  // The member replicates the admin's core: the revocation is visible there too.
  await waitFor('the admin\'s revocation replicated to qa', async () => (await events(qa, '--kind', 'revoke')).some(e => e.node === adminId && e.subject === dev2Id))
  t.pass('qa lists the admin\'s revocation')
})
