/** `bzzz-ctx sim`: the cluster simulator. Many real peers in this process, injected faults, and checkers. */
import { randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import { Command, Option } from 'commander'
import { BzzzError, badUsage } from '../../errors.js'
import { parseWhole, type CliEnv } from '../cli-env.js'
import { emit, note, useColor, type CommandContext } from '../io.js'
import { table } from '../render.js'
import { temporaryHomes } from '../temporary-homes.js'
import { BREAKS, NODES_LIMIT_REASON, NODES_MAX } from '../../../sim/limits.js'
import { loadTui } from '../../tui/load.js'

const MODES = ['memory', 'swarm'] as const
const BREAK_MODES = BREAKS

type SimOptions = {
  nodes?: number
  voters?: number
  replication?: 'full' | 'sharded'
  seed?: number
  scenario?: string
  mode: typeof MODES[number]
  runs: number
  randomFaults?: boolean
  break?: typeof BREAK_MODES[number]
  keep?: boolean
  tui?: boolean
}

/** The exact command that replays one run. */
function replayCommand (options: SimOptions, seed: number): string {
  return ['bzzz-ctx sim', `--seed ${seed}`,
    options.scenario !== undefined ? `--scenario ${options.scenario}` : '--random-faults',
    ...(options.nodes !== undefined ? [`--nodes ${options.nodes}`] : []),
    ...(options.voters !== undefined ? [`--voters ${options.voters}`] : []),
    ...(options.replication !== undefined ? [`--replication ${options.replication}`] : []),
    ...(options.mode !== 'memory' ? [`--mode ${options.mode}`] : []),
    ...(options.break !== undefined ? [`--break ${options.break}`] : [])].join(' ')
}

function render (ctx: CommandContext, report: import('../../../sim/runner.js').SimReport): string {
  const m = report.metrics
  return [
    table(['check', 'result', 'detail'], Object.entries(report.checks).map(([name, c]) => [name, c.ok ? 'held' : 'VIOLATED', c.detail.slice(0, 160)]), useColor(ctx)),
    `${report.faults.length} faults applied; ${m.terms} terms, ${m.leaders} leaders, ${m.failovers} failovers${m.failover_ms_max !== null ? ` (longest ${m.failover_ms_max} ms)` : ''};` +
      ` ${m.acked_writes} writes acknowledged, ${m.accepted_requests} requests accepted; converged ${m.converged_within_ms === null ? 'NOT within the bound' : `${m.converged_within_ms} ms after the heal`}.`,
    `Trace hash ${report.traceHash.slice(0, 16)} (${m.trace_events} events); ${report.replay.exact ? 'replays exactly' : `NOT exact: ${report.replay.why[0]}`}.`,
    `Simulated ${(Number(m.simulated_ms) / 1000).toFixed(1)} s in ${(Number(m.real_ms) / 1000).toFixed(1)} s${m.simulated_to_real !== null ? ` (${m.simulated_to_real}x)` : ''}.`
  ].join('\n')
}

/** --tui draws for a person, one run, on a terminal. */
function checkTui (ctx: CommandContext, options: SimOptions): void {
  if (ctx.global.json) throw badUsage('--tui draws a screen for people: leave out --json (or --tui, for the report as JSON)')
  if (options.runs > 1) throw badUsage('--tui watches one run: leave out --runs')
  if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) throw badUsage('--tui needs a terminal on stdin and stdout: without it, sim prints its report')
}

/** One run on the TUI: the report once it is over, null if the person quit first. */
async function watchSimulation (ctx: CommandContext, run: Omit<import('../../../sim/simulator.js').RunOptions, 'log'>): Promise<import('../../../sim/runner.js').SimReport | null> {
  const { runSimulation } = await import('../../../sim/runner.js')
  // Ink and React load here only: every other way of running sim starts without them.
  const { runSimTui } = await loadTui()
  return await runSimTui({
    color: useColor(ctx),
    run: async (onEvent, signal) => await runSimulation({ ...run, onEvent, signal, pace: true })
  })
}

export function simCommand (env: CliEnv): Command {
  return new Command('sim')
    .description('simulate a cluster of real peers in this process under partitions and crashes, and check that nothing acknowledged is lost')
    .option('--nodes <n>', `peers, at most ${NODES_MAX} (default: the scenario's; 5 with --random-faults); past the voters each member links with a few peers (the two-tier mesh): 20 run at about 6x real time, 100 at 1.7x, 200 at 0.8x, 1,000 at 0.13x`, parseWhole('--nodes', 1, NODES_MAX, NODES_LIMIT_REASON))
    .option('--voters <n>', 'how many of the peers vote, the first ones (odd; default: the scenario\'s, else 5); the rest follow and never stand', parseWhole('--voters', 1, NODES_MAX))
    .addOption(new Option('--replication <mode>', 'how records\' payloads replicate: full, or sharded (voters hold all, other members their shards; default: the scenario\'s, else full)').choices(['full', 'sharded']))
    .option('--seed <s>', 'the seed of every random choice (default: the scenario\'s, else random); printed first', parseWhole('--seed', 0, 0xffffffff))
    .option('--scenario <file>', 'a scenario file (see fixtures/scenarios/)')
    .addOption(new Option('--mode <mode>', 'memory: virtual time and an in-memory network; swarm: real Hyperswarm on a loopback DHT').choices([...MODES]).default('memory'))
    .option('--runs <n>', 'run this many times, seeds S, S+1, ...', parseWhole('--runs', 1, 1_000_000), 1)
    .option('--random-faults', 'faults and workload generated from the seed (the default without --scenario)')
    .addOption(new Option('--break <fault>', 'run deliberately broken peers, to see the matching checker catch them').choices([...BREAK_MODES]))
    .option('--keep', 'keep the peers\' homes and print where they are')
    .option('--tui', 'watch the run as it goes (peers, partitions, leaders, acknowledged writes, checkers), held to real time; q quits')
    .addHelpText('after', '\nExamples:\n  bzzz-ctx sim --scenario fixtures/scenarios/isolate-leader.json\n  bzzz-ctx sim --random-faults --nodes 7 --runs 20\n  bzzz-ctx sim --seed 42 --random-faults --break double-vote --json')
    .action(env.action<SimOptions>(async (ctx, options) => {
      if (options.scenario !== undefined && options.randomFaults === true) throw badUsage('--scenario and --random-faults exclude each other: a scenario file has its own faults')
      if (options.voters !== undefined && options.voters % 2 === 0) throw badUsage(`--voters must be odd (a tie never splits an odd voting set), not ${options.voters}`)
      const { oneIoThread, rerunWithOneIoThread } = await import('../../../sim/io-thread.js')
      // A memory-mode run replays exactly only on one storage I/O thread, which only a new process can have (a caller
      // running the CLI inside its own process, a test, keeps its own and gets a report that says it was not exact).
      if (options.mode === 'memory' && !oneIoThread() && ctx.io.env === process.env) { process.exitCode = await rerunWithOneIoThread(); return }
      const { readScenario, randomScenario } = await import('../../../sim/scenario.js')
      const { seededRandom } = await import('../../../sim/random.js')
      const { runSimulation } = await import('../../../sim/runner.js')
      if (options.tui === true) checkTui(ctx, options)
      const fromFile = options.scenario === undefined ? null : readScenario(resolve(options.scenario))
      const firstSeed = options.seed ?? fromFile?.seed ?? randomBytes(4).readUInt32LE(0)
      const reports: Array<import('../../../sim/runner.js').SimReport> = []
      const homes = temporaryHomes(ctx, 'bzzz-ctx-sim-', options.keep === true)
      try {
        for (let run = 0; run < options.runs; run++) {
          const seed = (firstSeed + run) >>> 0
          note(ctx, `seed ${seed}${options.runs > 1 ? ` (run ${run + 1} of ${options.runs})` : ''}`)
          let scenario = fromFile ?? randomScenario(seededRandom(seed), { nodes: options.nodes ?? 5 })
          if (options.nodes !== undefined && fromFile !== null) scenario = { ...scenario, nodes: options.nodes, replicationFactor: Math.min(scenario.replicationFactor, options.nodes) }
          if (options.voters !== undefined) scenario = { ...scenario, voters: options.voters }
          if (options.replication !== undefined) scenario = { ...scenario, replication: options.replication }
          // A debugging aid, not a flag: each run's trace, one event a line, to diff two runs at their first difference.
          const traceFile = ctx.io.env.BZZZ_SIM_TRACE_FILE
          const once = {
            ...(traceFile !== undefined && traceFile !== '' ? { traceFile: options.runs > 1 ? `${traceFile}.${seed}` : traceFile } : {}),
            scenario, seed, mode: options.mode, ...(options.break !== undefined ? { break: options.break } : {}), ...(options.keep === true ? { keep: true } : {}),
            parent: homes.dir
          }
          const report = options.tui === true ? await watchSimulation(ctx, once) : await runSimulation({ ...once, log: line => note(ctx, line) })
          if (report === null) { note(ctx, `stopped before the end of the run: no verdict (replay it with: ${replayCommand(options, seed)})`); return }
          reports.push(report)
          if (options.runs > 1 && !ctx.global.json) note(ctx, `  ${report.ok ? 'every check held' : `VIOLATED: ${Object.entries(report.checks).filter(([, c]) => !c.ok).map(([n]) => n).join(', ')}`}`)
          if (!report.ok && options.runs > 1) break
        }
      } finally {
        homes.dispose()
      }
      const failed = reports.find(r => !r.ok)
      if (reports.length === 1) emit(ctx, reports[0], () => render(ctx, reports[0]!))
      else emit(ctx, { ok: failed === undefined, runs: reports }, () => failed === undefined ? `${reports.length} runs, every check held.` : render(ctx, failed))
      if (failed !== undefined) {
        const names = Object.entries(failed.checks).filter(([, c]) => !c.ok).map(([name]) => name)
        throw new BzzzError('FAILURE', `${names.join(', ')} violated with seed ${failed.seed}; replay it with: ${replayCommand(options, failed.seed)}`, { reported: true })
      }
    }))
}
