import t from 'tap'
import fc from 'fast-check'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { seededRandom } from '../../sim/random.js'
import { CHECKS, parseDuration, parseScenario, randomScenario, readScenario, type Scenario } from '../../sim/scenario.js'
import { throwsCode } from '../helpers/errors.js'
import { scratchDir } from '../helpers/scratch.js'

const SCENARIOS = join(PACKAGE_ROOT, 'fixtures', 'scenarios')

t.test('every fixture scenario parses, and together they cover every partition kind, crash and kill', async t => {
  const files = readdirSync(SCENARIOS).filter(file => file.endsWith('.json')).sort()
  t.ok(files.length >= 8, `${files.length} fixture scenarios`)
  const kinds = new Set<string>()
  for (const file of files) {
    const scenario = readScenario(join(SCENARIOS, file))
    t.equal(scenario.name, file.replace(/\.json$/, ''), `${file}: named after the file`)
    t.ok(scenario.nodes === 3 || scenario.nodes === 5, `${file}: 3 or 5 nodes`)
    t.equal(scenario.electionTimeoutMs, 300)
    t.ok(scenario.durationMs >= 6000 && scenario.durationMs <= 12000, `${file}: ${scenario.durationMs}ms of simulated time`)
    t.ok(scenario.steps.some(s => s.type === 'op' && s.op.op === 'generate' && s.op.path === 'fixtures/repos/mixed/src/server'), `${file}: generates`)
    for (const step of scenario.steps) {
      if (step.type === 'fault') kinds.add(step.fault.kind === 'partition' ? step.fault.partition : step.fault.kind)
    }
    const faults = scenario.steps.filter(s => s.type === 'fault')
    const last = faults[faults.length - 1]
    t.ok(last !== undefined && ['heal', 'restart'].includes(last.type === 'fault' ? last.fault.kind : ''), `${file}: ends with a heal or a restart`)
  }
  for (const kind of ['halves', 'isolate-leader', 'isolate', 'majority-ring', 'bridge', 'from-leader', 'crash', 'kill', 'restart', 'drop', 'delay', 'heal']) {
    t.ok(kinds.has(kind), `some fixture plays ${kind}`)
  }
})

t.test('the design example parses into typed steps, sorted by time, with defaults', async t => {
  const scenario = parseScenario({
    nodes: 5,
    seed: 7,
    steps: [
      { at: '9s', nemesis: 'crash', node: 'leader' },
      { at: '1s', op: 'generate', path: 'fixtures/repos/mixed' },
      { at: '3s', nemesis: 'partition', kind: 'isolate-leader' },
      { at: '12s', nemesis: 'restart', node: 'all-down' },
      { at: '3s', nemesis: 'partition', kind: 'isolate', node: 2 },
      { at: '8s', nemesis: 'heal' },
      { at: 0, nemesis: 'drop', percent: 20 },
      { at: '0.5s', nemesis: 'delay', ms: '50ms' },
      { at: 100, op: 'distribute', count: 20, node: 'follower' },
      { at: 200, op: 'retrieve', count: 20 }
    ]
  }, 'example')
  t.same(scenario, {
    name: 'example',
    nodes: 5,
    seed: 7,
    replicationFactor: 3,
    voters: null,
    replication: 'full',
    electionTimeoutMs: 300,
    durationMs: 17000,
    steps: [
      { atMs: 0, type: 'fault', fault: { kind: 'drop', percent: 20 } },
      { atMs: 100, type: 'op', op: { op: 'distribute', count: 20, node: 'follower' } },
      { atMs: 200, type: 'op', op: { op: 'retrieve', count: 20 } },
      { atMs: 500, type: 'fault', fault: { kind: 'delay', ms: 50 } },
      { atMs: 1000, type: 'op', op: { op: 'generate', path: 'fixtures/repos/mixed' } },
      { atMs: 3000, type: 'fault', fault: { kind: 'partition', partition: 'isolate-leader' } },
      { atMs: 3000, type: 'fault', fault: { kind: 'partition', partition: 'isolate', node: 2 } },
      { atMs: 8000, type: 'fault', fault: { kind: 'heal' } },
      { atMs: 9000, type: 'fault', fault: { kind: 'crash', node: 'leader' } },
      { atMs: 12000, type: 'fault', fault: { kind: 'restart', node: 'all-down' } }
    ],
    checks: [...CHECKS]
  } satisfies Scenario)
})

t.test('defaults and the duration fields', async t => {
  const bare = parseScenario({ nodes: 1 })
  t.same([bare.name, bare.seed, bare.replicationFactor, bare.electionTimeoutMs, bare.durationMs, bare.steps], ['scenario', null, 1, 300, 5000, []],
    'a 1-node scenario gets replicationFactor 1 and 5 s of run')
  t.equal(parseScenario({ nodes: 3, name: 'from-json' }).name, 'from-json')
  t.equal(parseScenario({ nodes: 3, name: 'from-json' }, 'given').name, 'given')
  t.equal(parseScenario({ nodes: 3, duration: '2m' }).durationMs, 120000)
  t.equal(parseScenario({ nodes: 3, durationMs: 9000, seed: null }).durationMs, 9000)
  t.same(parseScenario({ nodes: 3, checks: ['convergence', 'election-safety'] }).checks, ['convergence', 'election-safety'])
})

t.test('parseDuration', async t => {
  const cases: Array<[string | number, number]> = [['1s', 1000], ['300ms', 300], ['1.5s', 1500], ['2m', 120000], [250, 250], ['250', 250], [0, 0], ['0.25m', 15000], [12.6, 13]]
  for (const [text, ms] of cases) t.equal(parseDuration(text), ms, `${JSON.stringify(text)} is ${ms}ms`)
  for (const text of ['', 's', '1h', '-1s', '1 2s', '1.s', 'fast', -5, Number.NaN, Infinity]) {
    throwsCode(t, () => parseDuration(text), 'BAD_INPUT', /^bad duration .*expected a number of ms/, `parseDuration(${String(text)})`)
  }
})

t.test('each bad scenario gives BAD_INPUT naming the step index and field', async t => {
  const step = (fields: Record<string, unknown>): unknown => ({ nodes: 5, steps: [{ at: '1s', op: 'retrieve', count: 1 }, { at: '2s', ...fields }] })
  const cases: Array<[string, unknown, RegExp]> = [
    ['not an object', [1, 2], /^scenario: expected a JSON object, got \[1,2\]/],
    ['no nodes', {}, /nodes: missing/],
    ['0 nodes', { nodes: 0 }, /nodes: 0 is out of range 1\.\.100/],
    ['too many nodes', { nodes: 1001 }, /nodes: 1001 is over 1000: every peer runs a real node and store in this one process/],
    ['fractional nodes', { nodes: 2.5 }, /nodes: expected an integer, got 2\.5/],
    ['unknown top field', { nodes: 3, stpes: [] }, /^scenario: unknown field "stpes" for a scenario/],
    ['bad seed', { nodes: 3, seed: -1 }, /seed: -1 is out of range/],
    ['replication above nodes', { nodes: 3, replicationFactor: 4 }, /replicationFactor: 4 is out of range 1\.\.3/],
    ['zero election timeout', { nodes: 3, electionTimeoutMs: 0 }, /electionTimeoutMs: must be more than 0/],
    ['bad duration', { nodes: 3, duration: 'soon' }, /duration: bad duration "soon"/],
    ['both durations', { nodes: 3, duration: '1s', durationMs: 1000 }, /duration: give one of/],
    ['steps not an array', { nodes: 3, steps: {} }, /steps: expected an array/],
    ['step not an object', { nodes: 3, steps: ['crash'] }, /steps\[0\]: expected an object, got "crash"/],
    ['missing at', { nodes: 3, steps: [{ nemesis: 'heal' }] }, /steps\[0\]\.at: missing/],
    ['bad at', step({ at: '2 seconds', nemesis: 'heal' }), /steps\[1\]\.at: bad duration "2 seconds"/],
    ['step at the end', { nodes: 3, duration: '5s', steps: [{ at: '5s', nemesis: 'heal' }] }, /steps\[0\]\.at: 5000ms is not before the end of the run \(duration 5000ms\)/],
    ['neither op nor nemesis', step({}), /steps\[1\]: expected exactly one of "op" or "nemesis"/],
    ['both op and nemesis', step({ op: 'retrieve', nemesis: 'heal' }), /steps\[1\]: expected exactly one of "op" or "nemesis"/],
    ['unknown nemesis', step({ nemesis: 'flood' }), /steps\[1\]\.nemesis: unknown nemesis "flood" \(expected one of partition, drop, delay, crash, kill, restart, heal\)/],
    ['unknown op', step({ op: 'delete' }), /steps\[1\]\.op: unknown op "delete" \(expected one of generate, distribute, retrieve\)/],
    ['unknown partition kind', step({ nemesis: 'partition', kind: 'thirds' }), /steps\[1\]\.kind: unknown partition kind "thirds"/],
    ['partition without kind', step({ nemesis: 'partition' }), /steps\[1\]\.kind: unknown partition kind undefined/],
    ['isolate without node', step({ nemesis: 'partition', kind: 'isolate' }), /steps\[1\]\.node: partition kind "isolate" needs the node/],
    ['from-leader without node', step({ nemesis: 'partition', kind: 'from-leader' }), /steps\[1\]\.node: partition kind "from-leader" needs the node/],
    ['node on halves', step({ nemesis: 'partition', kind: 'halves', node: 1 }), /steps\[1\]\.node: only partition kinds "isolate" and "from-leader" take a node/],
    ['node index out of range', step({ nemesis: 'crash', node: 5 }), /steps\[1\]\.node: 5 is out of range 0\.\.4/],
    ['negative node index', step({ nemesis: 'partition', kind: 'isolate', node: -1 }), /steps\[1\]\.node: -1 is out of range 0\.\.4/],
    ['unknown selector', step({ nemesis: 'crash', node: 'n2' }), /steps\[1\]\.node: bad node "n2" \(expected a node index 0\.\.4 or one of leader, follower, random\)/],
    ['crash all-down', step({ nemesis: 'crash', node: 'all-down' }), /steps\[1\]\.node: bad node "all-down"/],
    ['crash without node', step({ nemesis: 'crash' }), /steps\[1\]\.node: bad node undefined/],
    ['drop above 100', step({ nemesis: 'drop', percent: 120 }), /steps\[1\]\.percent: 120 is out of range 0\.\.100/],
    ['drop not a number', step({ nemesis: 'drop', percent: '20%' }), /steps\[1\]\.percent: expected a number 0\.\.100, got "20%"/],
    ['bad delay', step({ nemesis: 'delay', ms: -3 }), /steps\[1\]\.ms: bad duration -3/],
    ['stray field', step({ nemesis: 'drop', percent: 5, ms: 3 }), /steps\[1\]: unknown field "ms" for nemesis drop \(expected at, nemesis, percent\)/],
    ['field on heal', step({ nemesis: 'heal', node: 1 }), /steps\[1\]: unknown field "node" for nemesis heal \(expected at, nemesis\)/],
    ['generate without path', step({ op: 'generate' }), /steps\[1\]\.path: expected a non-empty path, got undefined/],
    ['bad priority', step({ op: 'generate', path: 'x', priority: 'urgent' }), /steps\[1\]\.priority: unknown priority "urgent" \(expected one of low, normal, high, critical\)/],
    ['zero count', step({ op: 'distribute', count: 0 }), /steps\[1\]\.count: 0 is out of range/],
    ['op on a down node', step({ op: 'retrieve', count: 1, node: 'all-down' }), /steps\[1\]\.node: bad node "all-down"/],
    ['checks not an array', { nodes: 3, checks: 'all' }, /checks: expected an array of check names/],
    ['no checks', { nodes: 3, checks: [] }, /checks: empty/],
    ['unknown check', { nodes: 3, checks: ['convergence', 'linearizable'] }, /checks\[1\]: unknown check "linearizable" \(expected one of election-safety, one-vote-per-term, no-lost-acks/],
    ['check twice', { nodes: 3, checks: ['convergence', 'convergence'] }, /checks: "convergence" is listed twice/]
  ]
  for (const [label, value, pattern] of cases) throwsCode(t, () => parseScenario(value), 'BAD_INPUT', pattern, label)
  throwsCode(t, () => parseScenario({ nodes: 3, steps: [{ nemesis: 'x', at: 1 }] }, 'mine'), 'BAD_INPUT', /^scenario "mine": steps\[0\]\.nemesis/, 'the message names the scenario')
})

t.test('readScenario says which file is unreadable or not JSON', async t => {
  const dir = scratchDir('bzzz-scenario-')
  const missing = join(dir, 'missing.json')
  throwsCode(t, () => readScenario(missing), 'BAD_INPUT', new RegExp(`^scenario file ${missing}: cannot read it \\(ENOENT\\)`), 'missing file')
  const broken = join(dir, 'broken.json')
  writeFileSync(broken, '{ "nodes": 3, ')
  throwsCode(t, () => readScenario(broken), 'BAD_INPUT', new RegExp(`^scenario file ${broken}: not JSON`), 'not JSON')
  const invalid = join(dir, 'invalid.json')
  writeFileSync(invalid, JSON.stringify({ nodes: 3, steps: [{ at: '1s', nemesis: 'crash', node: 3 }] }))
  throwsCode(t, () => readScenario(invalid), 'BAD_INPUT', new RegExp(`^scenario file ${invalid}: steps\\[0\\]\\.node: 3 is out of range 0\\.\\.2`), 'invalid')
})

/** Every partition, drop and delay is followed by a heal, and every crash and kill by a restart, before the run ends. */
function endsHealed (scenario: Scenario): boolean {
  const faults = scenario.steps.flatMap(step => step.type === 'fault' ? [{ atMs: step.atMs, fault: step.fault }] : [])
  const lastIndex = (kinds: string[]): number => faults.findLastIndex(f => kinds.includes(f.fault.kind))
  const lastHeal = lastIndex(['heal'])
  const lastRestartAll = faults.findLastIndex(f => f.fault.kind === 'restart' && f.fault.node === 'all-down')
  return lastHeal > lastIndex(['partition', 'drop', 'delay']) &&
    lastRestartAll > lastIndex(['crash', 'kill']) &&
    faults.every(f => f.atMs < scenario.durationMs)
}

t.test('randomScenario: deterministic for a seed, every fault kind, always ends healed with every crash restarted', async t => {
  const a = randomScenario(seededRandom(42), { nodes: 5 })
  t.same(randomScenario(seededRandom(42), { nodes: 5 }), a, 'the same seed gives the same scenario')
  t.not(JSON.stringify(randomScenario(seededRandom(43), { nodes: 5 })), JSON.stringify(a), 'another seed another one')
  t.equal(a.durationMs, 30000)
  t.equal(a.seed, null, 'the runner records the seed it was made from')
  fc.assert(fc.property(fc.nat(1_000_000), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 13_200, max: 60_000 }), fc.constantFrom(100, 300, 400), (seed, nodes, durationMs, electionTimeoutMs) => {
    const scenario = randomScenario(seededRandom(seed), { nodes, durationMs, electionTimeoutMs })
    const kinds = new Set<string>(scenario.steps.flatMap(s => s.type === 'fault' ? [s.fault.kind === 'partition' ? s.fault.partition : s.fault.kind] : []))
    const ops = new Set<string>(scenario.steps.flatMap(s => s.type === 'op' ? [s.op.op] : []))
    return endsHealed(scenario) &&
      ['halves', 'isolate-leader', 'isolate', 'majority-ring', 'bridge', 'drop', 'delay', 'crash', 'kill', 'restart', 'heal'].every(kind => kinds.has(kind)) &&
      ['generate', 'distribute', 'retrieve'].every(op => ops.has(op)) &&
      scenario.durationMs === durationMs && scenario.electionTimeoutMs === electionTimeoutMs &&
      scenario.steps.every((s, i) => i === 0 || scenario.steps[i - 1]!.atMs <= s.atMs)
  }), { numRuns: 200 })
  throwsCode(t, () => randomScenario(seededRandom(1), { nodes: 3, durationMs: 8000 }), 'BAD_INPUT', /durationMs 8000 is too short .* give at least 11400ms/, 'too short for every fault')
})

t.test('voters: an odd count up to the nodes, or absent (the cluster\'s default)', async t => {
  t.equal(parseScenario({ nodes: 7, voters: 3 }).voters, 3)
  t.equal(parseScenario({ nodes: 7 }).voters, null)
  throwsCode(t, () => parseScenario({ nodes: 7, voters: 4 }), 'BAD_INPUT', /voters.*must be odd/, 'an even count')
  throwsCode(t, () => parseScenario({ nodes: 3, voters: 5 }), 'BAD_INPUT', /voters/, 'more voters than nodes')
})
