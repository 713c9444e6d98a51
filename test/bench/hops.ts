// Decision graph hop queries: 100,000 decisions over ~20,000 addresses, 10,000 three-hop queries from random starts.
import { performance } from 'node:perf_hooks'
import { DecisionGraph, type Decision, type NodeRef } from '../../src/temporal/graph.js'
import { randomInt } from '../../sim/random.js'
import { percentile, round, seededRandom } from './stats.js'

export const HOPS_DECISIONS = 100_000
export const HOPS_ADDRESSES = 20_000
export const HOPS_QUERIES = 10_000
export const HOPS_MAX = 3
/** Queries run before measuring, so that compiling the search does not land in the p99. */
export const HOPS_WARMUP = 1_000
/** The share of decisions that supersede an earlier one. */
const SUPERSEDES_SHARE = 0.05

const decisionId = (i: number): string => `d-${i.toString(36).padStart(8, '0')}`
const addressOf = (i: number): string => `ucxl://bench/src/pkg${i % 200}/file${i}.go`

/** Each decision affects 1-3 addresses, is influenced by 0-2 earlier decisions, and ~5% supersede one. */
export function benchDecisions (random: () => number, count = HOPS_DECISIONS, addresses = HOPS_ADDRESSES): Decision[] {
  const decisions: Decision[] = []
  for (let i = 0; i < count; i++) {
    const affects = Array.from({ length: randomInt(random, 1, 3) }, () => addressOf(randomInt(random, 0, addresses - 1)))
    const earlier = (): string => decisionId(randomInt(random, 0, i - 1))
    const influencedBy = i === 0 ? [] : Array.from({ length: randomInt(random, 0, 2) }, earlier)
    const supersedes = i > 0 && random() < SUPERSEDES_SHARE ? [earlier()] : []
    decisions.push({ id: decisionId(i), title: `decision ${i}`, affects, influencedBy, supersedes, author: 'developer', term: 1, at: i, level: 'developer' })
  }
  return decisions
}

export async function benchHops (): Promise<Record<string, number>> {
  const random = seededRandom(7)
  const decisions = benchDecisions(random)
  const graph = new DecisionGraph()
  const buildStart = performance.now()
  for (const decision of decisions) graph.add(decision)
  const buildMs = performance.now() - buildStart

  const addresses = [...new Set(decisions.flatMap(d => d.affects))]
  const starts: NodeRef[] = Array.from({ length: HOPS_WARMUP + HOPS_QUERIES }, (_, i) => i % 2 === 0
    ? { kind: 'address', address: addresses[randomInt(random, 0, addresses.length - 1)]! }
    : { kind: 'decision', id: decisions[randomInt(random, 0, decisions.length - 1)]!.id })
  for (const start of starts.slice(0, HOPS_WARMUP)) graph.hops(start, HOPS_MAX)
  const samples: number[] = []
  let hits = 0
  for (const start of starts.slice(HOPS_WARMUP)) {
    const began = performance.now()
    hits += graph.hops(start, HOPS_MAX).hits.length
    samples.push(performance.now() - began)
  }
  samples.sort((a, b) => a - b)
  return {
    hops_decisions: HOPS_DECISIONS,
    hops_queries: HOPS_QUERIES,
    hops_p50_ms: round(percentile(samples, 50), 3),
    hops_p99_ms: round(percentile(samples, 99), 3),
    hops_build_ms: round(buildMs, 0),
    hops_mean_hits: round(hits / HOPS_QUERIES, 1)
  }
}
