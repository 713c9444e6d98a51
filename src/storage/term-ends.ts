/**
 * Where earlier terms end in each writer's log, as later leaders stated them (a term entry's `ends`): "entries of
 * writer W of a term before T end at length n". Pure data: the view asks where an entry's term ends in its log, and
 * refuses what lies at or past it. Several later leaders may state an end for one log; the smallest that applies to an
 * entry's term wins, so a new statement only ever moves an end down (a view retracts, it never has to un-retract).
 */

/** An end that applies: the length, and the term of the leader that stated it. */
export interface TermEnd { length: number, statedIn: number }

interface WriterEnds {
  /** By the stating leader's term, ascending: [term, length]. */
  stated: Array<[number, number]>
  /** suffix[i]: the smallest length stated in stated[i..], with its term (so a lookup is one binary search). */
  suffix: TermEnd[]
}

export type TermEndsJson = Record<string, Array<[number, number]>>

export class TermEnds {
  private readonly byWriter = new Map<string, WriterEnds>()

  /** Records that the leader of `term` states `writer`'s earlier terms end at `length`; true when that is news. */
  add (writer: string, term: number, length: number): boolean {
    let ends = this.byWriter.get(writer)
    if (ends === undefined) this.byWriter.set(writer, ends = { stated: [], suffix: [] })
    const at = ends.stated.findIndex(([t]) => t >= term)
    if (at !== -1 && ends.stated[at]![0] === term) {
      if (ends.stated[at]![1] <= length) return false
      ends.stated[at]![1] = length
    } else {
      ends.stated.splice(at === -1 ? ends.stated.length : at, 0, [term, length])
    }
    ends.suffix = new Array<TermEnd>(ends.stated.length)
    let least: TermEnd | null = null
    for (let i = ends.stated.length - 1; i >= 0; i--) {
      const [t, n] = ends.stated[i]!
      if (least === null || n <= least.length) least = { length: n, statedIn: t }
      ends.suffix[i] = least
    }
    return true
  }

  /** Where entries of `term` end in `writer`'s log: the smallest end a leader of a later term stated; null if none. */
  endOf (writer: string, term: number): TermEnd | null {
    const ends = this.byWriter.get(writer)
    if (ends === undefined) return null
    let low = 0
    let high = ends.stated.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (ends.stated[mid]![0] > term) high = mid
      else low = mid + 1
    }
    return ends.suffix[low] ?? null
  }

  get size (): number {
    return this.byWriter.size
  }

  toJSON (): TermEndsJson {
    return Object.fromEntries([...this.byWriter].map(([writer, ends]) => [writer, ends.stated.map(([t, n]) => [t, n] as [number, number])]))
  }

  static fromJSON (json: TermEndsJson): TermEnds {
    const ends = new TermEnds()
    for (const [writer, stated] of Object.entries(json)) for (const [term, length] of stated) ends.add(writer, term, length)
    return ends
  }
}

/** Whether a checkpoint's ends are in shape. */
export function isTermEndsJson (value: unknown): value is TermEndsJson {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(stated =>
    Array.isArray(stated) && stated.every(pair => Array.isArray(pair) && pair.length === 2 && pair.every(n => Number.isSafeInteger(n) && n >= 0)))
}
