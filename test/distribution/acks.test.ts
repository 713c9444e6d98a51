// The acknowledgement core: pure, driven through step(); each test reads the acknowledged ids its inputs produce.
import t from 'tap'
import { AckTracker } from '../../src/distribution/acks.js'

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

