// The soak (npm run sim:soak, outside npm test): seeds of random faults in turn, going on past a failure, each failure
// printed with the command that replays it, exit 1 on any; exit 0 when every check held; bad options exit 2.
import t from 'tap'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/paths.js'

const SOAK = join(PACKAGE_ROOT, 'dist', 'sim', 'soak.js')

async function soak (args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, [SOAK, ...args], { cwd: PACKAGE_ROOT })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', chunk => { stdout += String(chunk) })
  child.stderr.on('data', chunk => { stderr += String(chunk) })
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  return { code, stdout, stderr }
}

t.test('every failing seed is reported with its replay command, and the soak exits 1', async t => {
  const run = await soak(['--seeds', '2', '--from', '7', '--break', 'leak-role'])
  t.equal(run.code, 1, run.stderr)
  t.match(run.stderr, /^sim:soak: 2 seeds of random faults from seed 7, 5 nodes, broken: leak-role\n/)
  t.match(run.stderr, /\n {2}seed 7: FAILED: role-isolation .*; 1 of 2 run, 1 failed, \d+ s so far\n/, 'progress after each seed')
  t.match(run.stderr, /\n {2}seed 8: FAILED: role-isolation .*; 2 of 2 run, 2 failed, \d+ s so far\n/, 'it went on past the first failure')
  t.match(run.stdout, /^2 seeds \(7\.\.8\) in \d+ s, \d+\.\d s a seed: 2 failed:\n/, 'the count and the time')
  t.match(run.stdout, /\n {2}seed 7: role-isolation .*\n {4}replay: bzzz-ctx sim --seed 7 --random-faults --break leak-role\n/)
  t.match(run.stdout, /\n {2}seed 8: role-isolation .*\n {4}replay: bzzz-ctx sim --seed 8 --random-faults --break leak-role\n$/)
})

t.test('a soak whose every check held exits 0', async t => {
  const run = await soak(['--seeds', '1', '--from', '3'])
  t.equal(run.code, 0, run.stderr)
  t.match(run.stdout, /^1 seeds \(3\.\.3\) in \d+ s, \d+\.\d s a seed: every check held\.\n$/)
})

t.test('bad options: one line, exit 2', async t => {
  for (const args of [['--seeds', '0'], ['--from', '-1'], ['--seed', '1'], ['--break', 'everything']]) {
    const run = await soak(args)
    t.equal(run.code, 2, args.join(' '))
    t.match(run.stderr, /^sim:soak: .+\n$/)
  }
})
