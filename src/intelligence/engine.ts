/** analyzeTree: walk, analyse (cache first, then the worker pool), read manifests, and build the full records. */
import { resolve, sep } from 'node:path'
import { badInput } from '../errors.js'
import { AnalysisRun } from './analysis-run.js'
import type { AnalysisCache } from './cache.js'
import { AnalysisPool } from './pool.js'
import { ProgressReporter } from './progress.js'
import { readProjectContext } from './project-context.js'
import { addressOf, buildRecordsFrom, recordsFingerprint } from './records.js'
import { addressProblem } from '../ucxl/address.js'
import type { AnalyzeProgress, AnalyzeResult, RecordsInput, SkippedFile } from './types.js'
import { walkTree, type WalkOptions, type WalkResult, type WalkedFile } from './walk.js'
import type { ContextRecord } from '../context/record.js'
import { diskFs, type TreeFs } from './tree-fs.js'

export interface AnalyzeOptions {
  /** The tree's root: addresses are relative to it. */
  root: string
  /** A file or directory under root to analyse (default: root). */
  target?: string
  /** The project name in addresses (`ucxl://<project>/...`). */
  project: string
  /** Larger files are skipped (default 1 MiB). */
  maxFileBytes?: number
  /** Directory names never entered (default: DEFAULT_EXCLUDED_DIRECTORIES). */
  excludedDirectories?: readonly string[]
  /** Where the tree is read from (default the disk; a request's files in memory on the leader: see tree-fs.ts). */
  fs?: TreeFs
  /** Only files (paths relative to the root) this accepts are analysed; others are left out silently. */
  include?: (path: string) => boolean
  /** Worker threads when no pool is given (default: one per core). */
  workers?: number
  /** Analyses of unchanged files come from here; new ones are added. */
  cache?: AnalysisCache
  /** A pool to reuse across runs (it stays open); without one, a pool is started and closed for this run. */
  pool?: AnalysisPool
  onProgress?: (progress: AnalyzeProgress) => void
  /**
   * The caller already holds, stored, the records of a run with this fingerprint of what records are made from (it
   * checks that its store is as that run left it): if this run's is the same, no record is built (`records` is empty
   * and `recordsSkipped` true) and no stored analysis is opened.
   */
  recordsHeld?: (fingerprint: string) => boolean
  /**
   * Wall-clock now: when the run's file stats were checked, compared with the files' mtimes (which the file system
   * stamps from the wall clock, so a simulated clock has no place here). Default Date.now.
   */
  wallClockMs?: () => number
}

const PROJECT_NAME = /^[a-z0-9._-]+$/

/** Whether the run's target is a file (not the root, nor a folder); a target that cannot be read is not (the walk says why). */
function isOneFile (options: AnalyzeOptions): boolean {
  if (options.target === undefined) return false
  return (options.fs ?? diskFs).statIfExists(resolve(options.root, options.target))?.isFile() === true
}

/**
 * Analyses the files under `target` (default root) and returns FULL context records (the caller
 * stores only what differs from the parents): the project record `ucxl://<project>/`, one record
 * per directory that holds analysed files, and one per file.
 */
export async function analyzeTree (options: AnalyzeOptions): Promise<AnalyzeResult> {
  const started = performance.now()
  if (!PROJECT_NAME.test(options.project)) {
    throw badInput(`bad project name "${options.project}": use lower-case letters, digits, ".", "_" or "-"`)
  }
  const walkOptions: WalkOptions = {
    root: options.root,
    ...(options.target !== undefined ? { target: options.target } : {}),
    ...(options.maxFileBytes !== undefined ? { maxFileBytes: options.maxFileBytes } : {}),
    ...(options.excludedDirectories !== undefined ? { excludedDirectories: options.excludedDirectories } : {}),
    ...(options.fs !== undefined ? { fs: options.fs } : {})
  }
  const include = options.include ?? (() => true)
  const ownPool = options.pool === undefined
  const pool = options.pool ?? new AnalysisPool(options.workers !== undefined ? { workers: options.workers } : {})
  let walk: WalkResult
  let run: AnalysisRun
  let walkedMs: number
  let analysedMs: number
  let records: ContextRecord[]
  let fingerprint: string | null = null
  let recordsSkipped = false
  let recordsBuilt = 0
  try {
    // With nothing cached the workers load their runtime while a folder is walked; otherwise they start
    // with the first file the cache cannot answer, so a re-run with no change starts none. (A cache read from a home
    // holds its analyses on disk, none in memory: it counts as knowing its files, or every `generate` without a daemon
    // started two workers it did not use, about 65 ms of a core each.) A target that is one file is analysed on this
    // thread (AnalysisRun.fewToRead): `generate FILE` in a fresh home started both workers, about 250 ms of CPU each,
    // for that one file. (A daemon that becomes leader starts its kept pool ahead anyway: AnalysisRuntime.warm.)
    if (options.cache?.knowsFiles !== true && !isOneFile(options)) pool.start()
    walk = await walkTree(walkOptions)
    walkedMs = performance.now()
    const files: WalkedFile[] = []
    const badNames: SkippedFile[] = []
    for (const file of walk.files) {
      if (!include(file.path)) continue
      // A path no address can name (a control character, a backslash, too long) is skipped, never fatal.
      if (addressProblem(addressOf(options.project, file.path)) !== null) badNames.push({ path: file.path, reason: 'bad-name' })
      else files.push(file)
    }
    const progress = new ProgressReporter(files.length, options.onProgress)
    run = new AnalysisRun(pool, options.cache, progress, (options.wallClockMs ?? Date.now)(), options.fs)
    run.skipped.push(...walk.skipped, ...badNames)
    await run.run(files)
    progress.finish()
    if (options.cache !== undefined && walk.targetPath === '' && options.fs?.onDisk !== false) {
      // A run over the whole root saw every file there is: what it did not see is gone.
      options.cache.retainOnly(new Set(files.map((file) => file.absolutePath)), walk.root.endsWith(sep) ? walk.root : walk.root + sep)
    }
    analysedMs = performance.now()

    const { rootReadmePath, ...context } = await readProjectContext(walk, run.paths(), walkOptions, include)
    // A README among the files is in the fingerprint by its content key; its text is needed only to build records.
    const inputs: Omit<RecordsInput, 'files'> = { project: options.project, targetPath: walk.targetPath, targetIsDirectory: walk.targetIsDirectory, ...context }
    const cache = options.cache
    fingerprint = cache === undefined ? null : recordsFingerprint(inputs, run.keys, run.unparsed)
    if (fingerprint !== null && cache?.lastRecords?.fingerprint === fingerprint) {
      // Nothing changed since the warm cache's last run: its records are those of this one.
      records = [...cache.lastRecords.records]
    } else if (fingerprint !== null && options.recordsHeld?.(fingerprint) === true) {
      records = []
      recordsSkipped = true
    } else {
      const reread = run.read
      await run.materialize()
      // A stored analysis that did not open was made again, and may have come out unparsed this time.
      if (cache !== undefined && run.read !== reread) fingerprint = recordsFingerprint(inputs, run.keys, run.unparsed)
      const readme = rootReadmePath === undefined ? undefined : run.docOf(rootReadmePath)
      // Only the records whose inputs changed since the warm cache's last run are built again.
      const built = buildRecordsFrom({ ...inputs, ...(readme !== undefined ? { rootReadme: readme } : {}), files: run.analysed }, cache?.lastRecords?.memo)
      records = built.records
      recordsBuilt = built.rebuilt
      if (fingerprint !== null && cache !== undefined) cache.lastRecords = { fingerprint, records: [...records], memo: built.memo }
    }
  } finally {
    if (ownPool) await pool.close()
  }
  const endedMs = performance.now()
  return {
    records,
    ...(recordsSkipped ? { recordsSkipped } : {}),
    recordsBuilt,
    ...(fingerprint !== null ? { fingerprint } : {}),
    hashes: run.hashes,
    files: run.hashes.size,
    cached: run.cached,
    read: run.read,
    skipped: run.skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    sourceBytes: run.sourceBytes,
    ms: Math.round(endedMs - started),
    timings: { walkMs: Math.round(walkedMs - started), analyzeMs: Math.round(analysedMs - walkedMs), recordsMs: Math.round(endedMs - analysedMs) }
  }
}
