// The voting set from the admin's home, through the CLI: invites fill it up to --max-voters, then join as members that
// do not vote; `elect promote` and `elect demote` sign the next roster one voter at a time, and refuse with one line
// and the documented exit code a non-member (4), a second vote or an even or empty set (2), and a non-admin (3).
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { cli } from '../helpers/cli.js'
import { scratchDir } from '../helpers/scratch.js'

function oneLine (t: Test, stderr: string, pattern: RegExp): void {
  t.match(stderr, /^bzzz-ctx: [^\n]+\n$/, 'one line on stderr')
  t.match(stderr, pattern)
}

t.test('invites fill the voting set, then promote and demote change it one voter at a time', async t => {
  const dir = scratchDir('bzzz-voters-cli-')
  const admin = join(dir, 'admin')
  t.equal((await cli(['--home', join(dir, 'even'), 'init', '--cluster', 'v', '--role', 'admin', '--max-voters', '4'])).code, 2, 'an even --max-voters is refused')
  t.equal((await cli(['--home', admin, 'init', '--cluster', 'v', '--role', 'admin', '--max-voters', '3', '--json'])).code, 0)
  const invited: Array<{ node: string, voter: boolean, voters: number }> = []
  for (let i = 0; i < 4; i++) {
    const run = await cli(['--home', admin, 'invite', '--role', 'developer', '--out', join(dir, `invite${i}`), '--json'])
    t.equal(run.code, 0, run.stderr)
    invited.push(run.json)
  }
  t.same(invited.map(i => i.voter), [true, true, false, false], 'two invites fill a set of 3 with the admin; the rest do not vote')
  t.same(invited.map(i => i.voters), [2, 3, 3, 3])
  const roster = (): { voters: string[], members: string[], version: number } => JSON.parse(readFileSync(join(admin, 'roster.json'), 'utf8'))
  t.equal(roster().members.length, 5)

  const promoted = await cli(['--home', admin, 'elect', 'promote', '--node', invited[2]!.node.slice(0, 12), '--json'])
  t.equal(promoted.code, 0, promoted.stderr)
  t.equal(promoted.json.node, invited[2]!.node, 'a unique prefix names the member')
  t.equal(promoted.json.roster.voters.length, 4, 'one above the setting: the step of a swap')
  t.equal(promoted.json.roster.majority, 3)
  t.same(roster().voters, promoted.json.roster.voters, 'the signed roster in the home holds it')

  const above = await cli(['--home', admin, 'elect', 'promote', '--node', invited[3]!.node])
  t.equal(above.code, 2, 'no second step above the setting')
  oneLine(t, above.stderr, /demote one first/)

  const demoted = await cli(['--home', admin, 'elect', 'demote', '--node', invited[0]!.node, '--json'])
  t.equal(demoted.code, 0, demoted.stderr)
  t.same(demoted.json.roster.voters.sort(), [roster().voters].flat().sort())
  t.notOk(roster().voters.includes(invited[0]!.node), 'the demoted member no longer votes')
  t.ok(roster().members.includes(invited[0]!.node), 'and is still a member')

  const even = await cli(['--home', admin, 'elect', 'demote', '--node', invited[1]!.node])
  t.equal(even.code, 2, 'three voters never become two')
  oneLine(t, even.stderr, /even set/)
  const notVoter = await cli(['--home', admin, 'elect', 'demote', '--node', invited[3]!.node])
  t.equal(notVoter.code, 2)
  oneLine(t, notVoter.stderr, /does not vote/)
  const twice = await cli(['--home', admin, 'elect', 'promote', '--node', invited[1]!.node])
  t.equal(twice.code, 2)
  oneLine(t, twice.stderr, /votes already/)
  const unknown = await cli(['--home', admin, 'elect', 'promote', '--node', 'ab'.repeat(32), '--json'])
  t.equal(unknown.code, 4, 'a node that is not a member: not found')
  t.equal(unknown.json.error.code, 'NOT_FOUND')
  const malformed = await cli(['--home', admin, 'elect', 'promote', '--node', 'nothex'])
  t.equal(malformed.code, 2)
  oneLine(t, malformed.stderr, /not a node id/)

  const member = join(dir, 'member')
  t.equal((await cli(['--home', member, 'init', '--join', join(dir, 'invite3')])).code, 0)
  const denied = await cli(['--home', member, 'elect', 'promote', '--node', invited[3]!.node])
  t.equal(denied.code, 3, 'a member that is not the admin is denied')
  oneLine(t, denied.stderr, /only the cluster's admin/)
})

t.test('a voting set of one: the admin alone elects, and every invite joins as a member that does not vote', async t => {
  const dir = scratchDir('bzzz-voters-one-')
  const admin = join(dir, 'admin')
  t.equal((await cli(['--home', admin, 'init', '--cluster', 'v', '--role', 'admin', '--max-voters', '1'])).code, 0)
  const run = await cli(['--home', admin, 'invite', '--role', 'qa', '--out', join(dir, 'invite'), '--json'])
  t.equal(run.json.voter, false)
  const demote = await cli(['--home', admin, 'elect', 'demote', '--node', JSON.parse(readFileSync(join(admin, 'config.json'), 'utf8')).nodeId])
  t.equal(demote.code, 2, 'the only voter stays')
  oneLine(t, demote.stderr, /only voter/)
})
