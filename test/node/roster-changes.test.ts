// The membership rule as a property: over any sequence of invites, redemptions, cancellations and removals, each
// roster is one member away from the one before (so a majority of one and a majority of the next always share a
// voter: Raft's one-change-at-a-time argument), and a node once taken off never votes again unless invited anew.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { generateIdentity, type NodeIdentity } from '../../src/crypto/identity.js'
import { randomBytes } from 'node:crypto'
import { DIGEST_KEY_BYTES, digestKeyId } from '../../src/crypto/keyring.js'
import { covers, DEFAULT_ROLES } from '../../src/crypto/levels.js'
import { generateRoleSet, openRoleKeyAsNode, openSecretAsNode } from '../../src/crypto/role-keys.js'
import { WRITER_CLEARANCE_MIN } from '../../src/leader/write-policy.js'
import { majorityOf } from '../../src/election/election.js'
import { digestHolders, grantPlan, keysBundleProblem, revokedRoles, rotationBundle, type KeysBundle } from '../../src/node/keys-bundle.js'
import {
  issueRoster, onRoster, rosterDemoted, rosterFileStamp, rosterProblem, rosterPromoted, rosterVoters, rosterWith, rosterWithout, writeRoster, type SignedRoster
} from '../../src/node/roster.js'
import { signMessage } from '../../src/crypto/identity.js'
import { signRoles } from '../../src/node/signed-roles.js'

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

type KeysOp = { kind: 'invite', role: number } | { kind: 'redeem' | 'cancel' | 'revoke' | 'rotate', pick: number }

const keysOpArb: fc.Arbitrary<KeysOp> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('invite' as const), role: fc.nat(20) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constantFrom('redeem' as const, 'revoke' as const), pick: fc.nat(50) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constantFrom('cancel' as const, 'rotate' as const), pick: fc.nat(50) }), weight: 1 }
)

// The admin's whole path for each change, pure: the roster it signs (rosterWith, rosterWithout), the roles a revocation
// rotates (revokedRoles), who is given each new epoch (grantPlan) and the bundle the leader writes (rotationBundle).
// A revocation also replaces the cluster's digest key (digestHolders: the writers that stay). Every grant is opened
// with its member's own identity, as the member's daemon does, so what a node holds is what it could open, not what
// the bundle claims.
t.test('any sequence of invites, redemptions, cancellations, revocations and rotations keeps majorities overlapping and keys from removed nodes', async t => {
  const admin = generateIdentity()
  const trust = { cluster: CLUSTER, adminKey: admin.nodeId }
  const initial = generateRoleSet(DEFAULT_ROLES).directory.toJSON()
  const names = initial.map(r => r.name)
  const mayWrite = (role: string): boolean => covers(initial.find(r => r.name === role)!.clearance, WRITER_CLEARANCE_MIN)
  let revocations = 0
  let grantsOpened = 0
  fc.assert(fc.property(fc.array(keysOpArb, { minLength: 1, maxLength: 25, size: 'max' }), ops => {
    let roster: SignedRoster = issueRoster(admin, CLUSTER, 1, [admin.nodeId])
    let current = { roles: initial, rolesSignature: signRoles(admin, CLUSTER, 1, initial) }
    const identities = new Map<string, NodeIdentity>([[admin.nodeId, admin]])
    // What the admin knows of each member's role (its invites file), the admin included.
    const roles = new Map<string, string | null>([[admin.nodeId, 'admin']])
    const pending: string[] = []
    const redeemed: string[] = []
    const held = new Map<string, Set<string>>([[admin.nodeId, new Set(names.map(name => `${name}@1`))]])
    // The digest keys each node holds (by id), and the current one: an invite carries it to a role that may write.
    let digest = digestKeyId(randomBytes(DIGEST_KEY_BYTES))
    const digests = new Map<string, Set<string>>([[admin.nodeId, new Set([digest])]])
    // A removed node -> each role's epoch when it was taken off: it must never hold a later one.
    const removedAt = new Map<string, Map<string, number>>()
    const revoked = new Set<string>()
    const epochOf = (role: string): number => current.roles.find(r => r.name === role)!.epoch
    const take = (bundle: KeysBundle): boolean => {
      if (keysBundleProblem(bundle, trust) !== null) return false
      current = { roles: bundle.roles, rolesSignature: bundle.rolesSignature }
      for (const grant of bundle.grants) {
        const identity = identities.get(grant.node)
        if (identity === undefined) return false
        const key = openRoleKeyAsNode(grant, identity)
        held.get(grant.node)!.add(`${key.role}@${key.epoch}`)
        grantsOpened++
      }
      if (bundle.digest !== undefined) {
        digest = bundle.digest.id
        for (const grant of bundle.digest.grants) {
          const identity = identities.get(grant.node)
          if (identity === undefined || digestKeyId(openSecretAsNode(grant.sealed, DIGEST_KEY_BYTES, identity)) !== digest) return false
          digests.get(grant.node)!.add(digest)
        }
      }
      return true
    }
    const takeOff = (node: string): void => {
      roster = rosterWithout(admin, roster, node)
      roles.delete(node)
      removedAt.set(node, new Map(names.map(name => [name, epochOf(name)])))
    }
    for (const op of ops) {
      const before = roster
      switch (op.kind) {
        case 'invite': {
          // A fresh identity, a voter at once, carrying its role's current epoch key.
          const identity = generateIdentity()
          const role = names[op.role % names.length]!
          identities.set(identity.nodeId, identity)
          roster = rosterWith(admin, roster, identity.nodeId)
          roles.set(identity.nodeId, role)
          held.set(identity.nodeId, new Set([`${role}@${epochOf(role)}`]))
          digests.set(identity.nodeId, new Set(mayWrite(role) ? [digest] : []))
          pending.push(identity.nodeId)
          break
        }
        case 'redeem': {
          if (pending.length === 0) continue
          redeemed.push(...pending.splice(op.pick % pending.length, 1))
          break
        }
        case 'cancel': {
          // Cancelling re-signs the roster and rotates nothing (the invite's keys are the role's current ones).
          if (pending.length === 0) continue
          takeOff(pending.splice(op.pick % pending.length, 1)[0]!)
          break
        }
        case 'revoke': {
          if (redeemed.length === 0) continue
          const [node] = redeemed.splice(op.pick % redeemed.length, 1)
          const rotated = revokedRoles(roles.get(node!) ?? null, names)
          const plan = grantPlan(roles, [node!])
          const newDigest = { key: randomBytes(DIGEST_KEY_BYTES), holders: digestHolders(roles, [node!], mayWrite) }
          const { bundle } = rotationBundle(admin, CLUSTER, current, rotated, plan.holders, { op: 'revoke', roles: rotated, node: node! }, newDigest)
          takeOff(node!)
          revoked.add(node!)
          if (!take(bundle)) return false
          revocations++
          break
        }
        case 'rotate': {
          const role = names[op.pick % names.length]!
          const { bundle } = rotationBundle(admin, CLUSTER, current, [role], grantPlan(roles).holders, { op: 'rotate', roles: [role] })
          if (!take(bundle)) return false
          break
        }
      }
      if (roster !== before) {
        if (rosterProblem(roster, trust) !== null) return false
        if (roster.version !== before.version + 1) return false
        if (!majoritiesOverlap(before.members, roster.members)) return false
      }
      for (const [node, at] of removedAt) {
        if (onRoster(roster, node)) return false
        for (const key of held.get(node)!) {
          const [role, epoch] = key.split('@')
          if (Number(epoch) > at.get(role!)!) return false
        }
      }
      // A revoked node opens nothing written from its revocation on: it holds no role's current epoch.
      for (const node of revoked) {
        if (names.some(role => held.get(node)!.has(`${role}@${epochOf(role)}`))) return false
        if (digests.get(node)!.has(digest)) return false
      }
      // Nothing written is left unreadable to a member: each holds its role's current epoch, the admin every role's.
      for (const node of roster.members) {
        const own = node === admin.nodeId ? names : [roles.get(node)!]
        if (!own.every(role => held.get(node)!.has(`${role}@${epochOf(role)}`))) return false
        // Every writer digests with the current key (so leaders' digests agree); a reader holds none.
        if (digests.get(node)!.has(digest) !== own.some(mayWrite)) return false
        if (!own.some(mayWrite) && digests.get(node)!.size > 0) return false
      }
    }
    return true
  }), { numRuns: 300 })
  t.ok(revocations > 200, `${revocations} revocations checked`)
  t.ok(grantsOpened > 500, `${grantsOpened} grants opened by their members`)
})

type VoterOp = { kind: 'invite' } | { kind: 'redeem' | 'cancel' | 'remove' | 'promote' | 'demote', pick: number }

const voterOpArb: fc.Arbitrary<VoterOp> = fc.oneof(
  { arbitrary: fc.constant<VoterOp>({ kind: 'invite' }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constantFrom('redeem' as const, 'cancel' as const, 'remove' as const), pick: fc.nat(50) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constantFrom('promote' as const, 'demote' as const), pick: fc.nat(50) }), weight: 3 }
)

/** How many ids are in one list and not the other. */
function changed (before: readonly string[], after: readonly string[]): number {
  return before.filter(id => !after.includes(id)).length + after.filter(id => !before.includes(id)).length
}

// Raft's single-server change with learners: each version changes one member or one voter (a voter taken off the
// roster is both, and one change), so a majority of the voters of one version and one of the next always share a voter.
t.test('any sequence of invites, removals, promotions and demotions changes one member or one voter a version, and keeps voting majorities overlapping', async t => {
  const admin = generateIdentity()
  const trust = { cluster: CLUSTER, adminKey: admin.nodeId }
  let steps = 0
  let nonVoters = 0
  let voterChanges = 0
  fc.assert(fc.property(fc.array(voterOpArb, { minLength: 1, maxLength: 40, size: 'max' }), fc.constantFrom(1, 3, 5), (ops, maxVoters) => {
    let roster: SignedRoster = issueRoster(admin, CLUSTER, 1, [admin.nodeId])
    const pending: string[] = []
    const redeemed: string[] = []
    for (const op of ops) {
      const before = roster
      const voters = rosterVoters(roster)
      try {
        switch (op.kind) {
          case 'invite': {
            const node = generateIdentity().nodeId
            roster = rosterWith(admin, roster, node, maxVoters)
            // A new member votes exactly while the voting set is below the cluster's setting.
            if (rosterVoters(roster).includes(node) !== (voters.length < maxVoters)) return false
            pending.push(node)
            break
          }
          case 'redeem':
            if (pending.length === 0) continue
            redeemed.push(...pending.splice(op.pick % pending.length, 1))
            break
          case 'cancel':
          case 'remove': {
            const from = op.kind === 'cancel' ? pending : redeemed
            if (from.length === 0) continue
            const node = from[op.pick % from.length]!
            roster = rosterWithout(admin, roster, node)
            from.splice(from.indexOf(node), 1)
            break
          }
          case 'promote':
          case 'demote': {
            const node = roster.members[op.pick % roster.members.length]!
            roster = op.kind === 'promote' ? rosterPromoted(admin, roster, node, maxVoters) : rosterDemoted(admin, roster, node)
            voterChanges++
            break
          }
        }
      } catch (err) {
        // A refused change signs nothing; each refusal has its reason, and an even or empty set is one of them.
        if (roster !== before) return false
        const code = (err as { code?: string }).code
        if (code !== 'BAD_INPUT' && code !== 'NOT_FOUND') return false
        if (op.kind === 'demote') {
          const node = before.members[op.pick % before.members.length]!
          const left = voters.length - 1
          if (voters.includes(node) && left > 0 && left % 2 === 1) return false
        }
        continue
      }
      if (roster === before) continue
      steps++
      const after = rosterVoters(roster)
      nonVoters = Math.max(nonVoters, roster.members.length - after.length)
      if (rosterProblem(roster, trust) !== null) return false
      if (roster.version !== before.version + 1) return false
      // One member or one voter: a member that joins as a voter, or a voter taken off, is in both lists, and one change.
      const memberChange = changed(before.members, roster.members)
      const voterChange = changed(voters, after)
      if (memberChange > 1 || voterChange > 1) return false
      if (memberChange === 1 && voterChange === 1 && changedId(before.members, roster.members) !== changedId(voters, after)) return false
      if (!majoritiesOverlap(voters, after)) return false
      if (after.length === 0 || after.length > maxVoters + 1 || !after.every(v => roster.members.includes(v))) return false
      if (op.kind === 'demote' && after.length % 2 === 0) return false
      if (!roster.members.includes(admin.nodeId)) return false
    }
    return true
  }), { numRuns: 300 })
  t.ok(steps > 1000, `${steps} roster changes checked`)
  t.ok(voterChanges > 300, `${voterChanges} promotions and demotions signed`)
  t.ok(nonVoters >= 5, `up to ${nonVoters} members that do not vote`)
})

/** The one id two lists differ by. */
function changedId (before: readonly string[], after: readonly string[]): string {
  return [...before.filter(id => !after.includes(id)), ...after.filter(id => !before.includes(id))][0]!
}

t.test('the signature covers the voters, and a roster of format 1 still reads with every member a voter', async t => {
  const admin = generateIdentity()
  const trust = { cluster: CLUSTER, adminKey: admin.nodeId }
  const member = generateIdentity().nodeId
  const roster = rosterWith(admin, issueRoster(admin, CLUSTER, 1, [admin.nodeId]), member, 1)
  t.same(rosterVoters(roster), [admin.nodeId], 'the voting set of 1 is full: the new member does not vote')
  const forged = { ...roster, voters: [...roster.members] }
  t.match(rosterProblem(forged, trust), /does not verify/, 'a member that adds itself to the voters breaks the signature')
  const unsigned = { format: 1, cluster: CLUSTER, version: 3, members: [admin.nodeId, member].sort(), issuer: admin.nodeId }
  const old = {
    ...unsigned,
    signature: signMessage(admin, Buffer.from(JSON.stringify(['bzzz-ctx/roster', 1, CLUSTER, 3, unsigned.members, admin.nodeId]))).toString('hex')
  }
  t.equal(rosterProblem(old, trust), null, 'a format-1 roster verifies')
  t.same(rosterVoters(old), old.members, 'and every member of it votes')
  const next = rosterWith(admin, old, generateIdentity().nodeId, 3)
  t.equal(next.format, 2, 'the next roster is signed in format 2')
  t.equal(rosterVoters(next).length, 3, 'its new member votes: two voters were below the setting of 3')
  t.match(rosterProblem({ ...old, voters: old.members }, trust), /names no voters/)
})

t.test('promote and demote refuse a non-member, a second vote, a set above the setting, and an even or empty set', async t => {
  const admin = generateIdentity()
  const [b, c, d] = [generateIdentity().nodeId, generateIdentity().nodeId, generateIdentity().nodeId]
  let roster = issueRoster(admin, CLUSTER, 1, [admin.nodeId])
  for (const node of [b, c, d]) roster = rosterWith(admin, roster, node!, 1)
  t.same(rosterVoters(roster), [admin.nodeId])
  t.throws(() => rosterPromoted(admin, roster, generateIdentity().nodeId, 3), { code: 'NOT_FOUND' }, 'a non-member')
  t.throws(() => rosterPromoted(admin, roster, admin.nodeId, 3), { code: 'BAD_INPUT' }, 'a voter already')
  t.throws(() => rosterDemoted(admin, roster, admin.nodeId), { code: 'BAD_INPUT' }, 'the only voter')
  t.throws(() => rosterDemoted(admin, roster, b!), { code: 'BAD_INPUT' }, 'a member that does not vote')
  t.throws(() => rosterWithout(admin, rosterDemoted(admin, rosterPromoted(admin, roster, b!, 1), admin.nodeId), b!), { code: 'BAD_INPUT' }, 'the only voter is not taken off the roster')
  const two = rosterPromoted(admin, roster, b!, 1)
  t.throws(() => rosterPromoted(admin, two, c!, 1), { code: 'BAD_INPUT' }, 'no more than one above the setting')
  const three = rosterPromoted(admin, rosterPromoted(admin, roster, b!, 3), c!, 3)
  t.throws(() => rosterDemoted(admin, three, b!), { code: 'BAD_INPUT' }, 'three voters do not become two')
  t.same(rosterVoters(rosterDemoted(admin, two, admin.nodeId)), [b], 'two voters become one: the admin need not vote')
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

t.test('the saved roster\'s stamp changes with every save, and only then (a daemon reads and checks it again only then)', async t => {
  const home = mkdtempSync(join(tmpdir(), 'bzzz-roster-stamp-'))
  t.teardown(() => rmSync(home, { recursive: true, force: true }))
  t.equal(rosterFileStamp(home), null, 'no roster saved: no stamp')
  const admin = generateIdentity()
  const first = issueRoster(admin, CLUSTER, 1, [admin.nodeId])
  await writeRoster(home, first)
  const one = rosterFileStamp(home)
  t.type(one, 'string')
  t.equal(rosterFileStamp(home), one, 'unchanged: the same stamp')
  await writeRoster(home, rosterWith(admin, first, generateIdentity().nodeId))
  t.not(rosterFileStamp(home), one, 'saved again (an invite): another stamp')
})
