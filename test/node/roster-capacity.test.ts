// Members' declared capacities (issue 22's "weighted by a declared capacity"): the admin signs them into the roster
// (format 3, only when some member's is not 1), every change after carries them, a forged or misplaced capacity is
// refused, and `invite --capacity` puts the new member's there; a sharded cluster places shards in proportion.
import t from 'tap'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { generateIdentity } from '../../src/crypto/identity.js'
import { shardsPlacedOn } from '../../src/distribution/placement.js'
import { issueRoster, rosterCapacity, rosterDemoted, rosterProblem, rosterPromoted, rosterWith, rosterWithout } from '../../src/node/roster.js'
import { cli } from '../helpers/cli.js'
import { scratchDir } from '../helpers/scratch.js'

const CLUSTER = 'cd'.repeat(16)

t.test('capacities are signed into the roster and carried by every change', async t => {
  const admin = generateIdentity()
  const expect = { cluster: CLUSTER, adminKey: admin.nodeId }
  const [a, b, c] = [generateIdentity().nodeId, generateIdentity().nodeId, generateIdentity().nodeId]
  let roster = issueRoster(admin, CLUSTER, 1, [admin.nodeId])
  t.equal(roster.format, 2, 'no capacity but 1: format 2, as before')
  roster = rosterWith(admin, roster, a!, 1)
  t.equal(roster.format, 2)
  roster = rosterWith(admin, roster, b!, 1, 3)
  t.equal(roster.format, 3, 'a capacity of 3: format 3')
  t.same(roster.capacities, { [b!]: 3 })
  t.equal(rosterProblem(roster, expect), null, 'it verifies')
  t.equal(rosterCapacity(roster, b!), 3)
  t.equal(rosterCapacity(roster, a!), 1, '1 when none is named')
  roster = rosterWith(admin, roster, c!, 1, 2)
  roster = rosterPromoted(admin, rosterDemoted(admin, rosterPromoted(admin, roster, c!, 5), c!), c!, 5)
  t.same(roster.capacities, Object.fromEntries([[b!, 3], [c!, 2]].sort()), 'promotions and demotions carry them')
  t.equal(rosterProblem(roster, expect), null)
  roster = rosterWithout(admin, roster, b!)
  t.same(roster.capacities, { [c!]: 2 }, 'a member taken off takes its capacity with it')
  t.equal(rosterProblem(rosterWithout(admin, roster, c!), expect), null)
  t.equal(rosterWithout(admin, roster, c!).format, 2, 'and with none left, format 2 again')

  t.match(rosterProblem({ ...roster, capacities: { [c!]: 9 } }, expect), /signature does not verify/, 'a raised capacity is a forgery')
  t.match(rosterProblem({ ...roster, format: 2 }, expect), /format 2 names no capacities/)
  const stranger = generateIdentity().nodeId
  t.match(rosterProblem({ ...roster, capacities: { [stranger]: 2 } }, expect), /a capacity of a node that is not a member/)
  t.match(rosterProblem({ ...roster, capacities: { [c!]: 1 } }, expect), /malformed capacity/, 'a capacity of 1 is left out, never listed')
  t.throws(() => rosterWith(admin, roster, stranger, 5, 0), { code: 'BAD_INPUT', message: /--capacity: must be a whole number from 1 to 1000, not 0/ })
  t.throws(() => rosterWith(admin, roster, stranger, 5, 1001), { code: 'BAD_INPUT' })
})

t.test('placement follows capacity: a member of capacity 4 holds about four times the shards', async t => {
  // Fixed ids, so the figures are the same every run. With a factor of 1 no member can saturate (hold every shard):
  // capacity 4 among seven of 1 should hold 4/11 of 256 shards (93), each of the others 1/11 (23).
  const members = Array.from({ length: 8 }, (_, i) => ({ id: createHash('sha256').update(`member ${i}`).digest('hex'), weight: i === 0 ? 4 : 1 }))
  const big = shardsPlacedOn(members[0]!.id, members, 1).size
  const small = members.slice(1).map(m => shardsPlacedOn(m.id, members, 1).size)
  const mean = small.reduce((x, y) => x + y, 0) / small.length
  t.ok(big > 3 * mean && big < 5 * mean, `capacity 4 holds ${big} shards, capacity 1 ${mean.toFixed(1)} on average`)
  // With a factor of 3 the share is capped by every shard: still the most, never above 256.
  const capped = shardsPlacedOn(members[0]!.id, members, 3).size
  t.ok(capped > Math.max(...members.slice(1).map(m => shardsPlacedOn(m.id, members, 3).size)) && capped <= 256, `factor 3: ${capped} shards`)
})

t.test('invite --capacity', async t => {
  const dir = scratchDir('bzzz-capacity-')
  const admin = join(dir, 'admin')
  t.equal((await cli(['--home', admin, 'init', '--cluster', 'c', '--role', 'admin', '--replication', 'sharded'])).code, 0)
  const made = await cli(['--home', admin, 'invite', '--role', 'developer', '--capacity', '3', '--out', join(dir, 'i1'), '--json'])
  t.equal(made.code, 0, made.stderr)
  t.equal(made.json.capacity, 3)
  const roster = JSON.parse(readFileSync(join(admin, 'roster.json'), 'utf8'))
  t.same(roster.capacities, { [made.json.node]: 3 }, 'signed into the roster')
  const text = await cli(['--home', admin, 'invite', '--role', 'developer', '--capacity', '2', '--out', join(dir, 'i2')])
  t.match(text.stdout, /Its capacity is 2/)
  for (const bad of ['0', '1001']) {
    const refused = await cli(['--home', admin, 'invite', '--role', 'developer', '--capacity', bad])
    t.equal(refused.code, 2, `--capacity ${bad}`)
    t.match(refused.stderr, /^bzzz-ctx: --capacity: must be a whole number from 1 to 1000[^\n]*\n$/)
  }
  const word = await cli(['--home', admin, 'invite', '--role', 'developer', '--capacity', 'big'])
  t.equal(word.code, 2)
  t.match(word.stderr, /^bzzz-ctx: --capacity takes a whole number[^\n]*\n$/)
  t.equal(JSON.parse(readFileSync(join(admin, 'roster.json'), 'utf8')).version, roster.version + 1, 'a refused invite changes no roster')
  const member = join(dir, 'member')
  t.equal((await cli(['--home', member, 'init', '--join', join(dir, 'i1')])).code, 0)
  t.same(JSON.parse(readFileSync(join(member, 'roster.json'), 'utf8')).capacities, roster.capacities, 'the invite carries the roster with it')
})
