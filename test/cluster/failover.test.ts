// Leader election with real daemons: kill -9 the leader while generation requests arrive; a new leader is elected
// and every request that was accepted completes exactly once. With three peers and with five.
import t, { type Test } from 'tap'
import { cpSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { agreedLeader, startCluster, waitFor, waitForMesh, type TestPeer } from '../helpers/cluster.js'

const FILES = [
  'billing/lib/invoice.rb', 'billing/lib/tax.rb', 'src/server/handlers/auth.py', 'scripts/deploy.sh', 'billing/spec/invoice_spec.rb',
  'tools/lint.py', 'services/api/main.go', 'src/server/app.py', 'services/web/src/index.ts', 'services/web/src/util.ts'
]

function nodeIdOf (peer: TestPeer): string {
  return JSON.parse(readFileSync(join(peer.home, 'config.json'), 'utf8')).nodeId
}

async function failover (t: Test, roles: string[], requests: number): Promise<void> {
  const cluster = await startCluster(roles, { project: 'fo' })
  t.teardown(() => cluster.stop())
  await waitForMesh(cluster)
  const first = await agreedLeader(cluster)
  const leader = cluster.peers.find(p => nodeIdOf(p) === first.leader)!
  const survivors = cluster.peers.filter(p => p !== leader)
  const requester = survivors[0]!
  const repo = join(cluster.dir, 'repo')
  cpSync(join(PACKAGE_ROOT, 'fixtures', 'repos', 'mixed'), repo, { recursive: true })
  const files = FILES.filter(f => { try { readFileSync(join(repo, f)); return true } catch { return false } }).slice(0, requests)
  t.ok(files.length >= Math.min(requests, 6), `${files.length} files to request`)

  // Requests go in one after another; the leader is killed after the third is accepted, so the rest arrive before,
  // during and after the failover (the requester's daemon retries them with the new leader, under the same id).
  const accepted: Array<{ id: string, file: string }> = []
  let killed = false
  for (const [i, file] of files.entries()) {
    if (i === 3) {
      process.kill(Number(readFileSync(join(leader.home, 'daemon.pid'), 'utf8')), 'SIGKILL')
      killed = true
    }
    // --roles developer,qa: any survivor may open the files (sealed for the roles that may read all of their context).
    const run = await requester.run(['generate', join(repo, file), '--root', repo, '--roles', 'developer,qa', '--no-wait', '--priority', i % 2 === 0 ? 'high' : 'normal', '--json'], 120_000)
    if (run.code === 0) accepted.push({ id: run.json.request.id, file })
    else t.equal(run.code, 5, `a request that was not accepted says so: ${run.stderr.trim()}`)
  }
  t.ok(killed, 'the leader was killed mid-stream')
  t.ok(accepted.length >= files.length - 1, `${accepted.length} of ${files.length} requests accepted across the failover`)

  const second = await agreedLeader({ peers: survivors })
  t.not(second.leader, first.leader, 'a new leader')
  t.ok(second.term > first.term, `in a later term (${first.term} -> ${second.term})`)

  for (const peer of survivors) {
    await waitFor(`${peer.name} to see every accepted request completed`, async () => {
      const rows = (await peer.run(['queue', 'ls', '--all', '--json'])).json?.requests ?? []
      return accepted.every(a => rows.some((r: any) => r.id === a.id && r.state === 'completed'))
    }, 90_000)
    const rows = (await peer.run(['queue', 'ls', '--all', '--json'])).json.requests
    for (const a of accepted) t.equal(rows.filter((r: any) => r.id === a.id).length, 1, `${peer.name}: ${a.id} is one row`)
    const status = (await peer.run(['queue', 'status', '--json'])).json
    t.equal(status.duplicates, 0, `${peer.name}: no request completed twice`)
    t.equal(status.queued + status.active, 0, `${peer.name}: nothing left pending`)
  }
  // The records are sealed for developer and qa (--roles): the admin reads them as a developer, whose key it holds too.
  const ownRole = JSON.parse(readFileSync(join(requester.home, 'config.json'), 'utf8')).role as string
  const readAs = ['developer', 'qa'].includes(ownRole) ? ownRole : 'developer'
  for (const a of accepted) {
    const got = await requester.run(['retrieve', `ucxl://fo/${a.file}`, '--role', readAs, '--json'])
    t.equal(got.code, 0, `ucxl://fo/${a.file} is retrievable: ${got.stderr.trim()}`)
  }
}

t.test('three peers: kill -9 the leader during requests; a new leader finishes every accepted request once', async t => {
  await failover(t, ['developer', 'qa'], 8)
})

t.test('five peers: the same', async t => {
  // The two more are viewers: voters that never lead. An architect or security leader would hold no key for the files
  // of a --roles developer,qa request (sealed for the roles that may read all of its context) and refuse them (exit 3).
  await failover(t, ['developer', 'qa', 'viewer', 'viewer'], 6)
})
