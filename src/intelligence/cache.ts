/**
 * The content-hash cache: a file whose bytes were analysed before is not analysed again, and a file whose stat data
 * (size, mtime, ctime, inode) are unchanged is not even read, as git's index tells an unchanged file. The caller
 * persists it (encrypted, each analysis on its own: `StoredAnalyses`); this never touches disk.
 */
import { createHash } from 'node:crypto'
import { Lru } from '../lru.js'
import { corrupt } from '../errors.js'
import type { FileAnalysis } from './types.js'
import type { ContextRecord } from '../context/record.js'
import type { RecordsMemo } from './records.js'

/** Bump when the extractor's output changes: entries of another version are never used. */
export const ANALYZER_VERSION = 2
/** 2: stat entries carry ctime, inode and when they were checked. */
export const CACHE_FORMAT = 2
export const DEFAULT_MAX_CACHE_ENTRIES = 200_000
/**
 * How close to the time a file was checked its mtime (or ctime) may be before its stat data prove nothing: a write
 * just after the read can leave them as they were (git's "racily clean" files). A kernel stamps files from a clock
 * that lags the wall clock by up to a tick (4-10 ms): RACY_FINE_WINDOW_MS covers it with room to spare.
 */
export const RACY_FINE_WINDOW_MS = 100
/** The same on a file system that keeps whole seconds (or FAT's two): a write up to two seconds later can keep the stamp. */
export const RACY_COARSE_WINDOW_MS = 2_000

/** The content hash a stat entry gives a file found binary: no analysis has it, so it is never recalled as one. */
export const BINARY_MARK = 'binary'

/** What the walk knows of a file without reading it. */
export interface FileStat {
  size: number
  mtimeMs: number
  ctimeMs: number
  ino: number
}

interface StatEntry extends FileStat {
  hash: string
  language: string | null
  /** Wall-clock time the run that read the file started: before the read. */
  checkedAtMs: number
}

/** Analyses kept outside memory (the caller's sealed file), read one at a time. */
export interface StoredAnalyses {
  has: (key: string) => boolean
  /** The analysis saved under the key; undefined when it is not there or does not open (damaged, another format). */
  load: (key: string) => unknown
}

export interface AnalysisCacheOptions {
  /** Analyses (and, separately, file stats) kept at most; the least recently used go first. */
  maxEntries?: number
  /** Analyses saved by an earlier run, loaded only when a record needs one. */
  stored?: StoredAnalyses
}

/** [absolute path, size, mtimeMs, ctimeMs, inode, content hash, language, checkedAtMs]. */
export type StatLine = [string, number, number, number, number, string, string | null, number]

export interface AnalysisCacheSnapshot {
  format: number
  analyzer: number
  stats: StatLine[]
  /** [cache key, analysis]. */
  analyses: Array<[string, FileAnalysis]>
}

/** The sha256 (hex) of a file's bytes. */
export function contentHash (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** The key of an analysis: the analyzer version, the language (one text may be C or C++) and the content hash. */
export function analysisKey (language: string | null, hash: string): string {
  return `${ANALYZER_VERSION}:${language ?? '-'}:${hash}`
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Whether a value has the shape of an analysis (a stored one is checked before it is used). */
export function isFileAnalysis (value: unknown): value is FileAnalysis {
  return isRecord(value) && Array.isArray(value.symbols) && Array.isArray(value.imports) && Array.isArray(value.findings)
}

/** Whole seconds in both stamps: the file system keeps no finer time, so a later write may keep them. */
function racyWindowMs (stat: FileStat): number {
  return stat.mtimeMs % 1000 === 0 && stat.ctimeMs % 1000 === 0 ? RACY_COARSE_WINDOW_MS : RACY_FINE_WINDOW_MS
}

/** Whether an entry's stat data still prove the file unchanged: equal, and old enough when checked to be trusted. */
function statProves (entry: StatEntry, stat: FileStat): boolean {
  if (entry.size !== stat.size || entry.mtimeMs !== stat.mtimeMs || entry.ctimeMs !== stat.ctimeMs || entry.ino !== stat.ino) return false
  return Math.max(entry.mtimeMs, entry.ctimeMs) + racyWindowMs(entry) < entry.checkedAtMs
}

function parseStatLine (item: unknown): [string, StatEntry] | null {
  if (!Array.isArray(item) || item.length !== 8) return null
  const [path, size, mtimeMs, ctimeMs, ino, hash, language, checkedAtMs] = item as unknown[]
  if (typeof path !== 'string' || typeof hash !== 'string' || !(typeof language === 'string' || language === null)) return null
  if (![size, mtimeMs, ctimeMs, ino, checkedAtMs].every(n => typeof n === 'number' && Number.isFinite(n))) return null
  return [path, { size, mtimeMs, ctimeMs, ino, hash, language, checkedAtMs } as StatEntry]
}

export class AnalysisCache {
  private readonly stats: Lru<string, StatEntry>
  private readonly analyses: Lru<string, FileAnalysis>
  private readonly stored: StoredAnalyses | undefined
  /**
   * An entry was added, changed or dropped since the cache was made or marked saved. (Reads do not count: a
   * snapshot saved again after reads only would differ in recency order alone.)
   */
  changed = false
  /**
   * The records of the last run and the fingerprint of what they were built from (records.ts): a run over
   * the same files, paths and manifests gives the same records, so they are not built again. In memory only:
   * it serves a daemon's warm cache, and is never saved.
   */
  lastRecords?: { fingerprint: string, records: readonly ContextRecord[], memo?: RecordsMemo }

  constructor (options: AnalysisCacheOptions = {}) {
    const max = Math.max(1, options.maxEntries ?? DEFAULT_MAX_CACHE_ENTRIES)
    this.stats = new Lru(max)
    this.analyses = new Lru(max)
    this.stored = options.stored
  }

  /** Analyses held in memory. */
  get size (): number {
    return this.analyses.size
  }

  /**
   * Whether the cache knows any file (held in memory, or read from a saved cache whose analyses stay on disk until
   * needed): a run on a cache that knows none is a first run, which will analyse everything.
   */
  get knowsFiles (): boolean {
    return this.stats.size > 0 || this.analyses.size > 0
  }

  /**
   * The content hash and language recorded for a file, if its stat data are what they were and were old enough when
   * it was read to prove it unchanged; otherwise the file must be read (its hash may still find its analysis).
   */
  lookupStat (path: string, stat: FileStat): { hash: string, language: string | null } | undefined {
    const entry = this.stats.get(path)
    if (entry === undefined || !statProves(entry, stat)) return undefined
    return { hash: entry.hash, language: entry.language }
  }

  /**
   * Records what a file read by a run that started at `checkedAtMs` (wall clock) held. A file read again with the same
   * data is a change only when the later check proves what the earlier could not (it was racily clean then).
   */
  rememberStat (path: string, stat: FileStat, hash: string, language: string | null, checkedAtMs: number): void {
    const known = this.stats.get(path)
    const entry: StatEntry = { size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, ino: stat.ino, hash, language, checkedAtMs }
    const same = known !== undefined && known.size === stat.size && known.mtimeMs === stat.mtimeMs && known.ctimeMs === stat.ctimeMs &&
      known.ino === stat.ino && known.hash === hash && known.language === language
    if (!same || (statProves(entry, stat) && !statProves(known, stat))) this.changed = true
    this.stats.set(path, entry)
  }

  /** Forgets a file (its stored analysis did not open): the next run reads it. */
  forgetStat (path: string): void {
    if (this.stats.delete(path)) this.changed = true
  }

  /** Whether an analysis is held or stored, without loading it. */
  has (language: string | null, hash: string): boolean {
    const key = analysisKey(language, hash)
    return this.analyses.has(key) || (this.stored?.has(key) ?? false)
  }

  /** The analysis of these bytes: from memory, else loaded from the stored ones (a damaged one is a miss). */
  get (language: string | null, hash: string): FileAnalysis | undefined {
    const key = analysisKey(language, hash)
    const held = this.analyses.get(key)
    if (held !== undefined || this.stored?.has(key) !== true) return held
    const loaded = this.stored.load(key)
    if (!isFileAnalysis(loaded)) return undefined
    this.analyses.set(key, loaded)
    return loaded
  }

  /** The analysis held in memory under a key, not loading it (what a saver has to write). */
  peek (key: string): FileAnalysis | undefined {
    return this.analyses.has(key) ? this.analyses.get(key) : undefined
  }

  set (language: string | null, hash: string, analysis: FileAnalysis): void {
    this.analyses.set(analysisKey(language, hash), analysis)
    this.changed = true
  }

  /** The analysis keys the files known use, each once: what a saved cache keeps. */
  usedKeys (): Set<string> {
    const used = new Set<string>()
    for (const entry of this.stats.values()) if (entry.hash !== BINARY_MARK) used.add(analysisKey(entry.language, entry.hash))
    return used
  }

  /**
   * Keeps only the files in `paths` (absolute) and the analyses they use: after a run over a whole
   * root, what was not seen is gone from the tree.
   */
  retainOnly (paths: ReadonlySet<string>, under?: string): void {
    for (const path of [...this.stats.keys()]) {
      if ((under === undefined || path.startsWith(under)) && !paths.has(path)) {
        this.stats.delete(path)
        this.changed = true
      }
    }
    const used = this.usedKeys()
    for (const key of [...this.analyses.keys()]) {
      if (!used.has(key)) {
        this.analyses.delete(key)
        this.changed = true
      }
    }
  }

  /** The stat entries, oldest first, so loading them restores the recency order. */
  statLines (): StatLine[] {
    const lines: StatLine[] = []
    for (const [path, e] of this.stats.entries()) lines.push([path, e.size, e.mtimeMs, e.ctimeMs, e.ino, e.hash, e.language, e.checkedAtMs])
    return lines
  }

  /** A cache of stat entries whose analyses are stored apart (`options.stored`); malformed lines are left out. */
  static fromStatLines (lines: readonly unknown[], options: AnalysisCacheOptions = {}): AnalysisCache {
    const cache = new AnalysisCache(options)
    for (const item of lines) {
      const parsed = parseStatLine(item)
      if (parsed !== null) cache.stats.set(parsed[0], parsed[1])
    }
    return cache
  }

  /** Everything in memory as one value (tests and benchmarks; a home saves analyses one by one). */
  toJSON (): AnalysisCacheSnapshot {
    const analyses: AnalysisCacheSnapshot['analyses'] = [...this.analyses.entries()]
    return { format: CACHE_FORMAT, analyzer: ANALYZER_VERSION, stats: this.statLines(), analyses }
  }

  /** A cache from a snapshot; one written by another analyzer version gives an empty cache. */
  static fromJSON (value: unknown, options: AnalysisCacheOptions = {}): AnalysisCache {
    if (!isRecord(value) || value.format !== CACHE_FORMAT || !Array.isArray(value.stats) || !Array.isArray(value.analyses)) {
      throw corrupt('the analysis cache is not a cache snapshot: delete it and it will be rebuilt')
    }
    if (value.analyzer !== ANALYZER_VERSION) return new AnalysisCache(options)
    const cache = AnalysisCache.fromStatLines(value.stats as unknown[], options)
    for (const item of value.analyses as unknown[]) {
      if (!Array.isArray(item)) continue
      const [key, analysis] = item as unknown[]
      if (typeof key === 'string' && isFileAnalysis(analysis)) cache.analyses.set(key, analysis)
    }
    return cache
  }
}
