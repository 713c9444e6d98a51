// The membership rule as a property: over any sequence of invites, redemptions, cancellations and removals, each
// roster is one member away from the one before (so a majority of one and a majority of the next always share a
// voter: Raft's one-change-at-a-time argument), and a node once taken off never votes again unless invited anew.
import t from 'tap'
import fc from 'fast-check'
import { generateIdentity } from '../../src/crypto/identity.js'
import { majorityOf } from '../../src/election/election.js'
import { issueRoster, onRoster, rosterProblem, rosterWith, rosterWithout, type SignedRoster } from '../../src/node/roster.js'

const CLUSTER = 'ab'.repeat(16)

/** True when every majority of `before` and every majority of `after` have a voter in common. */
function majoritiesOverlap (before: readonly string[], after: readonly string[]): boolean {
  // Two disjoint majorities exist exactly when both fit side by side in the voters of the two rosters together.
  return majorityOf(before.length) + majorityOf(after.length) > new Set([...before, ...after]).size
}

t.test('the overlap check itself: a two-member change can leave two majorities apart', async t => {
  t.ok(majoritiesOverlap(['a'], ['a', 'b']))
  t.ok(majoritiesOverlap(['a', 'b', 'c'], ['a', 'b']))
  t.notOk(majoritiesOverlap(['a'], ['a', 'b', 'c']), '{a} and {b, c} are both majorities')
  t.notOk(majoritiesOverlap(['a', 'b'], ['a', 'c', 'd', 'e']))
})

type Op = { kind: 'invite' } | { kind: 'redeem' | 'cancel' | 'remove', pick: number }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: 'invite' }),
  fc.record({ kind: fc.constantFrom('redeem' as const, 'cancel' as const, 'remove' as const), pick: fc.nat(50) })
)

t.test('any sequence of invites, redemptions, cancellations and removals keeps consecutive majorities overlapping', async t => {
  const admin = generateIdentity()
  const trust = { cluster: CLUSTER, adminKey: admin.nodeId }
  let steps = 0
  fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 30 }), ops => {
    let roster: SignedRoster = issueRoster(admin, CLUSTER, 1, [admin.nodeId])
    const pending: string[] = []
    const redeemed: string[] = []
    const removed = new Set<string>()
    for (const op of ops) {
      const before = roster
      switch (op.kind) {
        case 'invite': {
          // An invite is a fresh identity, a voter at once: never one that was on a roster before.
          const node = generateIdentity().nodeId
          roster = rosterWith(admin, roster, node)
          pending.push(node)
          break
        }
        case 'redeem': {
          // Redemption is offline and changes no roster.
          if (pending.length === 0) continue
          redeemed.push(...pending.splice(op.pick % pending.length, 1))
          break
        }
        case 'cancel':
        case 'remove': {
          const from = op.kind === 'cancel' ? pending : redeemed
          if (from.length === 0) continue
          const [node] = from.splice(op.pick % from.length, 1)
          roster = rosterWithout(admin, roster, node!)
          removed.add(node!)
          break
        }
      }
      if (roster === before) continue
      steps++
      if (rosterProblem(roster, trust) !== null) return false
      if (roster.version !== before.version + 1) return false
      if (!majoritiesOverlap(before.members, roster.members)) return false
      if (!roster.members.includes(admin.nodeId)) return false
      if ([...removed].some(node => onRoster(roster, node))) return false
      if (roster.members.length !== 1 + pending.length + redeemed.length) return false
    }
    return true
  }), { numRuns: 200 })
  t.ok(steps > 500, `${steps} roster changes checked`)
})

t.test('the roster refuses a change of more than one member, the admin\'s removal, and a node twice', async t => {
  const admin = generateIdentity()
  const node = generateIdentity().nodeId
  const roster = rosterWith(admin, issueRoster(admin, CLUSTER, 1, [admin.nodeId]), node)
  t.throws(() => rosterWith(admin, roster, node), { code: 'BAD_INPUT' }, 'a member is not added twice')
  t.throws(() => rosterWithout(admin, roster, admin.nodeId), { code: 'BAD_USAGE' }, 'the admin, who signs rosters, stays')
  t.throws(() => rosterWithout(admin, roster, generateIdentity().nodeId), { code: 'BAD_INPUT' }, 'a node not on it is not removed')
  t.ok(onRoster(null, node), 'a cluster from before rosters admits every certified node')
  t.notOk(onRoster(rosterWithout(admin, roster, node), node))
})
