// The private DHT bootstrap: peers that use it find each other; taken ports and bad values are refused clearly;
// `bzzz-ctx bootstrap` prints its nodes, runs until stopped, and closes them.
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Command } from 'commander'
import Hyperswarm from 'hyperswarm'
import HyperDHT from 'hyperdht'
import { parseBootstrap, startBootstrap, type RunningBootstrap } from '../../src/net/bootstrap.js'
import { isLoopbackHost, refreshDiscovery, type HostPort } from '../../src/net/dht-options.js'
import { bootstrapCommand } from '../../src/cli/commands/bootstrap.js'
import { createCliEnv } from '../../src/cli/cli-env.js'
import { handleError } from '../../src/cli/handle-error.js'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { BzzzError } from '../../src/errors.js'
import { cli } from '../helpers/cli.js'
import { rejectsCode, throwsCode } from '../helpers/errors.js'

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

async function waitFor (condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(10)
  }
}

/** Whether a UDP port on 127.0.0.1 can be bound right now. */
async function udpPortFree (port: number): Promise<boolean> {
  const socket = createSocket('udp4')
  return await new Promise(resolve => {
    socket.once('error', () => { socket.close(); resolve(false) })
    socket.bind({ port, address: '127.0.0.1', exclusive: true }, () => { socket.close(() => { resolve(true) }) })
  })
}

/** A bootstrap on a random base port, retried on another base if one of its ports happens to be taken. */
async function bootstrapOnConsecutivePorts (nodes: number): Promise<{ running: RunningBootstrap, port: number }> {
  for (let attempt = 0; ; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 40_000)
    try {
      return { running: await startBootstrap({ host: '127.0.0.1', port, nodes }), port }
    } catch (err) {
      if (!(err instanceof BzzzError && err.code === 'UNAVAILABLE') || attempt >= 5) throw err
    }
  }
}

/** `count` Hyperswarm peers on the given bootstrap, joined on one topic, refreshed until they form a full mesh. */
async function meshOn (t: Test, bootstrap: HostPort[], count: number): Promise<{ ms: number, destroy: () => Promise<void> }> {
  const swarms = Array.from({ length: count }, () => new Hyperswarm({ dht: new HyperDHT({ bootstrap, host: '127.0.0.1' }) }))
  // Before the bootstrap goes: a swarm destroyed after its DHT is gone waits ~11 s for its unannounce to time out.
  const destroy = async (): Promise<void> => { for (const swarm of swarms) await swarm.destroy().catch(() => {}) }
  t.teardown(destroy)
  for (const swarm of swarms) swarm.on('connection', (connection: Hyperswarm.Connection) => { connection.on('error', () => {}) })
  const topic = randomBytes(32)
  const meshed = (): boolean => swarms.every(s => s.connections.size === count - 1)
  const started = Date.now()
  const refreshers = swarms.map(swarm => refreshDiscovery(swarm.join(topic), meshed, [100, 250, 500, 1000, 2000, 4000]))
  try {
    await waitFor(meshed, 15_000, `${count} peers to form a full mesh`)
  } finally {
    for (const r of refreshers) r.stop()
  }
  return { ms: Date.now() - started, destroy }
}

t.test('two nodes on free ports: three peers meet through them', async t => {
  const running = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  t.equal(running.nodes.length, 2)
  t.match(running.nodes, [/^127\.0\.0\.1:\d+$/, /^127\.0\.0\.1:\d+$/])
  t.equal(new Set(running.nodes).size, 2, 'two different ports')
  t.equal(running.bootstrap, running.nodes.join(','))
  t.same(parseBootstrap(running.bootstrap), running.addresses, 'the printed value parses back to the addresses')
  const mesh = await meshOn(t, running.addresses, 3)
  t.comment(`3 peers meshed in ${mesh.ms} ms`)
  t.pass('three peers connected to each other')
  await mesh.destroy()
  await running.close()
})

t.test('three nodes on consecutive ports: two peers meet; the ports are free again after close', async t => {
  const { running, port } = await bootstrapOnConsecutivePorts(3)
  t.same(running.nodes, [`127.0.0.1:${port}`, `127.0.0.1:${port + 1}`, `127.0.0.1:${port + 2}`])
  const mesh = await meshOn(t, running.addresses, 2)
  t.comment(`2 peers connected in ${mesh.ms} ms`)
  t.notOk(await udpPortFree(port + 1), 'a node holds its port while running')
  await mesh.destroy()
  await running.close()
  await running.close()
  for (const p of [port, port + 1, port + 2]) t.ok(await udpPortFree(p), `port ${p} is free after close`)
})

t.test('a taken port, and bad options, are refused with what to do', async t => {
  const first = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  t.teardown(() => first.close())
  const taken = first.addresses[1]?.port as number
  await rejectsCode(t, () => startBootstrap({ host: '127.0.0.1', port: taken, nodes: 2 }), 'UNAVAILABLE', new RegExp(`UDP port ${taken} on 127.0.0.1 is in use .*--port`))
  await rejectsCode(t, () => startBootstrap({ host: '127.0.0.1', port: taken - 1, nodes: 2 }), 'UNAVAILABLE', /is in use/, 'the second port taken')
  await rejectsCode(t, () => startBootstrap({ nodes: 1 }), 'BAD_USAGE', /--nodes must be from 2 to 16 \(one node alone/)
  await rejectsCode(t, () => startBootstrap({ host: 'localhost' }), 'BAD_USAGE', /--host must be an IPv4 address/)
  await rejectsCode(t, () => startBootstrap({ host: '192.0.2.77', port: 0 }), 'BAD_USAGE', /192\.0\.2\.77 is not an address of this machine/)
  await rejectsCode(t, () => startBootstrap({ port: 65_534, nodes: 3 }), 'BAD_USAGE', /no room for 3 consecutive ports/)
  await rejectsCode(t, () => startBootstrap({ port: 70_000 }), 'BAD_USAGE', /--port must be from 0 to 65535/)
})

t.test('parseBootstrap', async t => {
  t.same(parseBootstrap('127.0.0.1:49737'), [{ host: '127.0.0.1', port: 49737 }])
  t.same(parseBootstrap(' 10.0.0.1:1 , dht.example.org:65535,127.0.0.1:49737,10.0.0.1:1'), [
    { host: '10.0.0.1', port: 1 }, { host: 'dht.example.org', port: 65535 }, { host: '127.0.0.1', port: 49737 }
  ], 'spaces trimmed, a repeated node kept once')
  const bad: Array<[string, RegExp]> = [
    ['', /empty value/],
    ['127.0.0.1', /is not host:port/],
    [':49737', /is not host:port/],
    ['127.0.0.1:', /the port must be a whole number/],
    ['127.0.0.1:0', /from 1 to 65535, not 0/],
    ['127.0.0.1:65536', /from 1 to 65535, not 65536/],
    ['127.0.0.1:123456', /whole number/],
    ['127.0.0.1:49737x', /whole number/],
    ['127.0.0.1:-1', /whole number/],
    ['127.0.0.1:49737,,127.0.0.1:49738', /an empty item/],
    ['127.0.0.1:49737,', /an empty item/],
    ['256.1.1.1:49737', /not an IPv4 address or a host name/],
    ['[::1]:49737', /not an IPv4 address or a host name/],
    ['bad_host:49737', /not an IPv4 address or a host name/],
    ['-bad.example:49737', /not an IPv4 address or a host name/],
    ['a..b:49737', /not an IPv4 address or a host name/]
  ]
  for (const [value, pattern] of bad) throwsCode(t, () => parseBootstrap(value), 'BAD_USAGE', pattern, JSON.stringify(value))
})

/** The command in a program of its own, stopped by the test instead of a signal; its output is readable while it runs. */
function runCommand (args: string[], stop: Promise<string>): { output: () => { stdout: string, stderr: string }, done: Promise<number> } {
  let stdout = ''
  let stderr = ''
  const io = { stdout: { write: (s: string) => { stdout += s; return true } }, stderr: { write: (s: string) => { stderr += s; return true } }, env: {} }
  const program = new Command('bzzz-ctx').option('--json').option('-q, --quiet').option('--no-color').exitOverride()
  program.addCommand(bootstrapCommand(createCliEnv(io), { untilStopped: async () => await stop }))
  const done = program.parseAsync(['node', 'bzzz-ctx', ...args]).then(() => 0, err => handleError(err, io, args.includes('--json')))
  return { output: () => ({ stdout, stderr }), done }
}

function stopper (): { stopped: Promise<string>, stop: (why: string) => void } {
  let stop = (_why: string): void => {}
  const stopped = new Promise<string>(resolve => { stop = resolve })
  return { stopped, stop }
}

// A node bound to one of these is told it is not firewalled (src/node/environment.ts), and a node given only such
// bootstrap nodes binds to 127.0.0.1 (`node start`): anything else must not pass for loopback.
t.test('isLoopbackHost: 127.0.0.0/8, ::1 and localhost, nothing else', async t => {
  for (const host of ['127.0.0.1', '127.0.0.2', '127.255.255.254', '::1', 'localhost', 'LOCALHOST']) t.ok(isLoopbackHost(host), host)
  for (const host of ['0.0.0.0', '10.0.0.1', '192.168.1.5', '128.0.0.1', '1127.0.0.1', '127.0.0.1.example.com', 'localhost.example.com', '', '::']) t.notOk(isLoopbackHost(host), host)
})

t.test('bzzz-ctx bootstrap --json: its nodes, running until stopped, then closed', async t => {
  const { stopped, stop } = stopper()
  const run = runCommand(['bootstrap', '--port', '0', '--nodes', '2', '--json'], stopped)
  let out: { nodes: string[], bootstrap: string } | undefined
  await waitFor(() => { try { out = JSON.parse(run.output().stdout); return true } catch { return false } }, 10_000, 'the JSON output')
  t.match(out, { nodes: [/^127\.0\.0\.1:\d+$/, /^127\.0\.0\.1:\d+$/], bootstrap: /^127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/ })
  const ports = (out?.nodes ?? []).map(n => Number(n.split(':')[1]))
  let finished = false
  void run.done.then(() => { finished = true })
  await sleep(50)
  t.notOk(finished, 'it keeps running until stopped')
  t.notOk(await udpPortFree(ports[0] as number), 'its first node holds its port')
  stop('SIGTERM')
  t.equal(await run.done, 0, 'exit 0 once stopped')
  t.equal(run.output().stderr, '', 'nothing on stderr with --json')
  for (const port of ports) t.ok(await udpPortFree(port), `port ${port} is free again`)
})

t.test('bzzz-ctx bootstrap for people: a line per node and the --bootstrap value', async t => {
  const { stopped, stop } = stopper()
  const run = runCommand(['bootstrap', '--port', '0'], stopped)
  await waitFor(() => run.output().stdout.includes('bootstrap: '), 10_000, 'the output')
  const lines = run.output().stdout.trim().split('\n')
  t.equal(lines.length, 4, 'three nodes by default, then the value')
  t.match(lines.slice(0, 3), [/^127\.0\.0\.1:\d+$/, /^127\.0\.0\.1:\d+$/, /^127\.0\.0\.1:\d+$/])
  t.equal(lines[3], `bootstrap: ${lines.slice(0, 3).join(',')}`)
  t.match(run.output().stderr, /bzzz-ctx node start --bootstrap 127\.0\.0\.1:\d+,/)
  stop('SIGINT')
  t.equal(await run.done, 0)
  t.match(run.output().stderr, /SIGINT: closing 3 DHT nodes/)
})

t.test('bzzz-ctx bootstrap errors: a taken port exits 5, bad options exit 2', async t => {
  const first = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  t.teardown(() => first.close())
  const taken = first.addresses[0]?.port as number
  const busy = await cli(['bootstrap', '--port', String(taken), '--json'])
  t.equal(busy.code, 5, 'exit 5 (unavailable)')
  t.match(busy.stderr, new RegExp(`^bzzz-ctx: UDP port ${taken} on 127\\.0\\.0\\.1 is in use .*--port\\n$`), 'one clear line')
  t.match(busy.json, { error: { code: 'UNAVAILABLE' } })
  const one = await cli(['bootstrap', '--nodes', '1'])
  t.equal(one.code, 2)
  t.match(one.stderr, /--nodes must be from 2 to 16/)
  const port = await cli(['bootstrap', '--port', 'http'])
  t.equal(port.code, 2)
  t.match(port.stderr, /--port must be a whole number/)
})

const BUILT = join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'commands', 'bootstrap.js')

t.test('as a process: SIGTERM closes the nodes and exits 0', { skip: existsSync(BUILT) ? false : 'the CLI is not built (npx tsc -p .)' }, async t => {
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin', 'bzzz-ctx'), 'bootstrap', '--port', '0', '--nodes', '2', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const exited = new Promise<number | null>(resolve => { child.on('close', code => { resolve(code) }) })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let out: { nodes: string[] } | undefined
  await waitFor(() => { try { out = JSON.parse(stdout); return true } catch { return child.exitCode !== null } }, 15_000, 'the JSON output of the process')
  t.equal(out?.nodes.length, 2, stderr)
  const started = Date.now()
  child.kill('SIGTERM')
  let timer: NodeJS.Timeout | undefined
  const code = await Promise.race([exited, new Promise<string>(resolve => { timer = setTimeout(() => { resolve('hung') }, 10_000) })])
  clearTimeout(timer)
  t.equal(code, 0, `exit 0 after SIGTERM (${stderr.trim()})`)
  t.ok(Date.now() - started < 5_000, `exited within ${Date.now() - started} ms`)
})
