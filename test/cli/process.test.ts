// The built executable as a user runs it: real processes.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { BIN, cliProcess, cliProcessClosedStdout, tempHome } from '../helpers/cli.js'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { scratchDir } from '../helpers/scratch.js'
import { until } from '../helpers/in-process.js'

t.test('--help lists the commands and the exit codes', async t => {
  const run = await cliProcess(['--help'])
  t.equal(run.code, 0)
  for (const command of ['init', 'generate', 'distribute', 'retrieve', 'status', 'demo']) t.match(run.stdout, new RegExp(`\\n  ${command}\\b`))
  t.match(run.stdout, /Exit codes: 0 ok/)
})

t.test('a reader that goes away (| head) is not an error: no stack trace, the command still finishes', async t => {
  const help = await cliProcessClosedStdout(['--help'])
  t.equal(help.code, 0)
  t.equal(help.stderr, '')
  const home = tempHome()
  const env = { BZZZ_HOME: home }
  t.equal((await cliProcess(['init', '--cluster', 'pipes', '--role', 'admin'], env)).code, 0)
  const generate = await cliProcessClosedStdout(['generate', join(PACKAGE_ROOT, 'fixtures', 'repos', 'mixed'), '--root', join(PACKAGE_ROOT, 'fixtures', 'repos', 'mixed'), '--project', 'mixed'], env)
  t.equal(generate.code, 0, generate.stderr)
  t.notMatch(generate.stderr, /EPIPE|at .*\.js:\d+/)
  // The store was written in full: retrieve reads what generate wrote while nobody read its output.
  const run = await cliProcess(['retrieve', 'ucxl://mixed/services/indexer/main.go', '--role', 'developer', '--json'], env)
  t.equal(run.code, 0, run.stderr)
  t.equal(run.json.context.language, 'go')
  const retrieve = await cliProcessClosedStdout(['retrieve', 'ucxl://mixed/services/indexer/main.go', '--role', 'developer', '--json'], env)
  t.same(retrieve, { code: 0, stderr: '' })
  // A command's own failure keeps its exit code and its one line.
  const missing = await cliProcessClosedStdout(['retrieve', 'ucxl://mixed/nope.go', '--role', 'developer'], env)
  t.equal(missing.code, 4)
  t.match(missing.stderr, /^bzzz-ctx: [^\n]+\n$/)
})

/**
 * Runs the CLI with a private TMPDIR, interrupts it (SIGINT) once `ready` holds (checked every 20 ms, at most 60 s),
 * and reports how it exited and what it left in TMPDIR.
 */
async function interrupted (t: Test, args: string[], ready: (tmp: string, stderr: string) => boolean): Promise<{ reached: boolean, code: number | null, left: string[], stderr: string }> {
  const tmp = scratchDir('bzzz-interrupt-tmp-')
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }))
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const exited = new Promise<number | null>(resolve => child.on('close', code => resolve(code)))
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline && !ready(tmp, stderr)) await new Promise(resolve => setTimeout(resolve, 20))
  const reached = ready(tmp, stderr)
  child.kill('SIGINT')
  const code = await exited
  return { reached, code, left: readdirSync(tmp), stderr }
}

/** The directories `depth` levels below `dir` (0: dir itself), for watching homes appear. */
function below (dir: string, depth: number): string[] {
  let level = [dir]
  for (let i = 0; i < depth; i++) level = level.flatMap(d => readdirSync(d, { withFileTypes: true }).filter(e => e.isDirectory()).map(e => join(d, e.name)))
  return level
}

t.test('an interrupted demo (Ctrl-C) removes its temporary homes and leaves nothing in the temporary directory', async t => {
  // Once as soon as its homes hold something (stores opening), once as its first generate starts (the leader holds a
  // request's files in memory, and a tree sent in parts on disk under cache/requests, which must go too).
  const moments = {
    homes: (tmp: string) => below(tmp, 2).length > 0,
    generating: (_tmp: string, stderr: string) => stderr.includes('3. Generating')
  }
  for (const [moment, ready] of Object.entries(moments)) {
    const run = await interrupted(t, ['demo'], ready)
    t.ok(run.reached, `${moment}: the demo got there`)
    t.equal(run.code, 130, `${moment}: exit 130, as for any program stopped by Ctrl-C`)
    t.same(run.left, [], `${moment}: its homes are removed, and nothing else is left`)
    t.notMatch(run.stderr, /could not remove|at .*\.js:\d+/, `${moment}: no error`)
  }
})

t.test('an interrupted simulation removes its peers\' homes', async t => {
  // Its peers' stores open (each preallocates tens of MB): the run dir holds homes with a store.
  const run = await interrupted(t, ['sim', '--random-faults', '--nodes', '6', '--seed', '3'], tmp => below(tmp, 3).some(home => existsSync(join(home, 'store'))))
  t.ok(run.reached, 'the peers\' homes were made')
  t.equal(run.code, 130)
  t.same(run.left, [], 'nothing is left in the temporary directory')
  t.notMatch(run.stderr, /could not remove|at .*\.js:\d+/)
})

t.test('demo runs on a fresh machine and shows what each role reads', async t => {
  const run = await cliProcess(['demo', '--json'])
  t.equal(run.code, 0, run.stderr)
  t.equal(run.json.views.length, 3)
  const [viewer, developer, security] = run.json.views
  t.equal(viewer.role, 'viewer')
  t.notOk('symbols' in viewer.context)
  t.ok(developer.context.symbols.length > 0)
  t.ok(security.context.insights.some((i: any) => i.role === 'security'))
  t.notOk(developer.context.insights.some((i: any) => i.role === 'security'))
  // The demo shows an election and a failover.
  t.match(run.json.election, { leader: /^[0-9a-f]{64}$/, term: Number })
  t.match(run.json.failover, { leader: /^[0-9a-f]{64}$/, ms: Number, request: { state: 'completed' } })
  t.not(run.json.failover.leader, run.json.election.leader, 'a new leader after the failover')
  t.ok(run.json.failover.term > run.json.election.term, 'in a later term')
  t.equal(run.json.failover.request.term, run.json.failover.term, 'the request sent during the failover completed in the new term')
})

t.test('a real tree, not only the fixture: a package of node_modules', async t => {
  const home = tempHome()
  const tree = join(PACKAGE_ROOT, 'node_modules', 'commander')
  const env = { BZZZ_HOME: home }
  t.equal((await cliProcess(['init', '--cluster', 'real', '--role', 'developer'], env)).code, 0)
  const hidden = await cliProcess(['generate', tree, '--root', PACKAGE_ROOT, '--project', 'commander'], env)
  t.equal(hidden.code, 0)
  t.match(hidden.stdout, /No files to analyse.*pass --root/s, 'a path inside an excluded directory of the given root gets a hint')
  t.match(hidden.stdout, /Skipped 1 file\(s\): 1 ignored/)
  // Without --root, a package that its work tree leaves out (node_modules) is a tree of its own.
  const generate = await cliProcess(['generate', tree, '--project', 'commander', '--json'], env)
  t.equal(generate.code, 0, generate.stderr)
  t.equal(generate.json.root, tree)
  t.ok(generate.json.files > 5)
  const run = await cliProcess(['retrieve', 'ucxl://commander/lib/command.js', '--role', 'developer', '--json'], env)
  t.equal(run.code, 0, run.stderr)
  t.equal(run.json.context.language, 'javascript')
  t.ok(run.json.context.symbols.some((s: any) => s.name === 'Command' && s.kind === 'class'), 'finds class Command')
  t.ok(run.json.context.imports.length > 0, 'finds its imports')
  t.same(run.json.resolvedFrom, ['ucxl://commander/lib/command.js', 'ucxl://commander/lib', 'ucxl://commander/'])
})

t.test('node start saves --election-timeout as it saves --bootstrap: a restart without it keeps the value', async t => {
  const home = tempHome()
  t.equal((await cliProcess(['--home', home, 'init', '--cluster', 'c', '--role', 'admin'])).code, 0)
  t.teardown(async () => { await cliProcess(['--home', home, 'node', 'stop']) })
  for (const args of [['--bootstrap', '127.0.0.1:1', '--election-timeout', '700'], []]) {
    const started = await cliProcess(['--home', home, 'node', 'start', '--detach', ...args], {}, 30_000)
    t.equal(started.code, 0, started.stderr)
    const status = await cliProcess(['--home', home, 'elect', 'status', '--json'])
    t.equal(status.json?.electionTimeoutMs, 700, `started with ${args.length === 0 ? 'no options' : args.join(' ')}: 700 ms`)
    t.equal((await cliProcess(['--home', home, 'node', 'stop'])).code, 0)
  }
})

t.test('node stop returns once the daemon has exited, within a bound, when the DHT no longer answers', async t => {
  // A private DHT in a process of its own, frozen (SIGSTOP) once the daemon has joined it: the daemon's polite leave
  // (unannouncing its topic) then waits on queries nobody answers, as on a machine that has lost its network.
  const dht = spawn(process.execPath, [BIN, 'bootstrap', '--port', '0', '--nodes', '2', '--json'], { stdio: ['ignore', 'pipe', 'ignore'] })
  t.teardown(() => { dht.kill('SIGCONT'); dht.kill('SIGKILL') })
  let out = ''
  dht.stdout.on('data', (d: Buffer) => { out += d.toString() })
  await until('the bootstrap nodes', () => { try { return JSON.parse(out) !== null } catch { return false } }, 15_000)
  const home = tempHome()
  t.equal((await cliProcess(['--home', home, 'init', '--cluster', 'c', '--role', 'admin', '--project', 'p'])).code, 0)
  const started = await cliProcess(['--home', home, 'node', 'start', '--detach', '--bootstrap', JSON.parse(out).bootstrap, '--json'], {}, 30_000)
  t.equal(started.code, 0, started.stderr)
  t.teardown(async () => { await cliProcess(['--home', home, 'node', 'stop']) })
  dht.kill('SIGSTOP')
  const stop = await cliProcess(['--home', home, 'node', 'stop', '--json'])
  t.equal(stop.code, 0, stop.stderr)
  t.equal(stop.json.pid, started.json.pid)
  // Before, `node stop` returned when the control socket closed, while the daemon still held the store for 5 s.
  const status = await cliProcess(['--home', home, 'status', '--json'])
  t.equal(status.code, 0, status.stderr)
  t.equal(status.json.mode, 'local', 'the home itself answers, not a daemon')
  const retrieve = await cliProcess(['--home', home, 'retrieve', 'ucxl://p/none.go', '--role', 'admin'])
  t.equal(retrieve.code, 4, 'the store opens: the address is simply unknown')
  t.match(retrieve.stderr, /^bzzz-ctx: no context for ucxl:\/\/p\/none\.go/)
})
