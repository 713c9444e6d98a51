import t from 'tap'
import fc from 'fast-check'
import assert from 'node:assert/strict'
import { DecisionGraph, type Decision, type HopsResult, type NodeRef, type VersionRecord } from '../../src/temporal/graph.js'
import { DECISION_ID } from '../../src/storage/vocabulary.js'
import { seededRandom, shuffle } from '../../sim/random.js'
import { throwsCode } from '../helpers/errors.js'

/** BZZZ_PROPERTY_RUNS multiplies the runs, for a longer soak than npm test. */
const RUNS = (n: number): number => n * Number(process.env.BZZZ_PROPERTY_RUNS ?? 1)

const idOf = (n: number): string => `d-${String(n).padStart(6, '0')}`
const addressOf = (n: number): string => `ucxl://proj/src/f${n}.go`
const dref = (id: string): NodeRef => ({ kind: 'decision', id })
const aref = (address: string): NodeRef => ({ kind: 'address', address })
/** One string per node, for comparing with the reference. */
const keyOf = (ref: NodeRef): string => ref.kind === 'decision' ? `D ${ref.id}` : `A ${ref.address}`
const refOf = (key: string): NodeRef => key.startsWith('D ') ? dref(key.slice(2)) : aref(key.slice(2))

function decision (n: number, fields: Partial<Decision> = {}): Decision {
  return { id: idOf(n), title: `decision ${n}`, affects: [addressOf(n)], influencedBy: [], supersedes: [], author: 'developer', term: 1, at: n, level: 'developer', ...fields }
}

function version (key: string, fields: Partial<VersionRecord> = {}): VersionRecord {
  return { address: addressOf(0), key, term: 1, at: 0, writer: 'peer-a', current: false, conflict: false, ...fields }
}

/** Undirected edges written out from the inputs alone, without the graph: what the reference searches. */
type EdgeList = Array<[string, string]>

function referenceEdges (decisions: readonly Decision[], versions: readonly VersionRecord[]): { nodes: Set<string>, edges: EdgeList } {
  const ids = new Set(decisions.map(d => d.id))
  const nodes = new Set<string>()
  const edges: EdgeList = []
  for (const d of decisions) {
    nodes.add(keyOf(dref(d.id)))
    for (const a of d.affects) edges.push([keyOf(dref(d.id)), keyOf(aref(a))])
    for (const other of [...d.influencedBy, ...d.supersedes]) if (ids.has(other) && other !== d.id) edges.push([keyOf(dref(d.id)), keyOf(dref(other))])
  }
  for (const v of versions) {
    nodes.add(keyOf(aref(v.address)))
    if (v.decision !== undefined && ids.has(v.decision)) edges.push([keyOf(dref(v.decision)), keyOf(aref(v.address))])
  }
  for (const [a, b] of edges) nodes.add(a).add(b)
  return { nodes, edges }
}

/**
 * Breadth-first distances by relaxing the whole edge list once per hop, never entering a node in `invisible`; and the
 * invisible nodes next to a node nearer than `max`.
 */
function referenceHops (edges: EdgeList, start: string, max: number, invisible: ReadonlySet<string> = new Set()): { distances: Map<string, number>, hidden: number } {
  const distances = new Map([[start, 0]])
  const hidden = new Set<string>()
  for (let hops = 1; hops <= max; hops++) {
    for (const [a, b] of edges) {
      for (const [from, to] of [[a, b], [b, a]] as const) {
        if (distances.get(from) !== hops - 1 || distances.has(to)) continue
        if (invisible.has(to)) hidden.add(to)
        else distances.set(to, hops)
      }
    }
  }
  return { distances, hidden: hidden.size }
}

/** The hits the reference expects, in the documented order: hops, decisions before addresses, then id or address. */
function expectedHits (distances: Map<string, number>, start: string): Array<[string, number]> {
  const kind = (key: string): number => key.startsWith('D ') ? 0 : 1
  const rows = [...distances].filter(([key]) => key !== start)
  return rows.sort(([a, da], [b, db]) => da - db || kind(a) - kind(b) || (a < b ? -1 : a > b ? 1 : 0))
}

function assertPaths (result: HopsResult, edges: EdgeList): void {
  const adjacent = new Set(edges.flatMap(([a, b]) => [`${a}|${b}`, `${b}|${a}`]))
  for (const hit of result.hits) {
    const path = hit.path.map(keyOf)
    assert.equal(path.length, hit.hops + 1, `the path to ${keyOf(hit.ref)} has hops + 1 nodes`)
    assert.equal(path[0], keyOf(result.start), 'a path begins at the start')
    assert.equal(path.at(-1), keyOf(hit.ref), 'a path ends at its hit')
    for (let i = 1; i < path.length; i++) assert.ok(adjacent.has(`${path[i - 1]}|${path[i]}`), `${path[i - 1]} and ${path[i]} are adjacent`)
  }
}

/** A random acyclic graph: decision i affects 1-3 addresses and refers only to earlier decisions; versions may name decisions never added. */
const specArb = fc.record({
  addresses: fc.integer({ min: 1, max: 10 }),
  decisions: fc.array(fc.record({
    affects: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
    influencedBy: fc.array(fc.nat(), { maxLength: 2 }),
    supersedes: fc.array(fc.nat(), { maxLength: 1 }),
    term: fc.nat(2),
    at: fc.nat(50)
  }), { minLength: 1, maxLength: 18 }),
  versions: fc.array(fc.record({ address: fc.nat(), decision: fc.option(fc.nat(), { nil: undefined }), term: fc.nat(2), at: fc.nat(50) }), { maxLength: 8 }),
  seed: fc.integer()
}).map(spec => {
  const decisions = spec.decisions.map((raw, i) => decision(i, {
    affects: raw.affects.map(a => addressOf(a % spec.addresses)),
    influencedBy: i === 0 ? [] : raw.influencedBy.map(x => idOf(x % i)),
    supersedes: i === 0 ? [] : raw.supersedes.map(x => idOf(x % i)),
    term: raw.term,
    at: raw.at
  }))
  const versions = spec.versions.map((raw, i) => version(`k${i}`, {
    address: addressOf(raw.address % (spec.addresses + 2)),
    ...(raw.decision === undefined ? {} : { decision: idOf(raw.decision % (decisions.length + 2)) }),
    term: raw.term,
    at: raw.at
  }))
  return { decisions, versions, seed: spec.seed }
})

/** Feeds decisions and versions mixed in an order drawn from `seed`. */
function build (decisions: readonly Decision[], versions: readonly VersionRecord[], seed: number): DecisionGraph {
  const graph = new DecisionGraph()
  const entries = shuffle(seededRandom(seed), [...decisions.map(d => ({ d })), ...versions.map(v => ({ v }))])
  for (const entry of entries) 'd' in entry ? graph.add(entry.d) : graph.addVersion(entry.v)
  return graph
}

t.test('property: hop counts are breadth-first distances, hits come in order, and every path is a real path', async t => {
  fc.assert(fc.property(specArb, fc.integer({ min: 1, max: 5 }), ({ decisions, versions, seed }, max) => {
    const graph = build(decisions, versions, seed)
    const { nodes, edges } = referenceEdges(decisions, versions)
    for (const start of nodes) {
      const result = graph.hops(refOf(start), max)
      const { distances } = referenceHops(edges, start, max)
      assert.deepEqual(result.hits.map(h => [keyOf(h.ref), h.hops]), expectedHits(distances, start), `hits from ${start} within ${max}`)
      assert.equal(keyOf(result.start), start)
      assert.equal(result.hidden, 0)
      assertPaths(result, edges)
    }
  }), { numRuns: RUNS(300) })
  t.pass()
})

t.test('hops: the start is no hit, max bounds the search, unknown starts and bad bounds are refused', async t => {
  const graph = new DecisionGraph()
  graph.add(decision(1, { affects: [addressOf(1)] }))
  graph.add(decision(2, { affects: [addressOf(1), addressOf(2)] }))
  graph.add(decision(3, { affects: [addressOf(2)] }))
  const keys = (start: NodeRef, max: number): string[] => graph.hops(start, max).hits.map(h => `${keyOf(h.ref)}@${h.hops}`)
  t.same(keys(dref(idOf(1)), 1), [`A ${addressOf(1)}@1`])
  t.same(keys(dref(idOf(1)), 3), [`A ${addressOf(1)}@1`, `D ${idOf(2)}@2`, `A ${addressOf(2)}@3`])
  t.same(keys(dref(idOf(1)), 4), [`A ${addressOf(1)}@1`, `D ${idOf(2)}@2`, `A ${addressOf(2)}@3`, `D ${idOf(3)}@4`])
  t.same(graph.hops(aref(addressOf(2)), 2).hits.map(h => h.path.map(keyOf)), [
    [`A ${addressOf(2)}`, `D ${idOf(2)}`], [`A ${addressOf(2)}`, `D ${idOf(3)}`], [`A ${addressOf(2)}`, `D ${idOf(2)}`, `A ${addressOf(1)}`]
  ], 'decisions before addresses within a hop count')
  throwsCode(t, () => graph.hops(dref(idOf(9)), 2), 'NOT_FOUND', /^no decision d-000009$/, 'unknown decision')
  throwsCode(t, () => graph.hops(aref('ucxl://proj/nowhere'), 2), 'NOT_FOUND', /^no decision or version is about ucxl:\/\/proj\/nowhere$/, 'unknown address')
  for (const max of [0, 33, 1.5, Number.NaN]) throwsCode(t, () => graph.hops(dref(idOf(1)), max), 'BAD_INPUT', /^hops must be an integer from 1 to 32/, `max ${max}`)
  t.equal(graph.hops(dref(idOf(1)), 32).hits.length, 4, '32 hops is allowed')
})

t.test('a path takes the first neighbour in hit order, whatever order the edges came in', async t => {
  // Two shortest paths from a0 to a3: through d-000001 or d-000002; the path goes through d-000001 either way.
  const decisions = [
    decision(1, { affects: [addressOf(0), addressOf(3)] }),
    decision(2, { affects: [addressOf(0), addressOf(3)] })
  ]
  for (const order of [decisions, [...decisions].reverse()]) {
    const graph = new DecisionGraph()
    for (const d of order) graph.add(d)
    const hit = graph.hops(aref(addressOf(0)), 2).hits.find(h => keyOf(h.ref) === `A ${addressOf(3)}`)!
    t.same(hit.path.map(keyOf), [`A ${addressOf(0)}`, `D ${idOf(1)}`, `A ${addressOf(3)}`])
  }
})

t.test('references to decisions not read yet resolve when they arrive; the first entry of an id wins', async t => {
  const graph = new DecisionGraph()
  t.equal(graph.add(decision(2, { influencedBy: [idOf(1)], supersedes: [idOf(1)] })), true)
  graph.addVersion(version('v1', { address: addressOf(7), decision: idOf(1) }))
  t.notOk(graph.has(idOf(1)))
  t.same(graph.hops(dref(idOf(2)), 1).hits.map(h => keyOf(h.ref)), [`A ${addressOf(2)}`], 'no edge to an unknown decision')
  t.same(graph.edges().filter(e => e.kind !== 'affects'), [])
  t.equal(graph.add(decision(1, { title: 'first' })), true)
  t.equal(graph.add(decision(1, { title: 'second', affects: [addressOf(9)] })), false, 'a second entry of an id is ignored')
  t.equal(graph.get(idOf(1))?.title, 'first')
  t.same(graph.hops(dref(idOf(1)), 1).hits.map(h => keyOf(h.ref)), [`D ${idOf(2)}`, `A ${addressOf(1)}`, `A ${addressOf(7)}`])
  t.same(graph.edges().filter(e => e.kind !== 'affects'), [
    { kind: 'influenced-by', from: idOf(2), to: idOf(1) }, { kind: 'supersedes', from: idOf(2), to: idOf(1) }
  ])
  t.same(graph.size, { decisions: 2, addresses: 3, versions: 1 })
  const copy = graph.get(idOf(1))!
  copy.affects.push('ucxl://proj/other')
  t.same(graph.get(idOf(1))?.affects, [addressOf(1)], 'get returns a copy')
  t.equal(graph.add({ ...decision(3), id: 'nope' }), false, 'a malformed entry is ignored')
  t.equal(graph.add({ ...decision(3), term: -1 }), false)
  t.notOk(graph.has(idOf(3)))
})

/** The supersedes edges kept, as "from>to", and whether they are acyclic (Kahn's algorithm). */
function supersedesOf (graph: DecisionGraph): { edges: string[], acyclic: boolean } {
  const edges = graph.edges().filter(e => e.kind === 'supersedes')
  const indegree = new Map<string, number>()
  for (const e of edges) {
    indegree.set(e.from, indegree.get(e.from) ?? 0)
    indegree.set(e.to, (indegree.get(e.to) ?? 0) + 1)
  }
  const ready = [...indegree].filter(([, n]) => n === 0).map(([id]) => id)
  let removed = 0
  while (ready.length > 0) {
    const id = ready.pop()!
    removed++
    for (const e of edges) if (e.from === id) { const n = indegree.get(e.to)! - 1; indegree.set(e.to, n); if (n === 0) ready.push(e.to) }
  }
  return { edges: edges.map(e => `${e.from}>${e.to}`), acyclic: removed === indegree.size }
}

/** The rule, written out: settle every edge in (term, at, id) order of its decision, dropping one that closes a cycle. */
function expectedSupersedes (decisions: readonly Decision[]): string[] {
  const known = new Set(decisions.map(d => d.id))
  const kept: Array<[string, string]> = []
  const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
    from === to || (!seen.has(from) && (seen.add(from), kept.some(([a, b]) => a === from && reaches(b, to, seen))))
  const ordered = [...decisions].sort((a, b) => a.term - b.term || a.at - b.at || (a.id < b.id ? -1 : 1))
  for (const d of ordered) {
    for (const to of [...new Set(d.supersedes)].sort()) if (to !== d.id && known.has(to) && !reaches(to, d.id)) kept.push([d.id, to])
  }
  return kept.map(([a, b]) => `${a}>${b}`).sort()
}

t.test('property: supersedes stays acyclic in any insertion order, and every order ends with the same graph', async t => {
  // Six decisions referring to each other freely (forward, to themselves, in cycles) and to two ids never added.
  const pool = 8
  const decisionsArb = fc.tuple(...Array.from({ length: 6 }, (_, i) => fc.record({
    supersedes: fc.array(fc.nat(pool - 1), { maxLength: 3 }),
    influencedBy: fc.array(fc.nat(pool - 1), { maxLength: 2 }),
    term: fc.nat(2),
    at: fc.nat(3)
  }).map(raw => decision(i, { supersedes: raw.supersedes.map(idOf), influencedBy: raw.influencedBy.map(idOf), term: raw.term, at: raw.at }))))
  fc.assert(fc.property(decisionsArb, fc.integer(), fc.integer(), (decisions, seedOne, seedOther) => {
    const graphs = [seedOne, seedOther].map(seed => {
      const graph = new DecisionGraph()
      for (const d of shuffle(seededRandom(seed), decisions)) {
        graph.add(d)
        assert.ok(supersedesOf(graph).acyclic, 'acyclic after every insertion')
      }
      return graph
    })
    const [one, other] = graphs as [DecisionGraph, DecisionGraph]
    assert.deepEqual(supersedesOf(one).edges, expectedSupersedes(decisions))
    assert.deepEqual(one.edges(), other.edges())
    for (const d of decisions) {
      for (const max of [1, 2, 3]) assert.deepEqual(one.hops(dref(d.id), max), other.hops(dref(d.id), max), `hops from ${d.id} within ${max}`)
    }
  }), { numRuns: RUNS(400) })
  t.pass()
})

t.test('a supersedes cycle loses the edge of the latest decision, in all six insertion orders', async t => {
  // d1 -> d2 -> d3 -> d1: d3 is the latest (at 3), so its edge goes, and d3 is no longer next to d1.
  const decisions = [
    decision(1, { supersedes: [idOf(2)], at: 1 }),
    decision(2, { supersedes: [idOf(3)], at: 2 }),
    decision(3, { supersedes: [idOf(1)], at: 3 })
  ]
  const orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]
  for (const order of orders) {
    const graph = new DecisionGraph()
    for (const i of order) graph.add(decisions[i]!)
    t.same(supersedesOf(graph).edges, [`${idOf(1)}>${idOf(2)}`, `${idOf(2)}>${idOf(3)}`], `order ${order.join('')}`)
    t.same(graph.hops(dref(idOf(1)), 1).hits.map(h => keyOf(h.ref)), [`D ${idOf(2)}`, `A ${addressOf(1)}`], `order ${order.join('')}: d1 is next to d2 only`)
  }
  // A later term outranks an earlier time: d1 in term 2 is now the latest.
  const graph = new DecisionGraph()
  for (const d of decisions) graph.add(d.id === idOf(1) ? { ...d, term: 2 } : d)
  t.same(supersedesOf(graph).edges, [`${idOf(2)}>${idOf(3)}`, `${idOf(3)}>${idOf(1)}`])
  // An influence edge between the same two decisions keeps them adjacent when the supersedes edge goes.
  const linked = new DecisionGraph()
  for (const i of [2, 0, 1]) linked.add(i === 2 ? { ...decisions[2]!, influencedBy: [idOf(1)] } : decisions[i]!)
  t.same(linked.hops(dref(idOf(1)), 1).hits.map(h => keyOf(h.ref)), [`D ${idOf(2)}`, `D ${idOf(3)}`, `A ${addressOf(1)}`])
})

t.test('check: refuses unknown ids, self-reference, cycles, empty affects, known ids, with precise messages', async t => {
  const graph = new DecisionGraph()
  graph.add(decision(1))
  t.doesNotThrow(() => graph.check(decision(2, { influencedBy: [idOf(1)], supersedes: [idOf(1)] })), 'a decision referring to known ones passes')
  const refused: Array<[string, Decision, RegExp]> = [
    ['unknown influence', decision(2, { influencedBy: [idOf(1), idOf(9)] }), /^decision d-000002 is influenced by d-000009, which is not known$/],
    ['unknown superseded', decision(2, { supersedes: [idOf(9)] }), /^decision d-000002 supersedes d-000009, which is not known$/],
    ['influenced by itself', decision(2, { influencedBy: [idOf(2)] }), /^decision d-000002 cannot be influenced by itself$/],
    ['superseding itself', decision(2, { supersedes: [idOf(2)] }), /^decision d-000002 cannot supersede itself$/],
    ['empty affects', decision(2, { affects: [] }), /^decision d-000002 affects no address: name at least one$/],
    ['bad address', decision(2, { affects: ['http://x'] }), /^decision d-000002 affects a bad address "http:\/\/x": it must start with ucxl:\/\/$/],
    ['known id', decision(1), /^decision d-000001 already exists$/],
    ['bad id', { ...decision(2), id: 'd-short' }, /^a decision id is "d-" and 6 to 40 of A-Z, a-z, 0-9, "_", "-", not "d-short"$/],
    ['bad term', decision(2, { term: 1.5 }), /^decision d-000002: term must be a non-negative integer, not 1.5$/]
  ]
  for (const [label, d, message] of refused) throwsCode(t, () => graph.check(d), 'BAD_INPUT', message, label)

  // Peers may read d-000003 (which supersedes d-000004) before d-000004: d-000004 superseding d-000003 closes a cycle.
  graph.add(decision(3, { supersedes: [idOf(4)] }))
  throwsCode(t, () => graph.check(decision(4, { supersedes: [idOf(3)] })), 'BAD_INPUT', /^would make a supersedes cycle: d-000004 -> d-000003 -> d-000004$/, 'two')
  t.doesNotThrow(() => graph.check(decision(4, { influencedBy: [idOf(3)] })), 'influence makes no supersedes cycle')
  graph.add(decision(5, { supersedes: [idOf(3)] }))
  throwsCode(t, () => graph.check(decision(4, { supersedes: [idOf(1), idOf(5)] })), 'BAD_INPUT', /^would make a supersedes cycle: d-000004 -> d-000005 -> d-000003 -> d-000004$/, 'three')
  t.doesNotThrow(() => graph.check(decision(4, { supersedes: [idOf(1)] })))
  t.ok(DECISION_ID.test('d-Ab_9-xyz') && !DECISION_ID.test('d-12345') && !DECISION_ID.test('x-123456'))
})

t.test('property: an invisible decision is never a hit nor on a path, and is counted once when next to a reached node', async t => {
  fc.assert(fc.property(specArb, fc.array(fc.boolean(), { maxLength: 18 }), fc.integer({ min: 1, max: 4 }), ({ decisions, versions, seed }, hide, max) => {
    const graph = build(decisions, versions, seed)
    const hiddenIds = new Set(decisions.filter((_, i) => hide[i] === true).map(d => d.id))
    const visible = (d: Decision): boolean => !hiddenIds.has(d.id)
    const invisible = new Set([...hiddenIds].map(id => keyOf(dref(id))))
    const { nodes, edges } = referenceEdges(decisions, versions)
    for (const start of nodes) {
      if (invisible.has(start)) {
        assert.throws(() => graph.hops(refOf(start), max, visible), { code: 'NOT_FOUND' })
        continue
      }
      const result = graph.hops(refOf(start), max, visible)
      const reference = referenceHops(edges, start, max, invisible)
      assert.deepEqual(result.hits.map(h => [keyOf(h.ref), h.hops]), expectedHits(reference.distances, start))
      assert.equal(result.hidden, reference.hidden, `hidden from ${start}`)
      for (const hit of result.hits) for (const node of hit.path) assert.ok(!invisible.has(keyOf(node)), 'no invisible node on a path')
      assertPaths(result, edges)
    }
  }), { numRuns: RUNS(300) })
  t.pass()
})

t.test('visibility: a hidden decision cuts the way through it', async t => {
  const graph = new DecisionGraph()
  graph.add(decision(1, { affects: [addressOf(0)] }))
  graph.add(decision(2, { affects: [addressOf(0), addressOf(5)], level: 'security' }))
  graph.add(decision(3, { affects: [addressOf(5)], influencedBy: [idOf(2)] }))
  const visible = (d: Decision): boolean => d.level !== 'security'
  const seen = graph.hops(dref(idOf(1)), 4, visible)
  t.same(seen.hits.map(h => keyOf(h.ref)), [`A ${addressOf(0)}`])
  t.equal(seen.hidden, 1)
  t.equal(graph.hops(dref(idOf(1)), 1, visible).hidden, 0, 'a hidden decision beyond max is not within reach')
  t.equal(graph.hops(dref(idOf(1)), 4).hits.length, 4, 'without a filter everything is reached')
  t.same(graph.hops(aref(addressOf(5)), 2, visible).hits.map(h => keyOf(h.ref)), [`D ${idOf(3)}`])
})

t.test('history: versions oldest first with conflicts, decisions newest first, hidden ones counted, waiting ones resolved', async t => {
  const graph = new DecisionGraph()
  const address = addressOf(0)
  graph.add(decision(1, { affects: [address], term: 1, at: 100, title: 'use sqlite' }))
  graph.add(decision(2, { affects: [address], term: 2, at: 50, title: 'use postgres', level: 'security' }))
  graph.add(decision(3, { affects: [address], term: 1, at: 300, title: 'add index' }))
  const versions = [
    version('k-c', { term: 2, at: 10, decision: idOf(2) }),
    version('k-b', { term: 1, at: 20, conflict: true, decision: idOf(9) }),
    version('k-a', { term: 1, at: 20, conflict: true }),
    version('k-z', { term: 1, at: 5, decision: idOf(1) })
  ]
  for (const v of versions) t.equal(graph.addVersion(v), true)
  t.equal(graph.addVersion(version('k-a', { term: 1, at: 20, conflict: false, current: true, writer: 'peer-b' })), false)
  t.equal(graph.size.versions, 4, 'idempotent by key')
  const visible = (d: Decision): boolean => d.level !== 'security'
  const history = graph.history(address, visible)
  t.same(history.versions.map(v => [v.key, v.current, v.conflict, v.writer, v.decision, v.decisionTitle]), [
    ['k-z', false, false, 'peer-a', idOf(1), 'use sqlite'],
    ['k-a', true, false, 'peer-a', undefined, undefined],
    ['k-b', false, true, 'peer-a', idOf(9), undefined],
    ['k-c', false, false, 'peer-a', undefined, undefined]
  ], 'term, at, key; current and conflict updated, the rest kept; an invisible decision is not named')
  t.same(history.decisions.map(d => d.id), [idOf(3), idOf(1)], 'newest first')
  t.equal(history.hidden, 1)
  t.same(graph.history(address).decisions.map(d => d.id), [idOf(2), idOf(3), idOf(1)], 'term before time')
  t.equal(graph.history(address).versions[3]?.decisionTitle, 'use postgres')

  graph.add(decision(9, { affects: [addressOf(1)], term: 3, at: 0, title: 'late arrival' }))
  const later = graph.history(address, visible)
  t.equal(later.versions[2]?.decisionTitle, 'late arrival', 'the waiting version found its decision')
  t.same(later.decisions.map(d => d.id), [idOf(9), idOf(3), idOf(1)])
  t.ok(graph.hops(aref(address), 1).hits.some(h => keyOf(h.ref) === `D ${idOf(9)}`), 'and links it to the address')
  graph.addVersion(version('k-y', { address: addressOf(4) }))
  t.same(graph.history(addressOf(4)), { address: addressOf(4), versions: [{ ...version('k-y', { address: addressOf(4) }) }], decisions: [], hidden: 0 })
  // A key names a version of one address: a writer's first version of every address it writes has the same key.
  t.equal(graph.addVersion(version('k-y', { address: addressOf(5), at: 7 })), true, 'the same key at another address is another version')
  t.same(graph.history(addressOf(5)).versions.map(v => [v.key, v.at]), [['k-y', 7]])
  t.equal(graph.history(addressOf(4)).versions.length, 1)
  throwsCode(t, () => graph.history('ucxl://proj/none'), 'NOT_FOUND', /^no decision or version is about ucxl:\/\/proj\/none$/)
})

t.test('influence: decisions ranked by distinct addresses within reach, ties by id', async t => {
  //  a1 - d1 - a5 - d4      a2 - d2 - a3
  //                               |
  //                         a4 - d3 - a6 (d5 also affects a6)
  const graph = new DecisionGraph()
  graph.add(decision(1, { affects: [addressOf(1), addressOf(5)] }))
  graph.add(decision(2, { affects: [addressOf(2), addressOf(3)] }))
  graph.add(decision(3, { affects: [addressOf(4), addressOf(6)], influencedBy: [idOf(2)] }))
  graph.add(decision(4, { affects: [addressOf(5)] }))
  graph.add(decision(5, { affects: [addressOf(6)] }))
  const rows = (max: number, limit: number, visible?: (d: Decision) => boolean): string[] =>
    graph.influence(max, limit, visible).map(r => `${r.id}:${r.addresses}`)
  t.same(rows(1, 10), [`${idOf(1)}:2`, `${idOf(2)}:2`, `${idOf(3)}:2`, `${idOf(4)}:1`, `${idOf(5)}:1`])
  t.same(rows(2, 3), [`${idOf(2)}:4`, `${idOf(3)}:4`, `${idOf(1)}:2`], 'd-000002 reaches a4 and a6 through d-000003')
  t.same(rows(3, 2), [`${idOf(2)}:4`, `${idOf(3)}:4`])
  t.same(rows(4, 5), [`${idOf(2)}:4`, `${idOf(3)}:4`, `${idOf(5)}:4`, `${idOf(1)}:2`, `${idOf(4)}:2`])
  t.same(rows(2, 5, d => d.id !== idOf(3)), [`${idOf(1)}:2`, `${idOf(2)}:2`, `${idOf(4)}:1`, `${idOf(5)}:1`], 'only through visible decisions')
  t.same(graph.influence(1, 1)[0], { id: idOf(1), title: 'decision 1', addresses: 2, at: 1 })
  // Decision n was made at n ms: the most recent first, whatever it reaches.
  t.same(graph.influence(1, 3, undefined, 'recent').map(r => `${r.id}@${r.at}`), [`${idOf(5)}@5`, `${idOf(4)}@4`, `${idOf(3)}@3`], 'recent: newest first')
  t.same(graph.influence(1, 5, d => d.id !== idOf(5), 'recent').map(r => r.id), [idOf(4), idOf(3), idOf(2), idOf(1)], 'only visible decisions')
  throwsCode(t, () => graph.influence(1, 0), 'BAD_INPUT', /^limit must be a positive integer, not 0$/)
  throwsCode(t, () => graph.influence(0, 1), 'BAD_INPUT', /^hops must be an integer/)
})
