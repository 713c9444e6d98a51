// What a daemon's start checks, and what the CLI says when a daemon died: real processes (issue 24, items 1.2 and 7).
import t, { type Test } from 'tap'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cli, cliProcess } from '../helpers/cli.js'
import { waitFor } from '../helpers/cluster.js'
import { processRuns } from '../helpers/control-socket.js'
import { scratchDir } from '../helpers/scratch.js'
import { startBootstrap } from '../../src/net/bootstrap.js'
import { Keyring } from '../../src/crypto/keyring.js'
import { issueCertificate } from '../../src/net/certificate.js'

const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
t.teardown(() => dht.close())
const bootstrap = dht.nodes.join(',')

async function newHome (t: Test, cluster: string): Promise<string> {
  const home = join(scratchDir('bzzz-start-'), 'home')
  const init = await cli(['--home', home, 'init', '--cluster', cluster, '--role', 'admin', '--project', 'p'])
  if (init.code !== 0) throw new Error('init failed: ' + init.stderr)
  // Whatever a test does, no daemon outlives it.
  t.teardown(async () => { await cliProcess(['--home', home, 'node', 'stop']).catch(() => {}) })
  return home
}

const start = async (home: string, timeoutMs?: number): Promise<Awaited<ReturnType<typeof cliProcess>>> =>
  await cliProcess(['--home', home, 'node', 'start', '--bootstrap', bootstrap, '--detach', '--election-timeout', '200'], {}, timeoutMs)

t.test('a daemon killed with -9: commands say its files are left, a start says it removes them, a second start is refused', async t => {
  const home = await newHome(t, 'stale')
  t.equal((await start(home)).code, 0)
  const pid = Number(readFileSync(join(home, 'daemon.pid'), 'utf8'))
  process.kill(pid, 'SIGKILL')
  await waitFor('the daemon to be gone', async () => !processRuns(pid), 10_000)
  t.ok(existsSync(join(home, 'daemon.pid')) && existsSync(join(home, 'ctl.sock')), 'its pid file and socket are left')

  const status = await cliProcess(['--home', home, 'status', '--json'])
  t.equal(status.code, 0, 'status still answers, from the home')
  t.equal(status.json?.mode, 'local')
  t.equal(status.stderr, `bzzz-ctx: a daemon's files are left from a process that is gone (pid ${pid}); working on the home directly\n`, 'and says so in one line')
  const peers = await cliProcess(['--home', home, 'peers'])
  t.equal(peers.code, 5, 'a command that needs the daemon still exits 5')
  t.match(peers.stderr, new RegExp(`^bzzz-ctx: no daemon runs for .*gone \\(pid ${pid}\\).*\\n$`), `and says why: ${peers.stderr}`)

  const restarted = await start(home)
  t.equal(restarted.code, 0, `a start replaces them: ${restarted.stderr}`)
  t.match(restarted.stderr, new RegExp(`^bzzz-ctx: a daemon's files are left from a process that is gone \\(pid ${pid}\\); removed daemon.pid and ctl.sock, starting anew\\n$`), 'saying so in one line')
  const served = await cliProcess(['--home', home, 'status', '--json'])
  t.equal(served.json?.mode, 'daemon', 'the new daemon serves')
  t.equal(served.stderr, '', 'and nothing is said of old files any more')

  const second = await start(home)
  t.equal(second.code, 2, 'a second start while one runs is refused')
  t.match(second.stderr, /^bzzz-ctx: a daemon already runs for .* \(pid \d+\): stop it with `bzzz-ctx node stop`\n$/)
})

t.test('a pid file of a process that is gone, with no socket, is found too', async t => {
  const home = await newHome(t, 'pidonly')
  writeFileSync(join(home, 'daemon.pid'), '999999999\n')
  const status = await cliProcess(['--home', home, 'status'])
  t.equal(status.code, 0)
  t.match(status.stderr, /^bzzz-ctx: a daemon's files are left from a process that is gone \(pid 999999999\); working on the home directly\n$/)
  const started = await start(home)
  t.equal(started.code, 0, started.stderr)
  t.match(started.stderr, /removed daemon\.pid, starting anew\n$/)
})

/** Rewrites the home's own certificate, as a damaged or swapped config would hold it. */
function editCertificate (home: string, edit: (certificate: Record<string, unknown>, config: Record<string, any>) => Record<string, unknown>): void {
  const file = join(home, 'config.json')
  const config = JSON.parse(readFileSync(file, 'utf8'))
  config.certificate = edit(config.certificate, config)
  writeFileSync(file, JSON.stringify(config, null, 2))
}

t.test('a daemon whose own certificate is bad does not start: one line, exit 1, and nothing left behind', async t => {
  const cases: Array<{ name: string, edit: Parameters<typeof editCertificate>[1] | 'expired', message: RegExp }> = [
    { name: 'a damaged signature', edit: c => ({ ...c, signature: String(c.signature).replace(/^./, ch => ch === '0' ? '1' : '0') }), message: /signature does not verify/ },
    { name: 'another node\'s', edit: c => ({ ...c, node: 'ab'.repeat(32) }), message: /issued to another node/ },
    { name: 'another cluster\'s', edit: c => ({ ...c, cluster: 'cd'.repeat(16) }), message: /another cluster/ },
    { name: 'not an object', edit: () => 'certificate' as unknown as Record<string, unknown>, message: /not an object|certificate is missing/ },
    { name: 'expired', edit: 'expired', message: /certificate expired at .*: ask the cluster's admin for a new invite/ }
  ]
  for (const c of cases) {
    const home = await newHome(t, 'cert')
    if (c.edit === 'expired') {
      // Signed by this cluster's admin (this peer), for this node and role: valid in every way but time.
      const admin = (await Keyring.load(home)).identity
      editCertificate(home, (cert, config) => issueCertificate(admin, {
        cluster: config.cluster.id, node: config.nodeId, role: config.role, issuedAt: Date.now() - 60_000, expiresAt: Date.now() - 1_000
      }) as unknown as Record<string, unknown>)
    } else editCertificate(home, c.edit)
    const run = await start(home, 20_000)
    t.equal(run.code, 1, `${c.name}: exit 1`)
    t.match(run.stderr, /^bzzz-ctx: [^\n]+\n$/, `${c.name}: one line`)
    t.match(run.stderr, c.message, `${c.name}: which says what is wrong: ${run.stderr.trim()}`)
    t.notOk(existsSync(join(home, 'daemon.pid')), `${c.name}: no daemon runs`)
  }
})

t.test('in the foreground too, a bad certificate stops the start at once', async t => {
  const home = await newHome(t, 'cert-fg')
  editCertificate(home, c => ({ ...c, issuer: 'ef'.repeat(32) }))
  const run = await cliProcess(['--home', home, 'node', 'start', '--bootstrap', bootstrap, '--election-timeout', '200'], {}, 15_000)
  t.equal(run.code, 1)
  t.match(run.stderr, /^bzzz-ctx: this peer's certificate in .* is not valid \(not issued by this cluster's admin\)/)
})
