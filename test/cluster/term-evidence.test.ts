// Issue 17, defect 2 (leadership in the logs): a member that stopped its daemon, rewrote its home to stand alone (itself
// as admin, its roles re-signed by itself, the roster removed), distributed offline, restored its home and restarted,
// had its forged version (term 1, the cluster at a later term) become current on every peer. Now a writer's entries of
// a term apply only after its term entry proves, with a majority of the admin-signed roster's signed votes, that it
// won that term: the others refuse and count the forged entries, and keep the real version.
import t from 'tap'
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { agreedLeader, startCluster, waitFor, waitForMesh } from '../helpers/cluster.js'
import { identityFromJSON } from '../../src/crypto/identity.js'
import { signRoles } from '../../src/node/signed-roles.js'

t.test('a record forged offline by a member acting as its own admin is refused by every other peer', async t => {
  const cluster = await startCluster(['developer', 'qa'], { project: 'p' })
  t.teardown(() => cluster.stop())
  const [admin, developer, qa] = cluster.peers as [typeof cluster.peers[0], typeof cluster.peers[0], typeof cluster.peers[0]]
  await waitForMesh(cluster)
  let leader = await agreedLeader(cluster)
  // The forgery is of a term the developer never led (the solo term, 1). Had it led term 1 and written in it, its log
  // would hold its real evidence for the term: that narrower forgery (by a past leader, in its own past term) is
  // refused by the next leader's ends instead (test/cluster/term-ends.test.ts).
  const developerId = (await developer.run(['status', '--json'])).json.node.id
  if (leader.leader === developerId && leader.term === 1) {
    t.equal((await developer.run(['elect', 'resign'])).code, 0, 'the developer hands term 1 on before anything is written')
    leader = await agreedLeader(cluster)
  }

  const real = join(cluster.dir, 'real.json')
  writeFileSync(real, JSON.stringify({ address: 'ucxl://p/src/auth.py', kind: 'file', summary: 'checks tokens' }))
  const distributed = await admin.run(['distribute', '--file', real, '--json'])
  t.equal(distributed.code, 0, distributed.stderr)
  for (const peer of cluster.peers) t.equal((await peer.run(['sync', '--timeout', '20'])).code, 0, `${peer.name} syncs`)
  t.equal((await qa.run(['retrieve', 'ucxl://p/src/auth.py', '--json'])).json.context.summary, 'checks tokens')

  // The forgery, offline, as the issue found it.
  t.equal((await developer.run(['node', 'stop'])).code, 0)
  const configFile = join(developer.home, 'config.json')
  const rosterFile = join(developer.home, 'roster.json')
  const savedConfig = readFileSync(configFile, 'utf8')
  const savedRoster = readFileSync(rosterFile, 'utf8')
  const config = JSON.parse(savedConfig)
  const identity = identityFromJSON(JSON.parse(readFileSync(join(developer.home, 'keys', 'node.json'), 'utf8')))
  config.cluster.adminKey = identity.nodeId
  config.rolesSignature = signRoles(identity, config.cluster.id, 1, config.roles)
  writeFileSync(configFile, JSON.stringify(config))
  rmSync(rosterFile)
  const forged = join(cluster.dir, 'forged.json')
  writeFileSync(forged, JSON.stringify({ address: 'ucxl://p/src/auth.py', kind: 'file', summary: 'audited, no findings', insights: [{ role: 'security', text: 'audited, no findings' }] }))
  const written = await developer.run(['distribute', '--file', forged, '--json'])
  t.equal(written.code, 0, `the forger writes in its own store: ${written.stderr}`)
  writeFileSync(configFile, savedConfig)
  writeFileSync(rosterFile, savedRoster)
  const restarted = await developer.run(['node', 'start', '--bootstrap', cluster.bootstrap, '--detach', '--election-timeout', '1000'])
  t.equal(restarted.code, 0, restarted.stderr)

  // The others download its log (sync pulls every member's head) and refuse what it holds: a forged term entry and the
  // record after it, or, when the developer led term 1 before it resigned (a new leader writes its term entry at once,
  // to state the ends of earlier terms), the record alone, past the end the next leader stated for term 1.
  await waitFor('the others to refuse the forged entries', async () => {
    const counts = await Promise.all([admin, qa].map(async peer => (await peer.run(['status', '--json'])).json?.counters?.refusedEntries ?? 0))
    return counts.every(n => n >= 1)
  }, 60_000).catch(err => {
    const { execSync } = require('node:child_process')
    console.error(execSync(`tail -n 40 ${join(admin.home, 'daemon.log')}; echo ---; tail -n 30 ${join(developer.home, 'daemon.log')}`).toString())
    throw err
  })
  for (const peer of [admin, qa]) {
    t.equal((await peer.run(['sync', '--timeout', '20'])).code, 0, `${peer.name} syncs with the forger back`)
    const read = await peer.run(['retrieve', 'ucxl://p/src/auth.py', '--json'])
    t.equal(read.json.context.summary, 'checks tokens', `${peer.name} keeps the real version`)
    t.notOk(read.json.context.insights?.some((i: any) => i.text === 'audited, no findings'), `${peer.name} reads no planted insight`)
    const history = await peer.run(['history', 'ucxl://p/src/auth.py', '--json'])
    t.equal(history.code, 0, history.stderr)
    t.equal(history.json.versions.length, 1, 'its history holds the real version alone, not the forged one')
  }
  const [adminStatus, qaStatus] = await Promise.all([admin, qa].map(async peer => (await peer.run(['status', '--json'])).json))
  t.equal(adminStatus.viewHash, qaStatus.viewHash, 'the honest peers hold one view')
  t.ok(adminStatus.term >= leader.term, 'the cluster went on')

  // And the cluster's own writes still apply everywhere, the forger's peer included.
  const after = join(cluster.dir, 'after.json')
  writeFileSync(after, JSON.stringify({ address: 'ucxl://p/src/after.py', kind: 'file', summary: 'written after' }))
  t.equal((await qa.run(['distribute', '--file', after])).code, 0)
  for (const peer of cluster.peers) t.equal((await peer.run(['sync', '--timeout', '20'])).code, 0, `${peer.name} syncs`)
  for (const peer of cluster.peers) {
    t.equal((await peer.run(['retrieve', 'ucxl://p/src/after.py', '--json'])).json?.context?.summary, 'written after', `${peer.name} applies the leader's write`)
  }
})
