import t from 'tap'
import fc from 'fast-check'
import { majorityRingReach, partitionCuts, resolveNode, type Link } from '../../sim/nemesis.js'
import { seededRandom } from '../../sim/random.js'
import { PARTITION_KINDS, type PartitionKind } from '../../sim/scenario.js'
import { throwsCode } from '../helpers/errors.js'

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `n${i}`)
const key = (a: string, b: string): string => a < b ? `${a}|${b}` : `${b}|${a}`

/** Who each node still talks to once `cuts` are applied. */
function kept (nodes: string[], cuts: Link[]): Map<string, Set<string>> {
  const cut = new Set(cuts.map(([a, b]) => key(a, b)))
  return new Map(nodes.map(a => [a, new Set(nodes.filter(b => b !== a && !cut.has(key(a, b))))]))
}

/** The connected components of what is kept, as sorted sizes. */
function componentSizes (nodes: string[], cuts: Link[]): number[] {
  const links = kept(nodes, cuts)
  const seen = new Set<string>()
  const sizes: number[] = []
  for (const start of nodes) {
    if (seen.has(start)) continue
    const stack = [start]
    seen.add(start)
    let size = 0
    while (stack.length > 0) {
      size++
      for (const next of links.get(stack.pop()!)!) if (!seen.has(next)) { seen.add(next); stack.push(next) }
    }
    sizes.push(size)
  }
  return sizes.sort((a, b) => b - a)
}

const cutsFor = (kind: PartitionKind, n: number, seed: number, extra: { leader?: string | null, target?: string } = {}): Link[] =>
  partitionCuts(kind, { nodes: ids(n), leader: extra.leader ?? null, random: seededRandom(seed), target: extra.target ?? 'n0' })

const seedArb = fc.nat(1_000_000)
const sizeArb = fc.integer({ min: 1, max: 15 })

t.test('every partition cuts only links between existing nodes, sorted, deduplicated, never a self link', async t => {
  fc.assert(fc.property(fc.constantFrom(...PARTITION_KINDS), sizeArb, seedArb, (kind, n, seed) => {
    const nodes = ids(n)
    const cuts = cutsFor(kind, n, seed, { leader: nodes[seed % n]!, target: nodes[(seed * 7) % n]! })
    const keys = cuts.map(([a, b]) => `${a}|${b}`)
    return cuts.every(([a, b]) => nodes.includes(a) && nodes.includes(b) && a < b) &&
      new Set(keys).size === keys.length &&
      cuts.every(([a, b], i) => i === 0 || cuts[i - 1]![0] < a || (cuts[i - 1]![0] === a && cuts[i - 1]![1] < b))
  }))
  t.pass('checked')
})

t.test('the same seed gives the same cuts, for every kind', async t => {
  fc.assert(fc.property(fc.constantFrom(...PARTITION_KINDS), sizeArb, seedArb, (kind, n, seed) => {
    return JSON.stringify(cutsFor(kind, n, seed)) === JSON.stringify(cutsFor(kind, n, seed))
  }))
  t.pass('checked')
})

t.test('isolate and isolate-leader cut exactly the n-1 links of one node', async t => {
  fc.assert(fc.property(sizeArb, seedArb, fc.boolean(), (n, seed, leaderKnown) => {
    const nodes = ids(n)
    const target = nodes[seed % n]!
    const isolate = cutsFor('isolate', n, seed, { target })
    const byLeader = cutsFor('isolate-leader', n, seed, { leader: leaderKnown ? target : null })
    const cutOff = (cuts: Link[], node: string): boolean => cuts.length === n - 1 && cuts.every(link => link.includes(node))
    return cutOff(isolate, target) &&
      (leaderKnown ? cutOff(byLeader, target) : nodes.some(node => cutOff(byLeader, node))) &&
      (n < 2 || componentSizes(nodes, isolate).join() === [n - 1, 1].join())
  }))
  throwsCode(t, () => partitionCuts('isolate', { nodes: ids(3), leader: null, random: seededRandom(1) }), 'BAD_INPUT', /isolate" needs a target/)
  throwsCode(t, () => cutsFor('isolate', 3, 1, { target: 'n9' }), 'BAD_INPUT', /cannot isolate "n9": not a node of the cluster \(n0, n1, n2\)/)
})

t.test('from-leader cuts the one link between its node and the leader, and nothing without a leader or on the leader', async t => {
  fc.assert(fc.property(fc.integer({ min: 3, max: 15 }), seedArb, (n, seed) => {
    const nodes = ids(n)
    const leader = nodes[seed % n]!
    const target = nodes[(seed + 1) % n]!
    const cuts = cutsFor('from-leader', n, seed, { leader, target })
    return cuts.length === 1 && cuts[0]!.includes(leader) && cuts[0]!.includes(target) &&
      componentSizes(nodes, cuts).join() === String(n) &&
      cutsFor('from-leader', n, seed, { leader: null, target }).length === 0 &&
      cutsFor('from-leader', n, seed, { leader, target: leader }).length === 0
  }))
  throwsCode(t, () => partitionCuts('from-leader', { nodes: ids(3), leader: 'n0', random: seededRandom(1) }), 'BAD_INPUT', /from-leader" needs a target/)
})

t.test('halves leaves two connected components of ⌈n/2⌉ and ⌊n/2⌋ nodes, chosen by the seed', async t => {
  fc.assert(fc.property(fc.integer({ min: 2, max: 15 }), seedArb, (n, seed) => {
    return componentSizes(ids(n), cutsFor('halves', n, seed)).join() === [Math.ceil(n / 2), Math.floor(n / 2)].join()
  }))
  const splits = new Set(Array.from({ length: 20 }, (_, seed) => JSON.stringify(cutsFor('halves', 6, seed))))
  t.ok(splits.size > 1, `20 seeds give ${splits.size} different splits`)
  t.same(cutsFor('halves', 1, 3), [], 'one node has nothing to cut')
})

t.test('majority-ring: every node keeps its 2·reach ring neighbours, sees a majority, and no two see the same one', async t => {
  t.same([5, 6, 7, 8, 9, 10, 11].map(majorityRingReach), [1, 2, 2, 2, 2, 3, 3])
  fc.assert(fc.property(fc.integer({ min: 5, max: 15 }), seedArb, (n, seed) => {
    const nodes = ids(n)
    const links = kept(nodes, cutsFor('majority-ring', n, seed))
    const views = nodes.map(node => [node, ...links.get(node)!].sort().join())
    return nodes.every(node => links.get(node)!.size === 2 * majorityRingReach(n)) &&
      nodes.every(node => links.get(node)!.size + 1 > n / 2) &&
      new Set(views).size === n &&
      componentSizes(nodes, cutsFor('majority-ring', n, seed)).join() === String(n)
  }))
  fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), seedArb, (n, seed) => {
    return JSON.stringify(cutsFor('majority-ring', n, seed)) === JSON.stringify(cutsFor('halves', n, seed))
  }), { numRuns: 50 })
  t.pass('below 5 nodes it falls back to halves')
})

t.test('bridge: one node reaches both halves, the halves do not reach each other', async t => {
  fc.assert(fc.property(fc.integer({ min: 3, max: 15 }), seedArb, (n, seed) => {
    const nodes = ids(n)
    const links = kept(nodes, cutsFor('bridge', n, seed))
    const bridges = nodes.filter(node => links.get(node)!.size === n - 1)
    if (bridges.length !== 1) return false
    const bridge = bridges[0]!
    const others = nodes.filter(node => node !== bridge)
    const withoutBridge = componentSizes(others, cutsFor('bridge', n, seed))
    return withoutBridge.join() === [Math.ceil((n - 1) / 2), Math.floor((n - 1) / 2)].join() &&
      componentSizes(nodes, cutsFor('bridge', n, seed)).join() === String(n)
  }))
  t.same(cutsFor('bridge', 2, 5), [], 'two nodes: a bridge and one half, nothing to cut')
})

t.test('resolveNode', async t => {
  const nodes = ids(5)
  const state = (leader: string | null, down: string[] = [], seed = 1): Parameters<typeof resolveNode>[1] => ({ nodes, leader, down: new Set(down), random: seededRandom(seed) })
  t.same(resolveNode('leader', state('n2')), ['n2'])
  t.same(resolveNode('leader', state(null)), [], 'no leader, nothing')
  t.same(resolveNode('leader', state('n2', ['n2'])), [], 'a crashed leader is no leader')
  t.same(resolveNode(3, state(null, ['n3'])), ['n3'], 'an index names the node, up or down')
  throwsCode(t, () => resolveNode(5, state(null)), 'BAD_INPUT', /node index 5 is out of range 0\.\.4/)
  t.same(resolveNode('all-down', state('n0', ['n4', 'n1'])), ['n1', 'n4'], 'every down node, in index order')
  t.same(resolveNode('all-down', state('n0')), [])
  for (let seed = 0; seed < 50; seed++) {
    const [follower] = resolveNode('follower', state('n0', ['n1', 'n2'], seed))
    t.ok(follower === 'n3' || follower === 'n4', `seed ${seed}: a live non-leader (${follower})`)
    const [any] = resolveNode('random', state('n0', ['n1', 'n2'], seed))
    t.ok(['n0', 'n3', 'n4'].includes(any!), `seed ${seed}: a live node (${any})`)
    t.same(resolveNode('random', state('n0', [], seed)), resolveNode('random', state('n0', [], seed)), 'the same seed picks the same')
  }
  t.same(resolveNode('follower', state('n0', ['n1', 'n2', 'n3', 'n4'])), [], 'no live follower, nothing')
  t.same(resolveNode('random', state(null, nodes)), [], 'nothing live, nothing')
})

t.test('isolating the leader while none leads cuts nothing and is recorded, rather than failing the run (soak seed 43)', async t => {
  const { applyFault } = await import('../../sim/faults.js')
  const cuts: unknown[] = []
  const applied: Array<{ kind: string, targets: string[] }> = []
  const cluster = {
    ids: ['n0', 'n1', 'n2'], leader: () => null, select: () => [], down: () => new Set<string>(),
    partition: (cut: unknown) => { cuts.push(cut) }, names: (ids: readonly string[]) => [...ids], namedLinks: (links: unknown[]) => links
  } as unknown as Parameters<typeof applyFault>[1]['cluster']
  await applyFault({ kind: 'partition', partition: 'isolate', node: 'leader' }, { now: () => 0, cluster, network: null, random: seededRandom(1) }, {
    fault: fault => { applied.push(fault) }, leaderLost: () => { t.fail('no leader was lost') }
  })
  t.same(cuts, [[]], 'no link cut')
  t.match(applied, [{ kind: 'partition isolate', targets: [] }])
})
