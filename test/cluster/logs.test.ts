// The daemon's log: pino JSON lines to stderr in the foreground and to the home's daemon.log when detached, at the level
// --log-level (or BZZZ_LOG_LEVEL) says, a bad level refused in one line (2); at debug, a call's request id is on the
// requester's lines and on the leader's lines serving it, so one grep follows it through the cluster.
import t from 'tap'
import { spawn } from 'node:child_process'
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { BIN, cliProcess, tempHome } from '../helpers/cli.js'
import { agreedLeader, startCluster, waitForMesh, type TestPeer } from '../helpers/cluster.js'
import { startBootstrap } from '../../src/net/bootstrap.js'

interface Line { level: number, msg: string, req?: string, op?: string, [key: string]: unknown }

function logOf (peer: TestPeer): Line[] {
  return readFileSync(join(peer.home, 'daemon.log'), 'utf8').split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as Line)
}

function nodeIdOf (peer: TestPeer): string {
  return JSON.parse(readFileSync(join(peer.home, 'config.json'), 'utf8')).nodeId
}

t.test('a bad level is refused in one line, exit 2, naming where it came from', async t => {
  const home = tempHome()
  t.equal((await cliProcess(['--home', home, 'init', '--cluster', 'l', '--role', 'admin'])).code, 0)
  const flag = await cliProcess(['--home', home, 'node', 'start', '--bootstrap', '127.0.0.1:1', '--log-level', 'loud'])
  t.equal(flag.code, 2)
  t.match(flag.stderr, /^bzzz-ctx: --log-level: must be one of trace, debug, info, warn, error, fatal, silent \(got "loud"\)\n$/)
  const env = await cliProcess(['--home', home, 'node', 'start', '--bootstrap', '127.0.0.1:1', '--detach'], { BZZZ_LOG_LEVEL: 'chatty' })
  t.equal(env.code, 2)
  t.match(env.stderr, /^bzzz-ctx: BZZZ_LOG_LEVEL: must be one of .+ \(got "chatty"\)\n$/)
  t.notOk(existsSync(join(home, 'daemon.pid')), 'no daemon started')
})

t.test('in the foreground the log is JSON lines on stderr, at the level asked for', async t => {
  const home = tempHome()
  t.equal((await cliProcess(['--home', home, 'init', '--cluster', 'l', '--role', 'admin'])).code, 0)
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  t.teardown(async () => { await dht.close() })
  const child = spawn(process.execPath, [BIN, '--home', home, 'node', 'start', '--bootstrap', dht.nodes.join(','), '--log-level', 'debug'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const exited = new Promise<number>(resolve => child.on('close', code => { resolve(code ?? -1) }))
  const deadline = Date.now() + 30_000
  while (!stderr.includes('"daemon ready"') && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
  // A call served by this one-peer cluster's leader (itself): logged at debug only.
  const record = join(home, 'r.json')
  writeFileSync(record, JSON.stringify({ address: 'ucxl://l/a.py', kind: 'file', summary: 'a' }))
  t.equal((await cliProcess(['--home', home, 'distribute', '--file', record, '--roles', 'admin'])).code, 0, 'a distribute')
  child.kill('SIGTERM')
  t.equal(await exited, 0, 'stops on SIGTERM')
  const lines = stderr.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as Line)
  t.ok(lines.some(l => l.msg === 'daemon ready' && typeof l.time === 'number' && l.level === 30), 'a JSON line says the daemon is ready')
  t.ok(lines.some(l => l.level === 20 && l.op === 'distribute' && typeof l.req === 'string'), 'a debug line of the call, with its id')
  t.notOk(existsSync(join(home, 'daemon.log')), 'no log file in the foreground')
})

t.test('detached daemons log to their homes; a call\'s request id joins the requester\'s and the leader\'s lines', async t => {
  const cluster = await startCluster(['developer', 'developer'], { project: 'lg', logLevel: 'debug' })
  t.teardown(() => cluster.stop())
  await waitForMesh(cluster)
  const { leader: leaderId } = await agreedLeader(cluster)
  const leader = cluster.peers.find(p => nodeIdOf(p) === leaderId)!
  const requester = cluster.peers.find(p => p !== leader)!

  const repo = join(cluster.dir, 'repo')
  cpSync(join(PACKAGE_ROOT, 'fixtures', 'repos', 'mixed', 'src'), repo, { recursive: true })
  const generated = await requester.run(['generate', repo, '--root', repo, '--roles', 'developer', '--json'], 120_000)
  t.equal(generated.code, 0, generated.stderr)

  const mine = logOf(requester)
  t.ok(mine.length > 0 && mine.every(l => typeof l.level === 'number' && typeof l.msg === 'string'), 'every line of the home\'s log is JSON')
  const sent = mine.find(l => l.op === 'enqueue' && l.msg === 'sent the call to the leader')
  t.ok(sent?.req, 'the requester logged the call with its request id')
  const req = sent!.req!
  const requesterLines = mine.filter(l => l.req === req).map(l => l.msg)
  t.ok(requesterLines.includes('the leader answered'), 'the requester: the answer')
  t.ok(requesterLines.includes('the request completed'), 'the requester: the completion')
  const leaderLines = logOf(leader).filter(l => l.req === req).map(l => l.msg)
  t.ok(leaderLines.includes('serving a call as the leader'), `the leader's lines carry the same id (${leaderLines.join('; ')})`)
  t.ok(leaderLines.includes('served the call'), 'the leader: served')
})
