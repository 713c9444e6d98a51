// The audit log in a cluster (two in-process peers on a loopback DHT): the leader records the election it won and the
// distribute a member asked for, with who asked; each peer holds the other's audit core and co-signs its head; a
// read is recorded by the peer that served it; and everything verifies on both.
import t from 'tap'
import { startNodes, agreed, until } from '../helpers/in-process.js'
import { verifyAudit } from '../../src/audit/verify.js'
import type { PlacedEvent } from '../../src/audit/audit-log.js'

t.test('audit events replicate, are co-signed by the other member, and verify', async t => {
  const nodes = await startNodes(t, ['developer'], { project: 'p' })
  const { node: leader } = agreed(nodes)!
  const member = nodes.find(n => n !== leader)!
  const record = { address: 'ucxl://p/src/a.py', kind: 'file', summary: 'audited' }
  await member.distribute(record, ['developer'], 'a.json')
  await member.retrieve('ucxl://p/src/a.py', 'developer')

  let seen: PlacedEvent[] = []
  const holds = (kind: string, where: (e: PlacedEvent) => boolean): boolean => seen.some(e => e.event.kind === kind && where(e))
  await until('the leader\'s distribute and both checkpoints at the member', () => {
    void member.peer.audit.events().then(events => { seen = events })
    return holds('distribute', e => e.owner === leader.nodeId && e.event.requester === member.nodeId) &&
      holds('checkpoint', e => e.owner === member.nodeId && e.event.subject === leader.nodeId) &&
      holds('checkpoint', e => e.owner === leader.nodeId && e.event.subject === member.nodeId)
  }, 30_000)
  t.ok(holds('election-won', e => e.owner === leader.nodeId && e.event.term === leader.election.term), 'the leader won its term')
  t.ok(holds('read', e => e.owner === member.nodeId && e.event.address === 'ucxl://p/src/a.py' && e.event.role === 'developer'), 'the member\'s read')
  const distribute = seen.find(e => e.event.kind === 'distribute' && e.owner === leader.nodeId)!
  t.match(distribute.event, { role: member.peer.config.role, records: 1, written: 1, roles: ['developer'] }, 'as the requester\'s role')
  for (const node of nodes) {
    const report = await verifyAudit(node.peer.audit, node.peer.config.cluster.id)
    t.same(report.problems, [], `${node === leader ? 'the leader' : 'the member'} verifies every core it holds`)
    t.equal(report.cores.length, 2)
  }
})
