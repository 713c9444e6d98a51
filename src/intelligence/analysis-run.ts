/**
 * One run over a list of files: cache first, else read and hand to the pool, with bounded files and bytes in flight. A
 * file its stat data prove unchanged is recalled by its content key alone; its analysis is loaded only if records are
 * built (`materialize`), so a run with nothing changed reads no file and opens no stored analysis.
 */
import { analysisKey, BINARY_MARK, contentHash, type AnalysisCache } from './cache.js'
import { detectLanguage } from './languages.js'
import type { AnalysisPool } from './pool.js'
import type { ProgressReporter } from './progress.js'
import type { AnalyzedFile } from './types.js'
import type { FileAnalysis, SkippedFile } from './types.js'
import { readTextFileSync, type WalkedFile } from './walk.js'
import { diskFs, type TreeFs } from './tree-fs.js'

/** Files being read or analysed at once, and their bytes: bounds memory on large trees. */
export const MAX_FILES_IN_FLIGHT = 256
export const MAX_BYTES_IN_FLIGHT = 64 * 1024 * 1024

/**
 * A run that has at most this many files to read, of at most INLINE_BYTES together, while no worker runs, analyses them
 * on its own thread (AnalysisPool.analyzeHere): a one-file change to a known tree starts no worker.
 */
export const INLINE_FILES = 8
export const INLINE_BYTES = 256 * 1024

/** The first bytes of a file, for its shebang. */
function head (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 256)).toString('latin1')
}

/** A file known from its stat data: its analysis is loaded when a record needs it. */
interface RecalledFile {
  file: WalkedFile
  language: string | null
  hash: string
}

export class AnalysisRun {
  readonly analysed: AnalyzedFile[] = []
  /** Files known from their stat data, not yet in `analysed` (see `materialize`). */
  private recalled: RecalledFile[] = []
  /** Files whose parser gave up, by path (their analysis is not cached: the next run tries again). */
  readonly unparsed = new Set<string>()
  /** The content key (analysisKey) of each analysed file, by path: what the records of a run are made from. */
  readonly keys = new Map<string, string>()
  /** The sha256 of each analysed file's bytes, by path: what its record says it was generated from. */
  readonly hashes = new Map<string, string>()
  readonly skipped: SkippedFile[] = []
  cached = 0
  /** Files whose bytes were read (the others were known from their stat data). */
  read = 0
  sourceBytes = 0
  private bytesInFlight = 0
  /** This run's files are analysed on this thread (see INLINE_FILES). */
  private inline = false
  /** Analyses under way, by cache key: a second file with the same bytes waits for the first. */
  private readonly pending = new Map<string, Promise<FileAnalysis>>()

  constructor (
    private readonly pool: AnalysisPool,
    private readonly cache: AnalysisCache | undefined,
    private readonly progress: ProgressReporter,
    /** Wall-clock time the run started, before it read any file: when the stat data it records were checked. */
    private readonly checkedAtMs: number,
    /** Where the files are read from. Files in memory have no stat data: the cache knows them by their bytes alone. */
    private readonly fs: TreeFs = diskFs
  ) {}

  /** The cache's record of a file's stat data, for files on disk. */
  private statOf (file: WalkedFile): ReturnType<AnalysisCache['lookupStat']> {
    return this.fs.onDisk ? this.cache?.lookupStat(file.absolutePath, file) : undefined
  }

  private rememberStat (file: WalkedFile, hash: string, language: string | null): void {
    if (this.fs.onDisk) this.cache?.rememberStat(file.absolutePath, file, hash, language, this.checkedAtMs)
  }

  /** The paths of every file of the run (analysed or recalled). */
  paths (): string[] {
    return [...this.analysed.map(file => file.path), ...this.recalled.map(r => r.file.path)]
  }

  /** The doc text of one file of the run (loads its analysis if it was recalled). */
  docOf (path: string): string | undefined {
    const found = this.analysed.find(file => file.path === path)
    if (found !== undefined) return found.analysis.doc
    const recalled = this.recalled.find(r => r.file.path === path)
    return recalled === undefined ? undefined : this.cache?.get(recalled.language, recalled.hash)?.doc
  }

  /**
   * Loads the analysis of every recalled file into `analysed`. One whose stored analysis does not open (damaged, or
   * of another format) is read and analysed again, and only that one.
   */
  async materialize (): Promise<void> {
    const recalled = this.recalled
    this.recalled = []
    const missing: WalkedFile[] = []
    for (const { file, language, hash } of recalled) {
      const analysis = this.cache?.get(language, hash)
      if (analysis === undefined) {
        this.cached--
        this.sourceBytes -= file.size
        this.keys.delete(file.path)
        this.hashes.delete(file.path)
        this.cache?.forgetStat(file.absolutePath)
        missing.push(file)
      } else {
        this.analysed.push({ path: file.path, analysis })
      }
    }
    if (missing.length > 0) await this.run(missing)
  }

  /** Analyses every file; the first failure (a worker crash) is thrown once the files in flight settle. */
  async run (files: readonly WalkedFile[]): Promise<void> {
    this.inline = this.pool.running === 0 && this.fewToRead(files)
    let failure: unknown = null
    const inFlight = new Set<Promise<void>>()
    // Woken when a file settles (one waiter: this loop), rather than racing every file in flight each time.
    let wake: (() => void) | null = null
    for (const file of files) {
      while (failure === null && (inFlight.size >= MAX_FILES_IN_FLIGHT || this.bytesInFlight > MAX_BYTES_IN_FLIGHT)) {
        await new Promise<void>((resolve) => { wake = resolve })
      }
      if (failure !== null) break
      const task: Promise<void> = this.analyseFile(file)
        .catch((err: unknown) => { failure ??= err })
        .finally(() => {
          inFlight.delete(task)
          this.progress.advance()
          const waiting = wake
          wake = null
          waiting?.()
        })
      inFlight.add(task)
    }
    await Promise.all(inFlight)
    if (failure !== null) throw failure
  }

  private async analyseFile (file: WalkedFile): Promise<void> {
    const cache = this.cache
    const known = this.statOf(file)
    if (known?.hash === BINARY_MARK) {
      // Found binary when last read, and unchanged since.
      this.skipped.push({ path: file.path, reason: 'binary' })
      return
    }
    if (known !== undefined && cache?.has(known.language, known.hash) === true) {
      // Its stat data prove it unchanged since it was analysed: not even read.
      this.cached++
      this.sourceBytes += file.size
      this.recalled.push({ file, language: known.language, hash: known.hash })
      this.keys.set(file.path, analysisKey(known.language, known.hash))
      this.hashes.set(file.path, known.hash)
      return
    }
    this.read++
    const content = readTextFileSync(file.absolutePath, this.fs)
    if (typeof content === 'string') {
      if (content === 'binary') this.rememberStat(file, BINARY_MARK, null)
      this.skipped.push({ path: file.path, reason: content })
      return
    }
    const language = detectLanguage(file.path, head(content))
    const hash = contentHash(content)
    const key = analysisKey(language, hash)
    this.sourceBytes += content.byteLength
    let analysis = cache?.get(language, hash)
    const twin = analysis === undefined ? this.pending.get(key) : undefined
    if (analysis !== undefined) {
      this.cached++
    } else if (twin !== undefined) {
      // The same bytes are being analysed for another file of this run: share that analysis.
      analysis = await twin
      this.cached++
    } else {
      analysis = await this.analyseFresh(key, language, content)
      // An analysis without structure (the parser gave up) is not kept: the next run tries again.
      if (analysis.parsed !== false) cache?.set(language, hash, analysis)
    }
    if (analysis.parsed === false) this.unparsed.add(file.path)
    this.rememberStat(file, hash, language)
    this.analysed.push({ path: file.path, analysis })
    this.keys.set(file.path, key)
    this.hashes.set(file.path, hash)
  }

  /** Whether at most INLINE_FILES of `files`, of at most INLINE_BYTES, are not known unchanged from the cache. */
  private fewToRead (files: readonly WalkedFile[]): boolean {
    const cache = this.cache
    if (cache === undefined) return false
    let count = 0
    let bytes = 0
    for (const file of files) {
      const known = this.statOf(file)
      if (known !== undefined && (known.hash === BINARY_MARK || cache.has(known.language, known.hash))) continue
      count++
      bytes += file.size
      if (count > INLINE_FILES || bytes > INLINE_BYTES) return false
    }
    return true
  }

  private async analyseFresh (key: string, language: string | null, content: Buffer): Promise<FileAnalysis> {
    // The bytes move to the worker (their buffer is transferred): count them before they go.
    const size = content.byteLength
    const job = { language, bytes: content }
    const pending = this.inline ? this.pool.analyzeHere(job) : this.pool.analyze(job)
    this.pending.set(key, pending)
    this.bytesInFlight += size
    try {
      return await pending
    } finally {
      this.bytesInFlight -= size
      this.pending.delete(key)
    }
  }
}
