// Issue 17, the last hole of "leadership in the logs": a peer that led a term holds its real evidence for it, so an entry
// it appended to that term after it lost the leadership (offline here; an honest leader cut off in a minority does the
// same) applied on every peer. Now the next leader, once caught up, states in its term entry how much of each other
// log it held, and every view refuses an earlier term's entry past that: the acknowledged version stays current.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { agreedLeader, startCluster, waitFor, waitForMesh, type TestPeer } from '../helpers/cluster.js'
import { LocalPeer } from '../../src/node/local-peer.js'

/**
 * Test only: appends a record to a stopped peer's log under `term`, through its store directly, as a former leader that
 * rewrote nothing but its own log would (its log holds its real term entry for `term`, so its own view takes it).
 */
async function appendOffline (home: string, term: number, record: { address: string, kind: 'file', summary: string }): Promise<void> {
  const peer = await LocalPeer.open(home)
  try {
    await peer.store.write([record], { term, recipients: peer.config.roles.map(role => role.name), nowMs: Date.now() })
  } finally {
    await peer.close()
  }
}

async function summaryAt (peer: TestPeer, address: string): Promise<string | undefined> {
  return (await peer.run(['retrieve', address, '--json'])).json?.context?.summary
}

t.test('an entry a former leader appends offline to its lost term is refused by every peer, its own included', async t => {
  const cluster = await startCluster(['developer', 'qa'], { project: 'p' })
  t.teardown(() => cluster.stop())
  await waitForMesh(cluster)
  const address = 'ucxl://p/src/auth.py'
  const real = join(cluster.dir, 'real.json')
  writeFileSync(real, JSON.stringify({ address, kind: 'file', summary: 'checks tokens' }))
  let first = await agreedLeader(cluster)
  let written = await cluster.peers[0]!.run(['distribute', '--file', real, '--json'])
  let after = await agreedLeader(cluster)
  // The write must be the first leader's, in its term (an election in between would make it another's): bounded.
  for (let tries = 0; tries < 3 && (after.leader !== first.leader || after.term !== first.term); tries++) {
    first = after
    written = await cluster.peers[0]!.run(['distribute', '--file', real, '--json'])
    after = await agreedLeader(cluster)
  }
  t.equal(written.code, 0, written.stderr)
  t.same(after, first, 'the acknowledged write is the leader\'s of one term')
  const ids = await Promise.all(cluster.peers.map(async peer => (await peer.run(['status', '--json'])).json.node.id as string))
  const old = cluster.peers[ids.indexOf(first.leader)]!
  const rest = cluster.peers.filter(peer => peer !== old)
  for (const peer of cluster.peers) t.equal((await peer.run(['sync', '--timeout', '20'])).code, 0, `${peer.name} syncs`)

  t.equal((await old.run(['node', 'stop'])).code, 0, 'the leader of the term stops')
  const next = await agreedLeader({ peers: rest })
  t.ok(next.term > first.term, 'the other two elect a leader of a later term')
  const later = join(cluster.dir, 'later.json')
  writeFileSync(later, JSON.stringify({ address: 'ucxl://p/src/later.py', kind: 'file', summary: 'written by the next leader' }))
  const wrote = await rest[0]!.run(['distribute', '--file', later])
  t.equal(wrote.code, 0, `the next leader writes: ${wrote.stderr}`)
  for (const peer of rest) t.equal((await peer.run(['sync', '--timeout', '20'])).code, 0, `${peer.name} syncs`)
  const before = await Promise.all(rest.map(async peer => (await peer.run(['status', '--json'])).json.counters.refusedEntries as number))

  await appendOffline(old.home, first.term, { address, kind: 'file', summary: 'audited, no findings' })
  const restarted = await old.run(['node', 'start', '--bootstrap', cluster.bootstrap, '--detach', '--election-timeout', '1000'])
  t.equal(restarted.code, 0, restarted.stderr)

  await waitFor('the others to refuse the late entry', async () => {
    const counts = await Promise.all(rest.map(async peer => (await peer.run(['status', '--json'])).json?.counters?.refusedEntries ?? 0))
    return counts.every((n, i) => n > before[i]!)
  }, 40_000)
  for (const peer of rest) {
    t.equal((await peer.run(['sync', '--timeout', '20'])).code, 0, `${peer.name} syncs with the former leader back`)
    t.equal(await summaryAt(peer, address), 'checks tokens', `${peer.name} keeps the acknowledged version`)
    const history = (await peer.run(['history', address, '--json'])).json
    t.equal(history.versions.length, 1, `${peer.name}'s history holds the acknowledged version alone`)
  }
  // Its own view applied the late entry while the home was offline; the end it reads on restart retracts it.
  await waitFor('the former leader to retract its own late entry', async () => await summaryAt(old, address) === 'checks tokens', 40_000)
  const statuses = await Promise.all(cluster.peers.map(async peer => (await peer.run(['status', '--json'])).json))
  t.ok(statuses.every(status => status.counters.refusedEntries >= 1), 'every peer counts the refusal')
  await waitFor('one view on every peer', async () => {
    const hashes = await Promise.all(cluster.peers.map(async peer => (await peer.run(['status', '--json'])).json?.viewHash))
    return hashes.every(hash => hash === hashes[0])
  }, 30_000)
  t.pass('every peer holds one view')
})
