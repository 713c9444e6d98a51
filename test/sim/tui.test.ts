// The real `bzzz-ctx sim --tui` in tmux (a private tmux server, 100x30, NO_COLOR): a short seeded run (3 peers, the
// leader isolated at 1 s, healed at 2 s) shown as it goes, its verdict at the end, q then exits 0 and prints the report
// on the shell's screen; q during the run stops it and exits 0. Every wait is bounded. CI=true is set in the session, as
// CI sets it: Ink draws nothing live under CI unless the TUI hides it (src/tui/load.ts), so the screen would stay blank.
import t, { type Test } from 'tap'
import { execFileSync, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BIN } from '../helpers/cli.js'
import { waitFor } from '../helpers/cluster.js'
import { TUI_SCENARIO } from '../helpers/sim-tui-scenario.js'

const tmux = spawnSync('sh', ['-c', 'command -v tmux'], { encoding: 'utf8' }).stdout.trim()
const skip = tmux === '' ? 'tmux is not installed (.ci/run installs it from Debian\'s packages)' : false

const SCENARIO = TUI_SCENARIO

/** A tmux server of this test's own running `sim --tui` on the scenario: nothing of the person's sessions is touched. */
function session (t: Test, name: string, scenario: object): { screen: () => string, keys: (key: string) => void, shows: (what: string, pattern: RegExp, timeoutMs?: number) => Promise<void> } {
  const file = join(t.testdir(), 'scenario.json')
  writeFileSync(file, JSON.stringify(scenario))
  const server = `bzzz-sim-tui-${process.pid}-${name}`
  const run = (...args: string[]): string => execFileSync(tmux, ['-L', server, ...args], { encoding: 'utf8' })
  t.teardown(() => { try { run('kill-server') } catch {} })
  run('new-session', '-d', '-s', 'sim', '-x', '100', '-y', '30', '-e', 'NO_COLOR=1', '-e', 'CI=true',
    `${process.execPath} ${BIN} sim --scenario ${file} --tui; echo SIM-EXIT=$?; sleep 120`)
  const screen = (): string => run('capture-pane', '-p', '-t', 'sim')
  return {
    screen,
    keys: key => { run('send-keys', '-t', 'sim', key) },
    shows: async (what, pattern, timeoutMs = 30_000) => {
      try {
        await waitFor(what, async () => pattern.test(screen()), timeoutMs)
      } catch (err) {
        t.comment(screen())
        throw err
      }
    }
  }
}

t.test('sim --tui shows the run as it goes, then its verdict; q exits 0 and prints the report', { skip }, async t => {
  const sim = session(t, 'end', SCENARIO)
  await sim.shows('the safety phase', /bzzz-ctx sim\s+t \d+\.\d s\s+safety\s+leader n\d term \d+/)
  t.pass('the header shows the simulated time, the phase and the leader')
  t.match(sim.screen(), /\[1 Peers\]/, 'panel 1 first')
  // Held to real time, the partition (1 s to 2 s simulated) lasts about a second on the screen.
  await sim.shows('a peer cut off by the partition', /n\d\s+\w+\s+up\s+\S+\s+\d+\s+n\d n\d\s*$/m, 30_000)
  t.pass('panel 1 shows the isolated peer cut off from the two others, live')
  await sim.shows('the end of the run', /run over: every check held/, 60_000)
  t.pass('the bar gives the verdict once the run is over, and the screen stays')
  sim.keys('5')
  await sim.shows('the checks', /election-safety\s+held/)
  t.match(sim.screen(), /no-lost-acks\s+held/, 'panel 5: each checker held')
  sim.keys('3')
  await sim.shows('the leaders', /\d+ terms with a leader/)
  t.ok(Number(/(\d+) terms with a leader/.exec(sim.screen())![1]) >= 2, 'panel 3: the isolated leader was replaced in a later term')
  t.ok(sim.screen().trimEnd().split('\n').length <= 30, 'the frame fits the 30 rows')
  sim.keys('q')
  await sim.shows('sim to exit', /SIM-EXIT=\d+/, 20_000)
  t.match(sim.screen(), /SIM-EXIT=0/, 'q exits 0')
  t.match(sim.screen(), /Trace hash [0-9a-f]{16}/, 'the report is printed on the shell\'s screen')
  t.notMatch(sim.screen(), /\[\d (Peers|Checks)\]/, 'the alternate screen is gone')
})

t.test('q during the run stops it and exits 0', { skip }, async t => {
  const sim = session(t, 'stop', { ...SCENARIO, duration: '60s' })
  await sim.shows('the safety phase', /safety\s+leader/)
  sim.keys('q')
  await sim.shows('sim to exit', /SIM-EXIT=\d+/, 30_000)
  t.match(sim.screen(), /SIM-EXIT=0/, 'q exits 0')
  t.match(sim.screen(), /stopped before the end of the run: no verdict \(replay it with: bzzz-ctx sim --seed 5 --scenario /, 'and says the run was stopped, and how to replay it')
})
