// Relayed calls (src/node/relayed-call.ts): the leader serves one only as its origin's own, signed, certified, listed
// and in time; a hop refuses a call whose path is malformed or loops. Each check is shown to refuse what it must.
import t from 'tap'
import { generateIdentity } from '../../src/crypto/identity.js'
import { issueCertificate } from '../../src/net/certificate.js'
import { MAX_RELAY_HOPS, readRelayedCall, relayedCallerRole, RELAY_CLOCK_SKEW_MS, signRelayedCall, type RelayedCall } from '../../src/node/relayed-call.js'

const cluster = 'c'.repeat(32)
const admin = generateIdentity()
const dev = generateIdentity()
const qa = generateIdentity()
const hop = generateIdentity()
const NOW = 1_800_000_000_000
const certificateOf = (who: typeof dev, role: string, issuer = admin): string =>
  JSON.stringify(issueCertificate(issuer, { cluster, node: who.nodeId, role, issuedAt: NOW - 1000, expiresAt: null }))
const listed = new Set([admin.nodeId, dev.nodeId, qa.nodeId, hop.nodeId])
const trust = { cluster, adminKey: admin.nodeId, nowMs: NOW, isListed: (node: string) => listed.has(node) }
const args = { id: 'req-1', record: { address: 'ucxl://p/a.go', kind: 'file', summary: 's' }, source: 'a test' }
const call = (over: Partial<RelayedCall> = {}): RelayedCall => ({ ...signRelayedCall(dev, cluster, certificateOf(dev, 'developer'), 'distribute', args, NOW + 5000), ...over })

t.test('the leader serves a relayed call as its origin\'s, with the role its certificate gives', async t => {
  const served = relayedCallerRole(call(), trust)
  t.equal(served.role, 'developer')
  t.same(served.args, args, 'the arguments as the origin sent them')
  // Passed on by a hop: the path grows, the signature still holds (the path is not signed: a hop may only add itself).
  const passed = { ...call(), hops: [dev.nodeId, hop.nodeId] }
  t.equal(relayedCallerRole(passed, trust).role, 'developer')
})

t.test('a relayed call that is not its origin\'s own, or not certified, listed and in time, is refused', async t => {
  const denied = (c: RelayedCall, pattern: RegExp, what: string): void => {
    t.throws(() => relayedCallerRole(c, trust), { code: 'ACCESS_DENIED', message: pattern }, what)
  }
  denied(call({ args: JSON.stringify({ ...args, source: 'altered' }) }), /signature is not its origin's/, 'its arguments altered on the way')
  denied(call({ op: 'decide' }), /signature is not its origin's/, 'its op altered')
  denied(call({ expires: NOW + 10 ** 9 }), /signature is not its origin's/, 'its expiry pushed back')
  denied(call({ origin: qa.nodeId, hops: [qa.nodeId] }), /signature is not its origin's/, 'passed off as another member\'s')
  const byHop = signRelayedCall(hop, cluster, certificateOf(dev, 'developer'), 'distribute', args, NOW + 5000)
  denied(byHop, /bad certificate: issued to another node/, 'a hop that signs with another member\'s certificate')
  const selfMade = signRelayedCall(dev, cluster, certificateOf(dev, 'admin', dev), 'distribute', args, NOW + 5000)
  denied(selfMade, /bad certificate/, 'a certificate it signed itself, to claim the admin role')
  const otherCluster = signRelayedCall(dev, 'd'.repeat(32), certificateOf(dev, 'developer'), 'distribute', args, NOW + 5000)
  denied(otherCluster, /signature is not its origin's/, 'signed for another cluster')
  t.throws(() => relayedCallerRole(call(), { ...trust, isListed: node => node !== dev.nodeId }), { code: 'ACCESS_DENIED', message: /not on the cluster's roster/ }, 'from a member since removed')
  const late = signRelayedCall(dev, cluster, certificateOf(dev, 'developer'), 'distribute', args, NOW - RELAY_CLOCK_SKEW_MS - 1)
  denied(late, /expired 60 s ago/, 'expired, past the clocks\' skew')
  const nearly = signRelayedCall(dev, cluster, certificateOf(dev, 'developer'), 'distribute', args, NOW - RELAY_CLOCK_SKEW_MS + 1000)
  t.equal(relayedCallerRole(nearly, trust).role, 'developer', 'within the skew a late call is still served')
})

t.test('a hop refuses a call whose shape or path is wrong, and passes on one that is right', async t => {
  const good = call()
  t.equal(readRelayedCall(good, dev.nodeId, hop.nodeId).origin, dev.nodeId, 'straight from its origin')
  t.equal(readRelayedCall({ ...good, hops: [dev.nodeId, qa.nodeId] }, qa.nodeId, hop.nodeId).op, 'distribute', 'from a hop that added itself')
  const bad = (value: unknown, from: string, pattern: RegExp, what: string): void => {
    t.throws(() => readRelayedCall(value, from, hop.nodeId), { code: 'BAD_INPUT', message: pattern }, what)
  }
  bad({ ...good, hops: [dev.nodeId, qa.nodeId] }, admin.nodeId, /does not end at the peer that sent it/, 'a sender that did not add itself')
  bad({ ...good, hops: [qa.nodeId] }, qa.nodeId, /does not start at its origin/, 'a path that leaves the origin out')
  bad({ ...good, hops: [dev.nodeId, hop.nodeId, qa.nodeId] }, qa.nodeId, /loop/, 'a path through this peer already')
  bad({ ...good, hops: [dev.nodeId, qa.nodeId, dev.nodeId] }, dev.nodeId, /loop/, 'a path that repeats a peer')
  const long = [dev.nodeId, ...Array.from({ length: MAX_RELAY_HOPS }, () => generateIdentity().nodeId)]
  bad({ ...good, hops: long }, long[long.length - 1]!, /path must be 1-8 node ids/, 'a path past the bound')
  bad({ ...good, op: 'relay' }, dev.nodeId, /which is not relayed/, 'a relay of a relay')
  bad({ ...good, op: 'instance' }, dev.nodeId, /which is not relayed/, 'an op that is not a call to the leader')
  bad({ ...good, extra: 1 }, dev.nodeId, /no field "extra"/, 'an unknown field')
  bad({ ...good, format: 2 }, dev.nodeId, /format 2/, 'another format')
  bad({ ...good, signature: 'zz' }, dev.nodeId, /signature is not 64 bytes/, 'a malformed signature')
  bad({ ...good, expires: -1 }, dev.nodeId, /expiry is not a time/, 'a negative expiry')
  bad({ ...good, origin: 'x' }, dev.nodeId, /origin is not a node id/, 'a malformed origin')
  bad([good], dev.nodeId, /must be an object/, 'an array')
})
