// `sim --tui`'s screen with ink-testing-library: the events of a real short seeded run (3 peers, the leader isolated,
// then healed) fed to the sim view, at 80x24 and 160x50: peers and whom they are cut from, the partition, the leader
// per term, acknowledged writes and each checker's state, as the run goes and at its end; the frame fits the terminal.
import t, { type Test } from 'tap'
import React from 'react'
import { render } from 'ink-testing-library'
import { parseScenario } from '../../sim/scenario.js'
import { TUI_SCENARIO } from '../helpers/sim-tui-scenario.js'
import { runSimulation, type SimReport } from '../../sim/runner.js'
import { liveChecks, type SimEvent } from '../../sim/events.js'
import { SimApp, SIM_DRAW_MS, type SimFeed } from '../../src/tui/sim-app.js'
import { inkFrame, pause } from '../helpers/ink-frame.js'

const SCENARIO = parseScenario(TUI_SCENARIO)

const settle = async (ms = SIM_DRAW_MS * 3): Promise<void> => { await pause(ms) }

t.test('the events of a seeded run, shown as they come and at the end', async t => {
  const events: SimEvent[] = []
  const report: SimReport = await runSimulation({ scenario: SCENARIO, seed: 5, mode: 'memory', onEvent: event => { events.push(event) } })
  t.ok(report.ok, 'the run itself held every check')
  const partitioned = events.findIndex(e => e.kind === 'fault' && e.fault.kind.startsWith('partition'))
  t.ok(partitioned > 0, 'the simulator told the partition as it applied it')
  const cut = (events[partitioned] as Extract<SimEvent, { kind: 'fault' }>).fault
  const isolated = cut.targets[0]!
  t.same(cut.cut?.length, 2, `the isolated leader ${isolated} lost its 2 links`)

  for (const size of [{ columns: 80, rows: 24 }, { columns: 160, rows: 50 }]) {
    await t.test(`${size.columns}x${size.rows}`, async t => {
      // The feed holds the events up to the partition; the rest come when the test says.
      const listeners: Array<(event: SimEvent) => void> = []
      const feed: SimFeed = listener => { events.slice(0, partitioned + 1).forEach(listener); listeners.push(listener); return () => {} }
      let quit = 0
      const app = render(React.createElement(SimApp, { feed, size, color: false, onQuit: () => { quit++ } }))
      t.teardown(() => app.unmount())
      await settle()
      const { frame, keys, fits } = inkFrame(t, app, size, settle, 20)

      // During the partition.
      t.match(frame(), /safety\s+leader (n\d|none)/, 'the header: the phase and the cluster\'s leader')
      const others = ['n0', 'n1', 'n2'].filter(n => n !== isolated)
      t.match(frame(), new RegExp(`${isolated}\\b.*\\bup\\b.*${others.join(' ')}`), `panel 1: ${isolated} is cut off from ${others.join(' and ')}`)
      for (const other of others) t.match(frame(), new RegExp(`${other}\\b.*\\bup\\b.*\\b${isolated}\\s*$`, 'm'), `and ${other} from ${isolated}`)
      fits('peers during the partition')
      t.match(await keys('2'), new RegExp(`${cut.cut!.length} links cut`), 'panel 2: the partition in force now')
      t.match(frame(), new RegExp(`1\\.0 s\\s+partition isolate-leader ${isolated}: 2 links cut`), 'and the fault as applied, at 1.0 s')
      t.match(await keys('5'), /election-safety\s+holding/, 'panel 5: election safety is judged as the run goes')
      t.match(frame(), /no-lost-acks\s+pending/, 'no-lost-acks waits for the end of the run')
      fits('checks during the run')

      // The rest of the run.
      for (const event of events.slice(partitioned + 1)) for (const listener of listeners) listener(event)
      await settle()
      t.match(frame(), /run over: every check held/, 'the bar gives the verdict')
      for (const name of Object.keys(report.checks)) t.match(frame(), new RegExp(`${name}\\s+held`), `panel 5: ${name} held`)
      t.match(await keys('2'), /now: no partition/, 'panel 2: healed')
      t.match(frame(), /\d\.\d s\s+heal/, 'the heal is listed')
      const leaders = await keys('3')
      const terms = new Set(events.flatMap(e => e.kind === 'election' && e.state === 'leader' ? [e.term] : []))
      t.match(leaders, new RegExp(`${terms.size} terms with a leader`), `panel 3: the ${terms.size} terms that had a leader`)
      t.ok(terms.size >= 2, 'the isolated leader was replaced in a later term')
      const writes = await keys('4')
      t.match(writes, new RegExp(`${report.metrics.acked_writes} writes acknowledged`), `panel 4: the report's ${report.metrics.acked_writes} acknowledged writes`)
      t.match(writes, /acked\s+ucxl:\/\/sim\//, 'each with its address')
      fits('writes at the end')
      t.match(await keys('1'), /3 of 3 up/, 'panel 1: every peer up')
      t.match(await keys('/', 'n1', '\r'), /filter \/n1/, '/ filters panel 1')
      t.notMatch(frame(), /^\s*>?\s*n2\b/m, 'n2 is filtered out')
      await keys('\u001b')
      t.match(await keys('?'), /Help: Peers/, '? shows the panel\'s help')
      fits('help')
      await keys('x')
      await keys(':')
      t.notMatch(frame(), /^:/m, ': opens no command bar: a simulation has no commands')
      await keys('q')
      t.equal(quit, 1, 'q quits')
    })
  }
})

t.test('a checker that fails as the run goes shows VIOLATED at once', async t => {
  const leadership = [{ atMs: 10, node: 'a', term: 2, state: 'leader' as const }, { atMs: 20, node: 'b', term: 2, state: 'leader' as const }]
  const checks = liveChecks(['election-safety', 'no-lost-acks'], leadership, [])
  t.same(checks.map(c => c.state), ['violated', 'pending'], 'two leaders in term 2: violated; no-lost-acks still pending')
  const feed: SimFeed = listener => {
    listener({ kind: 'start', seed: 1, scenario: 'x', mode: 'memory', durationMs: 1000, peers: [{ name: 'n0', role: 'admin' }], checks: ['election-safety', 'no-lost-acks'] })
    listener({ kind: 'checks', atMs: 20, checks })
    return () => {}
  }
  const app = render(React.createElement(SimApp, { feed, size: { columns: 80, rows: 24 }, color: false }))
  t.teardown(() => app.unmount())
  await settle()
  t.match(app.lastFrame() ?? '', /VIOLATED: election-safety/, 'the bar names it on every panel')
})
