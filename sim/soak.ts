/**
 * The soak (`npm run sim:soak -- [--seeds N] [--from S] [--nodes N]`, after a build): N seeds of random faults in turn,
 * outside `npm test`. It goes on past a failure, so one run finds every failing seed of its range; each is printed with
 * the command that replays it, and the exit status is 1 if any failed. Ctrl-C ends it after the run in progress.
 */
import { runSimulation, type SimReport } from './runner.js'
import { randomScenario } from './scenario.js'
import { seededRandom } from './random.js'
import { BREAKS } from './limits.js'

export const SOAK_SEEDS = 1_000
export const SOAK_NODES = 5

export interface SoakOptions { seeds: number, from: number, nodes: number, break: typeof BREAKS[number] | null }

export interface SoakFailure { seed: number, reason: string, replay: string }

/** The command that replays a soak run, as `bzzz-ctx sim` prints it for a failing run of its own. */
export function soakReplay (seed: number, options: SoakOptions): string {
  return `bzzz-ctx sim --seed ${seed} --random-faults${options.nodes !== SOAK_NODES ? ` --nodes ${options.nodes}` : ''}` +
    (options.break !== null ? ` --break ${options.break}` : '')
}

function violated (report: SimReport): string {
  return Object.entries(report.checks).filter(([, c]) => !c.ok).map(([name, c]) => `${name} (${c.detail.slice(0, 160)})`).join('; ')
}

const USAGE = `usage: npm run sim:soak -- [--seeds N (default 1000)] [--from S (default 1)] [--nodes N (default 5)] [--break ${BREAKS.join('|')}]`

function parseArgs (argv: readonly string[]): SoakOptions | string {
  const options: SoakOptions = { seeds: SOAK_SEEDS, from: 1, nodes: SOAK_NODES, break: null }
  const limits: Record<string, ['seeds' | 'from' | 'nodes', number, number]> = {
    '--seeds': ['seeds', 1, 1_000_000], '--from': ['from', 0, 0xffffffff], '--nodes': ['nodes', 1, 100]
  }
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--break') {
      const mode = BREAKS.find(name => name === argv[i + 1])
      if (mode === undefined) return `--break must be one of ${BREAKS.join(', ')}, not ${JSON.stringify(argv[i + 1] ?? '')}`
      options.break = mode
      continue
    }
    const limit = limits[argv[i]!]
    if (limit === undefined) return `unknown option ${JSON.stringify(argv[i])}; ${USAGE}`
    const [field, min, max] = limit
    const value = Number(argv[i + 1])
    if (!/^\d+$/.test(argv[i + 1] ?? '') || value < min || value > max) return `${argv[i]} must be a whole number from ${min} to ${max}, not ${JSON.stringify(argv[i + 1] ?? '')}`
    options[field] = value
  }
  return options
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(0)} s`

async function main (): Promise<number> {
  const options = parseArgs(process.argv.slice(2))
  if (typeof options === 'string') { process.stderr.write(`sim:soak: ${options}\n`); return 2 }
  let stopping = false
  process.on('SIGINT', () => {
    if (stopping) process.exit(130)
    stopping = true
    process.stderr.write('sim:soak: stopping after the run in progress (Ctrl-C again to quit at once)\n')
  })
  const { seeds, from, nodes } = options
  const broken = options.break !== null ? { break: options.break } : {}
  const started = performance.now()
  const failures: SoakFailure[] = []
  let ran = 0
  process.stderr.write(`sim:soak: ${seeds} seeds of random faults from seed ${from}, ${nodes} nodes${options.break !== null ? `, broken: ${options.break}` : ''}\n`)
  for (let i = 0; i < seeds && !stopping; i++) {
    const seed = (from + i) >>> 0
    const runStarted = performance.now()
    let reason: string | null
    try {
      const report = await runSimulation({ scenario: randomScenario(seededRandom(seed), { nodes }), seed, mode: 'memory', ...broken })
      reason = report.ok ? null : violated(report)
    } catch (err) {
      reason = `the run failed: ${(err as Error).message}`
    }
    ran++
    if (reason !== null) failures.push({ seed, reason, replay: soakReplay(seed, options) })
    process.stderr.write(`  seed ${seed}: ${reason === null ? 'ok' : `FAILED: ${reason}`} (${seconds(performance.now() - runStarted)}); ` +
      `${ran} of ${seeds} run, ${failures.length} failed, ${seconds(performance.now() - started)} so far\n`)
  }
  const total = performance.now() - started
  const lines = [`${ran} seeds (${from}..${from + ran - 1}) in ${seconds(total)}, ${(total / Math.max(ran, 1) / 1000).toFixed(1)} s a seed: ` +
    (failures.length === 0 ? 'every check held.' : `${failures.length} failed:`)]
  for (const failure of failures) lines.push(`  seed ${failure.seed}: ${failure.reason}`, `    replay: ${failure.replay}`)
  process.stdout.write(lines.join('\n') + '\n')
  return failures.length === 0 && !stopping ? 0 : failures.length > 0 ? 1 : 130
}

// A worker or handle a run left would keep the process alive after the summary: the soak ends when it says so.
process.exit(await main())
