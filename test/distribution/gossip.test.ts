import t from 'tap'
import fc from 'fast-check'
import { GossipCore, type GossipEffect } from '../../src/distribution/gossip.js'

// A little network of gossip cores: messages queue and are delivered (or dropped) in a random order; a fetch
// completes when a holder is connected, by setting the fetcher's local length.
function simulate (peers: number, writes: Array<{ peer: number, count: number }>, schedule: number[], dropEvery: number): GossipCore[] {
  const cores = Array.from({ length: peers }, () => new GossipCore())
  const names = cores.map((_, i) => `p${i}`)
  const lengths = cores.map(() => new Map<string, number>())
  const queue: Array<{ to: number, effect: GossipEffect, from: number }> = []
  const run = (i: number, effects: GossipEffect[]): void => { for (const effect of effects) queue.push({ to: i, effect, from: i }) }
  for (let i = 0; i < peers; i++) for (let j = 0; j < peers; j++) if (i !== j) run(i, cores[i]!.step({ type: 'connected', peer: names[j]! }))
  let step = 0
  for (const w of writes) {
    const own = lengths[w.peer]!
    own.set(names[w.peer]!, (own.get(names[w.peer]!) ?? 0) + w.count)
    run(w.peer, cores[w.peer]!.step({ type: 'local', writer: names[w.peer]!, length: own.get(names[w.peer]!)! }))
  }
  for (let round = 0; round < 200 && queue.length > 0; round++) {
    const pick = schedule.length === 0 ? 0 : schedule[round % schedule.length]! % queue.length
    const { to, effect } = queue.splice(pick, 1)[0]!
    step++
    if (effect.type === 'send') {
      if (dropEvery > 0 && step % dropEvery === 0) continue
      const target = names.indexOf(effect.peer)
      run(target, cores[target]!.step({ type: 'heads', peer: names[to]!, heads: effect.heads }))
    } else if (effect.from.length > 0) {
      lengths[to]!.set(effect.writer, Math.max(lengths[to]!.get(effect.writer) ?? 0, effect.length))
      run(to, cores[to]!.step({ type: 'local', writer: effect.writer, length: effect.length }))
    }
  }
  // the liveness phase: ticks without drops until quiet
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < peers; i++) run(i, cores[i]!.step({ type: 'tick' }))
    for (let n = 0; n < 10_000 && queue.length > 0; n++) {
      const { to, effect } = queue.shift()!
      if (effect.type === 'send') {
        const target = names.indexOf(effect.peer)
        run(target, cores[target]!.step({ type: 'heads', peer: names[to]!, heads: effect.heads }))
      } else if (effect.from.length > 0) {
        run(to, cores[to]!.step({ type: 'local', writer: effect.writer, length: effect.length }))
      }
    }
  }
  return cores
}

t.test('every peer ends up holding every head, whatever the order and losses', async t => {
  fc.assert(fc.property(
    fc.integer({ min: 2, max: 6 }),
    fc.array(fc.record({ peer: fc.nat(5), count: fc.integer({ min: 1, max: 5 }) }), { maxLength: 12 }),
    fc.array(fc.nat(1000), { maxLength: 50 }),
    fc.integer({ min: 0, max: 5 }),
    (peers, writes, schedule, dropEvery) => {
      const cores = simulate(peers, writes.map(w => ({ ...w, peer: w.peer % peers })), schedule, dropEvery)
      const expected = new Map<string, number>()
      for (const w of writes) { const name = `p${w.peer % peers}`; expected.set(name, (expected.get(name) ?? 0) + w.count) }
      return cores.every(core => [...expected].every(([writer, length]) => core.localLength(writer) === length) && core.caughtUp())
    }), { numRuns: 500 })
  t.pass()
})

t.test('a fetch is asked for once, and again after a tick', async t => {
  const core = new GossipCore()
  core.step({ type: 'connected', peer: 'b' })
  const first = core.step({ type: 'heads', peer: 'b', heads: [{ writer: 'w', length: 5 }] })
  t.same(first, [{ type: 'fetch', writer: 'w', length: 5, from: ['b'] }])
  t.same(core.step({ type: 'heads', peer: 'b', heads: [{ writer: 'w', length: 5 }] }), [], 'no second fetch for the same length')
  t.notOk(core.caughtUp())
  const tick = core.step({ type: 'tick' })
  t.ok(tick.some(e => e.type === 'fetch' && e.writer === 'w'), 'a tick asks again')
  core.step({ type: 'local', writer: 'w', length: 5 })
  t.ok(core.caughtUp())
  core.step({ type: 'disconnected', peer: 'b' })
  t.same(core.peers(), [])
})

t.test('announce sends this peer\'s heads to every peer, and asks for nothing', async t => {
  const core = new GossipCore()
  core.step({ type: 'local', writer: 'w', length: 3 })
  core.step({ type: 'connected', peer: 'b' })
  core.step({ type: 'connected', peer: 'c' })
  core.step({ type: 'heads', peer: 'b', heads: [{ writer: 'v', length: 2 }] })
  t.same(core.step({ type: 'announce' }), [
    { type: 'send', peer: 'b', heads: [{ writer: 'w', length: 3 }] },
    { type: 'send', peer: 'c', heads: [{ writer: 'w', length: 3 }] }
  ])
})
