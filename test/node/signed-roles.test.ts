// Issue 17, defect 4: the role public keys a writer seals to are the ones the admin signed. A key flipped in one
// home's config.json made every record that peer wrote unreadable to that role; now the home is refused as damaged
// before anything is sealed, and an invite whose roles were changed is refused at join.
import t, { type Test } from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { generateBoxKeyPair } from '../../src/crypto/identity.js'
import { cli, tempHome } from '../helpers/cli.js'

function oneLine (t: Test, stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n')
  t.equal(lines.length, 1, `one line on stderr: ${JSON.stringify(stderr)}`)
  t.match(lines[0], pattern)
}

t.test('a role key, clearance or signature changed in config.json: refused before anything is sealed', async t => {
  const home = tempHome()
  t.equal((await cli(['--home', home, 'init', '--cluster', 'c', '--role', 'admin', '--project', 'p'])).code, 0)
  const record = join(dirname(home), 'record.json')
  writeFileSync(record, JSON.stringify({ address: 'ucxl://p/src', kind: 'directory', summary: 'the sources' }))
  const first = await cli(['--home', home, 'distribute', '--file', record, '--roles', 'developer'])
  t.equal(first.code, 0, first.stderr)

  const file = join(home, 'config.json')
  const saved = readFileSync(file, 'utf8')
  const config = JSON.parse(saved)
  t.ok(config.rolesSignature, 'init signs the roles')
  const developer = config.roles.find((r: any) => r.name === 'developer')
  const tampered: Array<[string, (c: any) => void]> = [
    ['a flipped public key', c => { c.roles.find((r: any) => r.name === 'developer').publicKey = generateBoxKeyPair().publicKey.toString('hex') }],
    ['a raised clearance', c => { c.roles.find((r: any) => r.name === 'developer').clearance = 'secret' }],
    ['an epoch moved', c => { c.roles.find((r: any) => r.name === 'developer').epoch = developer.epoch + 1 }],
    ['no signature', c => { delete c.rolesSignature }],
    ['a signature of another version', c => { c.rolesSignature.version += 1 }]
  ]
  for (const [what, change] of tampered) {
    const copy = JSON.parse(saved)
    change(copy)
    writeFileSync(file, JSON.stringify(copy))
    const run = await cli(['--home', home, 'distribute', '--file', record, '--roles', 'developer'])
    t.equal(run.code, 1, `${what}: refused (exit 1)`)
    oneLine(t, run.stderr, /^bzzz-ctx: the config .* is damaged \(.*(not the ones the cluster's admin signed|no signature|signature)/)
  }
  writeFileSync(file, saved)
  const read = await cli(['--home', home, 'retrieve', 'ucxl://p/src', '--role', 'developer', '--json'])
  t.equal(read.code, 0, read.stderr)
  t.equal(read.json.context.summary, 'the sources', 'restored: the record written before is read as the developer')
  const history = await cli(['--home', home, 'history', 'ucxl://p/src', '--json'])
  t.equal(history.json.versions?.length ?? history.json.length, 1, 'nothing was written while the config was refused')
})

t.test('roles signed by another admin do not pass for this cluster\'s', async t => {
  const home = tempHome()
  const other = join(dirname(home), 'other')
  t.equal((await cli(['--home', home, 'init', '--cluster', 'c', '--role', 'admin'])).code, 0)
  t.equal((await cli(['--home', other, 'init', '--cluster', 'c', '--role', 'admin'])).code, 0)
  const file = join(home, 'config.json')
  const mine = JSON.parse(readFileSync(file, 'utf8'))
  const theirs = JSON.parse(readFileSync(join(other, 'config.json'), 'utf8'))
  writeFileSync(file, JSON.stringify({ ...mine, roles: theirs.roles, rolesSignature: theirs.rolesSignature }))
  const run = await cli(['--home', home, 'status'])
  t.equal(run.code, 1)
  oneLine(t, run.stderr, /not the ones the cluster's admin signed/)
})

t.test('an invited member keeps the admin\'s signature over the roles, and its home opens', async t => {
  const home = tempHome()
  const member = join(dirname(home), 'member')
  t.equal((await cli(['--home', home, 'init', '--cluster', 'c', '--role', 'admin'])).code, 0)
  const invite = await cli(['--home', home, 'invite', '--role', 'developer', '--json'])
  t.equal(invite.code, 0, invite.stderr)
  const joined = await cli(['--home', member, 'init', '--join', invite.json.invite])
  t.equal(joined.code, 0, joined.stderr)
  const config = JSON.parse(readFileSync(join(member, 'config.json'), 'utf8'))
  t.same(config.rolesSignature, JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).rolesSignature, 'the member keeps the admin\'s signature')
  t.equal((await cli(['--home', member, 'status'])).code, 0, 'and its home opens')
})
