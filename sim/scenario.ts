/** The simulator's scenario file: parsed and validated into typed, time-ordered steps (see DESIGN.md, "Simulator scenario"). */
import { PRIORITIES, type Priority } from '../src/storage/vocabulary.js'
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { badInput } from '../src/errors.js'
import { randomFaultsJson } from './random-faults.js'
import { NODES_LIMIT_REASON, NODES_MAX } from './limits.js'
import { REPLICATIONS } from '../src/node/home.js'

export { NODES_MAX } from './limits.js'

export const CHECKS = ['election-safety', 'one-vote-per-term', 'no-lost-acks', 'read-after-ack', 'no-lost-requests', 'convergence', 'role-isolation'] as const
export type CheckName = typeof CHECKS[number]

/** A node chosen when the step runs; a number is a node index 0..nodes-1. */
export type NodeSelector = 'leader' | 'follower' | 'all-down' | 'random' | number
export const PARTITION_KINDS = ['halves', 'isolate-leader', 'isolate', 'majority-ring', 'bridge', 'from-leader'] as const
/** The partitions that cut one node's links, named by the step's `node`: all of them, or the one with the leader. */
export const NODE_PARTITIONS: ReadonlySet<PartitionKind> = new Set(['isolate', 'from-leader'])
export type PartitionKind = typeof PARTITION_KINDS[number]
export { PRIORITIES, type Priority } from '../src/storage/vocabulary.js'

export type Fault =
  | { kind: 'partition', partition: PartitionKind, node?: NodeSelector /* for 'isolate' and 'from-leader' */ }
  | { kind: 'drop', percent: number } // 0..100, message loss on every link
  | { kind: 'delay', ms: number } // added one-way latency on every link
  | { kind: 'crash', node: NodeSelector } // a clean stop: the store flushed and closed
  | { kind: 'kill', node: NodeSelector } // a kill -9: the home left as it was on disk at the instant (sim/disk-image.ts)
  | { kind: 'restart', node: NodeSelector } // disk kept
  | { kind: 'heal' } // ends partitions, drop and delay (not crashes)

export type Op =
  | { op: 'generate', path: string, priority?: Priority, node?: NodeSelector }
  /** `count` hand-written records, each a write of its own, or (`batch`) one write of them all. */
  | { op: 'distribute', count: number, batch?: boolean, node?: NodeSelector }
  | { op: 'retrieve', count: number, node?: NodeSelector }

export type Step = { atMs: number } & ({ type: 'fault', fault: Fault } | { type: 'op', op: Op })

export interface Scenario {
  name: string
  nodes: number
  seed: number | null
  replicationFactor: number
  /** How many peers vote (the admin's maxVoters: the first ones invited); null: the cluster's default, 5. */
  voters: number | null
  /** How records' payloads replicate (the admin's init: see PeerConfig.replication); default full. */
  replication: 'full' | 'sharded'
  electionTimeoutMs: number
  durationMs: number
  steps: Step[]
  checks: CheckName[]
}

export const REPLICATION_FACTOR = 3
export const ELECTION_TIMEOUT_MS = 300
/** Quiet time after the last step when a scenario gives no duration: the liveness phase. */
export const TAIL_MS = 5_000
export const RANDOM_DURATION_MS = 30_000
const SEED_MAX = 0xffffffff

const NEMESES = ['partition', 'drop', 'delay', 'crash', 'kill', 'restart', 'heal'] as const
const OPS = ['generate', 'distribute', 'retrieve'] as const
const SELECTOR_NAMES = ['leader', 'follower', 'all-down', 'random'] as const
const TOP_FIELDS = ['name', 'description', 'nodes', 'seed', 'replicationFactor', 'voters', 'replication', 'electionTimeoutMs', 'durationMs', 'duration', 'steps', 'checks']
/** Fields each step kind may carry besides `at` and `op`/`nemesis`. */
const STEP_FIELDS: Record<string, readonly string[]> = {
  partition: ['kind', 'node'],
  drop: ['percent'],
  delay: ['ms'],
  crash: ['node'],
  kill: ['node'],
  restart: ['node'],
  heal: [],
  generate: ['path', 'priority', 'node'],
  distribute: ['count', 'batch', 'node'],
  retrieve: ['count', 'node']
}

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)
/** A value as a message quotes it: at most SHOWN_CHARS_MAX characters, so a long one does not fill the line. */
const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > SHOWN_CHARS_MAX ? `${text.slice(0, SHOWN_CHARS_MAX - 3)}...` : text
}
const SHOWN_CHARS_MAX = 80
/**
 * The deepest nesting a scenario file may have (a scenario is an object of steps of objects: four levels). Deeper JSON
 * is refused as it is read: quoting or walking a value nested 100,000 deep overflows the stack.
 */
export const SCENARIO_DEPTH_MAX = 16

/** How deep `value` nests, counted without recursion, and stopped once past `max`. */
function depthOver (value: unknown, max: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]]
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!
    if (typeof item !== 'object' || item === null) continue
    if (depth > max) return true
    for (const child of Object.values(item)) pending.push([child, depth + 1])
  }
  return false
}
const oneOf = (list: readonly string[]): string => list.join(', ')

/** A duration in whole milliseconds, or null when `text` is not one. */
function durationOrNull (text: unknown): number | null {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? Math.round(text) : null
  if (typeof text !== 'string') return null
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(text)
  if (match === null) return null
  const unitMs = match[2] === 'm' ? 60_000 : match[2] === 's' ? 1_000 : 1
  return Math.round(Number(match[1]) * unitMs)
}

/** "1s", "300ms", "1.5s", "2m", or a number of ms (also as a bare numeric string) into whole ms. */
export function parseDuration (text: string | number): number {
  const ms = durationOrNull(text)
  if (ms === null) throw badInput(`bad duration ${show(text)}: expected a number of ms or a string like "300ms", "1.5s", "2m"`)
  return ms
}

/** Reads one scenario's fields; every error names the scenario and the field. */
class ScenarioReader {
  constructor (readonly label: string) {}

  fail (field: string, message: string): never {
    throw badInput(field === '' ? `${this.label}: ${message}` : `${this.label}: ${field}: ${message}`)
  }

  onlyFields (value: Json, allowed: readonly string[], field: string, what: string): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.fail(field, `unknown field "${key}" for ${what} (expected ${oneOf(allowed)})`)
    }
  }

  /** An integer from min to max; `overMax` says why a larger one is refused. */
  integer (value: unknown, field: string, min: number, max: number, overMax?: string): number {
    if (typeof value !== 'number' || !Number.isInteger(value)) this.fail(field, `expected an integer, got ${show(value)}`)
    if (value > max && overMax !== undefined) this.fail(field, `${value} is over ${max}: ${overMax}`)
    if (value < min || value > max) this.fail(field, `${value} is out of range ${min}..${max}`)
    return value
  }

  duration (value: unknown, field: string): number {
    const ms = durationOrNull(value)
    if (ms === null) this.fail(field, `bad duration ${show(value)}: expected a number of ms or a string like "300ms", "1.5s", "2m"`)
    return ms
  }

  choice<T extends string> (value: unknown, list: readonly T[], field: string, what: string): T {
    if (typeof value !== 'string' || !(list as readonly string[]).includes(value)) this.fail(field, `unknown ${what} ${show(value)} (expected one of ${oneOf(list)})`)
    return value as T
  }

  selector (value: unknown, field: string, nodes: number, allowed: readonly string[]): NodeSelector {
    if (typeof value === 'number') return this.integer(value, field, 0, nodes - 1)
    if (typeof value === 'string' && allowed.includes(value)) return value as NodeSelector
    return this.fail(field, `bad node ${show(value)} (expected a node index 0..${nodes - 1} or one of ${oneOf(allowed)})`)
  }
}

const LIVE_SELECTORS = SELECTOR_NAMES.filter(name => name !== 'all-down')

function parseFault (r: ScenarioReader, raw: Json, at: string, nodes: number): Fault {
  const nemesis = r.choice(raw.nemesis, NEMESES, `${at}.nemesis`, 'nemesis')
  r.onlyFields(raw, ['at', 'nemesis', ...STEP_FIELDS[nemesis]!], at, `nemesis ${nemesis}`)
  switch (nemesis) {
    case 'partition': {
      const partition = r.choice(raw.kind, PARTITION_KINDS, `${at}.kind`, 'partition kind')
      if (!NODE_PARTITIONS.has(partition)) {
        if (raw.node !== undefined) r.fail(`${at}.node`, `only partition kinds "isolate" and "from-leader" take a node, not "${partition}"`)
        return { kind: 'partition', partition }
      }
      if (raw.node === undefined) r.fail(`${at}.node`, `partition kind "${partition}" needs the node to cut off`)
      return { kind: 'partition', partition, node: r.selector(raw.node, `${at}.node`, nodes, LIVE_SELECTORS) }
    }
    case 'drop': return { kind: 'drop', percent: numberIn(r, raw.percent, `${at}.percent`, 0, 100) }
    case 'delay': return { kind: 'delay', ms: r.duration(raw.ms, `${at}.ms`) }
    case 'crash':
    case 'kill': return { kind: nemesis, node: r.selector(raw.node, `${at}.node`, nodes, LIVE_SELECTORS) }
    case 'restart': return { kind: 'restart', node: r.selector(raw.node, `${at}.node`, nodes, SELECTOR_NAMES) }
    case 'heal': return { kind: 'heal' }
  }
}

function numberIn (r: ScenarioReader, value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) r.fail(field, `expected a number ${min}..${max}, got ${show(value)}`)
  if (value < min || value > max) r.fail(field, `${value} is out of range ${min}..${max}`)
  return value
}

function parseOp (r: ScenarioReader, raw: Json, at: string, nodes: number): Op {
  const op = r.choice(raw.op, OPS, `${at}.op`, 'op')
  r.onlyFields(raw, ['at', 'op', ...STEP_FIELDS[op]!], at, `op ${op}`)
  const node = raw.node === undefined ? {} : { node: r.selector(raw.node, `${at}.node`, nodes, LIVE_SELECTORS) }
  if (op === 'generate') {
    if (typeof raw.path !== 'string' || raw.path.trim() === '') r.fail(`${at}.path`, `expected a non-empty path, got ${show(raw.path)}`)
    const priority = raw.priority === undefined ? {} : { priority: r.choice(raw.priority, PRIORITIES, `${at}.priority`, 'priority') }
    return { op, path: raw.path, ...priority, ...node }
  }
  const count = r.integer(raw.count, `${at}.count`, 1, 1_000_000)
  if (op === 'distribute' && raw.batch !== undefined) {
    if (typeof raw.batch !== 'boolean') r.fail(`${at}.batch`, `expected true or false, got ${show(raw.batch)}`)
    if (raw.batch === true) return { op, count, batch: true, ...node }
  }
  return { op, count, ...node }
}

function parseStep (r: ScenarioReader, raw: unknown, index: number, nodes: number): Step {
  const at = `steps[${index}]`
  if (!isObject(raw)) return r.fail(at, `expected an object, got ${show(raw)}`)
  if (raw.at === undefined) r.fail(`${at}.at`, 'missing: when the step runs, e.g. "3s"')
  const atMs = r.duration(raw.at, `${at}.at`)
  if ((raw.op === undefined) === (raw.nemesis === undefined)) r.fail(at, 'expected exactly one of "op" or "nemesis"')
  if (raw.nemesis !== undefined) return { atMs, type: 'fault', fault: parseFault(r, raw, at, nodes) }
  return { atMs, type: 'op', op: parseOp(r, raw, at, nodes) }
}

function parseChecks (r: ScenarioReader, raw: unknown): CheckName[] {
  if (raw === undefined) return [...CHECKS]
  if (!Array.isArray(raw)) return r.fail('checks', `expected an array of check names, got ${show(raw)}`)
  if (raw.length === 0) r.fail('checks', 'empty: leave the field out to run every check')
  const checks = raw.map((name, i) => r.choice(name, CHECKS, `checks[${i}]`, 'check'))
  const twice = checks.find((name, i) => checks.indexOf(name) !== i)
  if (twice !== undefined) r.fail('checks', `"${twice}" is listed twice`)
  return checks
}

function parseWith (value: unknown, name: string | undefined, label: string): Scenario {
  const r = new ScenarioReader(label)
  if (!isObject(value)) return r.fail('', `expected a JSON object, got ${show(value)}`)
  r.onlyFields(value, TOP_FIELDS, '', 'a scenario')
  if (value.name !== undefined && typeof value.name !== 'string') r.fail('name', `expected a string, got ${show(value.name)}`)
  if (value.nodes === undefined) r.fail('nodes', 'missing: how many nodes the cluster has')
  const nodes = r.integer(value.nodes, 'nodes', 1, NODES_MAX, NODES_LIMIT_REASON)
  const seed = value.seed === undefined || value.seed === null ? null : r.integer(value.seed, 'seed', 0, SEED_MAX)
  // Default 3, but never more copies than nodes: a 1- or 2-node scenario still parses without the field.
  const replicationFactor = value.replicationFactor === undefined ? Math.min(REPLICATION_FACTOR, nodes) : r.integer(value.replicationFactor, 'replicationFactor', 1, nodes)
  const voters = value.voters === undefined || value.voters === null ? null : r.integer(value.voters, 'voters', 1, nodes)
  if (voters !== null && voters % 2 === 0) r.fail('voters', `must be odd (a tie never splits an odd voting set), not ${voters}`)
  const replication = value.replication === undefined ? 'full' : r.choice(value.replication, REPLICATIONS, 'replication', 'replication')
  const electionTimeoutMs = value.electionTimeoutMs === undefined ? ELECTION_TIMEOUT_MS : r.duration(value.electionTimeoutMs, 'electionTimeoutMs')
  if (electionTimeoutMs <= 0) r.fail('electionTimeoutMs', 'must be more than 0')
  const rawSteps = value.steps ?? []
  if (!Array.isArray(rawSteps)) return r.fail('steps', `expected an array, got ${show(rawSteps)}`)
  const steps = rawSteps.map((raw, i) => parseStep(r, raw, i, nodes))
  const lastAtMs = Math.max(0, ...steps.map(step => step.atMs))
  if (value.durationMs !== undefined && value.duration !== undefined) r.fail('duration', 'give one of "duration" and "durationMs", not both')
  const durationField = value.durationMs !== undefined ? 'durationMs' : 'duration'
  const rawDuration = value.durationMs ?? value.duration
  const durationMs = rawDuration === undefined ? lastAtMs + TAIL_MS : r.duration(rawDuration, durationField)
  if (durationMs <= 0) r.fail(durationField, 'must be more than 0')
  steps.forEach((step, i) => {
    if (step.atMs >= durationMs) r.fail(`steps[${i}].at`, `${step.atMs}ms is not before the end of the run (${durationField} ${durationMs}ms)`)
  })
  return {
    name: name ?? (typeof value.name === 'string' ? value.name : 'scenario'),
    nodes,
    seed,
    replicationFactor,
    voters,
    replication,
    electionTimeoutMs,
    durationMs,
    steps: steps.sort((a, b) => a.atMs - b.atMs), // Array#sort is stable: equal times keep file order
    checks: parseChecks(r, value.checks)
  }
}

/** A scenario from parsed JSON; BAD_INPUT naming the step index and field for anything wrong. */
export function parseScenario (value: unknown, name?: string): Scenario {
  const resolved = name ?? (isObject(value) && typeof value.name === 'string' ? value.name : undefined)
  return parseWith(value, name, resolved === undefined ? 'scenario' : `scenario "${resolved}"`)
}

/** A scenario from a JSON file, named after the file; errors say the file. */
export function readScenario (file: string): Scenario {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw badInput(`scenario file ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw badInput(`scenario file ${file}: not JSON (${(err as Error).message})`)
  }
  if (depthOver(value, SCENARIO_DEPTH_MAX)) throw badInput(`scenario file ${file}: nested deeper than ${SCENARIO_DEPTH_MAX} levels, which no scenario is (an object of steps): see fixtures/scenarios/`)
  return parseWith(value, basename(file).replace(/\.json$/i, ''), `scenario file ${file}`)
}

/** --random-faults: a workload plus faults of every kind, all from `random`, ending healed with every crashed node restarted before durationMs. */
export function randomScenario (random: () => number, options: { nodes: number, durationMs?: number, electionTimeoutMs?: number }): Scenario {
  const { nodes, durationMs = RANDOM_DURATION_MS, electionTimeoutMs = ELECTION_TIMEOUT_MS } = options
  return parseScenario(randomFaultsJson(random, { nodes, durationMs, electionTimeoutMs }))
}
