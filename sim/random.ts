/** One seeded random source (mulberry32) and the few choices the simulator makes with it. */

/** mulberry32: a deterministic random source in [0, 1); one seed drives every random choice of a run. */
export function seededRandom (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** An integer in [min, maxInclusive]. */
export function randomInt (random: () => number, min: number, maxInclusive: number): number {
  return min + Math.floor(random() * (maxInclusive - min + 1))
}

/** One item of a non-empty list; undefined for an empty one. */
export function pick<T> (random: () => number, items: readonly T[]): T | undefined {
  if (items.length === 0) return undefined
  return items[randomInt(random, 0, items.length - 1)]
}

/** A shuffled copy (Fisher-Yates); the input is left as it was. */
export function shuffle<T> (random: () => number, items: readonly T[]): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(random, 0, i)
    const tmp = out[i] as T
    out[i] = out[j] as T
    out[j] = tmp
  }
  return out
}

/** Random bytes from a seeded source: the simulator's peers' ids of requests, and the seeds of their identities. */
export function seededBytes (random: () => number): (size: number) => Buffer {
  return size => {
    const out = Buffer.alloc(size)
    for (let i = 0; i < size; i++) out[i] = Math.floor(random() * 256)
    return out
  }
}
