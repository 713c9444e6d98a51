/**
 * The content-hash cache: a file whose bytes were analysed before is not analysed again, and a file
 * whose size and mtime are unchanged is not even read. The caller persists it (encrypted); this never touches disk.
 */
import { createHash } from 'node:crypto'
import { Lru } from '../lru.js'
import { corrupt } from '../errors.js'
import type { FileAnalysis } from './types.js'
import type { ContextRecord } from '../context/record.js'

/** Bump when the extractor's output changes: entries of another version are never used. */
export const ANALYZER_VERSION = 2
export const CACHE_FORMAT = 1
export const DEFAULT_MAX_CACHE_ENTRIES = 200_000

export interface AnalysisCacheOptions {
  /** Analyses (and, separately, file stats) kept at most; the least recently used go first. */
  maxEntries?: number
}

interface StatEntry {
  size: number
  mtimeMs: number
  hash: string
  language: string | null
}

export interface AnalysisCacheSnapshot {
  format: number
  analyzer: number
  /** [absolute path, size, mtimeMs, content hash, language]. */
  stats: Array<[string, number, number, string, string | null]>
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

export class AnalysisCache {
  private readonly stats: Lru<string, StatEntry>
  private readonly analyses: Lru<string, FileAnalysis>
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
  lastRecords?: { fingerprint: string, records: readonly ContextRecord[] }

  constructor (options: AnalysisCacheOptions = {}) {
    const max = Math.max(1, options.maxEntries ?? DEFAULT_MAX_CACHE_ENTRIES)
    this.stats = new Lru(max)
    this.analyses = new Lru(max)
  }

  /** Analyses held. */
  get size (): number {
    return this.analyses.size
  }

  /** The content hash and language recorded for a file, if its size and mtime are what they were. */
  lookupStat (path: string, size: number, mtimeMs: number): { hash: string, language: string | null } | undefined {
    const entry = this.stats.get(path)
    if (entry === undefined || entry.size !== size || entry.mtimeMs !== mtimeMs) return undefined
    return { hash: entry.hash, language: entry.language }
  }

  rememberStat (path: string, size: number, mtimeMs: number, hash: string, language: string | null): void {
    const known = this.stats.get(path)
    if (known === undefined || known.size !== size || known.mtimeMs !== mtimeMs || known.hash !== hash || known.language !== language) this.changed = true
    this.stats.set(path, { size, mtimeMs, hash, language })
  }

  get (language: string | null, hash: string): FileAnalysis | undefined {
    return this.analyses.get(analysisKey(language, hash))
  }

  set (language: string | null, hash: string, analysis: FileAnalysis): void {
    this.analyses.set(analysisKey(language, hash), analysis)
    this.changed = true
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
    const used = new Set<string>()
    for (const entry of this.stats.values()) used.add(analysisKey(entry.language, entry.hash))
    for (const key of [...this.analyses.keys()]) {
      if (!used.has(key)) {
        this.analyses.delete(key)
        this.changed = true
      }
    }
  }

  toJSON (): AnalysisCacheSnapshot {
    const stats: AnalysisCacheSnapshot['stats'] = []
    // Oldest first, so loading the snapshot restores the recency order.
    for (const [path, entry] of this.stats.entries()) stats.push([path, entry.size, entry.mtimeMs, entry.hash, entry.language])
    const analyses: AnalysisCacheSnapshot['analyses'] = [...this.analyses.entries()]
    return { format: CACHE_FORMAT, analyzer: ANALYZER_VERSION, stats, analyses }
  }

  /** A cache from a snapshot; one written by another analyzer version gives an empty cache. */
  static fromJSON (value: unknown, options: AnalysisCacheOptions = {}): AnalysisCache {
    const cache = new AnalysisCache(options)
    if (!isRecord(value) || value.format !== CACHE_FORMAT || !Array.isArray(value.stats) || !Array.isArray(value.analyses)) {
      throw corrupt('the analysis cache is not a cache snapshot: delete it and it will be rebuilt')
    }
    if (value.analyzer !== ANALYZER_VERSION) return cache
    for (const item of value.stats as unknown[]) {
      if (!Array.isArray(item)) continue
      const [path, size, mtimeMs, hash, language] = item as unknown[]
      if (typeof path === 'string' && typeof size === 'number' && typeof mtimeMs === 'number' && typeof hash === 'string' &&
        (typeof language === 'string' || language === null)) {
        cache.stats.set(path, { size, mtimeMs, hash, language })
      }
    }
    for (const item of value.analyses as unknown[]) {
      if (!Array.isArray(item)) continue
      const [key, analysis] = item as unknown[]
      if (typeof key === 'string' && isRecord(analysis) && Array.isArray(analysis.symbols) && Array.isArray(analysis.imports) && Array.isArray(analysis.findings)) {
        cache.analyses.set(key, analysis as unknown as FileAnalysis)
      }
    }
    return cache
  }
}
