/**
 * The run's trace hash: every delivery, vote, election change, acknowledgement and fault, in the order they happened,
 * folded into one SHA-256. Peers appear by name (n0..), never by key (keys are fresh each run), and times in virtual
 * ms, so equal seeds and code give equal hashes when the run replays exactly, and one event out of order changes it.
 */
import { createHash, type Hash } from 'node:crypto'

export class Trace {
  private readonly hash: Hash = createHash('sha256')
  private readonly names = new Map<string, string>()
  /** Events folded in so far. */
  events = 0

  /** `sink`, when given, is handed each event's line as it is folded in (a trace file, to diff two runs). */
  constructor (private readonly sink: ((line: string) => void) | null = null) {}

  /** Peers by name from here on: `ids` in index order. */
  name (ids: readonly string[]): void {
    ids.forEach((id, i) => this.names.set(id, `n${i}`))
  }

  /** One event: its kind, its virtual time, and its fields (peer ids are written as names). */
  record (kind: string, atMs: number, ...fields: Array<string | number>): void {
    this.events++
    const line = [kind, atMs, ...fields.map(field => typeof field === 'string' ? this.names.get(field) ?? field : field)].join(' ')
    this.hash.update(`${line}\n`)
    this.sink?.(line)
  }

  /** The hash so far, hex. */
  digest (): string {
    return this.hash.copy().digest('hex')
  }
}
