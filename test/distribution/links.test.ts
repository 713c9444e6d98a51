import t from 'tap'
import { auditWitnesses, hopsFrom, linked, linkedPeers, linkGraph, LinkPlan, linkView, MEMBER_NEIGHBOURS, relayNextHop, VOTER_GATEWAYS } from '../../src/distribution/links.js'
import { MAX_RELAY_HOPS } from '../../src/node/relayed-call.js'
import { SHARDS, shardHolders } from '../../src/distribution/placement.js'

const ids = (n: number, prefix = 'm'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`)

/** Peers reachable from the first peer not in `down`, over links between peers not in `down`. */
function reachable (roster: { members: string[], voters: string[] }, down: ReadonlySet<string>): number {
  const start = roster.members.find(v => !down.has(v))!
  const graph = linkGraph(roster)
  const seen = new Set([start])
  const queue = [start]
  while (queue.length > 0) {
    const at = queue.shift()!
    for (const next of graph.get(at)!) if (!down.has(next) && !seen.has(next)) { seen.add(next); queue.push(next) }
  }
  return seen.size
}

t.test('while every member votes, it is the full mesh it always was', async t => {
  const members = ids(5)
  t.equal(linkView(members[0]!, { members, voters: members }), null)
  t.equal(linkView(members[0]!, { members }), null, 'a roster of format 1: every member votes')
  t.same(linkedPeers(members[2]!, { members, voters: members }), members.filter(m => m !== members[2]))
})

t.test('up to VOTER_GATEWAYS members: voters link with each other and every member, a member with the voters and a few members', async t => {
  const voters = ids(5, 'v')
  const members = [...voters, ...ids(VOTER_GATEWAYS)].sort()
  const roster = { members, voters }
  const voterView = linkView(voters[0]!, roster)!
  t.equal(voterView.hub, true)
  t.same(voterView.dial, voters.slice(1), 'a voter dials the other voters only')
  t.same([...voterView.refuse], [], 'and refuses no one')
  const graph = linkGraph(roster)
  t.equal(graph.get(voters[0]!)!.size, 4 + VOTER_GATEWAYS, 'and is linked with every peer: members dial it')
  for (const m of members.filter(m => !voters.includes(m))) {
    const view = linkView(m, roster)!
    t.equal(view.hub, false)
    t.same(view.dial.slice(0, 5), voters, 'a member dials every voter')
    t.equal(view.dial.length, 5 + MEMBER_NEIGHBOURS, 'and its neighbours, no ring')
  }
})

t.test('past VOTER_GATEWAYS members, a voter links with the other voters and its gateways only; members with a few members', async t => {
  const voters = ids(5, 'v')
  const members = [...voters, ...ids(195)].sort()
  const roster = { members, voters }
  const graph = linkGraph(roster)
  const gateways = new Map<string, string[]>()
  for (const v of voters) {
    const view = linkView(v, roster)!
    t.same(view.dial, voters.filter(x => x !== v), 'a voter dials the other voters only')
    const linkedMembers = [...graph.get(v)!].filter(m => !voters.includes(m))
    t.equal(linkedMembers.length, VOTER_GATEWAYS, `voter ${v} is linked with ${VOTER_GATEWAYS} members, its gateways`)
    t.equal(view.refuse.size, 195 - VOTER_GATEWAYS, 'and refuses the other members')
    t.ok(linkedMembers.every(m => !view.refuse.has(m)))
    gateways.set(v, linkedMembers)
  }
  const degrees = members.filter(m => !voters.includes(m)).map(m => {
    const view = linkView(m, roster)!
    const mine = voters.filter(v => gateways.get(v)!.includes(m))
    t.same(view.dial.filter(p => voters.includes(p)), mine, 'a member dials the voters it is a gateway of')
    t.same([...view.refuse].sort(), voters.filter(v => !mine.includes(v)), 'and refuses the others')
    t.ok(view.dial.length - mine.length >= MEMBER_NEIGHBOURS && view.dial.length - mine.length <= MEMBER_NEIGHBOURS + 1, 'its neighbours and its ring successor')
    return graph.get(m)!.size - mine.length
  })
  // A member's member links: its own neighbours and ring successor, and those that picked it (about as many).
  t.ok(Math.max(...degrees) <= 4 * (MEMBER_NEIGHBOURS + 1), `most member links of a member: ${Math.max(...degrees)}`)
  const mean = degrees.reduce((a, b) => a + b, 0) / degrees.length
  t.ok(Math.abs(mean - 2 * (MEMBER_NEIGHBOURS + 1)) < 0.5, `mean member links of a member ${mean.toFixed(2)}, about twice the neighbours and the ring`)

  const hubs = linkGraph(roster, { gateways: Infinity })
  t.ok(voters.every(v => hubs.get(v)!.size === 199), 'with gateways Infinity, every voter is linked with every peer')
})

t.test('sharded: each shard\'s holders are chained to a voter, and a voter\'s links stay bounded whatever N', async t => {
  const voters = ids(5, 'v')
  const shards = { factor: 3 }
  const voterLinks: number[] = []
  for (const n of [VOTER_GATEWAYS, 100, 1000]) {
    const roster = { members: [...voters, ...ids(n)].sort(), voters }
    const plan = new LinkPlan(roster, { shards })
    const bounded = new LinkPlan(roster)
    const holders = shardHolders(roster.members.map(id => ({ id })), shards.factor)
    if (n <= VOTER_GATEWAYS) {
      t.same([...plan.graph()].map(([p, l]) => [p, [...l].sort()]), [...bounded.graph()].map(([p, l]) => [p, [...l].sort()]), `${n} members: every member is a gateway of every voter, no chain is added`)
      continue
    }
    // Each shard's chain: every holder that does not vote is linked with the one before it, the first with a voter.
    let broken = 0
    for (const held of holders) {
      let up: string | undefined = held.find(h => voters.includes(h))
      for (const holder of held) {
        if (voters.includes(holder)) continue
        if (up === undefined ? !voters.some(v => plan.linked(holder, v)) : !plan.linked(holder, up)) broken++
        up = holder
      }
    }
    t.equal(broken, 0, `${n} members: every holder of each of the ${SHARDS} shards is linked up its chain to a voter`)
    const most = Math.max(...voters.map(v => plan.graph().get(v)!.size))
    voterLinks.push(most)
    t.ok(most <= voters.length - 1 + VOTER_GATEWAYS + Math.ceil(SHARDS / voters.length) * 2, `${n} members: a voter has at most ${most} links`)
    for (const v of voters) t.equal(plan.view(v)!.refuse.size, 0, 'a voter of a sharded cluster refuses no member (reads dial it)')
    const member = roster.members.find(m => !voters.includes(m))!
    const view = plan.view(member)!
    t.same([...view.refuse].sort(), voters.filter(v => !view.dial.includes(v)), 'a member refuses the voters it does not dial')
    t.ok(hopsFrom(voters[0]!, plan.graph()).size === roster.members.length, `${n} members: every peer is reachable`)
  }
  t.ok(voterLinks[1]! < 100, `a voter's links at 100 and 1,000 members: ${voterLinks.join(', ')}, bounded by the shards, not N`)
  // The chains follow the declared capacities, as the placement does.
  const roster = { members: [...voters, ...ids(50)].sort(), voters }
  const heavy = roster.members.find(m => !voters.includes(m))!
  const weighted = new LinkPlan(roster, { shards: { factor: 3, weight: id => id === heavy ? 8 : 1 } })
  t.ok(weighted.view(heavy)!.dial.length > new LinkPlan(roster, { shards }).view(heavy)!.dial.length, 'a member of weight 8 holds more shards, so it has more chain links')
})

t.test('the ring keeps the members connected whatever the draws: every peer reaches the leader within a few hops', async t => {
  for (const n of [20, 60, 300, 1000]) {
    const voters = ids(5, 'v')
    const roster = { members: [...voters, ...ids(n)].sort(), voters }
    t.equal(reachable(roster, new Set(voters)), n, `${n} members: with every voter down, every member still reaches every other`)
    const noDraws = new LinkPlan(roster, { neighbours: 0 })
    const ringOnly = hopsFrom(voters[0]!, noDraws.graph())
    t.equal(ringOnly.size, n + 5, `${n} members, no neighbours drawn: the ring and the gateways still reach every peer`)
    const hops = hopsFrom(voters[2]!, linkGraph(roster))
    const most = Math.max(...hops.values())
    t.ok(most <= MAX_RELAY_HOPS - 2, `${n} members: every peer within ${most} hops of the leader (a relayed call passes at most ${MAX_RELAY_HOPS} peers)`)
  }
})

t.test('a member that joins moves only the links that name it', async t => {
  const voters = ids(5, 'v')
  const before = { members: [...voters, ...ids(100)].sort(), voters }
  const after = { members: [...before.members, 'm9999'].sort(), voters }
  let changed = 0
  for (const m of before.members) {
    const was = linkView(m, before)!.dial
    const now = linkView(m, after)!.dial
    if (was.join() !== now.join()) {
      changed++
      // It dials the newcomer (a neighbour drawn, its ring successor), or the newcomer took its place as a voter's gateway.
      const tookGateway = was.filter(p => !now.includes(p)).every(p => voters.includes(p)) && now.every(p => was.includes(p))
      t.ok(now.includes('m9999') || tookGateway, `${m} changed whom it dials only for the newcomer`)
    }
  }
  t.ok(changed <= 15, `${changed} of 105 peers changed whom they dial`)
})

t.test('audit heads go to the linked peers of the same tier (every linked peer in a full mesh)', async t => {
  const all = ids(5)
  t.same(auditWitnesses(all[0]!, all.slice(1), { members: all, voters: all }), all.slice(1), 'full mesh: every connected peer witnesses')
  const voters = ids(3, 'v')
  const members = ids(6)
  const roster = { members: [...voters, ...members].sort(), voters }
  t.same(auditWitnesses(voters[0]!, [...voters.slice(1), ...members], roster), voters.slice(1), 'a voter: the other voters, not the members')
  t.same(auditWitnesses(members[0]!, [...voters, members[1]!, members[4]!], roster), [members[1], members[4]], 'a member: its member links')
  t.same(auditWitnesses(members[0]!, voters, roster), [], 'a member not yet linked with another member: none for now')
  const single = { members: [...voters, members[0]!].sort(), voters }
  t.same(auditWitnesses(members[0]!, voters, single), voters, 'the one member among voters: the voters')
  t.same(auditWitnesses(voters[0]!, members, roster), [], 'a voter with no other voter connected: none for now')
})

t.test('a relayed call goes to the leader when linked with it, else to the linked peer closest to it', async t => {
  const voters = ids(5, 'v')
  const members = [...voters, ...ids(VOTER_GATEWAYS)].sort()
  const roster = { members, voters }
  const graph = linkGraph(roster)
  const leader = voters[2]!
  const hops = hopsFrom(leader, graph)
  t.equal(hops.get(leader), 0)
  t.ok(voters.every(v => v === leader || hops.get(v) === 1), 'every other voter is one hop from the leader')
  t.ok(members.every(m => voters.includes(m) || hops.get(m) === 1), 'up to VOTER_GATEWAYS members, every member links with every voter: one hop')
  const member = members.find(m => !voters.includes(m))!
  const linkedHere = [...graph.get(member)!]
  t.equal(relayNextHop(leader, [member], linkedHere, hops), leader, 'linked with the leader: straight to it')
  const cut = linkedHere.filter(p => p !== leader)
  const next = relayNextHop(leader, [member], cut, hops)!
  t.equal(hops.get(next), 1, 'cut from the leader: to a peer linked with it')
  t.equal(next, cut.filter(p => hops.get(p) === 1).sort()[0], 'the first such by id, so every run of a seed picks the same')
  t.not(relayNextHop(leader, [member, next], cut, hops), next, 'a peer that carried the call already is passed over')
  t.equal(relayNextHop(leader, [member, ...cut], cut, hops), null, 'none left that has not carried it: no hop')
  t.equal(relayNextHop(leader, [member], [], hops), null, 'no link at all: no hop')
  // A chain a-b-c-d: from a, cut from d, a call goes b then c.
  const chain = new Map([['a', new Set(['b'])], ['b', new Set(['a', 'c'])], ['c', new Set(['b', 'd'])], ['d', new Set(['c'])]])
  const fromD = hopsFrom('d', chain)
  t.same([...fromD].sort(), [['a', 3], ['b', 2], ['c', 1], ['d', 0]])
  t.equal(relayNextHop('d', ['a'], ['b', 'zz'], fromD), 'b', 'a peer the graph does not know comes last')
  t.equal(relayNextHop('d', ['a'], ['zz'], fromD), 'zz', 'but is still tried when it is the only link')
})
