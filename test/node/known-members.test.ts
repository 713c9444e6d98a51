// The members a peer met are saved once per save, however many it met since: a voter of a thousand members wrote the
// whole list once for each as they connected.
import t from 'tap'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { KnownMembers, KNOWN_MEMBERS_FILE } from '../../src/node/known-members.js'
import { scratchDir } from '../helpers/scratch.js'

const id = (n: number): string => n.toString(16).padStart(64, '0')

t.test('remember changes the list in memory; save writes it once, and only when it changed; flushed saves what is left', async t => {
  const home = scratchDir('bzzz-known-')
  t.teardown(() => rmSync(home, { recursive: true, force: true }))
  const file = join(home, KNOWN_MEMBERS_FILE)
  const errors: unknown[] = []
  const known = new KnownMembers(home, err => errors.push(err))
  for (let n = 1; n <= 500; n++) known.remember(id(n), 'developer')
  t.equal(known.role(id(7)), 'developer', 'known at once')
  t.notOk(existsSync(file), 'nothing written yet')
  known.save()
  await known.flushed()
  t.equal((JSON.parse(readFileSync(file, 'utf8')) as unknown[]).length, 500, 'one save wrote all of them')
  rmSync(file)
  known.remember(id(7), 'developer')
  known.save()
  await known.flushed()
  t.notOk(existsSync(file), 'a member met again with the same role changes nothing, so nothing is written')
  known.remember(id(7), 'qa')
  await known.flushed()
  t.same(JSON.parse(readFileSync(file, 'utf8'))[6], [id(7), 'qa'], 'a changed role is saved by flushed (at close)')
  t.same(new KnownMembers(home, () => {}).role(id(7)), 'qa', 'and read back by a new instance')
  t.same(errors, [])
})
