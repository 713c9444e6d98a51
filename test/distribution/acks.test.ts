// The acknowledgement core: pure, driven through step(); each test reads the acknowledged ids its inputs produce.
import t from 'tap'
import { AckTracker, ackRequirement } from '../../src/distribution/acks.js'

/** The tracker with its inputs as calls that return the ids acknowledged (a wait: whether it held at once). */
function tracker (self: string) {
  const core = new AckTracker(self)
  const ids = (effects: Array<{ id: number }>): number[] => effects.map(e => e.id)
  return {
    observe: (peer: string, writer: string, length: number) => ids(core.step({ type: 'observe', peer, writer, length })),
    wait: (id: number, writer: string, length: number, required: number, followsPeers = false) =>
      ids(core.step({ type: 'wait', id, writer, length, required, followsPeers })).includes(id),
    limit: (required: number) => ids(core.step({ type: 'limit', required })),
    forget: (peer: string) => { core.step({ type: 'forget', peer }) },
    count: (writer: string, length: number) => core.count(writer, length)
  }
}

t.test('acknowledgements count the peers holding the write, this one included', async t => {
  const acks = tracker('me')
  acks.observe('me', 'w', 10)
  t.notOk(acks.wait(1, 'w', 10, 3))
  t.same(acks.observe('a', 'w', 9), [], 'a peer that holds less does not count')
  t.same(acks.observe('a', 'w', 10), [])
  t.same(acks.observe('b', 'w', 12), [1], 'the third holder acknowledges it')
  t.ok(acks.wait(2, 'w', 10, 3), 'already held by three')
  acks.forget('b')
  t.equal(acks.count('w', 10), 2)
})

t.test('a requirement counted from the peers connected falls when peers leave; a quorum\'s does not', async t => {
  const acks = tracker('me')
  acks.observe('me', 'w', 10)
  acks.observe('a', 'w', 10)
  t.notOk(acks.wait(1, 'w', 10, 3, true), 'a record write waits for a third holder')
  t.notOk(acks.wait(2, 'w', 10, 3, false), 'a quorum waits for three')
  t.notOk(acks.wait(3, 'w', 12, 3, true), 'a later write, held by no one else yet')
  t.same(acks.limit(4), [], 'a requirement never rises')
  t.same(acks.limit(2), [1], 'one peer left: two holders acknowledge the record, not the quorum')
  t.same(acks.observe('me', 'w', 12), [], 'its writer holds it')
  t.same(acks.observe('a', 'w', 12), [3], 'the later write was lowered too, and its second holder acknowledges it')
  t.same(acks.observe('b', 'w', 12), [2], 'the quorum still needed its third holder')
})


t.test('a write also needs a majority of the voters among its holders; members that do not vote count toward the rest only', async t => {
  const core = new AckTracker('leader')
  const done = (effects: Array<{ id: number }>): number[] => effects.map(e => e.id)
  core.step({ type: 'voters', voters: ['leader', 'v1', 'v2'] })
  core.step({ type: 'observe', peer: 'leader', writer: 'w', length: 5 })
  t.same(done(core.step({ type: 'wait', id: 1, writer: 'w', length: 5, required: 3, voters: 2 })), [])
  t.same(done(core.step({ type: 'observe', peer: 'm1', writer: 'w', length: 5 })), [])
  t.same(done(core.step({ type: 'observe', peer: 'm2', writer: 'w', length: 5 })), [], 'three holders, one of them a voter: not yet')
  t.same(done(core.step({ type: 'observe', peer: 'v2', writer: 'w', length: 5 })), [1], 'a second voter: acknowledged')
  t.equal(core.countVoters('w', 5), 2)
  t.same(done(core.step({ type: 'wait', id: 2, writer: 'w', length: 6, required: 1, voters: 2 })), [])
  core.step({ type: 'observe', peer: 'leader', writer: 'w', length: 6 })
  t.same(done(core.step({ type: 'observe', peer: 'm1', writer: 'w', length: 6 })), [])
  t.same(done(core.step({ type: 'limit', required: 1 })), [], 'peers leaving lower the holders needed, never the voters')
  t.same(done(core.step({ type: 'voters', voters: ['leader', 'm1', 'v2'] })), [2], 'm1 promoted: its copy counts as a voter\'s now')
})

t.test('the rule: every write needs a majority of the voters; records also need the replication factor (or all connected)', async t => {
  t.same(ackRequirement('records', { replicationFactor: 3, connected: 6, majority: 2 }), { holders: 3, voters: 2 }, '7 members, 3 voters')
  t.same(ackRequirement('records', { replicationFactor: 1, connected: 6, majority: 2 }), { holders: 1, voters: 2 }, 'a factor of 1 still needs two voters')
  t.same(ackRequirement('records', { replicationFactor: 5, connected: 1, majority: 3 }), { holders: 3, voters: 3 })
  t.same(ackRequirement('request', { replicationFactor: 5, connected: 6, majority: 2 }), { holders: 2, voters: 2 })
  // Sharded: a member's copy holds only its shards, so the factor counts voters (connected counts the other voters).
  t.same(ackRequirement('records', { replicationFactor: 3, connected: 4, majority: 3, sharded: true }), { holders: 3, voters: 3 }, '5 voters, factor 3')
  t.same(ackRequirement('records', { replicationFactor: 5, connected: 4, majority: 3, sharded: true }), { holders: 5, voters: 5 }, 'a factor of 5 needs all five voters')
  t.same(ackRequirement('records', { replicationFactor: 5, connected: 2, majority: 3, sharded: true }), { holders: 3, voters: 3 }, 'or all those connected, never fewer than the majority')
  t.same(ackRequirement('records', { replicationFactor: 1, connected: 4, majority: 3, sharded: true }), { holders: 1, voters: 3 }, 'the majority is still the floor')
})

t.test('a write of term T counts a head only if its peer sent it while in term T or earlier (an old leader\'s late block is not acknowledged by voters of a newer term)', async t => {
  const core = new AckTracker('old')
  const ids = (effects: Array<{ id: number }>): number[] => effects.map(e => e.id)
  core.step({ type: 'voters', voters: ['old', 'a', 'b'] })
  core.step({ type: 'observe', peer: 'old', writer: 'w', length: 7 })
  // The leader of term 1 wrote blocks 5 and 6 after a peer of term 2 had stated that its log ends at 5.
  t.same(ids(core.step({ type: 'wait', id: 1, writer: 'w', length: 7, required: 2, voters: 2, term: 1 })), [])
  t.same(ids(core.step({ type: 'observe', peer: 'a', writer: 'w', length: 7, term: 2 })), [], 'a voter already in term 2 holds it: it does not count')
  t.equal(core.count('w', 7, 1), 1, 'only the writer counts for term 1')
  t.equal(core.count('w', 7), 2, 'without a term, both hold it')
  t.same(ids(core.step({ type: 'wait', id: 2, writer: 'w', length: 7, required: 2, voters: 2, term: 2 })), [2], 'a write of term 2 counts it')
  t.same(ids(core.step({ type: 'observe', peer: 'b', writer: 'w', length: 7, term: 1 })), [1], 'a voter that held it while in term 1 does')
})

t.test('what a peer held by term: a later term keeps what it held before, an earlier one never gains what came later', async t => {
  const core = new AckTracker('me')
  const step = (peer: string, length: number, term: number): void => { core.step({ type: 'observe', peer, writer: 'w', length, term }) }
  step('p', 3, 2)
  step('p', 5, 4)
  step('p', 4, 3) // arrived late: it held 4 while in term 3
  t.same([1, 2, 3, 4, 5].map(term => core.count('w', 3, term)), [0, 1, 1, 1, 1], 'held 3 from term 2 on')
  t.same([1, 2, 3, 4, 5].map(term => core.count('w', 4, term)), [0, 0, 1, 1, 1], 'held 4 from term 3 on')
  t.same([1, 2, 3, 4, 5].map(term => core.count('w', 5, term)), [0, 0, 0, 1, 1], 'held 5 from term 4 on')
  // Many terms later, the oldest are dropped: a write of such a term no longer counts the peer (never the reverse).
  for (let term = 5; term < 40; term++) step('p', 5 + term, term)
  t.equal(core.count('w', 3, 2), 0, 'term 2 was dropped')
  t.equal(core.count('w', 44, 39), 1)
  t.equal(core.count('w', 44, 38), 0)
})
