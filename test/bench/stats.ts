// Small statistics helpers for the benchmarks.

export function percentile (sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return NaN
  const index = Math.min(sortedAscending.length - 1, Math.max(0, Math.ceil((p / 100) * sortedAscending.length) - 1))
  return sortedAscending[index]!
}

export function round (value: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

/** A deterministic random source for benchmarks (mulberry32), so runs pick the same addresses: the simulator's. */
export { seededRandom } from '../../sim/random.js'
