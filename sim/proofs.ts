/**
 * The proofs on every scenario (`npm run sim:proofs -- [--seeds N] [--only BREAK]`, after a build; `npm test` runs the
 * same targets in test/sim/breaks*.test.ts): every `--break` mode alone on every fixture scenario and on N seeds of
 * random faults (default 5), each judged by the checker that must catch it. A table, one row a scenario, then every miss with its replay command; the exit status is 1 if a break
 * went uncaught. Ctrl-C ends it after the run in progress.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../src/paths.js'
import { BREAKS } from './limits.js'
import { seededRandom } from './random.js'
import { runSimulation, type BreakMode } from './runner.js'
import { randomScenario, readScenario, type CheckName, type Scenario } from './scenario.js'
import { DEFAULT_MAX_VOTERS } from '../src/node/roster.js'

/** The checker that must catch each deliberately broken peer. */
export const CAUGHT_BY: Readonly<Record<BreakMode, CheckName>> = {
  'double-vote': 'one-vote-per-term',
  'ack-before-replicate': 'no-lost-acks',
  'leak-role': 'role-isolation',
  'forget-queue': 'no-lost-requests',
  'unheld-record': 'no-lost-acks',
  'stale-read': 'read-after-ack',
  'ack-non-voters': 'no-lost-acks',
  'shard-voters': 'no-lost-acks'
}

/**
 * The breaks that only show where some members do not vote: with every member a voter there is no member whose copy
 * the broken rule could count, so no write is acknowledged and none can be lost.
 */
export const NEEDS_NON_VOTERS: ReadonlySet<BreakMode> = new Set(['ack-non-voters'])

/** The breaks that only show where replication is sharded (voters holding only their shards changes nothing else). */
export const NEEDS_SHARDED: ReadonlySet<BreakMode> = new Set(['shard-voters'])

/** Whether a scenario has members that do not vote (more nodes than voters). */
export function hasNonVoters (scenario: Pick<Scenario, 'nodes' | 'voters'>): boolean {
  return scenario.nodes > (scenario.voters ?? DEFAULT_MAX_VOTERS)
}

export const PROOF_SEEDS = 5
/** Peers in a random-faults run (as in the soak). */
const RANDOM_NODES = 5

/** A scenario to prove the breaks on, with the command that replays a run of it. */
export interface ProofTarget { name: string, scenario: Scenario, seed: number, replay: (fault: BreakMode) => string }

/** Every fixture scenario (at its own seed, else 1), then `seeds` seeds of random faults from 1. */
export function proofTargets (seeds = PROOF_SEEDS): ProofTarget[] {
  const dir = join(PACKAGE_ROOT, 'fixtures', 'scenarios')
  const targets: ProofTarget[] = readdirSync(dir).filter(f => f.endsWith('.json')).sort().map(file => {
    const scenario = readScenario(join(dir, file))
    const seed = scenario.seed ?? 1
    return { name: scenario.name, scenario, seed, replay: fault => `bzzz-ctx sim --seed ${seed} --scenario fixtures/scenarios/${file} --break ${fault}` }
  })
  for (let seed = 1; seed <= seeds; seed++) {
    targets.push({
      name: `random seed ${seed}`,
      scenario: randomScenario(seededRandom(seed), { nodes: RANDOM_NODES }),
      seed,
      replay: fault => `bzzz-ctx sim --seed ${seed} --random-faults --break ${fault}`
    })
  }
  return targets
}

/** One break on one target: whether its checker caught it, and what that checker said. */
export async function proveOn (target: ProofTarget, fault: BreakMode): Promise<{ caught: boolean, detail: string }> {
  const report = await runSimulation({ scenario: target.scenario, seed: target.seed, mode: 'memory', break: fault })
  const check = report.checks[CAUGHT_BY[fault]]
  return { caught: check?.ok === false, detail: check?.detail ?? `${CAUGHT_BY[fault]} did not run` }
}

const USAGE = `usage: npm run sim:proofs -- [--seeds N (default ${PROOF_SEEDS})] [--only ${BREAKS.join('|')}]`

function parseArgs (argv: readonly string[]): { seeds: number, only: BreakMode[] } | string {
  const options = { seeds: PROOF_SEEDS, only: [...BREAKS] as BreakMode[] }
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1] ?? ''
    if (argv[i] === '--seeds') {
      if (!/^\d+$/.test(value) || Number(value) > 1000) return `--seeds must be a whole number from 0 to 1000, not ${JSON.stringify(value)}`
      options.seeds = Number(value)
    } else if (argv[i] === '--only') {
      const mode = BREAKS.find(name => name === value)
      if (mode === undefined) return `--only must be one of ${BREAKS.join(', ')}, not ${JSON.stringify(value)}`
      options.only = [mode]
    } else {
      return `unknown option ${JSON.stringify(argv[i])}; ${USAGE}`
    }
  }
  return options
}

async function main (): Promise<number> {
  const options = parseArgs(process.argv.slice(2))
  if (typeof options === 'string') { process.stderr.write(`sim:proofs: ${options}\n`); return 2 }
  let stopping = false
  process.on('SIGINT', () => {
    if (stopping) process.exit(130)
    stopping = true
    process.stderr.write('sim:proofs: stopping after the run in progress (Ctrl-C again to quit at once)\n')
  })
  const targets = proofTargets(options.seeds)
  const started = performance.now()
  const misses: string[] = []
  let skipped = 0
  const rows: string[] = []
  const width = Math.max(...targets.map(t => t.name.length))
  process.stderr.write(`sim:proofs: ${options.only.length} breaks on ${targets.length} scenarios (${targets.length - options.seeds} fixtures, ${options.seeds} random seeds)\n`)
  for (const target of targets) {
    const cells: string[] = []
    for (const fault of options.only) {
      if (stopping) break
      if ((NEEDS_NON_VOTERS.has(fault) && !hasNonVoters(target.scenario)) || (NEEDS_SHARDED.has(fault) && target.scenario.replication !== 'sharded')) { skipped++; cells.push('-'.padEnd(Math.max(fault.length, 6))); continue }
      const runStarted = performance.now()
      let cell: string
      try {
        const { caught, detail } = await proveOn(target, fault)
        cell = caught ? 'caught' : 'MISSED'
        if (!caught) misses.push(`  ${target.name}, --break ${fault}: ${CAUGHT_BY[fault]} held (${detail.slice(0, 120)})\n    replay: ${target.replay(fault)}`)
      } catch (err) {
        cell = 'ERROR'
        misses.push(`  ${target.name}, --break ${fault}: the run failed: ${(err as Error).message}\n    replay: ${target.replay(fault)}`)
      }
      cells.push(cell.padEnd(Math.max(fault.length, 6)))
      process.stderr.write(`  ${target.name} --break ${fault}: ${cell} (${((performance.now() - runStarted) / 1000).toFixed(0)} s)\n`)
    }
    rows.push(`${target.name.padEnd(width)}  ${cells.join('  ')}`)
  }
  const header = `${''.padEnd(width)}  ${options.only.map(f => f.padEnd(Math.max(f.length, 6))).join('  ')}`
  const proved = targets.length * options.only.length - skipped
  const total = `${proved - misses.length} of ${proved} caught in ${((performance.now() - started) / 1000).toFixed(0)} s`
  process.stdout.write([header, ...rows, total + (misses.length === 0 ? ': every break caught by its checker.' : `; ${misses.length} missed:`), ...misses].join('\n') + '\n')
  return stopping ? 130 : misses.length === 0 ? 0 : 1
}

// Run as a script only (the test imports proofTargets and proveOn): a run's workers would keep the process alive.
if (process.argv[1]?.endsWith('proofs.js') === true) process.exit(await main())
