// Issue 17: `history` names who asked for each version, not only the leader that wrote it. A follower's distribute is
// written by the leader, stamped with the follower's node and role; every peer's history shows the follower as the
// requester (table and --json), also on a peer whose daemon has stopped (read from its home).
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { agreedLeader, startCluster, waitFor, waitForMesh } from '../helpers/cluster.js'

const A = 'ucxl://p/src/asked.py'

t.test('history names the member that asked for a version, on every peer', async t => {
  const cluster = await startCluster(['developer', 'qa'], { project: 'p' })
  t.teardown(() => cluster.stop())
  await waitForMesh(cluster)
  const { leader } = await agreedLeader(cluster)
  const ids = await Promise.all(cluster.peers.map(async peer => (await peer.run(['status', '--json'])).json.node.id as string))
  const roles = ['admin', 'developer', 'qa']
  const at = ids.findIndex(id => id !== leader && id !== ids[0])
  const follower = cluster.peers[at]!
  t.not(ids[at], leader, `${follower.name} is a follower`)

  const file = join(cluster.dir, 'asked.json')
  writeFileSync(file, JSON.stringify({ address: A, kind: 'file', summary: 'asked for by a follower' }))
  const written = await follower.run(['distribute', '--file', file, '--roles', 'developer,qa'])
  t.equal(written.code, 0, written.stderr)

  for (const peer of cluster.peers) {
    let versions: any[] = []
    await waitFor(`${peer.name} to hold the version`, async () => {
      versions = (await peer.run(['history', A, '--json'])).json?.versions ?? []
      return versions.length === 1
    }, 30_000)
    t.match(versions[0], { requester: ids[at], requesterRole: roles[at], origin: 'hand-written' }, `${peer.name}: asked for by ${follower.name}`)
    const text = await peer.run(['history', A])
    t.match(text.stdout, 'asked by', `${peer.name}: the table has the column`)
    t.match(text.stdout, `${ids[at]!.slice(0, 12)} (${roles[at]})`, `${peer.name}: the table names the follower and its role`)
  }

  // Read from the home without a daemon (the view's checkpoint or a replay of the logs), it still names the follower.
  const other = cluster.peers.find((_, i) => i !== at && ids[i] !== leader)!
  t.equal((await other.run(['node', 'stop'])).code, 0)
  const after = await other.run(['history', A, '--json'])
  t.match(after.json?.versions?.[0], { requester: ids[at], requesterRole: roles[at] }, `${other.name} without its daemon`)
})
