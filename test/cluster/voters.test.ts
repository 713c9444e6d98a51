// Five real daemons, three voters (the admin's --max-voters 3): promote and demote reach every peer's elect status; a
// member that does not vote never leads nor campaigns; bad voter changes are refused with their exit codes; and with
// the leader killed, the two voters left elect one of them and writes are still acknowledged.
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { agreedLeader, startCluster, waitFor, waitForMesh, type TestPeer } from '../helpers/cluster.js'

function nodeId (peer: TestPeer): string {
  return JSON.parse(readFileSync(join(peer.home, 'config.json'), 'utf8')).nodeId
}

async function votersSeen (peers: readonly TestPeer[]): Promise<string[][]> {
  return await Promise.all(peers.map(async peer => (await peer.run(['elect', 'status', '--json'])).json?.voters ?? []))
}

t.test('5 daemons, 3 voters: voter changes reach every peer, only voters lead, and writes survive a voter killed', async t => {
  const cluster = await startCluster(['developer', 'developer', 'developer', 'developer'], { project: 'v', maxVoters: 3 })
  t.teardown(() => cluster.stop())
  const [admin, , dev1, dev2, dev3] = cluster.peers as [TestPeer, TestPeer, TestPeer, TestPeer, TestPeer]
  const ids = cluster.peers.map(nodeId)
  const voters = ids.slice(0, 3).sort()
  await waitForMesh(cluster)
  const first = await agreedLeader(cluster)
  t.ok(voters.includes(first.leader), 'the leader is one of the three voters')
  t.same(await votersSeen(cluster.peers), cluster.peers.map(() => voters), 'every peer names the same three voters')
  const peers = await dev3.run(['peers', '--json'])
  t.same(peers.json.peers.filter((p: { voter: boolean }) => p.voter).map((p: { id: string }) => p.id).sort(), voters, 'peers marks them')
  const campaign = await dev3.run(['elect', 'campaign'])
  t.equal(campaign.code, 2, 'a member that does not vote never campaigns')
  t.match(campaign.stderr, /^bzzz-ctx: this peer does not vote/)

  // Promote a member, then demote it again: each roster reaches every peer's elect status.
  const promoted = await admin.run(['elect', 'promote', '--node', ids[3]!, '--json'])
  t.equal(promoted.code, 0, promoted.stderr)
  const four = [...voters, ids[3]!].sort()
  await waitFor('every peer to count the promoted voter', async () => (await votersSeen(cluster.peers)).every(v => v.join() === four.join()), 30_000)
  t.equal((await dev2.run(['elect', 'status', '--json'])).json.voter, true, 'the promoted peer says it votes')
  t.equal((await admin.run(['elect', 'demote', '--node', ids[3]!])).code, 0)
  await waitFor('every peer to drop the demoted voter', async () => (await votersSeen(cluster.peers)).every(v => v.join() === voters.join()), 30_000)
  await waitFor('a member\'s audit log to record both changes it adopted', async () => {
    const events = (await dev3.run(['audit', 'ls', '--kind', 'roster', '--json'])).json?.events as Array<Record<string, any>> | undefined ?? []
    const own = events.filter(e => e.node === ids[4])
    return own.some(e => e.promoted?.includes(ids[3]) === true && e.voters === 4) && own.some(e => e.demoted?.includes(ids[3]) === true && e.voters === 3)
  }, 30_000)

  const unknown = await admin.run(['elect', 'promote', '--node', 'cd'.repeat(32)])
  t.equal(unknown.code, 4, 'an unknown id: not found')
  t.match(unknown.stderr, /^bzzz-ctx: node cdcdcdcdcdcdcdcd is not a member[^\n]*\n$/)
  const even = await admin.run(['elect', 'demote', '--node', ids[1]!])
  t.equal(even.code, 2, 'three voters never become two')
  t.match(even.stderr, /even set/)
  const notAdmin = await dev1.run(['elect', 'promote', '--node', ids[4]!])
  t.equal(notAdmin.code, 3, 'only the admin changes the voting set')

  // Kill the leader: the two voters left are a majority of three, and the members that do not vote follow their pick.
  const leaderPeer = cluster.peers[ids.indexOf(first.leader)]!
  const pid = Number(readFileSync(join(leaderPeer.home, 'daemon.pid'), 'utf8').trim())
  process.kill(pid, 'SIGKILL')
  const rest = cluster.peers.filter(p => p !== leaderPeer)
  const next = await agreedLeader({ peers: rest }, 60_000)
  t.not(next.leader, first.leader)
  t.ok(voters.includes(next.leader), 'the new leader is a voter too')
  const file = join(cluster.dir, 'record.json')
  writeFileSync(file, JSON.stringify({ address: 'ucxl://v/src/after.py', kind: 'file', summary: 'written with a voter down' }))
  const written = await dev3.run(['distribute', '--file', file, '--roles', 'developer', '--json'], 60_000)
  t.equal(written.code, 0, written.stderr)
  t.ok(written.json.acknowledged.holders >= written.json.acknowledged.required, `acknowledged by ${written.json.acknowledged.holders} of ${written.json.acknowledged.required} peers`)
  const read = await dev2.run(['retrieve', 'ucxl://v/src/after.py', '--role', 'developer', '--json'])
  t.equal(read.json?.context?.summary, 'written with a voter down', 'a member that does not vote serves the read')
})
