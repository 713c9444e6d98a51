// Issue 17 item 4 (member heads are checked against what the peer downloads): a member's heads were trusted, so what it
// said it held counted towards acknowledgements, and a forked log or a member lying about what it holds went unseen.
// Now each head carries the tree hash of the log at that length and each peer compares it with its own copy: a
// mismatch is counted, logged and audited, and that member's heads for that log count no more. The liar here is a real
// daemon driven by the test-only hook BZZZ_TEST_WRONG_HEAD_HASHES (every head it announces has a wrong hash).
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { agreedLeader, daemonLogLines, startCluster, waitFor, waitForMesh, type TestPeer } from '../helpers/cluster.js'

async function nodeId (peer: TestPeer): Promise<string> {
  return (await peer.run(['status', '--json'])).json.node.id
}

async function mismatchedHeads (peer: TestPeer): Promise<number | undefined> {
  return (await peer.run(['status', '--json'])).json?.counters?.mismatchedHeads
}

t.test('a member announcing heads that do not match is reported by the others and not counted', async t => {
  // The viewer may not campaign: the liar is never the leader whose writes it would have to acknowledge.
  const cluster = await startCluster(['developer', 'viewer'], { project: 'p', env: { viewer1: { BZZZ_TEST_WRONG_HEAD_HASHES: '1' } } })
  t.teardown(() => cluster.stop())
  const [admin, developer, liar] = cluster.peers as [TestPeer, TestPeer, TestPeer]
  await waitForMesh(cluster)
  const { leader } = await agreedLeader(cluster)
  const liarId = await nodeId(liar)
  t.not(leader, liarId, 'the liar does not lead')
  const leaderPeer = (await nodeId(admin)) === leader ? admin : developer
  const follower = leaderPeer === admin ? developer : admin

  const record = join(cluster.dir, 'r.json')
  writeFileSync(record, JSON.stringify({ address: 'ucxl://p/src/a.py', kind: 'file', summary: 'parses things' }))
  // Three peers and a replication factor of 3: the write needs all three, and the liar's word is not enough any more.
  const written = await admin.run(['distribute', '--file', record, '--json'], 60_000)
  t.equal(written.code, 5, 'the write is not acknowledged without the liar')
  t.match(written.stderr, /stored on 2 of the 3 peers required/, written.stderr)
  // The peer that wrote it: the leader, unless the leadership moved during the write's long wait for the liar (then the
  // other honest peer wrote it, and the roles below follow the writer, not the first leader).
  let writer = ''
  await waitFor('the record on an honest peer', async () => {
    for (const peer of [leaderPeer, follower]) {
      const version = (await peer.run(['retrieve', 'ucxl://p/src/a.py', '--role', 'admin', '--json'])).json?.version as { writer?: string } | undefined
      if (typeof version?.writer === 'string') { writer = version.writer; return true }
    }
    return false
  }, 20_000)
  const writerPeer = (await nodeId(admin)) === writer ? admin : developer
  const other = writerPeer === admin ? developer : admin
  t.ok([leaderPeer, follower].includes(writerPeer), 'an honest peer wrote it')

  t.ok(((await mismatchedHeads(writerPeer)) ?? 0) >= 1, 'the writer counts the mismatch (its own log, compared at once)')
  // The follower compares the liar's head of the leader's log once it has downloaded that log itself.
  await waitFor('the follower to count the mismatch', async () => ((await mismatchedHeads(other)) ?? 0) >= 1, 20_000)
  t.equal(await mismatchedHeads(liar), 0, 'the liar checks honestly what the others announce: they match')

  const logLines = daemonLogLines(writerPeer.home).filter(line => line.includes('does not match this peer\'s copy'))
  t.ok(logLines.some(line => { const entry = JSON.parse(line); return entry.peer === liarId.slice(0, 12) && entry.writer === writer.slice(0, 12) }), 'the leader logs the member and the writer')

  const rows = (await writerPeer.run(['audit', 'ls', '--kind', 'head-mismatch', '--json'])).json?.events as Array<Record<string, unknown>> | undefined
  t.ok(rows?.some(e => e.subject === liarId && e.writer === writer && typeof e.length === 'number' && e.announced !== e.held), 'an audit event names the member and the writer')
})

t.test('an honest cluster reports no mismatch and acknowledges with every member', async t => {
  const cluster = await startCluster(['developer', 'viewer'], { project: 'p' })
  t.teardown(() => cluster.stop())
  const [admin] = cluster.peers as [TestPeer]
  await waitForMesh(cluster)
  await agreedLeader(cluster)
  const record = join(cluster.dir, 'r.json')
  writeFileSync(record, JSON.stringify({ address: 'ucxl://p/src/a.py', kind: 'file', summary: 'parses things' }))
  const written = await admin.run(['distribute', '--file', record, '--json'], 60_000)
  t.equal(written.code, 0, written.stderr)
  t.same(written.json.acknowledged, { holders: 3, required: 3 }, 'held by all three, each head checked')
  for (const peer of cluster.peers) t.equal((await peer.run(['sync', '--timeout', '20'])).code, 0, `${peer.name} syncs`)
  for (const peer of cluster.peers) t.equal(await mismatchedHeads(peer), 0, `${peer.name} reports no mismatch`)
})
