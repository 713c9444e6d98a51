// Exact replay: a seed run three times, each in a new process of the built CLI, gives one trace hash, for three
// scenarios (a partition, a crash and restart of the leader, message loss and delay). The three runs of a scenario go
// at once, beside whatever else the machine runs (npm test runs files side by side on two cores): load is the condition
// replay must hold under. Before identities, ids, storage, analysis and the network were driven by the seed, halves.json
// seed 11 gave three hashes in three runs.
import t from 'tap'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { BIN } from '../helpers/cli.js'

const run = promisify(execFile)
const SCENARIOS = join(PACKAGE_ROOT, 'fixtures', 'scenarios')
const RUNS = 3

/** The first line where two traces differ, with its number, or null when they are the same. */
function firstDifference (a: string[], b: string[]): string | null {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `event ${i + 1}: "${a[i] ?? '(end)'}" against "${b[i] ?? '(end)'}"`
  }
  return null
}

for (const [file, seed] of [['halves.json', 11], ['crash-leader-restart.json', 3], ['drop-and-delay.json', 5]] as const) {
  t.test(`${file} seed ${seed} ${RUNS} times at once: one trace hash`, async t => {
    const dir = t.testdir()
    const runs = Array.from({ length: RUNS }, async (_, i) => {
      const trace = join(dir, `run-${i}.trace`)
      // As a user runs it, without tap's environment (its NODE_OPTIONS loads module hooks on another thread), with each
      // run's events written out so that a difference is named, not only seen.
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, BZZZ_SIM_TRACE_FILE: trace }
      const { stdout } = await run(process.execPath, [BIN, 'sim', '--scenario', join(SCENARIOS, file), '--seed', String(seed), '--json'], { env, maxBuffer: 1 << 24 })
      return { report: JSON.parse(stdout), events: readFileSync(trace, 'utf8').split('\n') }
    })
    const results = await Promise.all(runs)
    const reports = results.map(r => r.report)
    t.ok(reports.every(r => r.ok), 'every check held')
    t.same(reports.filter(r => !r.replay.exact).map(r => r.replay.why[0]), [], 'each run says it replays exactly')
    const differences = results.slice(1).map(r => firstDifference(results[0]!.events, r.events))
    t.same(differences, Array(RUNS - 1).fill(null), 'every run\'s trace is the first run\'s, event for event')
    t.same(reports.map(r => r.traceHash), Array(RUNS).fill(reports[0].traceHash), `${reports[0].metrics.trace_events} events each`)
  })
}
