import t from 'tap'
import { GenerationQueue, type QueuedRequest } from '../../src/leader/queue.js'
import { QueueView } from '../../src/node/cluster/queue-view.js'
import { systemClock } from '../../src/clock.js'

const request = (id: string, fields: Partial<QueuedRequest>): QueuedRequest =>
  ({ id, address: `ucxl://p/${id}`, priority: 'normal', requester: 'peer-x', acceptedAt: 10, term: 1, ...fields })

t.test('queue status counts as waiting exactly the queued requests whose readers the current leader holds no key for', async t => {
  const queue = new GenerationQueue({ concurrency: 1 })
  let leader = 'dev-node'
  const view = new QueueView({
    clock: { ...systemClock, now: () => 1_000 },
    nodeId: 'me',
    adminKey: 'admin-node',
    queue: () => queue,
    election: () => ({ leader, term: 2, isLeader: false }),
    heldRoles: () => ['developer'],
    clusterRoles: () => ['admin', 'developer', 'security'],
    memberRole: node => node === 'dev-node' ? 'developer' : undefined
  })
  queue.step({ type: 'accepted', request: request('sec', { readers: ['security'], acceptedAt: 5 }) })
  queue.step({ type: 'accepted', request: request('dev', { readers: ['developer'] }) })
  queue.step({ type: 'accepted', request: request('any', {}) })
  queue.step({ type: 'accepted', request: request('done', { readers: ['security'] }) })
  queue.step({ type: 'completed', completion: { id: 'done', term: 1, status: 'completed', at: 20 } })
  t.equal(view.status().waiting, 1, 'only the security request waits for a developer leader (the completed one does not)')
  t.same(view.list().filter(row => row.waitingFor !== undefined).map(row => row.id), ['sec'])
  t.equal(view.list().find(row => row.id === 'sec')!.ageMs, 995)
  leader = 'admin-node'
  t.equal(view.status().waiting, 0, 'the admin holds every role: nothing waits')
  leader = 'stranger'
  t.equal(view.status().waiting, 0, 'a leader whose role is unknown: nothing is said to wait')
  t.same(view.tally(), queue.tally())
})
