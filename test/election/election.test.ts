import t from 'tap'
import { Election, type ElectionEffect } from '../../src/election/index.js'
import { isBzzzError } from '../../src/errors.js'
import { Network, mulberry32 } from '../helpers/election-network.js'

const sends = (effects: ElectionEffect[]): ElectionEffect[] => effects.filter(e => e.type === 'send')

t.test('3 and 5 peers elect exactly one leader, and all agree on its term', async t => {
  for (const peers of [3, 5]) {
    for (const seed of [1, 2, 3, 4, 5]) {
      const net = new Network({ peers, seed })
      const ticks = net.settle(100)
      t.ok(ticks >= 10 && ticks <= 40, `${peers} peers, seed ${seed}: settled in ${ticks} ticks`)
      const [leader] = net.leaders()
      t.equal(net.leaders().length, 1)
      t.equal(net.node(leader!).term, 1, 'the first election wins term 1')
      for (const id of net.ids) t.same([net.node(id).term, net.node(id).leader], [1, leader], `${id} agrees`)
      net.run(50)
      t.same(net.leaders(), [leader], 'a healthy leader keeps its place')
      t.equal(net.node(leader!).term, 1, 'and no term is bumped')
    }
  }
})

t.test('the leader isolated: the majority elects a new one, the old one steps down, and on heal follows', async t => {
  const net = new Network({ peers: 5, seed: 11 })
  t.not(net.settle(100), -1)
  const old = net.leaders()[0]!
  const rest = net.ids.filter(id => id !== old)
  net.isolate(old)
  t.not(net.settle(100, rest), -1, 'the other four settle')
  const next = net.leaders().find(id => id !== old)!
  t.ok(net.node(next).term > 1, 'in a higher term')
  t.ok(net.node(old).term === 1, 'the isolated peer keeps its term')
  net.run(10)
  t.equal(net.node(old).state, 'follower', 'CheckQuorum: the isolated leader stepped down after an election timeout')
  t.equal(net.node(old).leader, null)
  net.run(100)
  t.equal(net.node(old).term, 1, 'PreVote: alone, it never bumps its term')
  net.recover()
  t.not(net.settle(50), -1)
  t.same(net.leaders(), [next], 'one leader, the new one')
  t.equal(net.node(old).leader, next, 'the old leader follows')
  t.equal(net.node(old).term, net.node(next).term)
})

t.test('without CheckQuorum the isolated leader keeps believing, until it hears the newer term', async t => {
  const net = new Network({ peers: 3, seed: 5, checkQuorum: false })
  t.not(net.settle(100), -1)
  const old = net.leaders()[0]!
  net.isolate(old)
  net.run(100)
  t.equal(net.leaders().length, 2, 'two leaders, of different terms')
  net.recover()
  t.not(net.settle(20), -1)
  t.not(net.leaders()[0], old)
})

t.test('a minority side never elects a leader, nor bumps its term', async t => {
  const net = new Network({ peers: 5, seed: 3 })
  net.partition(['a', 'b'], ['c', 'd', 'e'])
  net.run(300)
  for (const id of ['a', 'b']) {
    t.equal(net.node(id).state === 'leader' || [...net.leadersByTerm.values()].includes(id), false, `${id} never led`)
    t.equal(net.node(id).term, 0, `${id} is still in term 0`)
  }
  t.ok(net.settled(['c', 'd', 'e']), 'the majority elected one')
  net.recover()
  t.not(net.settle(30), -1, 'on heal the minority joins it')
})

t.test('a peer rejoining after a partition does not disrupt a healthy majority', async t => {
  for (const preVote of [true, false]) {
    const net = new Network({ peers: 5, seed: 9, preVote })
    t.not(net.settle(100), -1)
    const leader = net.leaders()[0]!
    const term = net.node(leader).term
    const loner = net.ids.find(id => id !== leader)!
    net.isolate(loner)
    net.run(200)
    net.recover()
    // it rejoins campaigning, before a heartbeat can reach it
    net.step(loner, { type: 'campaign' })
    net.deliverAll()
    net.run(50)
    t.ok(net.settled(), 'settled after it rejoins')
    if (preVote) {
      t.equal(net.node(leader).term, term, 'PreVote: the term is unchanged')
      t.same(net.leaders(), [leader], 'PreVote: the leader is unchanged')
    } else {
      t.ok(net.node(net.leaders()[0]!).term > term, 'without PreVote the rejoining peer forces a new term')
    }
  }
})

t.test('a follower in touch with its leader refuses pre-votes; once the leader is silent it grants them', async t => {
  // canCampaign false: this follower's own timer must not end the lease by campaigning
  const follower = new Election({ id: 'b', members: ['a', 'b', 'c'], random: () => 0, electionTimeoutTicks: 4, heartbeatTicks: 1, canCampaign: false })
  follower.step({ type: 'message', from: 'a', message: { type: 'heartbeat', term: 3 } })
  t.same(follower.step({ type: 'message', from: 'c', message: { type: 'pre-vote', term: 4 } }), [], 'in lease: ignored')
  t.same(follower.step({ type: 'message', from: 'c', message: { type: 'vote', term: 4 } }), [], 'CheckQuorum: a vote too')
  for (let i = 0; i < 3; i++) follower.step({ type: 'tick' })
  t.same(follower.step({ type: 'message', from: 'c', message: { type: 'pre-vote', term: 4 } }), [], 'heard 3 ticks ago: still in lease')
  follower.step({ type: 'tick' })
  const granted = follower.step({ type: 'message', from: 'c', message: { type: 'pre-vote', term: 4 } })
  t.same(granted, [{ type: 'send', to: 'c', message: { type: 'pre-vote-response', term: 4, granted: true } }])
  t.same([follower.term, follower.votedFor, follower.leader], [3, null, 'a'], 'a pre-vote changes neither term nor vote')
  t.same(follower.step({ type: 'message', from: 'c', message: { type: 'pre-vote', term: 2 } }),
    [{ type: 'send', to: 'c', message: { type: 'pre-vote-response', term: 3, granted: false } }], 'a stale pre-vote learns the term')
})

t.test('resign hands leadership to the follower that acknowledged last, within a round trip', async t => {
  const net = new Network({ peers: 5, seed: 21 })
  t.not(net.settle(100), -1)
  net.run(3)
  const old = net.leaders()[0]!
  const term = net.node(old).term
  const effects = net.step(old, { type: 'resign' })
  const timeoutNow = effects.find(e => e.type === 'send')
  t.match(timeoutNow, { type: 'send', message: { type: 'timeout-now', term } })
  t.same(effects.filter(e => e.type !== 'send'), [{ type: 'state', state: 'follower' }, { type: 'leader', term, leader: null }])
  const target = timeoutNow?.type === 'send' ? timeoutNow.to : ''
  net.deliverAll()
  t.same(net.leaders(), [target], 'the target leads without waiting for a timeout')
  t.equal(net.node(target).term, term + 1)
  t.ok(net.settled(), 'and everyone, the old leader too, follows it at once')
  t.same(net.step(old, { type: 'resign' }), [], 'a follower cannot resign')
})

t.test('peers that cannot campaign never lead, through failures and resignations', async t => {
  const canCampaign = (id: string): boolean => id === 'a' || id === 'b'
  const net = new Network({ peers: 5, seed: 4, canCampaign })
  for (let round = 0; round < 6; round++) {
    t.not(net.settle(200), -1, `round ${round}: a leader`)
    const leader = net.leaders()[0]!
    t.ok(canCampaign(leader), `round ${round}: ${leader} may lead`)
    if (round % 2 === 0) {
      net.step(leader, { type: 'resign' })
      net.deliverAll()
      t.same(net.leaders(), [leader === 'a' ? 'b' : 'a'], 'resign picks the other peer that can campaign')
    } else {
      net.isolate(leader)
      net.run(60)
      net.recover()
    }
  }
  t.ok([...net.leadersByTerm.values()].every(canCampaign))
  const voter = net.node('c')
  t.same(voter.step({ type: 'campaign' }), [], 'campaign is refused')
  t.same(voter.step({ type: 'message', from: 'a', message: { type: 'timeout-now', term: voter.term } }).filter(e => e.type === 'state'), [], 'so is timeout-now')
})

t.test('with 7 members and 3 voters: only voters campaign, are asked, and lead; every member follows the leader', async t => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const net = new Network({ peers: 7, seed, voters: 3 })
    const voters = ['a', 'b', 'c']
    const asked: string[] = []
    const watch = (): void => {
      for (const e of net.queue) if ((e.message.type === 'vote' || e.message.type === 'pre-vote') && !voters.includes(e.to)) asked.push(e.to)
    }
    for (let round = 0; round < 4; round++) {
      let ticks = 0
      while (!net.settled() && ticks++ < 200) { net.tick(); watch(); net.deliverAll() }
      t.ok(net.settled(), `seed ${seed}, round ${round}: all seven follow one leader`)
      const leader = net.leaders()[0]!
      t.ok(voters.includes(leader), `seed ${seed}: ${leader} is a voter`)
      // The members that do not vote are cut off the leader's side, or the leader is: either way it holds or loses by voters.
      if (round % 2 === 0) net.isolate(leader)
      else for (const id of net.ids.filter(id => !voters.includes(id))) net.isolate(id)
      for (let i = 0; i < 60; i++) { net.tick(); watch(); net.deliverAll() }
      if (round % 2 === 1) t.same(net.leaders(), [leader], 'with every member that does not vote cut off, the leader keeps its lease')
      net.recover()
    }
    t.same(asked, [], 'no vote or pre-vote was ever sent to a member that does not vote')
    t.ok([...net.leadersByTerm.values()].every(id => voters.includes(id)), 'every leader of every term was a voter')
    for (const id of ['d', 'e', 'f', 'g']) t.same(net.step(id, { type: 'campaign' }), [], `${id} does not campaign when told to`)
  }
})

t.test('a leader that hears only members that do not vote steps down (CheckQuorum counts voters)', async t => {
  const net = new Network({ peers: 7, seed: 9, voters: 3 })
  t.not(net.settle(200), -1)
  const leader = net.leaders()[0]!
  for (const other of ['a', 'b', 'c'].filter(id => id !== leader)) net.cut(leader, other)
  net.run(30)
  t.not(net.node(leader).state, 'leader', 'four members that do not vote answer its heartbeats, and it still steps down')
  t.not(net.settle(200, ['a', 'b', 'c'].filter(id => id !== leader)), -1, 'the other two voters elect a leader')
})

t.test('a vote request from a member that does not vote is refused; a demoted leader steps down, a promoted member stands', async t => {
  const net = new Network({ peers: 5, seed: 2, voters: 3 })
  t.not(net.settle(200), -1)
  const refused = net.step('a', { type: 'message', from: 'd', message: { type: 'vote', term: 99, transfer: true } })
  t.ok(refused.some(e => e.type === 'send' && e.message.type === 'vote-response' && !e.message.granted), 'd is refused a vote, even as a transfer')
  t.not(net.settle(200), -1)
  const leader = net.leaders()[0]!
  const voters = ['a', 'b', 'c', 'd'].filter(id => id !== leader)
  for (const id of net.ids) net.step(id, { type: 'roster', members: net.ids, voters })
  t.not(net.node(leader).state, 'leader', 'demoted, it steps down at once')
  t.not(net.settle(300), -1)
  t.ok(voters.includes(net.leaders()[0]!), 'the new voting set, d among it, elects one of its own')
  t.same(net.node(leader).voters, voters)
})

t.test('term and vote are persisted before the vote is sent', async t => {
  const voter = new Election({ id: 'b', members: ['a', 'b', 'c'], random: () => 0.5 })
  t.same(voter.step({ type: 'message', from: 'a', message: { type: 'vote', term: 1 } }), [
    { type: 'persist', term: 1, votedFor: 'a' },
    { type: 'send', to: 'a', message: { type: 'vote-response', term: 1, granted: true } }
  ])
  t.same(voter.step({ type: 'message', from: 'c', message: { type: 'vote', term: 1 } }),
    [{ type: 'send', to: 'c', message: { type: 'vote-response', term: 1, granted: false } }], 'one vote per term')
  t.same(voter.step({ type: 'message', from: 'a', message: { type: 'vote', term: 1 } }),
    [{ type: 'send', to: 'a', message: { type: 'vote-response', term: 1, granted: true } }], 'a repeated request gets the same answer')

  const restarted = new Election({ id: 'b', members: ['a', 'b', 'c'], random: () => 0.5, persisted: { term: 1, votedFor: 'a' } })
  t.same(restarted.step({ type: 'message', from: 'c', message: { type: 'vote', term: 1 } })[0],
    { type: 'send', to: 'c', message: { type: 'vote-response', term: 1, granted: false } }, 'the vote survives a restart')

  const candidate = new Election({ id: 'a', members: ['a', 'b', 'c'], random: () => 0, preVote: false })
  const effects = candidate.step({ type: 'campaign' })
  t.same(effects.slice(0, 3), [{ type: 'persist', term: 1, votedFor: 'a' }, { type: 'state', state: 'candidate' }, { type: 'send', to: 'b', message: { type: 'vote', term: 1 } }])
})

t.test('a campaign goes through PreVote, then a vote, then leads', async t => {
  const a = new Election({ id: 'a', members: ['a', 'b', 'c'], random: () => 0 })
  t.same(a.step({ type: 'campaign' }), [
    { type: 'state', state: 'pre-candidate' },
    { type: 'send', to: 'b', message: { type: 'pre-vote', term: 1 } },
    { type: 'send', to: 'c', message: { type: 'pre-vote', term: 1 } }
  ], 'no persist: the term is not bumped yet')
  t.equal(a.term, 0)
  t.same(a.step({ type: 'message', from: 'b', message: { type: 'pre-vote-response', term: 1, granted: true } }), [
    { type: 'persist', term: 1, votedFor: 'a' },
    { type: 'state', state: 'candidate' },
    { type: 'send', to: 'b', message: { type: 'vote', term: 1 } },
    { type: 'send', to: 'c', message: { type: 'vote', term: 1 } }
  ])
  t.same(a.step({ type: 'message', from: 'c', message: { type: 'vote-response', term: 1, granted: true } }), [
    { type: 'state', state: 'leader' },
    { type: 'leader', term: 1, leader: 'a' },
    { type: 'send', to: 'b', message: { type: 'heartbeat', term: 1 } },
    { type: 'send', to: 'c', message: { type: 'heartbeat', term: 1 } }
  ])
  t.equal(a.lastContact('c'), 0)
  a.step({ type: 'tick' })
  t.equal(a.lastContact('c'), 1, 'ticks since last heard')
  t.equal(a.lastContact('z'), null)
  t.same(a.step({ type: 'message', from: 'b', message: { type: 'heartbeat-response', term: 4, canCampaign: true } }), [
    { type: 'persist', term: 4, votedFor: null },
    { type: 'state', state: 'follower' },
    { type: 'leader', term: 4, leader: null }
  ], 'a higher term deposes the leader')
})

t.test('pre-vote refusals from a majority end the pre-campaign; a refusal from a later term is followed', async t => {
  const a = new Election({ id: 'a', members: ['a', 'b', 'c'], random: () => 0 })
  a.step({ type: 'campaign' })
  a.step({ type: 'message', from: 'b', message: { type: 'pre-vote-response', term: 0, granted: false } })
  t.equal(a.state, 'pre-candidate', 'one refusal: still hoping')
  t.same(a.step({ type: 'message', from: 'c', message: { type: 'pre-vote-response', term: 0, granted: false } }), [{ type: 'state', state: 'follower' }])
  a.step({ type: 'campaign' })
  a.step({ type: 'message', from: 'b', message: { type: 'pre-vote-response', term: 6, granted: false } })
  t.same([a.state, a.term], ['follower', 6])
})

t.test('the election timeout is drawn in [T, 2T) at each reset', async t => {
  for (const [draw, expected] of [[0, 10], [0.5, 15], [0.99999, 19]] as const) {
    const a = new Election({ id: 'a', members: ['a', 'b', 'c'], random: () => draw })
    let ticks = 0
    while (a.state === 'follower' && ticks < 100) { a.step({ type: 'tick' }); ticks++ }
    t.equal(ticks, expected, `random ${draw}: campaigns after ${expected} ticks`)
  }
  const random = mulberry32(1)
  const draws: number[] = []
  const a = new Election({ id: 'a', members: ['a', 'b', 'c'], random: () => { const r = random(); draws.push(r); return r } })
  for (let i = 0; i < 200; i++) a.step({ type: 'tick' })
  t.ok(draws.length > 10, 'a fresh draw at each campaign')
})

t.test('a lone peer elects itself; a leader alone in the roster never steps down', async t => {
  const solo = new Election({ id: 'a', members: ['a'], random: () => 0 })
  t.same(solo.step({ type: 'campaign' }), [
    { type: 'persist', term: 1, votedFor: 'a' },
    { type: 'state', state: 'leader' },
    { type: 'leader', term: 1, leader: 'a' }
  ])
  for (let i = 0; i < 50; i++) solo.step({ type: 'tick' })
  t.equal(solo.state, 'leader')
})

t.test('roster changes: a removed leader steps down, messages from non-members are ignored', async t => {
  const a = new Election({ id: 'a', members: ['a'], random: () => 0 })
  a.step({ type: 'campaign' })
  t.same(a.step({ type: 'message', from: 'x', message: { type: 'heartbeat', term: 9 } }), [], 'x is not a member')
  a.step({ type: 'roster', members: ['a', 'b', 'c'] })
  t.equal(a.state, 'leader')
  for (let i = 0; i < 10; i++) a.step({ type: 'tick' })
  t.equal(a.state, 'follower', 'CheckQuorum now counts b and c')
  const b = new Election({ id: 'b', members: ['a', 'b'], random: () => 0 })
  b.step({ type: 'campaign' })
  b.step({ type: 'message', from: 'a', message: { type: 'pre-vote-response', term: 1, granted: true } })
  b.step({ type: 'message', from: 'a', message: { type: 'vote-response', term: 1, granted: true } })
  t.equal(b.state, 'leader')
  b.step({ type: 'roster', members: ['a'] })
  t.same([b.state, b.leader], ['follower', null])
  t.same(b.step({ type: 'campaign' }), [], 'a peer outside the roster does not stand')
})

t.test('bad options are refused with a BAD_INPUT error', async t => {
  for (const options of [{ electionTimeoutTicks: 0 }, { heartbeatTicks: 10 }, { electionTimeoutTicks: 2.5 }]) {
    let caught: unknown = null
    try { new Election({ id: 'a', members: ['a'], random: () => 0, ...options }) } catch (err) { caught = err }
    t.ok(isBzzzError(caught) && caught.code === 'BAD_INPUT', JSON.stringify(options))
  }
})

t.test('the safety checker catches a peer that forgets its vote on restart', async t => {
  // a wins term 1 with b's vote; b restarts; c asks b for a vote in term 1.
  const script = (amnesia: boolean): Network => {
    const net = new Network({ peers: 3, seed: 1 })
    net.step('a', { type: 'campaign' })
    for (let i = 0; i < 4; i++) net.deliverWhere(e => e.to !== 'c')
    net.dropAll()
    t.same(net.leaders(), ['a'], 'a leads term 1 without c having heard')
    net.restart('b', amnesia)
    net.step('c', { type: 'campaign' })
    for (let i = 0; i < 4; i++) net.deliverWhere(e => e.to === 'b' || e.to === 'c')
    return net
  }
  t.throws(() => script(true), /two leaders in term 1: a and c/)
  const net = script(false)
  t.same(net.leaders(), ['a'], 'with its vote persisted, b refuses c')
  t.same(sends(net.node('c').step({ type: 'tick' })), [])
})

t.test('a leader hint: a member that does not vote follows the leader its peers name; a voter ignores it', async t => {
  const members = ['a', 'b', 'c', 'm', 'n']
  const voters = ['a', 'b', 'c']
  const member = new Election({ id: 'm', members, voters, random: () => 0 })
  t.same(member.step({ type: 'leader-hint', from: 'n', term: 3, leader: 'a' }), [
    { type: 'persist', term: 3, votedFor: null },
    { type: 'leader', term: 3, leader: 'a' }
  ], 'a later term is entered with its leader, as its heartbeat would, and nothing is sent back')
  t.same([member.term, member.leader, member.state], [3, 'a', 'follower'])
  t.same(member.step({ type: 'leader-hint', from: 'n', term: 3, leader: 'b' }), [], 'another leader named in the same term: the first stays (one leader a term)')
  t.same(member.step({ type: 'leader-hint', from: 'n', term: 2, leader: 'b' }), [], 'an earlier term is ignored')
  t.same(member.step({ type: 'leader-hint', from: 'x', term: 4, leader: 'b' }), [], 'from a peer not on the roster: ignored')
  t.same(member.step({ type: 'leader-hint', from: 'n', term: 4, leader: 'n' }), [], 'naming a member that does not vote: ignored')
  t.same(member.step({ type: 'leader-hint', from: 'n', term: 4, leader: 'm' }), [], 'naming this peer: ignored')
  t.same(member.step({ type: 'leader-hint', from: 'c', term: 4, leader: 'b' }), [
    { type: 'persist', term: 4, votedFor: null },
    { type: 'leader', term: 4, leader: 'b' }
  ], 'the next term\'s leader replaces it')
  t.same([member.lastContact('b'), member.lastContact('c')], [null, null], 'a hint is no contact with the leader, nor with the peer that passed it on')

  const fresh = new Election({ id: 'm', members, voters, random: () => 0, persisted: { term: 5, votedFor: null } })
  t.same(fresh.step({ type: 'leader-hint', from: 'n', term: 5, leader: 'c' }), [{ type: 'leader', term: 5, leader: 'c' }], 'in its own term, a member with no leader takes it up')

  const voter = new Election({ id: 'b', members, voters, random: () => 0 })
  t.same(voter.step({ type: 'leader-hint', from: 'm', term: 3, leader: 'a' }), [], 'a voter ignores it: its votes and its lease rest on what it heard itself')
  t.same([voter.term, voter.leader], [0, null])
  for (let i = 0; i < 19; i++) voter.step({ type: 'tick' })
  t.equal(voter.state, 'pre-candidate', 'and its election timer ran on: the hint held nothing back')
})


t.test('the safety checker catches a member that follows a peer that never led the term (a false leader hint)', async t => {
  const net = new Network({ peers: 5, seed: 4, voters: 3 })
  t.not(net.settle(100, ['a', 'b', 'c']), -1)
  const leader = net.leaders()[0]!
  const term = net.node(leader).term
  const other = ['a', 'b', 'c'].find(id => id !== leader)!
  net.step('e', { type: 'leader-hint', from: 'd', term, leader })
  t.equal(net.node('e').leader, leader, 'a true hint passes the checker')
  t.throws(() => net.step('e', { type: 'leader-hint', from: 'd', term: term + 1, leader: other }), new RegExp(`e follows ${other} in term ${term + 1}, which no peer led`))
})
