import t from 'tap'
import fc from 'fast-check'
import { MeshCore, meshViewSizes, type MeshMessage, type MeshOptions } from '../../src/distribution/mesh.js'
import { MeshRounds } from '../../sim/mesh-rounds.js'
import { seededRandom } from '../../sim/random.js'

/** Rounds for a new head to reach every live peer, at most this many times log2(N): measured up to 0.6 (bench: mesh). */
const ROUNDS_PER_LOG2N = 1

/** A core that never refills its active view: what the connectivity test must catch. */
class NoRepairCore extends MeshCore {
  protected override repair (): void {}
}

/**
 * Three waves of crashes of 10% of the live peers, ten rounds apart: after each, whether every live peer is reachable
 * over links between live peers and keeps at least three of them. What failed, or null.
 */
function crashWaves (seed: number, makeCore?: (o: MeshOptions) => MeshCore): string | null {
  const mesh = new MeshRounds({ peers: 200, seed, voters: 5, makeCore })
  mesh.joinAll()
  for (let wave = 1; wave <= 3; wave++) {
    mesh.crash(0.1)
    for (let i = 0; i < 10; i++) mesh.step()
    const reachable = mesh.reachable()
    const fewest = Math.min(...mesh.linkCounts())
    if (reachable < mesh.alive.size || fewest < 3) {
      return `seed ${seed} wave ${wave}: ${reachable} of ${mesh.alive.size} live peers reachable, fewest links ${fewest}`
    }
  }
  return null
}

t.test('the active view stays bounded and always holds the voters, through joins, crashes (of voters too) and loss', async t => {
  for (const membersPinVoters of [false, true]) {
    for (const seed of [1, 2, 3]) {
      const mesh = new MeshRounds({ peers: 100, seed, voters: 5, membersPinVoters, loss: 0.05 })
      const { activeSize } = meshViewSizes(100)
      const problems: string[] = []
      const check = (when: string): void => {
        for (const id of mesh.alive) {
          const view = mesh.cores.get(id)!.activeView()
          const keeps = mesh.voters.includes(id) || membersPinVoters
          const expected = keeps ? mesh.voters.filter(v => v !== id) : []
          if (view.random.length > activeSize) problems.push(`${when}: ${id} has ${view.random.length} random links`)
          if ([...view.voters].sort().join() !== [...expected].sort().join()) problems.push(`${when}: ${id} keeps voters ${view.voters.join()}`)
          if (view.random.some(p => view.voters.includes(p) || p === id)) problems.push(`${when}: ${id}'s random view holds a voter or itself`)
        }
      }
      mesh.joinAll(0)
      for (let i = 0; i < 20; i++) { mesh.step(); check(`settle ${i}`) }
      mesh.alive.delete(mesh.voters[0]!)
      mesh.crash(0.1)
      for (let i = 0; i < 20; i++) { mesh.step(); check(`after crash ${i}`) }
      t.same(problems.slice(0, 5), [], `seed ${seed}, members pin voters: ${membersPinVoters}`)
    }
  }
})

t.test('a voter promoted or demoted: the core pins it or lets it go, and the bound holds', async t => {
  const core = new MeshCore({ id: 'a', random: seededRandom(1), activeSize: 2, voters: ['v1', 'v2'] })
  for (const peer of ['m1', 'm2', 'm3']) core.step({ type: 'message', from: peer, message: { type: 'joined' } })
  t.same(core.activeView().voters.sort(), ['v1', 'v2'])
  t.equal(core.activeView().random.length, 2, 'two random links, the third evicted')
  const effects = core.step({ type: 'voters', voters: ['v1', 'm3', 'a'] })
  t.same(core.activeView().voters.sort(), ['m3', 'v1'], 'this peer is never its own voter')
  t.ok(core.activeView().random.length <= 2)
  t.ok(effects.some(e => e.type === 'send' && e.to === 'm3' && e.message.type === 'pin'), 'a new voter is told it is kept')
  t.ok(core.passiveView().includes('v2') || core.activeView().random.includes('v2'), 'a demoted voter is still known')
})

t.test('a link failure is repaired from the passive view, and a peer left with no link asks with high priority', async t => {
  const core = new MeshCore({ id: 'a', random: seededRandom(2), activeSize: 2, passiveSize: 4 })
  core.step({ type: 'message', from: 'b', message: { type: 'joined' } })
  core.step({ type: 'message', from: 'p1', message: { type: 'shuffle-reply', sample: ['p1', 'p2', 'p3'], sent: [] } })
  const afterFirst = core.step({ type: 'link-failed', peer: 'b' })
  const ask = afterFirst.find(e => e.type === 'send' && e.message.type === 'neighbor')
  t.ok(ask !== undefined && ask.type === 'send' && ['p1', 'p2', 'p3'].includes(ask.to), 'asks a member of the passive view')
  t.same(ask?.type === 'send' ? ask.message : null, { type: 'neighbor', high: true }, 'with no link left, asks with high priority')
  if (ask?.type === 'send') core.step({ type: 'message', from: ask.to, message: { type: 'neighbor-reply', accepted: true } })
  t.equal(core.activeView().random.length, 1, 'the accepted member is a neighbour')

  // A full peer refuses a low-priority request and accepts a high-priority one, evicting a neighbour for it.
  const full = new MeshCore({ id: 'f', random: seededRandom(3), activeSize: 1 })
  full.step({ type: 'message', from: 'x', message: { type: 'joined' } })
  const low = full.step({ type: 'message', from: 'y', message: { type: 'neighbor', high: false } })
  t.ok(low.some(e => e.type === 'send' && e.message.type === 'neighbor-reply' && !e.message.accepted))
  const high = full.step({ type: 'message', from: 'z', message: { type: 'neighbor', high: true } })
  t.ok(high.some(e => e.type === 'send' && e.to === 'x' && e.message.type === 'disconnect'), 'the evicted neighbour is told')
  t.same(full.activeView().random, ['z'])
})

t.test('a lost push is repaired by the anti-entropy pull', async t => {
  const a = new MeshCore({ id: 'a', random: seededRandom(4), pullEveryTicks: 1 })
  const b = new MeshCore({ id: 'b', random: seededRandom(5), pullEveryTicks: 1 })
  a.step({ type: 'message', from: 'b', message: { type: 'joined' } })
  b.step({ type: 'message', from: 'a', message: { type: 'joined' } })
  a.step({ type: 'update', key: 'w1', version: 3 })
  a.step({ type: 'tick' }) // its push is lost
  t.equal(b.version('w1'), undefined)
  const digest = b.step({ type: 'tick' }).find(e => e.type === 'send' && e.message.type === 'digest')
  t.ok(digest !== undefined)
  const reply = a.step({ type: 'message', from: 'b', message: (digest as { message: MeshMessage }).message })
  const entries = reply.find(e => e.type === 'send' && e.message.type === 'entries')
  t.ok(entries !== undefined, 'a map that differs answers a digest with its entries')
  const learned = b.step({ type: 'message', from: 'a', message: (entries as { message: MeshMessage }).message })
  t.equal(b.version('w1'), 3)
  t.same(learned.filter(e => e.type === 'learned'), [{ type: 'learned', entries: [{ key: 'w1', version: 3 }] }])
  t.equal(a.fingerprint(), b.fingerprint(), 'maps that agree have one fingerprint')
  const again = a.step({ type: 'message', from: 'b', message: { type: 'digest', fingerprint: b.fingerprint(), size: 1 } })
  t.same(again, [], 'an equal digest costs no answer')
})

t.test('any sequence of messages keeps the views apart and bounded (property)', async t => {
  const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']
  const peer = fc.constantFrom(...ids)
  const message: fc.Arbitrary<MeshMessage> = fc.oneof(
    fc.constant({ type: 'join' as const }),
    fc.record({ type: fc.constant('forward-join' as const), peer, ttl: fc.integer({ min: 0, max: 6 }) }),
    fc.constant({ type: 'joined' as const }),
    fc.record({ type: fc.constant('neighbor' as const), high: fc.boolean() }),
    fc.record({ type: fc.constant('neighbor-reply' as const), accepted: fc.boolean() }),
    fc.constant({ type: 'pin' as const }),
    fc.constant({ type: 'disconnect' as const }),
    fc.record({ type: fc.constant('shuffle' as const), origin: peer, ttl: fc.integer({ min: 0, max: 6 }), sample: fc.array(peer, { maxLength: 8 }) }),
    fc.record({ type: fc.constant('shuffle-reply' as const), sample: fc.array(peer, { maxLength: 8 }), sent: fc.array(peer, { maxLength: 8 }) })
  )
  const input = fc.oneof(
    fc.record({ type: fc.constant('message' as const), from: peer, message }),
    fc.record({ type: fc.constant('link-failed' as const), peer }),
    fc.constant({ type: 'tick' as const })
  )
  fc.assert(fc.property(fc.array(input, { maxLength: 200 }), fc.integer(), (inputs, seed) => {
    const core = new MeshCore({ id: 'a', random: seededRandom(seed), activeSize: 3, passiveSize: 4, voters: ['v'], members: ids })
    for (const next of inputs) {
      core.step(next)
      const { voters, random } = core.activeView()
      const passive = core.passiveView()
      if (random.length > 3 || passive.length > 4) return false
      if (voters.join() !== 'v') return false
      const all = [...voters, ...random, ...passive]
      if (all.includes('a') || new Set(all).size !== all.length) return false
    }
    return true
  }), { numRuns: 300 })
  t.pass('active at most 3 random and the voter, passive at most 4, never itself, no member in two views')
})

t.test('the views stay connected through three waves of 10% crashes, and a core that never repairs does not', async t => {
  for (const seed of [1, 2, 3, 4, 5]) t.equal(crashWaves(seed), null, `seed ${seed}`)
  const broken = [1, 2, 3, 4, 5].map(seed => crashWaves(seed, o => new NoRepairCore(o)))
  t.ok(broken.every(failure => failure !== null), `with repair off, every seed fails:\n${broken.join('\n')}`)
})

t.test(`a new head reaches every live peer within ${ROUNDS_PER_LOG2N} x log2(N) rounds, with 10% crashed or 5% lost`, async t => {
  for (const peers of [10, 100, 1000]) {
    const bound = Math.ceil(ROUNDS_PER_LOG2N * Math.log2(peers))
    for (const [crash, loss] of [[0, 0], [0.1, 0], [0, 0.05]] as const) {
      for (const seed of peers === 1000 ? [1] : [1, 2, 3, 4]) {
        const mesh = new MeshRounds({ peers, seed, voters: 5, loss })
        mesh.joinAll()
        mesh.crash(crash)
        const rounds = mesh.spread(mesh.randomLivePeer(), 'head/w', 1, 10 * bound)
        t.ok(rounds !== null && rounds <= bound, `N ${peers}, crashed ${crash}, lost ${loss}, seed ${seed}: ${rounds} rounds (bound ${bound})`)
      }
    }
  }
})

t.test('one seed, one run: the driver and the core make the same choices twice', async t => {
  const run = (): string => {
    const mesh = new MeshRounds({ peers: 50, seed: 9, voters: 3, loss: 0.05 })
    mesh.joinAll()
    mesh.crash(0.1)
    const rounds = mesh.spread(mesh.randomLivePeer(), 'head/w', 1)
    return JSON.stringify([rounds, mesh.messages, [...mesh.alive].map(id => mesh.cores.get(id)!.links())])
  }
  t.equal(run(), run())
})

t.test('a member named by a member/ key of the map is one the passive view draws on, without a roster', async t => {
  const core = new MeshCore({ id: 'a', random: seededRandom(6), activeSize: 2, passiveSize: 4 })
  core.step({ type: 'tick' })
  t.same(core.passiveView(), [], 'nothing known yet')
  const entries = [{ key: 'member/x', version: 1 }, { key: 'head/w', version: 2 }]
  t.same(core.step({ type: 'message', from: 'b', message: { type: 'push', entries } }), [{ type: 'learned', entries }])
  core.step({ type: 'tick' })
  t.same(core.passiveView(), ['x'], 'the member, and not the head')
})
