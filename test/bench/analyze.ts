// Analysis throughput on the Python standard library, against universal-ctags on the same files, and the cache's effect.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AnalysisCache } from '../../src/intelligence/cache.js'
import { analyzeTree } from '../../src/intelligence/engine.js'
import { AnalysisPool } from '../../src/intelligence/pool.js'
import { DEFAULT_EXCLUDED_DIRECTORIES, walkTree } from '../../src/intelligence/walk.js'
import type { AnalyzeResult } from '../../src/intelligence/types.js'
import { percentile, round } from './stats.js'

/** The corpus of the issue: the .py files outside `test/` folders (at any depth) and `site-packages/` (868 on Python 3.11). */
const CORPUS_EXCLUDES = [...DEFAULT_EXCLUDED_DIRECTORIES, 'test', 'site-packages']
export const CTAGS = '/usr/bin/ctags'

export interface StdlibCorpus {
  root: string
  /** The .py files, relative to root. */
  files: string[]
}

/** The Python standard library of this machine (looked up at run time), or why there is none. */
export async function findStdlibCorpus (): Promise<StdlibCorpus | { skipped: string }> {
  let root: string
  try {
    root = execFileSync('python3', ['-c', 'import sysconfig;print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' }).trim()
  } catch {
    return { skipped: 'python3 is not installed: no standard library to analyse' }
  }
  if (root === '' || !existsSync(root)) return { skipped: `the Python standard library (${root}) does not exist` }
  const walk = await walkTree({ root, excludedDirectories: CORPUS_EXCLUDES })
  const files = walk.files.map((file) => file.path).filter((path) => path.endsWith('.py'))
  if (files.length === 0) return { skipped: `no .py files under ${root}` }
  return { root, files }
}

/** The records of the standard library (a fresh analysis), for benchmarks that need a real corpus. */
export async function analyzeStdlib (cache = new AnalysisCache()): Promise<AnalyzeResult | { skipped: string }> {
  const corpus = await findStdlibCorpus()
  if ('skipped' in corpus) return corpus
  return await analyzeCorpus(corpus, cache)
}

function analyzeCorpus (corpus: StdlibCorpus, cache: AnalysisCache, pool?: AnalysisPool): Promise<AnalyzeResult> {
  const wanted = new Set(corpus.files)
  return analyzeTree({ root: corpus.root, project: 'stdlib', cache, excludedDirectories: CORPUS_EXCLUDES, include: (path) => wanted.has(path), ...(pool !== undefined ? { pool } : {}) })
}

/** ctags over the same file list; null when universal-ctags is not installed. */
function timeCtags (corpus: StdlibCorpus): number | null {
  if (!existsSync(CTAGS)) return null
  const dir = mkdtempSync(join(tmpdir(), 'bzzz-ctags-'))
  try {
    const list = join(dir, 'files.txt')
    writeFileSync(list, corpus.files.join('\n') + '\n')
    const started = performance.now()
    const run = spawnSync(CTAGS, ['--languages=Python', '-f', '/dev/null', '-L', list], { cwd: corpus.root, stdio: 'ignore' })
    const ms = performance.now() - started
    return run.status === 0 ? ms : null
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * The same run measures: a first analysis with a fresh cache and fresh workers (`analyze_*`, the
 * figure compared with ctags), ctags on the same files, a second analysis with the warm cache
 * (`reanalyze_*`: a daemon's, which also keeps the last run's records), the same with the cache
 * restored from its snapshot (`reanalyze_restored_cache_*`: a command without a daemon, which builds
 * the records again), and a fresh-cache analysis on the workers of the first run, now warm
 * (`analyze_warm_*`: what a running daemon pays).
 */
export async function benchAnalyze (): Promise<Record<string, number | string>> {
  const corpus = await findStdlibCorpus()
  if ('skipped' in corpus) return corpus
  // Read every file once first, so neither side pays for a cold page cache.
  timeCtags(corpus)

  const cache = new AnalysisCache()
  let started = performance.now()
  const pool = new AnalysisPool()
  let first: AnalyzeResult
  let analyzeMs: number
  let reanalyzeMs: number
  let reanalyzeRestoredMs: number
  let second: AnalyzeResult
  let warmMs: number
  let ctagsMs: number | null
  let ctagsAll = ''
  try {
    first = await analyzeCorpus(corpus, cache, pool)
    analyzeMs = performance.now() - started

    // ctags is timed three times and its median kept: on this machine one run varies from 0.19 to 0.36 s.
    const ctagsRuns = [timeCtags(corpus), timeCtags(corpus), timeCtags(corpus)]
    ctagsMs = ctagsRuns.some((ms) => ms === null) ? null : percentile((ctagsRuns as number[]).sort((a, b) => a - b), 50)
    ctagsAll = ctagsRuns.map((ms) => ms === null ? '-' : String(Math.round(ms))).join(' ')

    started = performance.now()
    second = await analyzeCorpus(corpus, cache, pool)
    reanalyzeMs = performance.now() - started

    // The same with the cache as a command without a daemon has it, loaded from its snapshot: no last records.
    const restored = AnalysisCache.fromJSON(JSON.parse(JSON.stringify(cache.toJSON())))
    started = performance.now()
    await analyzeCorpus(corpus, restored, pool)
    reanalyzeRestoredMs = performance.now() - started

    started = performance.now()
    await analyzeCorpus(corpus, new AnalysisCache(), pool)
    warmMs = performance.now() - started
  } finally {
    await pool.close()
  }

  const analyzeFilesPerS = first.files / (analyzeMs / 1000)
  const result: Record<string, number | string> = {
    files: first.files,
    analyze_ms: round(analyzeMs, 0),
    analyze_files_per_s: round(analyzeFilesPerS, 0),
    analyze_walk_ms: first.timings?.walkMs ?? -1,
    analyze_parse_ms: first.timings?.analyzeMs ?? -1,
    analyze_records_ms: first.timings?.recordsMs ?? -1,
    reanalyze_ms: round(reanalyzeMs, 0),
    reanalyze_ratio: round(reanalyzeMs / analyzeMs, 3),
    reanalyze_cached: second.cached,
    reanalyze_restored_cache_ms: round(reanalyzeRestoredMs, 0),
    reanalyze_restored_cache_ratio: round(reanalyzeRestoredMs / analyzeMs, 3),
    analyze_warm_ms: round(warmMs, 0),
    records: first.records.length
  }
  if (ctagsMs === null) {
    result.ctags = 'skipped: universal-ctags is not installed at /usr/bin/ctags'
  } else {
    const ctagsFilesPerS = corpus.files.length / (ctagsMs / 1000)
    result.ctags_ms = round(ctagsMs, 0)
    result.ctags_runs_ms = ctagsAll
    result.ctags_files_per_s = round(ctagsFilesPerS, 0)
    result.analyze_vs_ctags = round(analyzeFilesPerS / ctagsFilesPerS, 3)
    result.analyze_warm_vs_ctags = round((first.files / (warmMs / 1000)) / ctagsFilesPerS, 3)
  }
  return result
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))
if (isMain) console.log(JSON.stringify(await benchAnalyze(), null, 2))
