/**
 * What a peer's analysis runs on: its worker pool and its content-hash cache (sealed with a key only this node holds).
 * A daemon generates again and again (each queued request is a run): it keeps its workers between runs and lets them
 * go after WORKER_IDLE_MS without work, so an idle peer holds no threads, and keeps its cache in memory, saved at most
 * every CACHE_SAVE_MS and at close. Its timers run on the node's clock.
 */
import type { Clock, TimerHandle } from '../clock.js'
import type { LocalSecret } from '../crypto/local-secret.js'
import type { AnalysisCache } from '../intelligence/cache.js'
import type { AnalysisPool } from '../intelligence/pool.js'
import type { AnalysisCacheFile, HeldRun } from './analysis-cache-file.js'
import { homePaths } from './home.js'

/** A daemon's analysis workers are let go after this long without work. */
export const WORKER_IDLE_MS = 60_000
/** A daemon saves its analysis cache at most this often (the cache only saves work: losing it costs a re-analysis). */
export const CACHE_SAVE_MS = 5_000

export class AnalysisRuntime {
  /** Keep the workers and the cache between runs (a daemon); otherwise each run has its own. */
  keepWorkers = false
  private pool: AnalysisPool | null = null
  private poolIdle: TimerHandle | null = null
  private warmCache: AnalysisCache | null = null
  private cacheSave: TimerHandle | null = null
  private file: AnalysisCacheFile | null = null

  constructor (private readonly home: string, private readonly local: LocalSecret, private readonly clock: Clock) {}

  /** The run under this key whose records the store held, as the cache last read or saved remembers it. */
  heldRun (key: string): HeldRun | undefined {
    return this.file?.heldRun(key)
  }

  /** Remembers that the store holds a run's records (saved with the cache). */
  holdRun (key: string, run: HeldRun): void {
    this.file?.holdRun(key, run)
  }

  /** The cache for a run: the one kept in memory, or a fresh read of the saved one. */
  async cache (): Promise<AnalysisCache> {
    if (!this.keepWorkers) return await this.loadCache()
    return (this.warmCache ??= await this.loadCache())
  }

  /** The pool kept between runs, when workers are kept and the run did not ask for its own; undefined otherwise. */
  async poolFor (ownWorkers: boolean): Promise<AnalysisPool | undefined> {
    if (!this.keepWorkers || ownWorkers) return undefined
    if (this.poolIdle !== null) this.clock.clearTimeout(this.poolIdle)
    this.poolIdle = this.clock.setTimeout(() => { this.closePool().catch(() => {}) }, WORKER_IDLE_MS)
    if (this.pool === null) {
      const { AnalysisPool } = await import('../intelligence/pool.js')
      this.pool = new AnalysisPool()
    }
    return this.pool
  }

  /**
   * Starts the kept workers and reads the cache now, ahead of a first run: a peer that becomes leader does, so the first
   * request it is sent waits for neither (the pool's start took 350-600 ms of the first of 100 queued requests). The
   * workers go again after WORKER_IDLE_MS without work, as after a run.
   */
  async warm (): Promise<void> {
    if (!this.keepWorkers) return
    const pool = await this.poolFor(false)
    pool?.start()
    await this.cache()
  }

  /** A run ended: its cache is saved now, or soon when it is kept in memory. */
  async ran (cache: AnalysisCache): Promise<void> {
    if (!this.keepWorkers) { await this.saveCache(cache); return }
    if (this.cacheSave !== null) return
    this.cacheSave = this.clock.setTimeout(() => { this.flushCache().catch(() => {}) }, CACHE_SAVE_MS)
  }

  async close (): Promise<void> {
    if (this.cacheSave !== null) await this.flushCache()
    await this.closePool()
  }

  private async flushCache (): Promise<void> {
    if (this.cacheSave !== null) this.clock.clearTimeout(this.cacheSave)
    this.cacheSave = null
    if (this.warmCache !== null) await this.saveCache(this.warmCache)
  }

  private async closePool (): Promise<void> {
    if (this.poolIdle !== null) this.clock.clearTimeout(this.poolIdle)
    this.poolIdle = null
    const pool = this.pool
    this.pool = null
    await pool?.close()
  }

  private async loadCache (): Promise<AnalysisCache> {
    const { AnalysisCacheFile } = await import('./analysis-cache-file.js')
    this.file ??= new AnalysisCacheFile(homePaths(this.home).cache, this.local)
    return this.file.read()
  }

  /** Seals and writes what changed in the cache since it was loaded or last saved. */
  private async saveCache (cache: AnalysisCache): Promise<void> {
    await this.file?.save(cache)
  }
}
