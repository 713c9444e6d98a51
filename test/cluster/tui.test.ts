// The real `bzzz-ctx tui` in tmux against three real daemons on 127.0.0.1: it shows the leader, and after the leader's
// daemon is killed (kill -9) it shows the departure, the new leader and the old one cut off, live; q exits 0.
import t from 'tap'
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BIN } from '../helpers/cli.js'
import { agreedLeader, startCluster, waitFor, waitForMesh, type TestPeer } from '../helpers/cluster.js'

const tmux = spawnSync('sh', ['-c', 'command -v tmux'], { encoding: 'utf8' }).stdout.trim()

function nodeIdOf (peer: TestPeer): string {
  return JSON.parse(readFileSync(join(peer.home, 'config.json'), 'utf8')).nodeId
}

t.test('the TUI follows a failover live', { skip: tmux === '' ? 'tmux is not installed (.ci/run installs it from Debian\'s packages)' : false }, async t => {
  const cluster = await startCluster(['developer', 'qa'], { project: 'tui' })
  t.teardown(() => cluster.stop())
  await waitForMesh(cluster)
  const first = await agreedLeader(cluster)
  const leader = cluster.peers.find(p => nodeIdOf(p) === first.leader)!
  const watcher = cluster.peers.find(p => p !== leader)!
  // A tmux server of its own: nothing of the person's sessions is touched, and it is killed at the end.
  const server = `bzzz-tui-${process.pid}`
  const run = (...args: string[]): string => execFileSync(tmux, ['-L', server, ...args], { encoding: 'utf8' })
  t.teardown(() => { try { run('kill-server') } catch {} })
  run('new-session', '-d', '-s', 'tui', '-x', '120', '-y', '30', '-e', 'NO_COLOR=1', '-e', 'CONTINUOUS_INTEGRATION=1',
    `${process.execPath} ${BIN} --home ${watcher.home} tui; echo TUI-EXIT=$?; sleep 120`)
  const screen = (): string => run('capture-pane', '-p', '-t', 'tui')
  const shows = async (what: string, pattern: RegExp, timeoutMs = 30_000): Promise<void> => {
    try {
      await waitFor(what, async () => pattern.test(screen()), timeoutMs)
    } catch (err) {
      t.comment(screen())
      throw err
    }
  }
  const old = first.leader.slice(0, 12)
  await shows('the first leader', new RegExp(`leader ${old} term ${first.term}`))
  t.pass(`the header shows the leader ${old} in term ${first.term}`)
  t.match(screen(), new RegExp(`${old} \\*\\s+\\w+\\s+leader`), 'panel 1 marks it')
  t.equal(screen().split('\n').filter(l => l !== '').length <= 30, true, 'the frame fits the 30 rows')

  process.kill(Number(readFileSync(join(leader.home, 'daemon.pid'), 'utf8')), 'SIGKILL')
  await shows('a new leader', new RegExp(`leader (?!${old})[0-9a-f]{12} term \\d+`), 60_000)
  const [, next, term] = /leader ([0-9a-f]{12}) term (\d+)/.exec(screen())!
  t.not(next, old, `the header shows the new leader ${next}`)
  t.ok(Number(term) > first.term, `in a later term (${first.term} -> ${term})`)
  const survivors = await agreedLeader({ peers: cluster.peers.filter(p => p !== leader) })
  t.equal(survivors.leader.slice(0, 12), next, 'the one the surviving daemons agree on')
  await shows('the old leader cut off', new RegExp(`${old}\\s+\\w+\\s+cut off`))
  t.pass('panel 1 shows the old leader cut off')

  run('send-keys', '-t', 'tui', '5')
  await shows('the events', new RegExp(`left\\s+${old}`))
  t.match(screen(), new RegExp(`election\\s+term \\d+: this peer is \\w+, leader ${next}`), 'panel 5 shows the departure and the election, as they happened')
  run('send-keys', '-t', 'tui', 'q')
  await shows('the TUI to exit', /TUI-EXIT=\d+/, 10_000)
  t.match(screen(), /TUI-EXIT=0/, 'q exits 0, and the shell\'s screen is back')
  t.notMatch(screen(), /\[1 Cluster\]|\[5 Events\]/, 'the alternate screen is gone')
})
