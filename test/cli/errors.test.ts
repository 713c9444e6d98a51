// Bad input: one clear line on stderr, the documented exit code, nothing damaged.
import t, { type Test } from 'tap'
import { cpSync, writeFileSync, readFileSync, rmSync, chmodSync, chownSync, mkdirSync } from 'node:fs'
import { execFileSync, spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { BIN, cli, cliProcess, tempHome } from '../helpers/cli.js'

function oneLine (t: Test, stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n')
  t.equal(lines.length, 1, `one line on stderr: ${JSON.stringify(stderr)}`)
  t.match(lines[0], /^bzzz-ctx: /)
  t.match(lines[0], pattern)
}

t.test('no home: exit 5 and the way out', async t => {
  const home = tempHome()
  for (const args of [['status'], ['retrieve', 'ucxl://p/a.py', '--role', 'viewer'], ['generate', '.']]) {
    const run = await cli(['--home', home, ...args])
    t.equal(run.code, 5, `${args[0]} exits 5`)
    oneLine(t, run.stderr, /run `bzzz-ctx init/)
  }
  const json = await cli(['--home', home, 'status', '--json'])
  t.same(json.json, { error: { code: 'NO_HOME', message: json.stderr.trim().replace(/^bzzz-ctx: /, '') } }, '--json also prints the error object')

  // A home without a daemon: node stop says there is nothing to stop (it advised starting one), exit 5.
  const lone = join(dirname(home), 'lone')
  t.equal((await cli(['--home', lone, 'init', '--cluster', 'c', '--role', 'admin'])).code, 0)
  const stop = await cli(['--home', lone, 'node', 'stop'])
  t.equal(stop.code, 5, 'node stop without a daemon')
  oneLine(t, stop.stderr, /no daemon runs for .*lone: nothing to stop$/)

  // A home that is a file, or below one: said so (it was "run init", and init then failed with EEXIST), exit 2.
  const file = join(dirname(home), 'not-a-home')
  writeFileSync(file, 'x')
  for (const [args, pattern] of [[['status'], /the home .*not-a-home is a file, not a directory/], [['init', '--cluster', 'c', '--role', 'admin'], /cannot create the directory .*not-a-home: it, or a folder above it, is a file/]] as const) {
    const run = await cli(['--home', file, ...args])
    t.equal(run.code, 2, `${args[0]} on a file exits 2`)
    oneLine(t, run.stderr, pattern)
  }
  const below = await cli(['--home', join(file, 'sub'), 'init', '--cluster', 'c', '--role', 'admin'])
  t.equal(below.code, 2, 'init below a file exits 2')
  oneLine(t, below.stderr, /it, or a folder above it, is a file/)
  t.equal(readFileSync(file, 'utf8'), 'x', 'the file is untouched')
})

t.test('bad usage: unknown command, unknown flag, missing argument, bad depth: exit 2', async t => {
  const home = tempHome()
  t.equal((await cli(['init', '--cluster', 'c', '--role', 'admin', '--home', home])).code, 0)
  const cases: Array<[string[], RegExp]> = [
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['status', '--frob'], /unknown option '--frob'/],
    [['retrieve'], /missing required argument 'address'/],
    [['retrieve', 'ucxl://p/a', '--depth', 'x'], /--depth must be a whole number/],
    [['retrieve', 'ucxl://p/a', '--depth', '999'], /--depth must be from 0 to 256/],
    [['sync', '--timeout', '-1'], /--timeout must be from 1 to 3600, not -1$/],
    [['generate', '.', '--priority', 'urgent'], /priority/],
    [['init', '--cluster', 'x'], /missing --role/],
    [['init', '--join', 'abc'], /neither an invite/],
    [['init', '--cluster', 'again', '--role', 'admin'], /already exists/]
  ]
  for (const [args, pattern] of cases) {
    const run = await cli(['--home', home, ...args])
    t.equal(run.code, 2, `${args.join(' ')} exits 2`)
    oneLine(t, run.stderr, pattern)
  }
  // An empty --home (an unset variable) is refused, not taken for $BZZZ_HOME's home: that is another peer's.
  for (const args of [['--home', '', 'status'], ['--home', ' ', 'retrieve', 'ucxl://p/a'], ['status', '--home', '']]) {
    const run = await cli(args, { BZZZ_HOME: home })
    t.equal(run.code, 2, `${JSON.stringify(args)} exits 2`)
    oneLine(t, run.stderr, /--home is empty/)
  }
})

t.test('bad input to retrieve and distribute', async t => {
  const home = tempHome()
  await cli(['--home', home, 'init', '--cluster', 'c', '--role', 'developer'])
  const dir = dirname(home)
  const good = join(dir, 'good.json')
  writeFileSync(good, JSON.stringify({ address: 'ucxl://p/src/a.go', kind: 'file', summary: 'A', insights: [{ role: 'security', text: 'S' }] }))
  t.equal((await cli(['--home', home, 'distribute', '--file', good, '--roles', 'developer'])).code, 0)

  const cases: Array<[string[], number, RegExp]> = [
    [['retrieve', 'ucxl://p/../x', '--role', 'developer'], 2, /bad address .*"\.\." segment/],
    [['retrieve', 'ucxl://P/x', '--role', 'developer'], 2, /lower-case/],
    [['retrieve', 'ucxl://p/src/a.go', '--role', 'wizard'], 2, /unknown role "wizard"/],
    [['retrieve', 'ucxl://p/src/missing.go', '--role', 'developer'], 4, /no context for ucxl:\/\/p\/src\/missing\.go: run `bzzz-ctx generate` on it first$/],
    // A path given from below the root the generate addressed from: the address it may have meant.
    [['retrieve', 'ucxl://p/a.go', '--role', 'developer'], 4, /no context for ucxl:\/\/p\/a\.go: did you mean ucxl:\/\/p\/src\/a\.go\? \(a generate addresses files from the root of the git work tree/],
    [['retrieve', 'ucxl://q/src/a.go', '--role', 'developer'], 4, /no context for ucxl:\/\/q\/src\/a\.go: did you mean ucxl:\/\/p\/src\/a\.go, in another project\?$/],
    [['retrieve', 'ucxl://p/src/a.go', '--role', 'security'], 3, /may not read/],
    [['distribute', '--file', join(dir, 'nope.json')], 4, /no such file/],
    [['distribute', '--file', dir], 2, /is a directory/],
    [['distribute', '--file', good, '--roles', 'developer,wizard'], 2, /unknown role "wizard"/],
    [['distribute'], 2, /missing --file/]
  ]
  for (const [args, code, pattern] of cases) {
    const run = await cli(['--home', home, ...args])
    t.equal(run.code, code, `${args.join(' ')} exits ${code}`)
    oneLine(t, run.stderr, pattern)
  }

  const malformed = join(dir, 'bad.json')
  writeFileSync(malformed, '{"address": "ucxl://p/a", "kind": "file",')
  let run = await cli(['--home', home, 'distribute', '--file', malformed])
  t.equal(run.code, 2)
  oneLine(t, run.stderr, /is not valid JSON/)
  writeFileSync(malformed, JSON.stringify({ address: 'ucxl://p/a', kind: 'file', symbols: [{ name: 'x', kind: 'function', line: -1 }], insights: [{ level: 'cosmic', text: 'y' }] }))
  run = await cli(['--home', home, 'distribute', '--file', malformed])
  t.equal(run.code, 2)
  oneLine(t, run.stderr, /symbols\[0\]\.line must be a positive whole number; insights\[0\]\.level must be one of/)
  // A misspelt role would seal a security note at the default level, internal, for every developer: refused.
  for (const role of ['Security', 'securty']) {
    writeFileSync(malformed, JSON.stringify({ address: 'ucxl://p/src/a.go', kind: 'file', insights: [{ role, text: 'hard-coded key on line 3' }] }))
    run = await cli(['--home', home, 'distribute', '--file', malformed])
    t.equal(run.code, 2, `insight role ${role}`)
    oneLine(t, run.stderr, new RegExp(`insights\\[0\\]\\.role "${role}" is not a role of this cluster \\(viewer, developer`))
  }
  writeFileSync(malformed, JSON.stringify({ address: 'ucxl://p/src/a.go', kind: 'file', insights: [{ text: 'for whom?' }] }))
  run = await cli(['--home', home, 'distribute', '--file', malformed])
  t.equal(run.code, 2)
  oneLine(t, run.stderr, /insights\[0\] needs a role or a level/)

  // A device or a named pipe is refused before it is opened (a pipe nobody writes to held the command forever); bytes
  // that are not UTF-8 are refused, not stored as U+FFFD; a byte-order mark, as some editors write, is read past.
  run = await cli(['--home', home, 'distribute', '--file', '/dev/zero'])
  t.equal(run.code, 2, '/dev/zero')
  oneLine(t, run.stderr, /\/dev\/zero is a character device, not a file: save the record in a file/)
  const fifo = join(dirname(home), 'record.fifo')
  execFileSync('mkfifo', [fifo])
  const piped = await cliProcess(['--home', home, 'distribute', '--file', fifo], {}, 20_000)
  t.equal(piped.code, 2, 'a named pipe: exit 2, at once')
  oneLine(t, piped.stderr, /record\.fifo is a named pipe, not a file/)
  writeFileSync(malformed, Buffer.concat([Buffer.from('{"address":"ucxl://p/src/b.go","kind":"file","summary":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]))
  run = await cli(['--home', home, 'distribute', '--file', malformed])
  t.equal(run.code, 2, 'Latin-1 bytes')
  oneLine(t, run.stderr, /is not UTF-8 text/)
  writeFileSync(malformed, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ address: 'ucxl://p/src/b.go', kind: 'file', summary: 'café' }))]))
  run = await cli(['--home', home, 'distribute', '--file', malformed])
  t.equal(run.code, 0, `a byte-order mark is read past: ${run.stderr}`)
  t.equal((await cli(['--home', home, 'retrieve', 'ucxl://p/src/b.go', '--role', 'developer', '--json'])).json.context.summary, 'café')

  const after = await cli(['--home', home, 'retrieve', 'ucxl://p/src/a.go', '--role', 'developer', '--json'])
  t.equal(after.code, 0, 'nothing damaged: the record is still there')
  t.equal(after.json.context.summary, 'A')
})

t.test('a corrupt or missing key file: exit 1 with the file named, and nothing else touched', async t => {
  const home = tempHome()
  await cli(['--home', home, 'init', '--cluster', 'c', '--role', 'admin'])
  const nodeFile = join(home, 'keys', 'node.json')
  const rolesFile = join(home, 'keys', 'roles.json')
  t.equal((readFileSync(nodeFile) && (await import('node:fs')).statSync(nodeFile).mode & 0o777), 0o600, 'key file mode 0600')
  const saved = readFileSync(rolesFile)
  writeFileSync(rolesFile, saved.subarray(0, saved.length / 2))
  let run = await cli(['--home', home, 'status'])
  t.equal(run.code, 1)
  oneLine(t, run.stderr, /roles\.json/)
  writeFileSync(rolesFile, saved)
  t.equal((await cli(['--home', home, 'status'])).code, 0, 'restored, it works again')
  rmSync(nodeFile)
  run = await cli(['--home', home, 'status'])
  t.equal(run.code, 1)
  oneLine(t, run.stderr, /node\.json/)
  const config = join(home, 'config.json')
  writeFileSync(config, '{"format":1')
  run = await cli(['--home', home, 'status'])
  t.equal(run.code, 1)
  oneLine(t, run.stderr, /config.*not valid JSON/)
  chmodSync(config, 0o600)
  rmSync(config)
  run = await cli(['--home', home, 'status'])
  t.equal(run.code, 1, 'keys without a config: a damaged home, not a missing one')
  oneLine(t, run.stderr, /has keys but no config\.json: restore config\.json/)
})

t.test('a damaged election.json: the daemon refuses to start (a forgotten vote could elect two leaders), the file kept', async t => {
  const home = tempHome()
  t.equal((await cli(['--home', home, 'init', '--cluster', 'c', '--role', 'admin'])).code, 0)
  const vote = join(home, 'election.json')
  for (const text of ['garbage', '{"term":-1,"votedFor":null}', '{"term":3,"votedFor":"nope"}']) {
    writeFileSync(vote, text)
    const run = await cliProcess(['--home', home, 'node', 'start', '--bootstrap', '127.0.0.1:9', '--host', '127.0.0.1'], {}, 30_000)
    t.equal(run.code, 1, text)
    oneLine(t, run.stderr, /election\.json is damaged: it keeps this peer's election term and vote/)
    t.equal(readFileSync(vote, 'utf8'), text, 'left as it was')
  }
  // Detached, the start fails with the daemon's own exit code and its message.
  const detached = await cliProcess(['--home', home, 'node', 'start', '--detach', '--bootstrap', '127.0.0.1:9', '--host', '127.0.0.1'], {}, 40_000)
  t.equal(detached.code, 1)
  oneLine(t, detached.stderr, /the daemon exited at start \(code 1\): .*election\.json is damaged/)
})

t.test('node start --host that is not an address of this machine: exit 2 at once, never a daemon hung on "unexpected failure"', async t => {
  const home = tempHome()
  t.equal((await cli(['--home', home, 'init', '--cluster', 'c', '--role', 'admin'])).code, 0)
  // It was: "unexpected failure: address not available" and the process never exited (--detach: 30 s, then exit 5).
  for (const [host, pattern] of [['192.0.2.1', /192\.0\.2\.1 is not an address of this machine: choose another with --host/], ['foo', /--host must be an IP address of this machine, not "foo"/]] as const) {
    for (const detach of [[], ['--detach']]) {
      const started = Date.now()
      const run = await cliProcess(['--home', home, 'node', 'start', ...detach, '--bootstrap', '127.0.0.1:9', '--host', host], {}, 20_000)
      t.equal(run.code, 2, `--host ${host} ${detach.join('')}`)
      oneLine(t, run.stderr, pattern)
      t.ok(Date.now() - started < 15_000, 'at once')
    }
  }
  t.equal((await cli(['--home', home, 'elect'])).code, 5, 'no daemon was left running')
})

/** A new home (admin) holding one record, ucxl://p/ with summary P. */
async function homeWithARecord (t: Test): Promise<string> {
  const home = tempHome()
  t.equal((await cli(['--home', home, 'init', '--cluster', 'c', '--role', 'admin'])).code, 0)
  const record = join(dirname(home), 'r.json')
  writeFileSync(record, JSON.stringify({ address: 'ucxl://p/', kind: 'project', summary: 'P' }))
  t.equal((await cli(['--home', home, 'distribute', '--file', record])).code, 0)
  return home
}

t.test('a copied home is refused with the reason and the way out; the original still works', async t => {
  const home = await homeWithARecord(t)
  const copy = join(dirname(home), 'copy')
  cpSync(home, copy, { recursive: true })
  const run = await cli(['--home', copy, 'status'])
  t.equal(run.code, 1, 'exit 1')
  oneLine(t, run.stderr, /is a copy of another .*moved to another file system, and a copy would fork its original's log\. Within one file system a home can be moved \(mv\); otherwise init a new home and join/)
  const original = await cli(['--home', home, 'retrieve', 'ucxl://p/', '--role', 'viewer', '--json'])
  t.equal(original.code, 0, 'the original opens')
  t.equal((original.json as { context: { summary: string } }).context.summary, 'P')
})

t.test('a copied home stays refused without its marker file; a damaged marker in the original is damage, not a copy', async t => {
  const home = await homeWithARecord(t)
  const other = join(dirname(home), 'other.json')
  writeFileSync(other, JSON.stringify({ address: 'ucxl://p/', kind: 'project', summary: 'Q' }))
  const copyPattern = /is a copy of another .*a copy would fork its original's log/

  // The marker deleted from a copy (cp -a keeps inodes nowhere): the copy is still a copy, and writes nothing.
  const copy = join(dirname(home), 'copy')
  cpSync(home, copy, { recursive: true })
  rmSync(join(copy, 'store', 'CORESTORE'))
  for (const args of [['distribute', '--file', other], ['status'], ['distribute', '--file', other]]) {
    const run = await cliProcess(['--home', copy, ...args])
    t.equal(run.code, 1, `the copy without its marker: ${args[0]} exits 1`)
    oneLine(t, run.stderr, copyPattern)
  }
  // Garbage in a copy's marker: a copy all the same.
  const garbled = join(dirname(home), 'garbled')
  cpSync(home, garbled, { recursive: true })
  writeFileSync(join(garbled, 'store', 'CORESTORE'), 'garbage\n')
  const garbledRun = await cliProcess(['--home', garbled, 'distribute', '--file', other])
  t.equal(garbledRun.code, 1)
  oneLine(t, garbledRun.stderr, copyPattern)

  // Garbage in the original's marker: said to be damage, with the way out; reading goes on meanwhile.
  writeFileSync(join(home, 'store', 'CORESTORE'), 'garbage\n')
  const damaged = await cliProcess(['--home', home, 'distribute', '--file', other])
  t.equal(damaged.code, 1, 'a writer is refused')
  oneLine(t, damaged.stderr, /is this home's own, but its marker file .*CORESTORE is damaged .*delete that file and run this again/)
  t.notMatch(damaged.stderr, /copy/, 'not called a copy')
  const read = await cliProcess(['--home', home, 'retrieve', 'ucxl://p/', '--role', 'viewer', '--json'])
  t.equal(read.json?.context?.summary, 'P', 'the original is read meanwhile')
  // The way out works: the marker made anew, the original writes again.
  rmSync(join(home, 'store', 'CORESTORE'))
  t.equal((await cliProcess(['--home', home, 'distribute', '--file', other])).code, 0, 'the original writes once its marker is gone')
  const after = await cliProcess(['--home', home, 'retrieve', 'ucxl://p/', '--role', 'viewer', '--json'])
  t.equal(after.json?.context?.summary, 'Q')
  const stillCopy = await cliProcess(['--home', copy, 'status'])
  t.equal(stillCopy.code, 1, 'and the copy stays refused')
  oneLine(t, stillCopy.stderr, copyPattern)
})

t.test('an empty argument is refused, never read as "here" or "the root"; a URL of another scheme is named as such', async t => {
  const home = tempHome()
  t.equal((await cli(['--home', home, 'init', '--cluster', 'c', '--role', 'admin', '--project', 'shop'])).code, 0)
  for (const [args, pattern] of [
    [['generate', ''], /the PATH argument is empty/],
    [['retrieve', ''], /the ADDRESS argument is empty/],
    [['retrieve', '  '], /the ADDRESS argument is empty/],
    [['history', ''], /the ADDRESS argument is empty/],
    [['decide', '', '--title', 't', '--rationale', 'r'], /the ADDRESS argument is empty/]
  ] as Array<[string[], RegExp]>) {
    const run = await cli(['--home', home, ...args])
    t.equal(run.code, 2, args.join(' '))
    oneLine(t, run.stderr, pattern)
  }
  const url = await cli(['--home', home, 'retrieve', 'http://shop/x'])
  t.equal(url.code, 2)
  oneLine(t, url.stderr, /bad address "http:\/\/shop\/x": it must start with ucxl:\/\//)
})

t.test('invite: -q prints the invite alone; an --out that cannot be written fails before the roster grows', async t => {
  const home = tempHome()
  t.equal((await cli(['--home', home, 'init', '--cluster', 'c', '--role', 'admin'])).code, 0)
  const members = (): number => (JSON.parse(readFileSync(join(home, 'roster.json'), 'utf8')) as { members: string[] }).members.length
  const before = members()
  const bad = await cli(['--home', home, 'invite', '--role', 'viewer', '--out', join(home, 'no', 'such', 'dir', 'v.invite')])
  t.equal(bad.code, 2)
  oneLine(t, bad.stderr, /--out .*: its directory does not exist/)
  t.equal(members(), before, 'no voter added for an invite nobody got')
  // An --out that is a directory: it was "unexpected failure: EISDIR" (exit 1), with a voter added that nobody could become.
  const dir = await cli(['--home', home, 'invite', '--role', 'viewer', '--out', dirname(home), '--json'])
  t.equal(dir.code, 2, '--out a directory exits 2')
  oneLine(t, dir.stderr, /--out .* is a directory: give a file name/)
  t.same(dir.json, { error: { code: 'BAD_USAGE', message: dir.stderr.trim().replace(/^bzzz-ctx: /, '') } })
  t.equal(members(), before, 'no voter added for it either')
  const quiet = await cli(['--home', home, '-q', 'invite', '--role', 'viewer'])
  t.equal(quiet.code, 0)
  t.match(quiet.stdout, /^bzzz1:[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/, 'the invite, and nothing else')
  t.equal(members(), before + 1)
  t.equal((await cli(['--home', tempHome(), 'init', '--join', quiet.stdout.trim()])).code, 0, 'and it can be redeemed')
})

t.test('a missing command is bad usage (exit 2) with the help on stderr; a multi-line decision title is refused', async t => {
  // bzzz-ctx alone: one line and where to look, not 55 lines of help; --help still shows them all.
  for (const args of [[], ['--json'], ['--home', '/tmp/x']]) {
    const run = await cli(args)
    t.equal(run.code, 2, `bzzz-ctx ${args.join(' ')}`)
    oneLine(t, run.stderr, /^bzzz-ctx: no command given: try `bzzz-ctx demo`, or see bzzz-ctx --help/)
  }
  const help = await cli(['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /^Usage: bzzz-ctx/)
  t.ok(help.stdout.split('\n').length > 20, 'the whole help')
  for (const args of [['node'], ['elect', 'help']]) {
    const run = await cli(args)
    if (args.includes('help')) { t.equal(run.code, 0, 'asking for help is no error'); continue }
    t.equal(run.code, 2, `bzzz-ctx ${args.join(' ')}`)
    t.match(run.stderr, /^Usage: bzzz-ctx/)
    t.equal(run.stdout, '')
  }
  for (const [args, pattern] of [
    [['elect', 'bogus'], /^unknown elect command 'bogus': use one of status, campaign, resign, promote, demote \(see bzzz-ctx elect --help\)$/],
    [['--json', 'queue', 'bogus', '--all'], /^unknown queue command 'bogus': use one of ls, status/],
    [['node', 'bogus'], /^unknown node command 'bogus'/]
  ] as Array<[string[], RegExp]>) {
    const run = await cli(args)
    t.equal(run.code, 2, args.join(' '))
    t.match(run.stderr.replace(/^bzzz-ctx: /, '').trim(), pattern)
  }
  const home = tempHome()
  t.equal((await cli(['--home', home, 'init', '--cluster', 'c', '--role', 'admin', '--project', 'shop'])).code, 0)
  const run = await cli(['--home', home, 'decide', 'ucxl://shop/x', '--title', 'line one\nline two', '--rationale', 'r'])
  t.equal(run.code, 2)
  oneLine(t, run.stderr, /--title must be one line/)
})

t.test('a home that cannot be made: one line naming the directory, at once (under /proc Node\'s own mkdir -p never returned)', async t => {
  // (A home below a file is bad usage, exit 2: see "no home".)
  const home = '/proc/bzzz-ctx-test/home'
  const run = await cliProcess(['--home', home, 'init', '--cluster', 'c', '--role', 'admin'], {}, 20_000)
  t.equal(run.code, 1, home)
  t.match(run.stderr, new RegExp(`^bzzz-ctx: cannot create the directory ${home.replace(/[/.]/g, '\\$&')} \\(ENOENT\\): choose a writable place`))
  const huge = await cli(['--home', tempHome(), 'retrieve', 'ucxl://p/a', '--depth', '99999999999999999999'])
  t.equal(huge.code, 2)
  oneLine(t, huge.stderr, /--depth must be from 0 to \d+, not 99999999999999999999$/)
})

t.test('a decision too large for the log is refused before anything is written, and the home stays usable', async t => {
  const home = tempHome()
  t.equal((await cli(['--home', home, 'init', '--cluster', 'c', '--role', 'admin', '--project', 'shop'])).code, 0)
  const first = await cli(['--home', home, 'decide', 'ucxl://shop/a', '--title', 'First', '--rationale', 'r', '--json'])
  t.equal(first.code, 0)
  const addresses = (n: number, chars = 1): string[] => Array.from({ length: n }, (_, i) => `ucxl://shop/${'p'.repeat(chars)}${i}`)
  const cases: Array<[string, string[], RegExp]> = [
    ['257 addresses', [...addresses(257), '--title', 't', '--rationale', 'r'], /affects at most 256 addresses \(257 given\)/],
    ['257 links', ['ucxl://shop/a', '--title', 't', '--rationale', 'r', '--influenced-by', Array.from({ length: 257 }, (_, i) => `d-link${String(i).padStart(6, '0')}`).join(',')], /--influenced-by names at most 256 decisions/],
    ['a header over 64 KiB', [...addresses(250, 900), '--title', 't', '--rationale', 'r'], /is too large: its header is \d+ bytes, over 65536/],
    ['a 5000-character address', [`ucxl://shop/${'q'.repeat(5000)}`, '--title', 't', '--rationale', 'r'], /not a UCXL address|bad address/]
  ]
  for (const [what, args, pattern] of cases) {
    const run = await cli(['--home', home, 'decide', ...args])
    t.equal(run.code, 2, `${what}: exit 2`)
    oneLine(t, run.stderr, pattern)
    t.ok(run.stderr.length < 400, `${what}: the message does not echo the input whole (${run.stderr.length} characters)`)
  }
  // 256 addresses are within the limit, and every command still works on the home.
  t.equal((await cli(['--home', home, 'decide', ...addresses(256), '--title', 'Many', '--rationale', 'r'])).code, 0, '256 addresses are written')
  t.equal((await cli(['--home', home, 'status'])).code, 0, 'status still works')
  const hops = await cli(['--home', home, 'hops', first.json.id, '--json'])
  t.equal(hops.code, 0, 'the earlier decision is still there')
})

t.test('titles: 200 characters as a person counts them, one line, no text-direction tricks', async t => {
  const home = tempHome()
  t.equal((await cli(['--home', home, 'init', '--cluster', 'c', '--role', 'admin', '--project', 'shop'])).code, 0)
  const decide = async (title: string): Promise<Awaited<ReturnType<typeof cli>>> => await cli(['--home', home, 'decide', 'ucxl://shop/a', '--title', title, '--rationale', 'r'])
  t.equal((await decide('🚀'.repeat(200))).code, 0, '200 emoji are 200 characters')
  const over = await decide('🚀'.repeat(201))
  t.equal(over.code, 2)
  oneLine(t, over.stderr, /--title must be 1 to 200 characters \(201 given\)/)
  for (const [what, title] of [['a line separator', 'one\u2028two'], ['a right-to-left override', 'safe\u202Egnp.exe'], ['a carriage return', 'one\rtwo']]) {
    const run = await decide(title)
    t.equal(run.code, 2, what)
    oneLine(t, run.stderr, /--title must be one line/)
  }
})

t.test('words from other members reach the terminal as text: escapes are shown, not obeyed (--json keeps them exact)', async t => {
  const home = tempHome()
  t.equal((await cli(['--home', home, 'init', '--cluster', 'c', '--role', 'admin', '--project', 'shop'])).code, 0)
  const hostile = 'clear\u001b[2Jscreen\u001b[31mred\rover\u202Eltr'
  const file = join(dirname(home), 'hostile.json')
  writeFileSync(file, JSON.stringify({ address: 'ucxl://shop/h.py', kind: 'file', summary: hostile }))
  t.equal((await cli(['--home', home, 'distribute', '--file', file, '--roles', 'developer'])).code, 0)
  t.equal((await cli(['--home', home, 'decide', 'ucxl://shop/h.py', '--title', 'T', '--rationale', hostile])).code, 0)
  for (const args of [['retrieve', 'ucxl://shop/h.py', '--role', 'developer'], ['history', 'ucxl://shop/h.py'], ['hops', 'ucxl://shop/h.py']]) {
    const run = await cli(['--home', home, ...args])
    t.equal(run.code, 0, args[0])
    t.notMatch(run.stdout, /\u001b\[2J|\r|\u202E/, `${args[0]}: no raw screen-clearing escape, carriage return or direction override`)
    if (args[0] !== 'hops') t.match(run.stdout, /clear\\x1b\[2Jscreen\\x1b\[31mred/, `${args[0]}: the escapes are shown, a colour too: the output is not coloured on a pipe`)
  }
  const json = await cli(['--home', home, 'retrieve', 'ucxl://shop/h.py', '--role', 'developer', '--json'])
  t.equal(json.json.context.summary, hostile, '--json gives the exact text')
  const bad = await cli(['--home', home, 'retrieve', `ucxl://shop/x\u001b[2J`, '--role', 'developer'])
  t.equal(bad.code, 2)
  t.notMatch(bad.stderr, /\u001b/, 'an error quoting the input escapes it')
})

t.test('without a daemon readers share a home: ten at once all answer, beside a writer too; a second writer waits, then names the holder', async t => {
  const home = tempHome()
  t.equal((await cli(['--home', home, 'init', '--cluster', 'c', '--role', 'admin', '--project', 'shop'])).code, 0)
  // Ten at once on a home whose store is not made yet: the first makes it, the others wait for it or read it.
  const fresh = await Promise.all(Array.from({ length: 10 }, async () => await cliProcess(['--home', home, 'status', '--json'])))
  t.same(fresh.map(run => run.code), Array(10).fill(0), `ten statuses on a fresh home: ${fresh.map(run => run.stderr).join('')}`)
  const record = join(dirname(home), 'r.json')
  writeFileSync(record, JSON.stringify({ address: 'ucxl://shop/', kind: 'project', summary: 'P' }))
  t.equal((await cli(['--home', home, 'distribute', '--file', record])).code, 0)
  const retrieve = ['--home', home, 'retrieve', 'ucxl://shop/', '--role', 'viewer', '--json']
  const ten = await Promise.all(Array.from({ length: 10 }, async () => await cliProcess(retrieve)))
  t.same(ten.map(run => run.code), Array(10).fill(0), `ten retrieves at once: ${ten.map(run => run.stderr).join('')}`)
  t.same(ten.map(run => run.json?.context?.summary), Array(10).fill('P'), 'each read the record')

  const { LocalPeer } = await import('../../src/node/local-peer.js')
  const busy = await LocalPeer.open(home)
  let released = false
  try {
    for (const args of [['status'], ['retrieve', 'ucxl://shop/', '--role', 'viewer'], ['history', 'ucxl://shop/']]) {
      const run = await cliProcess(['--home', home, ...args])
      t.equal(run.code, 0, `${args[0]} reads while another process writes: ${run.stderr}`)
    }
    const started = Date.now()
    const writer = await cliProcess(['--home', home, '--json', 'generate', dirname(home)])
    t.equal(writer.code, 5, 'a second writer: exit 5, unavailable')
    t.ok(Date.now() - started >= 4_000, 'after waiting for the store a while')
    oneLine(t, writer.stderr, new RegExp(`the store at .* is in use by process ${process.pid} \\(\`.*\`\\): .*run this again once it has finished$`))
    t.equal(writer.json?.error?.code, 'UNAVAILABLE', 'code UNAVAILABLE, not CORRUPT')
    // A writer that comes while the store is held briefly waits for it, and then writes.
    const waiting = cliProcess(['--home', home, 'distribute', '--file', record, '--roles', 'viewer'])
    await new Promise(resolve => setTimeout(resolve, 1_500))
    await busy.close()
    released = true
    const waited = await waiting
    t.equal(waited.code, 0, `the waiting writer wrote once the store was let go: ${waited.stderr}`)
  } finally {
    if (!released) await busy.close()
  }
  t.equal((await cli(['--home', home, 'status'])).code, 0, 'once the other command has finished, the home opens')
})

t.test('a log that lost entries its view was built from is refused: nothing is written over it (a fork), one line says why', async t => {
  const home = tempHome()
  t.equal((await cli(['--home', home, 'init', '--cluster', 'c', '--role', 'admin', '--project', 'shop'])).code, 0)
  const record = join(dirname(home), 'r.json')
  writeFileSync(record, JSON.stringify({ address: 'ucxl://shop/a', kind: 'directory', summary: 'A' }))
  t.equal((await cli(['--home', home, 'distribute', '--file', record])).code, 0)
  // What a damaged or deleted database leaves: the log shorter than the view's checkpoint says it was (two entries: the
  // solo term's entry, then the record).
  const { default: Corestore } = await import('corestore')
  const corestore = new Corestore(join(home, 'store'))
  const log = corestore.get({ name: 'log' })
  await log.ready()
  await (log as unknown as { truncate: (length: number) => Promise<void> }).truncate(0)
  await corestore.close()
  for (const args of [['status'], ['retrieve', 'ucxl://shop/a', '--role', 'viewer'], ['distribute', '--file', record]]) {
    const run = await cli(['--home', home, ...args])
    t.equal(run.code, 1, `${args[0]}: exit 1`)
    oneLine(t, run.stderr, /is damaged: this peer's log holds 0 of the 2 entries its view was built from .*would fork the log\. Move the home aside and init a new one/)
  }
  const corestoreAgain = new Corestore(join(home, 'store'))
  const logAgain = corestoreAgain.get({ name: 'log' })
  await logAgain.ready()
  t.equal(logAgain.length, 0, 'nothing was appended to the damaged log')
  await corestoreAgain.close()

  // The whole database gone, the view's checkpoint kept: this peer's log comes back with a new key, and the view
  // still points into the old one (every retrieve failed on "block 0 is missing", while status said all was well).
  const whole = tempHome()
  t.equal((await cli(['--home', whole, 'init', '--cluster', 'c', '--role', 'admin', '--project', 'shop'])).code, 0)
  t.equal((await cli(['--home', whole, 'distribute', '--file', record])).code, 0)
  rmSync(join(whole, 'store', 'db'), { recursive: true })
  for (const args of [['status'], ['retrieve', 'ucxl://shop/a', '--role', 'viewer']]) {
    const run = await cli(['--home', whole, ...args])
    t.equal(run.code, 1, `${args[0]} without the store's database: exit 1`)
    oneLine(t, run.stderr, /is damaged: it holds 0 of the 2 entries of log [0-9a-f]{12} its view was built from \(was store\/db deleted or damaged\?\)/)
  }
})

t.test('a roster that is damaged or gone never makes one of several members its own leader, nor shrinks at the next invite', async t => {
  const admin = tempHome()
  t.equal((await cli(['--home', admin, 'init', '--cluster', 'c', '--role', 'admin', '--project', 'shop'])).code, 0)
  const invite = await cli(['--home', admin, '-q', 'invite', '--role', 'developer'])
  t.equal(invite.code, 0)
  const dev = tempHome()
  t.equal((await cli(['--home', dev, 'init', '--join', invite.stdout.trim()])).code, 0)
  const record = join(dirname(dev), 'r.json')
  writeFileSync(record, JSON.stringify({ address: 'ucxl://shop/a', kind: 'directory', summary: 'A' }))

  // Gone (a home from before rosters has none): the members are still the admin and this peer.
  rmSync(join(dev, 'roster.json'))
  let run = await cli(['--home', dev, 'distribute', '--file', record])
  t.equal(run.code, 5, 'a member without its roster does not write as its own leader')
  oneLine(t, run.stderr, /this peer is one of 2 members of cluster "c": distribute goes through its leader/)
  t.equal((await cli(['--home', dev, 'status', '--json'])).json.members, 2)

  // Damaged: refused with the file named, and left as it was.
  const rosterFile = join(admin, 'roster.json')
  const damaged = readFileSync(rosterFile, 'utf8').slice(0, 40)
  writeFileSync(rosterFile, damaged)
  for (const args of [['status'], ['distribute', '--file', record], ['invite', '--role', 'viewer']]) {
    run = await cli(['--home', admin, ...args])
    t.equal(run.code, 1, `${args[0]}: exit 1`)
    oneLine(t, run.stderr, /the roster .*roster\.json is damaged \(.*\): restore it from a backup/)
  }
  t.equal(readFileSync(rosterFile, 'utf8'), damaged, 'the damaged roster is kept, not re-signed without the members invited before')

  // A member's daemon does not start without its roster, or with a damaged one: counting votes out of the admin and
  // itself, it could win an election with two votes while the others count out of every member.
  run = await cliProcess(['--home', dev, 'node', 'start', '--bootstrap', '127.0.0.1:1', '--detach'], {}, 30_000)
  t.equal(run.code, 1, 'no roster: the daemon does not start')
  oneLine(t, run.stderr, /the daemon exited at start \(code 1\): bzzz-ctx: this member's roster .*roster\.json\) is missing/)
  writeFileSync(join(dev, 'roster.json'), damaged)
  run = await cliProcess(['--home', dev, 'node', 'start', '--bootstrap', '127.0.0.1:1', '--detach'], {}, 30_000)
  t.equal(run.code, 1, 'a damaged roster: the daemon does not start')
  oneLine(t, run.stderr, /the daemon exited at start \(code 1\): bzzz-ctx: the roster .*roster\.json is damaged/)
  t.notMatch(run.stderr, /is missing/, 'only this start\'s failure is quoted, not the last one\'s from the log')
})

t.test('a scenario nested without end: exit 2, one line (it was exit 1, "Maximum call stack size exceeded")', async t => {
  const dir = dirname(tempHome())
  mkdirSync(dir, { recursive: true })
  const deepSteps = join(dir, 'deep-steps.json')
  writeFileSync(deepSteps, `{"nodes":3,"steps":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)
  const deepArray = join(dir, 'deep-array.json')
  writeFileSync(deepArray, '['.repeat(100_000) + ']'.repeat(100_000))
  for (const file of [deepSteps, deepArray]) {
    const run = await cli(['sim', '--scenario', file])
    t.equal(run.code, 2, file)
    oneLine(t, run.stderr, /scenario file .* nested deeper than 16 levels/)
  }
})

t.test('a home that cannot be read or written says which file and what to do, never "not valid JSON" or "unexpected failure"', async t => {
  const home = tempHome()
  t.equal((await cli(['--home', home, 'init', '--cluster', 'c', '--role', 'admin'])).code, 0)
  // A directory where config.json belongs (unreadable even to root).
  const config = join(home, 'config.json')
  const saved = readFileSync(config)
  rmSync(config)
  mkdirSync(config)
  const run = await cli(['--home', home, 'status'])
  t.equal(run.code, 1)
  oneLine(t, run.stderr, /cannot read .*config\.json: it is a directory where bzzz-ctx keeps a file: move it aside/)
  rmSync(config, { recursive: true })
  writeFileSync(config, saved, { mode: 0o600 })

  // Permissions stop everyone but root: as root, the CLI runs as nobody on a home of nobody's.
  const root = process.getuid?.() === 0
  const place = join(dirname(home), 'unprivileged')
  mkdirSync(place)
  const asUser = root ? { uid: 65534, gid: 65534 } : {}
  if (root) { chmodSync(dirname(home), 0o711); chownSync(place, 65534, 65534) }
  const bzzz = async (args: string[]): Promise<{ code: number, stderr: string, stdout: string }> => await new Promise((resolve, reject) => {
    // tap adds its process-info hook to every child's NODE_OPTIONS, and the hook's file is root's: env -u drops it.
    const child = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, BIN, ...args], { ...asUser, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: place }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`bzzz-ctx ${args.join(' ')} timed out`)) }, 60_000)
    child.on('error', reject)
    child.on('close', code => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr }) })
  })
  const own = join(place, 'home')
  const init = await bzzz(['--home', own, 'init', '--cluster', 'c', '--role', 'admin', '--project', 'p'])
  if (init.code !== 0) { t.fail(`cannot run the CLI as another user here: ${init.stderr}`); return }
  const record = join(place, 'r.json')
  writeFileSync(record, JSON.stringify({ address: 'ucxl://p/', kind: 'project', summary: 'P' }), { mode: 0o644 })
  t.equal((await bzzz(['--home', own, 'distribute', '--file', record])).code, 0)
  chmodSync(join(own, 'config.json'), 0o000)
  const unreadable = await bzzz(['--home', own, 'status'])
  t.equal(unreadable.code, 1)
  oneLine(t, unreadable.stderr, /cannot open .*config\.json: permission denied: run bzzz-ctx as the user who owns the home/)
  chmodSync(join(own, 'config.json'), 0o600)
  // A store that may not be written: a reader still reads it, a writer is told why it cannot write.
  execFileSync('chmod', ['-R', 'a-w', join(own, 'store')])
  const read = await bzzz(['--home', own, 'retrieve', 'ucxl://p/', '--role', 'viewer', '--json'])
  t.equal(read.code, 0, `a read-only store is read: ${read.stderr}`)
  t.equal(JSON.parse(read.stdout).context.summary, 'P')
  const write = await bzzz(['--home', own, 'distribute', '--file', record, '--roles', 'viewer'])
  t.equal(write.code, 1)
  oneLine(t, write.stderr, /cannot open .*store.*: permission denied: run bzzz-ctx as the user who owns the home/)
  execFileSync('chmod', ['-R', 'u+w', join(own, 'store')])
  t.equal((await bzzz(['--home', own, 'distribute', '--file', record, '--roles', 'viewer'])).code, 0, 'writable again, it writes')
})
