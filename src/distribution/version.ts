/**
 * How writes spread between peers, as pure cores (this folder): versions here, the hybrid logical clock, the gossip of
 * log heads and acknowledgement tracking beside it.
 *
 * Versions of one address and how they order: version vectors decide when one supersedes another; concurrent
 * versions are ordered by (term, hlc, writer), and the loser is kept in history. Pure.
 */
import { compareHlc, type Hlc } from './hlc.js'

/** Writer id -> how many versions of this address that writer has written. */
export type VersionVector = Readonly<Record<string, number>>

export interface Version {
  term: number
  hlc: Hlc
  /** The id of the writer (its log's key, hex). */
  writer: string
  vv: VersionVector
}

export type Order = 'equal' | 'before' | 'after' | 'concurrent'

/** How `a` stands to `b` by their version vectors. */
export function compareVectors (a: VersionVector, b: VersionVector): Order {
  let aAhead = false
  let bAhead = false
  for (const writer of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[writer] ?? 0
    const y = b[writer] ?? 0
    if (x > y) aAhead = true
    else if (y > x) bAhead = true
    if (aAhead && bAhead) return 'concurrent'
  }
  if (aAhead) return 'after'
  if (bAhead) return 'before'
  return 'equal'
}

/** A total order on versions used only to break ties between concurrent ones: (term, hlc, writer). */
export function compareTiebreak (a: Version, b: Version): number {
  if (a.term !== b.term) return Math.sign(a.term - b.term)
  const byClock = compareHlc(a.hlc, b.hlc)
  if (byClock !== 0) return byClock
  if (a.writer !== b.writer) return a.writer < b.writer ? -1 : 1
  // Only a misbehaving writer reuses (term, hlc); its own counter keeps the order total anyway.
  return Math.sign((a.vv[a.writer] ?? 0) - (b.vv[b.writer] ?? 0))
}

/** True when `a` wins over `b`: it supersedes it, or it is concurrent and wins the tiebreak. */
export function wins (a: Version, b: Version): boolean {
  const order = compareVectors(a.vv, b.vv)
  if (order === 'after') return true
  if (order === 'before' || order === 'equal') return order === 'equal' && compareTiebreak(a, b) > 0
  return compareTiebreak(a, b) > 0
}

export function mergeVectors (a: VersionVector, b: VersionVector): VersionVector {
  const merged: Record<string, number> = { ...a }
  for (const [writer, count] of Object.entries(b)) merged[writer] = Math.max(merged[writer] ?? 0, count)
  return merged
}

/** The vector of a new version written by `writer` on top of what it has seen. */
export function nextVector (seen: VersionVector | undefined, writer: string): VersionVector {
  return { ...(seen ?? {}), [writer]: (seen?.[writer] ?? 0) + 1 }
}

export function versionKey (version: Version): string {
  return `${version.writer}:${version.vv[version.writer] ?? 0}`
}

/**
 * What the view keeps of an address: the versions no other seen version supersedes (a multi-value register).
 * The winner is the greatest of them by (term, hlc, writer); the others are the conflicts kept in history.
 */
export interface VersionSlot<P> {
  current: P
  /** Concurrent losers, oldest first by the tiebreak. */
  conflicts: P[]
}

/**
 * Applies an incoming version to a slot. The slot is a function of the set of versions seen (its maximal
 * elements), so the result is the same whatever the order, grouping or repetition of inputs.
 */
export function applyVersion<P extends { version: Version }> (slot: VersionSlot<P> | undefined, incoming: P): VersionSlot<P> {
  if (slot === undefined) return { current: incoming, conflicts: [] }
  const maximal = [slot.current, ...slot.conflicts]
  const key = versionKey(incoming.version)
  if (maximal.some(p => versionKey(p.version) === key)) return slot
  if (maximal.some(p => compareVectors(incoming.version.vv, p.version.vv) === 'before')) return slot
  const kept = maximal.filter(p => compareVectors(p.version.vv, incoming.version.vv) !== 'before')
  kept.push(incoming)
  kept.sort((a, b) => compareTiebreak(a.version, b.version))
  return { current: kept[kept.length - 1]!, conflicts: kept.slice(0, -1) }
}
