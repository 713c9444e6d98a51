import t from 'tap'
import { votersCaughtUpFrom } from '../../src/node/cluster/catch-up.js'
import type { SyncReport } from '../../src/node/cluster/types.js'

const report = (reached: string[], caughtUp = true): SyncReport => ({ caughtUp, ms: 10, peers: reached.length, reached, logs: [] })
const voters = ['v1', 'v2', 'v3']

t.test('a new leader states ends only after catching up from a majority of the voters, itself included', async t => {
  t.equal(votersCaughtUpFrom(report(['v2']), 'v1', voters), 2, 'itself and one more voter of three')
  t.equal(votersCaughtUpFrom(report(['v2', 'v3']), 'v1', voters), 3)
  t.equal(votersCaughtUpFrom(report(['m1', 'm2', 'm3', 'm4']), 'v1', voters), null,
    'four members that do not vote reached: not enough (they may hold nothing a majority of voters acknowledged)')
  t.equal(votersCaughtUpFrom(report(['v2'], false), 'v1', voters), null, 'a catch-up that ran out of time')
  t.equal(votersCaughtUpFrom(null, 'v1', voters), null, 'a catch-up that failed')
  t.equal(votersCaughtUpFrom(report([]), 'v1', ['v1']), 1, 'a voting set of one: itself')
  t.equal(votersCaughtUpFrom(report(['v2', 'v3']), 'm9', ['v2', 'v3', 'v4', 'v5', 'v6']), null, 'two of five voters (itself not one)')
})
