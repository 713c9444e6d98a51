import t from 'tap'
import { auditWitnesses, hopsFrom, linked, linkedPeers, linkGraph, linkView, MEMBER_NEIGHBOURS, relayNextHop } from '../../src/distribution/links.js'

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

t.test('voters link with each other and with every member; a member with the voters and a few members', async t => {
  const voters = ids(5, 'v')
  const members = [...voters, ...ids(195)].sort()
  const roster = { members, voters }
  const voterView = linkView(voters[0]!, roster)!
  t.equal(voterView.hub, true)
  t.same(voterView.dial, voters.slice(1), 'a voter dials the other voters only')
  const graph = linkGraph(roster)
  t.equal(graph.get(voters[0]!)!.size, 199, 'and is linked with every peer: members dial it')
  const degrees = members.filter(m => !voters.includes(m)).map(m => {
    const view = linkView(m, roster)!
    t.equal(view.hub, false)
    t.same(view.dial.slice(0, 5), voters, 'a member dials every voter')
    t.equal(view.dial.length, 5 + MEMBER_NEIGHBOURS)
    return graph.get(m)!.size
  })
  // A member's links: the voters, its own neighbours, and those that picked it (about as many, never unbounded).
  t.ok(Math.min(...degrees) >= 5 + MEMBER_NEIGHBOURS, `fewest links of a member: ${Math.min(...degrees)}`)
  t.ok(Math.max(...degrees) <= 5 + 6 * MEMBER_NEIGHBOURS, `most links of a member: ${Math.max(...degrees)}`)
  const mean = degrees.reduce((a, b) => a + b, 0) / degrees.length
  t.ok(Math.abs(mean - (5 + 2 * MEMBER_NEIGHBOURS)) < 0.5, `mean links of a member ${mean.toFixed(2)}, about the voters and twice the neighbours`)
})

t.test('both ends agree on every link, and the graph is connected without the voters', async t => {
  const voters = ids(3, 'v')
  const members = [...voters, ...ids(60)].sort()
  const roster = { members, voters }
  const graph = linkGraph(roster)
  for (const a of members.slice(0, 12)) {
    t.same([...graph.get(a)!].sort(), linkedPeers(a, roster))
    for (const b of graph.get(a)!) t.ok(linked(b, a, roster) && linked(a, b, roster), `${b} and ${a} agree they are linked`)
  }
  t.equal(reachable(roster, new Set()), 63)
  // Members also reach each other through their neighbours: with every voter down, every member is still reached,
  // member to member (heads and logs spread among them; only calls to the leader need a voter).
  t.equal(reachable(roster, new Set(voters)), 60)
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
      t.ok(now.includes('m9999'), `${m} dials another member only to take the newcomer`)
    }
  }
  t.ok(changed <= 10, `${changed} of 105 peers changed whom they dial`)
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
  const members = [...voters, ...ids(60)].sort()
  const roster = { members, voters }
  const graph = linkGraph(roster)
  const leader = voters[2]!
  const hops = hopsFrom(leader, graph)
  t.equal(hops.get(leader), 0)
  t.ok(voters.every(v => v === leader || hops.get(v) === 1), 'every other voter is one hop from the leader')
  t.ok(members.every(m => voters.includes(m) || hops.get(m) === 1), 'in two tiers every member links with every voter: one hop')
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
