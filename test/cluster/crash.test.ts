// kill -9 of a peer during distributes: nothing acknowledged is lost, nothing is corrupted, the peer catches up.
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { agreedLeader, startCluster, waitForMesh, waitFor } from '../helpers/cluster.js'

t.test('kill -9 a follower during distributes, restart it: every acknowledged record is everywhere', async t => {
  const cluster = await startCluster(['developer', 'qa'], { project: 'crash' })
  t.teardown(() => cluster.stop())
  const developer = cluster.peers[1]!
  await waitForMesh(cluster)
  // The victim is a follower that is not the one distributing.
  const { leader } = await agreedLeader(cluster)
  const victim = cluster.peers.find(p => p !== developer && JSON.parse(readFileSync(join(p.home, 'config.json'), 'utf8')).nodeId !== leader)!

  const acknowledged: string[] = []
  const TOTAL = 16
  let killedAt = 0
  for (let i = 0; i < TOTAL; i++) {
    if (i === 6) {
      const pid = Number(readFileSync(join(victim.home, 'daemon.pid'), 'utf8'))
      process.kill(pid, 'SIGKILL')
      killedAt = Date.now()
    }
    const address = `ucxl://crash/src/file${i}.go`
    const file = join(cluster.dir, `record${i}.json`)
    writeFileSync(file, JSON.stringify({ address, kind: 'file', summary: `record ${i}`, language: 'go' }))
    const run = await developer.run(['distribute', '--file', file, '--json'], 60_000)
    if (run.code === 0) acknowledged.push(address)
    else t.equal(run.code, 5, `a distribute that is not acknowledged says so (${run.stderr.trim()})`)
    if (i === 6) {
      // The dead peer's connections close within the transport's inactivity timeout (5 s), not the 15 to 25 s they took
      // to time out by themselves; the write that waited for it needs one holder fewer once it is gone.
      t.equal(run.code, 0, `the write made just after the kill is acknowledged by the peers that are up: ${run.stderr.trim()}`)
      await waitFor('the killed peer to leave the others\' peer lists', async () => {
        // The victim is any follower but the developer: the admin, or the victim peer.
        const lists = await Promise.all(cluster.peers.filter(peer => peer !== victim).map(async peer => (await peer.run(['peers', '--json'])).json?.peers?.length))
        return lists.every(n => n === 1)
      }, Math.max(1_000, 20_000 - (Date.now() - killedAt)))
      const victimId = JSON.parse(readFileSync(join(victim.home, 'config.json'), 'utf8')).nodeId
      const seen = (await developer.run(['elect', 'status', '--json'])).json?.peers?.find((p: { id: string }) => p.id === victimId)
      t.match(seen, { connected: false, voter: true, role: victim.name === 'admin' ? 'admin' : 'qa' }, 'elect status still names the role of a member that is gone')
    }
  }
  t.equal(acknowledged.length, TOTAL, `all ${TOTAL} distributes acknowledged while a follower was down`)

  const restarted = await victim.run(['node', 'start', '--bootstrap', cluster.bootstrap, '--detach', '--election-timeout', '1000'])
  t.equal(restarted.code, 0, `the killed peer restarts on its store: ${restarted.stderr}`)
  await waitForMesh(cluster)
  for (const peer of cluster.peers) {
    await waitFor(`${peer.name} to catch up`, async () => (await peer.run(['sync', '--timeout', '10'])).code === 0, 60_000)
    for (const address of acknowledged) {
      const got = await peer.run(['retrieve', address, '--json'])
      t.equal(got.code, 0, `${peer.name} has ${address}`)
      if (got.code !== 0) break
    }
  }
  const hashes = await Promise.all(cluster.peers.map(async peer => (await peer.run(['status', '--json'])).json.viewHash))
  t.equal(new Set(hashes).size, 1, 'one view on every peer')
  const status = (await victim.run(['status', '--json'])).json
  t.equal(status.counters.rejectedEntries, 0, 'no damaged entry on the restarted peer')
})
