// Real daemons on a loopback bootstrap for cluster tests: homes, invites, start, wait, stop. Every wait is bounded.
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { cliProcess, type CliRun } from './cli.js'
import { startBootstrap } from '../../src/net/bootstrap.js'
import { scratchDir } from './scratch.js'
import { linkGraph } from '../../src/distribution/links.js'

export interface TestPeer {
  name: string
  home: string
  run: (args: string[], timeoutMs?: number) => Promise<CliRun>
  /** `http://127.0.0.1:PORT` of its daemon's --metrics endpoint, when the cluster was started with metrics. */
  metrics?: string
}

export interface TestCluster {
  bootstrap: string
  peers: TestPeer[]
  dir: string
  stop: () => Promise<void>
}

export async function sleep (ms: number): Promise<void> { await new Promise(resolve => setTimeout(resolve, ms)) }

/** Polls `check` every 200 ms until it returns true, at most `timeoutMs`. */
export async function waitFor (what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await sleep(200)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

/** A TCP port free on 127.0.0.1 now (bound by the system, then released). */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>(resolve => server.close(() => { resolve() }))
  return port
}

export function peerAt (name: string, home: string): TestPeer {
  return { name, home, run: async (args, timeoutMs) => await cliProcess(['--home', home, ...args], {}, timeoutMs) }
}

/** An admin and invited members (roles given), each with a daemon started on a private loopback DHT. */
export async function startCluster (roles: string[], options: {
  project?: string, replicationFactor?: number, electionTimeoutMs?: number, metrics?: boolean, logLevel?: string, env?: Record<string, Record<string, string>>,
  /** The admin's voting set (`init --max-voters`): invites past it join as members that do not vote. */
  maxVoters?: number
  /** How records' payloads replicate (`init --replication`; default full). */
  replication?: 'full' | 'sharded'
  /** Called once every home is made, before any daemon starts. */
  beforeStart?: (peers: TestPeer[]) => void
} = {}): Promise<TestCluster> {
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  const bootstrap = dht.nodes.join(',')
  const dir = scratchDir('bzzz-cluster-')
  const admin = peerAt('admin', join(dir, 'admin'))
  const init = await admin.run(['init', '--cluster', 'test', '--role', 'admin', ...(options.project !== undefined ? ['--project', options.project] : []),
    ...(options.maxVoters !== undefined ? ['--max-voters', String(options.maxVoters)] : []),
    ...(options.replication !== undefined ? ['--replication', options.replication] : [])])
  if (init.code !== 0) throw new Error('init failed: ' + init.stderr)
  if (options.replicationFactor !== undefined) {
    const config = JSON.parse(readFileSync(join(admin.home, 'config.json'), 'utf8'))
    config.replicationFactor = options.replicationFactor
    writeFileSync(join(admin.home, 'config.json'), JSON.stringify(config))
  }
  const peers = [admin]
  for (const [i, role] of roles.entries()) {
    const invite = join(dir, `${role}-${i}.invite`)
    const made = await admin.run(['invite', '--role', role, '--out', invite])
    if (made.code !== 0) throw new Error('invite failed: ' + made.stderr)
    const peer = peerAt(`${role}${i}`, join(dir, `${role}-${i}`))
    const joined = await peer.run(['init', '--join', invite])
    if (joined.code !== 0) throw new Error('join failed: ' + joined.stderr)
    peers.push(peer)
  }
  options.beforeStart?.(peers)
  if (options.metrics === true) for (const peer of peers) peer.metrics = `http://127.0.0.1:${await freePort()}`
  await Promise.all(peers.map(async peer => {
    const metrics = peer.metrics === undefined ? [] : ['--metrics', peer.metrics.slice('http://'.length)]
    const logLevel = options.logLevel === undefined ? [] : ['--log-level', options.logLevel]
    // A peer named in `env` starts its daemon with those variables (the test hooks, BZZZ_TEST_*).
    const startArgs = ['node', 'start', '--bootstrap', bootstrap, '--detach', '--election-timeout', String(options.electionTimeoutMs ?? 1000), ...metrics, ...logLevel]
    const started = await cliProcess(['--home', peer.home, ...startArgs], options.env?.[peer.name] ?? {})
    if (started.code !== 0) throw new Error(`node start ${peer.name} failed: ${started.stderr}`)
  }))
  return {
    bootstrap,
    peers,
    dir,
    stop: async () => {
      await Promise.all(peers.map(async peer => { await peer.run(['node', 'stop']).catch(() => {}) }))
      await dht.close()
    }
  }
}

/**
 * Waits until every peer holds every link the roster gives it: every other peer while every member votes, else the
 * voters and a few members (src/distribution/links.ts), by the voters the first peer names.
 */
export async function waitForMesh (cluster: TestCluster, timeoutMs = 20_000 * cluster.peers.length): Promise<void> {
  const ids = cluster.peers.map(peer => JSON.parse(readFileSync(join(peer.home, 'config.json'), 'utf8')).nodeId as string)
  const name = new Map(cluster.peers.map((peer, i) => [ids[i]!, peer.name]))
  /** What the last look found missing: each peer short of its links, and whom it lacks. */
  let missing = 'no voters known yet'
  try {
    await waitFor(`every link of the mesh of ${cluster.peers.length} peers`, async () => {
      const voters = (await cluster.peers[0]!.run(['elect', 'status', '--json'])).json?.voters as string[] | undefined
      if (voters === undefined) return false
      const graph = linkGraph({ members: ids, voters })
      const linked = await Promise.all(cluster.peers.map(async peer => ((await peer.run(['peers', '--json'])).json?.peers ?? []) as Array<{ id: string }>))
      const short = linked.map((peers, i) => ({ peer: cluster.peers[i]!.name, lacks: [...graph.get(ids[i]!)!].filter(id => !peers.some(p => p.id === id)) }))
        .filter(({ lacks }, i) => linked[i]!.length < graph.get(ids[i]!)!.size && lacks.length > 0)
      missing = short.map(({ peer, lacks }) => `${peer} lacks ${lacks.map(id => name.get(id) ?? id.slice(0, 8)).join(', ')}`).join('; ')
      return linked.every((peers, i) => peers.length >= graph.get(ids[i]!)!.size)
    }, timeoutMs)
  } catch (err) {
    // Which links never formed, and each daemon's last words on them: what a failure in CI leaves to read.
    const logs = cluster.peers.map(peer => {
      const lines = daemonLogLines(peer.home).filter(line => /refused|half-open|given up|no hello|halt|error/i.test(line)).slice(-3)
      return lines.length === 0 ? '' : `\n  ${peer.name}: ${lines.join('\n  ' + ' '.repeat(peer.name.length + 2))}`
    }).join('')
    throw new Error(`${(err as Error).message}: ${missing}${logs}`)
  }
}

/** The lines of the daemon log in `home` (none while it has no log yet): for a test to read, or a failure to quote. */
export function daemonLogLines (home: string): string[] {
  try {
    return readFileSync(join(home, 'daemon.log'), 'utf8').split('\n').filter(line => line !== '')
  } catch {
    return []
  }
}

/** Waits until every given peer reports the same leader in the same term, and returns them. */
export async function agreedLeader (cluster: { peers: TestPeer[] }, timeoutMs = 60_000): Promise<{ leader: string, term: number }> {
  let agreed: { leader: string, term: number } | null = null
  await waitFor('one leader that every peer agrees on', async () => {
    const views = await Promise.all(cluster.peers.map(async peer => (await peer.run(['elect', 'status', '--json'])).json))
    const first = views[0]
    if (first?.leader == null) return false
    if (!views.every(v => v?.leader === first.leader && v.term === first.term)) return false
    if (views.filter(v => v.state === 'leader').length !== 1) return false
    agreed = { leader: first.leader, term: first.term }
    return true
  }, timeoutMs)
  return agreed!
}

/**
 * `count` distributes from `peer`, one after another, of records `ucxl://PROJECT/src/f<i>.py` (summary `record <i>`)
 * sealed for `roles`: the stream of writes a test runs a change beside. Resolves with each one's exit code.
 */
export async function distributeStream (peer: TestPeer, dir: string, project: string, count: number, roles: string): Promise<number[]> {
  const codes: number[] = []
  for (let i = 0; i < count; i++) {
    const file = join(dir, `r${i}.json`)
    writeFileSync(file, JSON.stringify({ address: `ucxl://${project}/src/f${i}.py`, kind: 'file', summary: `record ${i}` }))
    codes.push((await peer.run(['distribute', '--file', file, '--roles', roles])).code)
  }
  return codes
}

/**
 * The keys tests' cluster: an admin, two developers and qa, every daemon started, a full mesh and an agreed leader;
 * stopped at the test's end. Returns the peers in that order and their node ids.
 */
export async function startKeysCluster (t: { teardown: (fn: () => unknown) => void }): Promise<{ cluster: TestCluster, peers: [TestPeer, TestPeer, TestPeer, TestPeer], ids: string[] }> {
  const cluster = await startCluster(['developer', 'developer', 'qa'], { project: 'p' })
  t.teardown(() => cluster.stop())
  await waitForMesh(cluster)
  await agreedLeader(cluster)
  const ids = await Promise.all(cluster.peers.map(async peer => (await peer.run(['status', '--json'])).json.node.id as string))
  return { cluster, peers: cluster.peers as [TestPeer, TestPeer, TestPeer, TestPeer], ids }
}
