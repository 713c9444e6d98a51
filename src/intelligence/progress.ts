/** Progress of a run, reported at most every ~100 ms and once at the end. */
import type { AnalyzeProgress } from './types.js'

export const PROGRESS_INTERVAL_MS = 100

export class ProgressReporter {
  private done = 0
  private lastReportMs = -Infinity
  private readonly startedMs: number

  constructor (
    private readonly total: number,
    private readonly onProgress: ((progress: AnalyzeProgress) => void) | undefined,
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = PROGRESS_INTERVAL_MS
  ) {
    this.startedMs = now()
  }

  /** Counts finished files; reports when the interval has passed. */
  advance (files = 1): void {
    this.done += files
    if (this.onProgress === undefined) return
    const nowMs = this.now()
    if (nowMs - this.lastReportMs >= this.intervalMs) this.report(nowMs)
  }

  /** The last report, always sent. */
  finish (): void {
    if (this.onProgress !== undefined) this.report(this.now())
  }

  private report (nowMs: number): void {
    this.lastReportMs = nowMs
    const seconds = (nowMs - this.startedMs) / 1000
    const filesPerSecond = seconds > 0 ? this.done / seconds : 0
    const left = Math.max(0, this.total - this.done)
    this.onProgress?.({
      done: this.done,
      total: this.total,
      filesPerSecond: Math.round(filesPerSecond * 10) / 10,
      etaSeconds: filesPerSecond > 0 ? Math.round((left / filesPerSecond) * 10) / 10 : null
    })
  }
}
