// Every peer checks replicated entries against the cluster policy they name, not only the leader: a leader that wrote
// a developer's distribute although the policy forbids it (as one that does not enforce it would) has it refused by
// every view, counted and audited, while what the policy allows applies everywhere.
import t from 'tap'
import { signPolicy } from '../../src/node/cluster-policy.js'
import { startNodes, until, agreed } from '../helpers/in-process.js'

t.test('a replicated entry that breaks the policy it names is refused by every peer', async t => {
  const nodes = await startNodes(t, ['developer', 'qa'], { project: 'pe' })
  const [admin, developer, qa] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]]
  const policy = signPolicy(admin.peer.keyring.identity, admin.peer.config.cluster.id, 1, {
    developer: { ops: ['generate', 'decide'], level: 'internal' },
    qa: { ops: ['distribute'], level: 'internal' }
  })
  await admin.publishPolicy(policy)
  await until('every peer to take up policy version 1', () => nodes.every(n => n.peer.policies.version === 1))

  const { node: leader } = agreed(nodes)!
  const before = nodes.map(n => n.peer.store.refusals().count)
  const term = leader.election.term
  await leader.peer.distribute({ address: 'ucxl://pe/forbidden.py', kind: 'file', summary: 'no' }, undefined, 'the test', term, undefined, { requester: developer.nodeId, role: 'developer', policyVersion: 1 })
  // Written through the leader (stamped qa, version 1) and acknowledged, so the peers pull the log past both.
  await qa.distribute({ address: 'ucxl://pe/allowed.py', kind: 'file', summary: 'yes' }, undefined, 'the test')
  for (const node of nodes) {
    await node.sync(20)
    await until(`${node.nodeId.slice(0, 8)} to apply the allowed record`, () => node.peer.store.liveAddresses().some(a => a.address === 'ucxl://pe/allowed.py'))
  }
  for (const [i, node] of nodes.entries()) {
    t.equal(node.peer.store.refusals().count, before[i]! + 1, 'one entry refused')
    t.match(node.peer.store.refusals().recent.at(-1), { type: 'context', reason: /written against the policy: .*does not let role developer distribute/ })
    t.notOk(node.peer.store.liveAddresses().some(a => a.address === 'ucxl://pe/forbidden.py'), 'the forbidden record is in no view')
    t.equal((await node.status()).counters?.refusedEntries, before[i]! + 1, 'status counts it')
  }
  const viewHashes = new Set(nodes.map(n => n.peer.store.viewHash))
  t.equal(viewHashes.size, 1, 'every peer judged alike')
})

t.test('a hand-written record sealed above the level the policy lets its requester write is refused by every peer', async t => {
  const nodes = await startNodes(t, ['developer', 'qa'], { project: 'pl' })
  const [admin, , qa] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]]
  const policy = signPolicy(admin.peer.keyring.identity, admin.peer.config.cluster.id, 1, {
    developer: { ops: ['generate', 'distribute', 'decide'], level: 'confidential' },
    qa: { ops: ['distribute'], level: 'public' }
  })
  await admin.publishPolicy(policy)
  await until('every peer to take up policy version 1', () => nodes.every(n => n.peer.policies.version === 1))

  const { node: leader } = agreed(nodes)!
  const before = nodes.map(n => n.peer.store.refusals().count)
  // Stamped qa (which may write public sections only), sealed with an internal section, as a leader that does not check
  // levels would write it.
  await leader.peer.distribute({ address: 'ucxl://pl/too-high.py', kind: 'file', summary: 'internal', levels: { summary: 'internal' } }, undefined, 'the test', leader.election.term, undefined, { requester: qa.nodeId, role: 'qa', policyVersion: 1 })
  await qa.distribute({ address: 'ucxl://pl/public.py', kind: 'file', summary: 'public' }, undefined, 'the test')
  for (const node of nodes) {
    await node.sync(20)
    await until(`${node.nodeId.slice(0, 8)} to apply the allowed record`, () => node.peer.store.liveAddresses().some(a => a.address === 'ucxl://pl/public.py'))
  }
  for (const [i, node] of nodes.entries()) {
    t.equal(node.peer.store.refusals().count, before[i]! + 1, 'one entry refused')
    t.match(node.peer.store.refusals().recent.at(-1), { type: 'context', reason: /written against the policy: .*lets role qa write sections up to public, not at internal/ })
    t.notOk(node.peer.store.liveAddresses().some(a => a.address === 'ucxl://pl/too-high.py'), 'the record sealed too high is in no view')
  }
  t.equal(new Set(nodes.map(n => n.peer.store.viewHash)).size, 1, 'every peer judged alike')
})
