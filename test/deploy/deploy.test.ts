// deploy/: every Kubernetes manifest parses and validates against the Kubernetes schemas (kubernetes-models), the
// compose file parses and wires each peer to an invite the admin makes, the Dockerfile keeps its promises, and the
// entrypoint starts real peers from environment variables outside a container (an admin that makes an invite at its
// first start, a peer that joins with it); every metric the Grafana dashboard queries is in their real scrapes.
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, parseAllDocuments } from 'yaml'
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1'
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { BIN, cliProcess } from '../helpers/cli.js'
import { freePort, waitFor } from '../helpers/cluster.js'
import { scratchDir } from '../helpers/scratch.js'
import { startBootstrap } from '../../src/net/bootstrap.js'

const DEPLOY = join(PACKAGE_ROOT, 'deploy')

const MODELS: Record<string, new (data: any) => { validate: () => void }> = {
  'apps/v1 Deployment': Deployment, 'apps/v1 StatefulSet': StatefulSet, 'v1 Service': Service, 'v1 ConfigMap': ConfigMap, 'v1 Secret': Secret
}

t.test('every Kubernetes manifest parses and validates', async t => {
  const files = readdirSync(join(DEPLOY, 'k8s')).filter(f => f.endsWith('.yaml'))
  const kinds: string[] = []
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(join(DEPLOY, 'k8s', file), 'utf8'))) {
      t.same(doc.errors, [], `${file}: YAML`)
      const object = doc.toJS() as { apiVersion: string, kind: string, metadata: { name: string } }
      const Model = MODELS[`${object.apiVersion} ${object.kind}`]
      t.ok(Model, `${file}: ${object.apiVersion} ${object.kind} is a kind the test knows`)
      t.doesNotThrow(() => { new Model!(object).validate() }, `${file}: ${object.kind} ${object.metadata.name} validates`)
      kinds.push(`${object.kind}/${object.metadata.name}`)
    }
  }
  for (const want of ['Deployment/bzzz-bootstrap', 'Service/bzzz-bootstrap', 'StatefulSet/bzzz-peer', 'Service/bzzz-peer', 'StatefulSet/bzzz-admin', 'ConfigMap/bzzz-ctx']) {
    t.ok(kinds.includes(want), want)
  }
  const peers = parseAllDocuments(readFileSync(join(DEPLOY, 'k8s', 'peers.yaml'), 'utf8')).map(d => d.toJS())
  const sts = peers.find(d => d.kind === 'StatefulSet')
  const container = sts.spec.template.spec.containers[0]
  t.equal(container.readinessProbe.httpGet.path, '/readyz', 'readiness on /readyz')
  t.equal(container.livenessProbe.httpGet.path, '/healthz', 'liveness on /healthz')
  t.equal(sts.spec.volumeClaimTemplates[0].metadata.name, 'home', 'a volume per peer')
  t.equal(peers.find(d => d.kind === 'Service').spec.clusterIP, 'None', 'a headless Service')
  t.equal(sts.spec.template.spec.volumes.find((v: any) => v.name === 'invites').secret.secretName, 'bzzz-invites', 'invites from a Secret')
})

t.test('the compose file parses and each peer waits for an invite the admin makes', async t => {
  const compose = parse(readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8'), { merge: true })
  const services = compose.services as Record<string, { environment?: Record<string, string>, volumes?: string[] }>
  t.same(Object.keys(services).sort(), ['admin', 'bootstrap', 'grafana', 'peer-1', 'peer-2', 'peer-3', 'prometheus'])
  const made = services.admin!.environment!.BZZZ_INVITE_ROLES!.split(',').map((_, i) => `${services.admin!.environment!.BZZZ_INVITES_DIR!}/peer-${i + 1}.invite`)
  for (const name of ['peer-1', 'peer-2', 'peer-3']) {
    t.ok(made.includes(services[name]!.environment!.BZZZ_INVITE_FILE!), `${name} joins with an invite the admin makes`)
    t.ok(services[name]!.volumes!.some(v => v.endsWith(':/data')), `${name}: its home on a volume`)
  }
  t.ok(services.grafana!.volumes!.some(v => v.startsWith('./grafana/bzzz-ctx.json')), 'Grafana is given the dashboard')
  for (const mount of services.grafana!.volumes!) t.ok(existsSync(join(DEPLOY, mount.split(':')[0]!)), `${mount}: exists`)
  const prometheus = parse(readFileSync(join(DEPLOY, 'prometheus', 'prometheus.yml'), 'utf8'))
  t.same(prometheus.scrape_configs[0].static_configs[0].targets, ['admin:9464', 'peer-1:9464', 'peer-2:9464', 'peer-3:9464'], 'Prometheus scrapes every peer')
})

t.test('the Dockerfile: two stages, production dependencies, a non-root user, the home on a volume, a health check', async t => {
  const text = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8')
  t.equal(text.match(/^FROM /gm)?.length, 2, 'multi-stage')
  t.match(text, /npm ci --omit=dev/, 'production dependencies only in the image')
  t.match(text, /^USER bzzz$/m, 'runs as bzzz')
  t.match(text, /^VOLUME \["\/data"\]$/m, 'the home on a volume')
  t.match(text, /^HEALTHCHECK [\s\S]+\/healthz/m, 'a health check on /healthz')
  t.match(text, /^ENTRYPOINT \["bzzz-entrypoint"\]$/m)
})

/** Runs deploy/entrypoint.sh with these variables; its output is kept for the failure message. */
function entrypoint (env: Record<string, string>): { child: ChildProcess, output: () => string, exited: Promise<number> } {
  const child = spawn('sh', [join(DEPLOY, 'entrypoint.sh')], { env: { PATH: process.env.PATH!, BZZZ_BIN: BIN, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (d: Buffer) => { output += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { output += d.toString() })
  const exited = new Promise<number>(resolve => child.on('close', code => { resolve(code ?? -1) }))
  return { child, output: () => output, exited }
}

async function readyz (url: string): Promise<number> {
  try { return (await fetch(`${url}/readyz`)).status } catch { return 0 }
}

t.test('the entrypoint starts an admin and a peer from environment variables; the dashboard\'s metrics are in their scrapes', async t => {
  const dir = scratchDir('bzzz-entrypoint-')
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  const running: Array<ReturnType<typeof entrypoint>> = []
  t.teardown(async () => {
    for (const run of running) { run.child.kill('SIGTERM'); await run.exited }
    await dht.close()
  })
  const common = { BZZZ_BOOTSTRAP: dht.nodes.join(','), BZZZ_ELECTION_TIMEOUT_MS: '300' }
  const urls = [`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`]
  const admin = entrypoint({
    ...common, BZZZ_HOME: join(dir, 'admin'), BZZZ_CLUSTER: 'acme', BZZZ_PROJECT: 'shop', BZZZ_INVITES_DIR: join(dir, 'invites'),
    BZZZ_INVITE_ROLES: 'developer', BZZZ_METRICS: urls[0]!.slice('http://'.length)
  })
  running.push(admin)
  const peer = entrypoint({
    ...common, BZZZ_HOME: join(dir, 'peer'), BZZZ_INVITE_FILE: join(dir, 'invites', 'peer-1.invite'), BZZZ_INVITE_WAIT: '60',
    BZZZ_METRICS: urls[1]!.slice('http://'.length)
  })
  running.push(peer)
  for (const [i, url] of urls.entries()) {
    await waitFor(`${i === 0 ? 'the admin' : 'the peer'} ready (${running[i]!.output().slice(-400)})`, async () => await readyz(url) === 200, 90_000)
  }
  t.ok(existsSync(join(dir, 'admin', 'config.json')) && existsSync(join(dir, 'peer', 'config.json')), 'both homes made at first start')
  t.match(peer.output(), /joining with the invite/, 'the peer joined with the invite')
  await waitFor('the two connected', async () => (await (await fetch(`${urls[1]!}/metrics`)).text()).includes('bzzz_connected_members 1'), 30_000)

  // A write and a read, so the labelled histograms have series.
  const record = join(dir, 'r.json')
  writeFileSync(record, JSON.stringify({ address: 'ucxl://shop/src/a.py', kind: 'file', summary: 'a' }))
  const distributed = await cliProcess(['--home', join(dir, 'peer'), 'distribute', '--file', record, '--roles', 'developer'])
  t.equal(distributed.code, 0, distributed.stderr)
  const retrieved = await cliProcess(['--home', join(dir, 'peer'), 'retrieve', 'ucxl://shop/src/a.py', '--role', 'developer'])
  t.equal(retrieved.code, 0, retrieved.stderr)

  // Every metric name the dashboard queries, in a real scrape of these peers.
  const scraped = new Set<string>()
  for (const url of urls) {
    for (const line of (await (await fetch(`${url}/metrics`)).text()).split('\n')) {
      if (line !== '' && !line.startsWith('#')) scraped.add(line.split(/[{ ]/)[0]!)
    }
  }
  const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana', 'bzzz-ctx.json'), 'utf8'))
  const queried = new Set<string>()
  for (const panel of dashboard.panels) for (const target of panel.targets) for (const name of target.expr.match(/\b(?:bzzz|hypercore|hyperswarm|dht)_[a-z_]+\b/g) ?? []) queried.add(name)
  t.ok(queried.size >= 20, `the dashboard queries ${queried.size} metrics`)
  for (const name of queried) t.ok(scraped.has(name), `${name} is scraped`)

  // A second start of the same homes creates nothing: it runs the peer it has (SIGTERM stops the daemon cleanly).
  admin.child.kill('SIGTERM')
  t.equal(await admin.exited, 0, 'the admin stops on SIGTERM')
  running.shift()
  const again = entrypoint({ ...common, BZZZ_HOME: join(dir, 'admin'), BZZZ_CLUSTER: 'other', BZZZ_INVITES_DIR: join(dir, 'invites'), BZZZ_INVITE_ROLES: 'qa', BZZZ_METRICS: urls[0]!.slice('http://'.length) })
  running.unshift(again)
  await waitFor('the admin ready again', async () => await readyz(urls[0]!) === 200, 60_000)
  t.notOk(existsSync(join(dir, 'invites', 'peer-2.invite')), 'no new invites on a second start')
  t.equal(JSON.parse(readFileSync(join(dir, 'admin', 'config.json'), 'utf8')).cluster.name, 'acme', 'the same cluster')
})

t.test('the entrypoint refuses to start without a home, a cluster or an invite', async t => {
  const run = entrypoint({ BZZZ_HOME: join(scratchDir('bzzz-entrypoint-'), 'none') })
  t.equal(await run.exited, 2)
  t.match(run.output(), /set BZZZ_CLUSTER \(a new cluster\) or BZZZ_INVITE_FILE/)
})
