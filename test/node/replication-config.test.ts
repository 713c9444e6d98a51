// `init --replication`: the admin chooses how records' payloads replicate; invites carry it to every member; a bad
// value is refused with one line and exit 2, and a config naming an unknown mode is refused as damaged.
import t from 'tap'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'
import { scratchDir } from '../helpers/scratch.js'

const config = (home: string): Record<string, unknown> => JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'))

t.test('init --replication sharded reaches members through their invites; bad values are refused', async t => {
  const dir = scratchDir('bzzz-replication-')
  const bogus = await cli(['--home', join(dir, 'bogus'), 'init', '--cluster', 'r', '--role', 'admin', '--replication', 'half'])
  t.equal(bogus.code, 2)
  t.match(bogus.stderr, /^bzzz-ctx: --replication takes full or sharded, not "half"\n$/)
  t.notOk(existsSync(join(dir, 'bogus', 'config.json')), 'no home is made')

  const full = join(dir, 'full')
  t.equal((await cli(['--home', full, 'init', '--cluster', 'r', '--role', 'admin'])).code, 0)
  t.equal(config(full).replication, undefined, 'full is the default, and not written')
  t.equal((await cli(['--home', full, 'status', '--json'])).json.replication.mode, 'full')

  const admin = join(dir, 'admin')
  const made = await cli(['--home', admin, 'init', '--cluster', 'r', '--role', 'admin', '--replication', 'sharded', '--json'])
  t.equal(made.code, 0, made.stderr)
  t.equal(made.json.replication, 'sharded')
  t.equal(config(admin).replication, 'sharded')
  const invite = join(dir, 'invite')
  t.equal((await cli(['--home', admin, 'invite', '--role', 'developer', '--out', invite])).code, 0)
  const twice = await cli(['--home', join(dir, 'twice'), 'init', '--join', invite, '--replication', 'full'])
  t.equal(twice.code, 2, 'a member takes the replication from its invite')
  t.match(twice.stderr, /^bzzz-ctx: --join takes its role, project, voting set and replication from the invite[^\n]*\n$/)
  const member = join(dir, 'member')
  t.equal((await cli(['--home', member, 'init', '--join', invite])).code, 0)
  t.equal(config(member).replication, 'sharded', 'the invite carried it')
  const status = await cli(['--home', member, 'status', '--json'])
  t.same(status.json.replication, { mode: 'sharded', payloadBlocks: { held: 0, of: 0 } })

  writeFileSync(join(member, 'config.json'), JSON.stringify({ ...config(member), replication: 'some' }))
  const damaged = await cli(['--home', member, 'status'])
  t.equal(damaged.code, 1, 'damaged: exit 1')
  t.match(damaged.stderr, /^bzzz-ctx: [^\n]*replication must be full or sharded[^\n]*\n$/)
})
