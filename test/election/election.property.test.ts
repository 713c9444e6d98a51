import t from 'tap'
import fc from 'fast-check'
import { Network } from '../helpers/election-network.js'

// One fault or event of a schedule; peer and message indexes are taken modulo what exists.
type Op =
  | { op: 'tick' }
  | { op: 'tick-one', peer: number }
  | { op: 'deliver', index: number }
  /** Delivers everything queued, in order: lets elections finish between faults. */
  | { op: 'flush' }
  | { op: 'drop', index: number }
  | { op: 'duplicate', index: number }
  | { op: 'cut', a: number, b: number }
  | { op: 'isolate', peer: number }
  | { op: 'recover' }
  | { op: 'restart', peer: number }
  | { op: 'campaign', peer: number }
  | { op: 'resign', peer: number }
  /** `a` names the leader it knows to `b`, as its gossiped heads do (a leader hint). */
  | { op: 'hint', a: number, b: number }

const peer = fc.nat(9)
const index = fc.nat(1000)
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ op: 'tick' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('tick-one' as const), peer }) },
  { weight: 12, arbitrary: fc.record({ op: fc.constant('deliver' as const), index }) },
  { weight: 2, arbitrary: fc.constant({ op: 'flush' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('drop' as const), index }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), index }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cut' as const), a: peer, b: peer }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('isolate' as const), peer }) },
  { weight: 1, arbitrary: fc.constant({ op: 'recover' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('restart' as const), peer }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('campaign' as const), peer }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('resign' as const), peer }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('hint' as const), a: peer, b: peer }) }
)

const configArb = fc.record({
  peers: fc.constantFrom(3, 5),
  seed: fc.nat(1_000_000),
  preVote: fc.boolean(),
  checkQuorum: fc.boolean(),
  /** Bit i clear: peer i cannot campaign; peer 0 always can, so someone can lead. */
  campaigners: fc.nat(31),
  /** The first this many peers vote (at most all); the rest only follow. */
  voters: fc.constantFrom(1, 3, 5)
})

type Config = typeof configArb extends fc.Arbitrary<infer C> ? C : never

function build (config: Config): Network {
  return new Network({
    peers: config.peers,
    seed: config.seed,
    electionTimeoutTicks: 4,
    heartbeatTicks: 1,
    preVote: config.preVote,
    checkQuorum: config.checkQuorum,
    voters: Math.min(config.voters, config.peers),
    canCampaign: id => id === 'a' || (config.campaigners & (1 << (id.charCodeAt(0) - 97))) !== 0
  })
}

/** The faulty phase; Network.step checks election safety after every step and throws on a violation. */
function applyAll (net: Network, ops: readonly Op[]): void {
  const id = (n: number): string => net.ids[n % net.ids.length]!
  for (const op of ops) {
    const at = (n: number): number => n % Math.max(net.queue.length, 1)
    switch (op.op) {
      case 'tick': net.tick(); break
      case 'tick-one': net.tick(id(op.peer)); break
      case 'deliver': if (net.queue.length > 0) net.deliver(at(op.index)); break
      case 'flush': net.deliverAll(); break
      case 'drop': if (net.queue.length > 0) net.drop(at(op.index)); break
      case 'duplicate': if (net.queue.length > 0) net.duplicate(at(op.index)); break
      case 'cut': net.cut(id(op.a), id(op.b)); break
      case 'isolate': net.isolate(id(op.peer)); break
      case 'recover': net.recover(); break
      case 'restart': net.restart(id(op.peer)); break
      case 'campaign': net.step(id(op.peer), { type: 'campaign' }); break
      case 'resign': net.step(id(op.peer), { type: 'resign' }); break
      case 'hint': {
        const from = net.node(id(op.a))
        if (from.leader !== null && net.connected(id(op.a), id(op.b))) net.step(id(op.b), { type: 'leader-hint', from: id(op.a), term: from.term, leader: from.leader })
        break
      }
    }
  }
}

/** BZZZ_PROPERTY_RUNS multiplies the runs, for a longer soak than npm test. */
const RUNS = (n: number): number => n * Number(process.env.BZZZ_PROPERTY_RUNS ?? 1)

const LIVENESS_TICKS = 150
/** Five election timeouts (4 ticks each) with the same leader in the same term. */
const STABLE_TICKS = 20

t.test('never two leaders in one term, and once faults stop the cluster settles on one leader', async t => {
  fc.assert(fc.property(configArb, fc.array(opArb, { maxLength: 250, size: 'max' }), (config, ops) => {
    const net = build(config)
    applyAll(net, ops)
    net.recover()
    const from = net.settleStably(LIVENESS_TICKS, STABLE_TICKS)
    if (from < 0) throw new Error(`no stable leader ${LIVENESS_TICKS} ticks after the faults stopped: ${net.ids.map(id => `${id}:${net.node(id).state}@${net.node(id).term}`).join(' ')}`)
    return true
  }), { numRuns: RUNS(300) })
  t.pass()
})

t.test('a connected majority settles while a minority stays cut off', async t => {
  fc.assert(fc.property(configArb, fc.array(opArb, { maxLength: 150, size: 'max' }), fc.nat(4), (config, ops, minorityPick) => {
    const net = build({ ...config, peers: 5, voters: 5, checkQuorum: true, preVote: true })
    applyAll(net, ops)
    net.recover()
    // the two cut-off peers: any two but a, so that a campaigner is in the majority
    const others = net.ids.slice(1)
    const minority = [others[minorityPick % 4]!, others[(minorityPick + 1) % 4]!]
    const majority = net.ids.filter(id => !minority.includes(id))
    net.partition(minority, majority)
    // Votes cast before the cut may still elect a minority peer in a term that already existed (a vote in flight
    // is legitimate); no term begun after the cut can gather a majority on the minority side.
    const termAtCut = Math.max(...net.ids.map(id => net.node(id).term))
    if (net.settleStably(LIVENESS_TICKS, STABLE_TICKS, majority) < 0) return false
    const newMinorityLeader = [...net.leadersByTerm.entries()].some(([term, id]) => term > termAtCut && minority.includes(id))
    // CheckQuorum: whoever leads on the minority side has stepped down by now.
    const minorityStillLeads = minority.some(id => net.node(id).state === 'leader')
    return !newMinorityLeader && !minorityStillLeads
  }), { numRuns: RUNS(150), examples: [[{ peers: 3, seed: 0, preVote: false, checkQuorum: false, campaigners: 22, voters: 5 }, [{ op: 'campaign', peer: 7 }, { op: 'flush' }, { op: 'tick' }, { op: 'deliver', index: 0 }, { op: 'deliver', index: 378 }, { op: 'flush' }, { op: 'resign', peer: 7 }, { op: 'deliver', index: 0 }, { op: 'deliver', index: 0 }, { op: 'deliver', index: 0 }, { op: 'deliver', index: 466 }], 0]] })
  t.pass()
})

t.test('the property catches a peer that forgets its vote on restart', async t => {
  // The same schedules, but restarts lose the persisted vote: fast-check must find two leaders in a term.
  const result = fc.check(fc.property(fc.nat(1_000_000), fc.array(opArb, { minLength: 100, maxLength: 250, size: 'max' }), (seed, ops) => {
    const net = new Network({ peers: 3, seed, electionTimeoutTicks: 4, heartbeatTicks: 1, preVote: false, checkQuorum: false })
    const original = net.restart.bind(net)
    net.restart = id => original(id, true)
    applyAll(net, ops)
  }), { numRuns: 2000, seed: 42 })
  t.ok(result.failed, 'a counterexample was found')
  t.match(String(result.errorInstance), /two leaders in term/)
})
