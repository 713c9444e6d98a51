// bzzz-ctx config: the settings table resolved flag > BZZZ_* > the home's config > default, a bad key or value refused
// with its name (2), the identity fields of config.json never touched; and node start takes its settings in that order.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { cliProcess, tempHome } from '../helpers/cli.js'
import { freePort } from '../helpers/cluster.js'

function configOf (home: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'))
}

t.test('get, set, unset and ls, in the order of precedence', async t => {
  const home = tempHome()
  const run = async (args: string[], env: Record<string, string> = {}): ReturnType<typeof cliProcess> => await cliProcess(['--home', home, ...args], env)
  t.equal((await run(['init', '--cluster', 'c', '--role', 'admin'])).code, 0)
  const before = configOf(home)
  const ls = await run(['config', 'ls', '--json'])
  t.equal(ls.code, 0, ls.stderr)
  t.same(ls.json.settings.map((s: { key: string }) => s.key), ['bootstrap', 'host', 'electionTimeoutMs', 'logLevel', 'metrics', 'auditHashReads', 'auditFailClosed', 'retention'], 'the tunables, and only they')
  t.same(ls.json.settings.find((s: { key: string }) => s.key === 'logLevel'), { key: 'logLevel', value: 'info', source: 'default', env: 'BZZZ_LOG_LEVEL', flag: '--log-level', help: ls.json.settings[3].help })

  t.equal((await run(['config', 'set', 'logLevel', 'warn'])).code, 0)
  t.same((await run(['config', 'get', 'logLevel', '--json'])).json, { key: 'logLevel', value: 'warn', source: 'config' }, 'the config over the default')
  t.same((await run(['config', 'get', 'logLevel', '--json'], { BZZZ_LOG_LEVEL: 'debug' })).json, { key: 'logLevel', value: 'debug', source: 'env' }, 'the variable over the config')
  t.equal((await run(['config', 'get', 'logLevel'], { BZZZ_LOG_LEVEL: '' })).stdout, 'warn\n', 'an empty variable counts as unset')
  t.equal((await run(['config', 'set', 'electionTimeoutMs', '300'])).code, 0)
  t.equal((await run(['config', 'set', 'bootstrap', '127.0.0.1:49737, 127.0.0.1:49738'])).code, 0)
  const after = configOf(home)
  t.same(after.bootstrap, ['127.0.0.1:49737', '127.0.0.1:49738'], 'kept where node start keeps it')
  t.equal(after.electionTimeoutMs, 300)
  t.equal(after.logLevel, 'warn')
  for (const field of ['format', 'cluster', 'certificate', 'nodeId', 'role', 'roles', 'rolesSignature', 'replicationFactor', 'createdAt']) {
    t.same(after[field], before[field], `${field} untouched`)
  }
  t.equal((await run(['config', 'unset', 'logLevel'])).code, 0)
  t.same((await run(['config', 'get', 'logLevel', '--json'])).json, { key: 'logLevel', value: 'info', source: 'default' }, 'unset: the default again')
  t.notOk('logLevel' in configOf(home), 'and gone from config.json')
})

t.test('a bad key or value is refused with its name, exit 2, and nothing is written', async t => {
  const home = tempHome()
  t.equal((await cliProcess(['--home', home, 'init', '--cluster', 'c', '--role', 'admin'])).code, 0)
  const before = readFileSync(join(home, 'config.json'), 'utf8')
  const cases: Array<[string[], RegExp]> = [
    [['config', 'set', 'nodeId', 'abc'], /^bzzz-ctx: unknown setting "nodeId": the settings are bootstrap, host, electionTimeoutMs, logLevel, metrics, auditHashReads, auditFailClosed, retention\n$/],
    [['config', 'get', 'colour'], /^bzzz-ctx: unknown setting "colour"/],
    [['config', 'set', 'logLevel', 'loud'], /^bzzz-ctx: logLevel: must be one of trace, debug, info, warn, error, fatal, silent \(got "loud"\)\n$/],
    [['config', 'set', 'electionTimeoutMs', '5'], /^bzzz-ctx: electionTimeoutMs: must be at least 10 ms/],
    [['config', 'set', 'electionTimeoutMs', 'soon'], /^bzzz-ctx: electionTimeoutMs: must be a whole number of ms/],
    [['config', 'set', 'metrics', 'example.org:9464'], /^bzzz-ctx: metrics: --metrics must name an IP address/],
    [['config', 'set', 'bootstrap', '127.0.0.1'], /^bzzz-ctx: bootstrap: .*not host:port/],
    [['config', 'set', 'host', 'anywhere'], /^bzzz-ctx: host: must be an IP address/],
    [['config', 'set', 'retention', '7 days'], /^bzzz-ctx: retention: must be a whole number of minutes, hours or days, as 30m, 12h or 7d \(got "7 days"\)\n$/],
    [['config', 'set', 'retention', '30s'], /^bzzz-ctx: retention: must be a whole number of minutes/],
    [['config', 'set', 'retention', '0m'], /^bzzz-ctx: retention: must be at least a minute \(got "0m"\)\n$/]
  ]
  for (const [args, message] of cases) {
    const run = await cliProcess(['--home', home, ...args])
    t.equal(run.code, 2, `${args.join(' ')}: exit 2`)
    t.match(run.stderr, message, args.join(' '))
  }
  t.equal(readFileSync(join(home, 'config.json'), 'utf8'), before, 'config.json unchanged')
  const env = await cliProcess(['--home', home, 'config', 'ls'], { BZZZ_ELECTION_TIMEOUT_MS: '1e3' })
  t.equal(env.code, 2)
  t.match(env.stderr, /^bzzz-ctx: BZZZ_ELECTION_TIMEOUT_MS: must be a whole number of ms/, 'a bad variable is named')
})

t.test('node start: the flag over the variable over the config', async t => {
  const home = tempHome()
  t.equal((await cliProcess(['--home', home, 'init', '--cluster', 'c', '--role', 'admin'])).code, 0)
  // Three taken ports: the refusal names the one that was used, so it shows which source won.
  const servers = await Promise.all([0, 1, 2].map(async () => {
    const server = createServer()
    const port = await freePort()
    await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve))
    return { server, port }
  }))
  t.teardown(() => { for (const { server } of servers) server.close() })
  const [fromConfig, fromEnv, fromFlag] = servers.map(s => s.port)
  t.equal((await cliProcess(['--home', home, 'config', 'set', 'metrics', `127.0.0.1:${fromConfig!}`])).code, 0)
  const start = async (args: string[], env: Record<string, string> = {}): Promise<string> =>
    (await cliProcess(['--home', home, 'node', 'start', '--bootstrap', '127.0.0.1:1', '--detach', ...args], env)).stderr
  t.match(await start([]), new RegExp(`--metrics 127\\.0\\.0\\.1:${fromConfig!}: the port is in use`), 'the config')
  t.match(await start([], { BZZZ_METRICS: `127.0.0.1:${fromEnv!}` }), new RegExp(`127\\.0\\.0\\.1:${fromEnv!}: the port is in use`), 'the variable over the config')
  t.match(await start(['--metrics', `127.0.0.1:${fromFlag!}`], { BZZZ_METRICS: `127.0.0.1:${fromEnv!}` }), new RegExp(`127\\.0\\.0\\.1:${fromFlag!}: the port is in use`), 'the flag over the variable')
  t.match(await start([], { BZZZ_LOG_LEVEL: 'loud' }), /^bzzz-ctx: BZZZ_LOG_LEVEL: must be one of/, 'a bad variable named at start')
})
