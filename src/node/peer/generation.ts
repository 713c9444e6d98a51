/**
 * A generate on the local peer: the tree analysed on the peer's analysis runtime (a run whose records the store holds
 * already is not built again), the records it writes (the project's left alone below the root), what it no longer finds
 * (pruned or counted stale), and the write with the sources' commit and hashes.
 */
import { createHash } from 'node:crypto'
import { diskFs, type TreeFs } from '../../intelligence/tree-fs.js'
import { relative, sep } from 'node:path'
import type { Clock } from '../../clock.js'
import type { ContextRecord } from '../../context/record.js'
import type { ContextStore } from '../../storage/context-store.js'
import { addressFor, rootAddress } from '../../ucxl/address.js'
import type { AnalysisRuntime } from '../analysis-runtime.js'
import type { AnalysisCache } from '../../intelligence/cache.js'
import type { AnalysisPool } from '../../intelligence/pool.js'
import type { HeldRun } from '../analysis-cache-file.js'
import type { AnalyzeResult } from '../../intelligence/types.js'
import type { GenerateOptions, GenerateOutcome, GenerateReport, WriteHost } from './types.js'

/**
 * Names a generate's request for its held run: the same tree, target, project, roles, term and options give the same
 * records and the same write, so only a run under the same name may stand for this one.
 */
function heldRunKey (request: { root: string, path: string, project: string, recipients: readonly string[], term: number, prune: boolean, maxFileBytes: number | null }): string {
  return createHash('sha256').update(JSON.stringify([request.root, request.path, request.project, [...request.recipients].sort(), request.term, request.prune, request.maxFileBytes])).digest('hex')
}

/** What analysing a generate and telling whether the store holds its records already needs: not the store itself. */
export interface AnalysisHost extends Pick<WriteHost, 'requireWriter' | 'soloTerm'> {
  clock: Clock
  /** The workers and the cache the analysis runs on. */
  analysis: AnalysisRuntime
  /** Analyses running on real CPUs now (see LocalPeer.analysing). */
  analysing: Set<Promise<unknown>>
  target: (options: Pick<GenerateOptions, 'path' | 'root' | 'project' | 'fs'>) => { path: string, root: string, project: string }
  recipients: (roles?: readonly string[]) => string[]
  /** The store's view hash now (a run's records are held only while the store is as that run left it). */
  viewHash: () => string
}

/** What a generate needs of the peer that runs it. */
export interface GenerationHost extends AnalysisHost, WriteHost {
  store: ContextStore
  /** What an analysis costs on the clock (see LocalPeerOptions.analysisCostMs); null: the time it takes. */
  analysisCostMs: ((files: number, bytes: number) => number) | null
  /** A generate analysed before this peer opened (generateIfHeld): the first run of the very same options takes it. */
  analysed?: Analysed
}

/**
 * One generation's analysis on `host`, and the run whose records the store holds already when it is one (`held`: nothing
 * was built, and nothing is to be written); the records it would write are the caller's to work out.
 */
async function analyseFor (host: AnalysisHost, options: GenerateOptions, cache: AnalysisCache, pool: AnalysisPool | undefined): Promise<{ run: AnalysedRun, analysis: AnalyzeResult }> {
  const { path, root, project } = host.target(options)
  const recipients = host.recipients(options.roles)
  const { analyzeTree } = await import('../../intelligence/index.js')
  const term = options.term ?? host.soloTerm()
  const runKey = heldRunKey({ root, path, project, recipients, term, prune: options.prune === true, maxFileBytes: options.maxFileBytes ?? null })
  const held = options.withholdLastRecord === true ? undefined : host.analysis.heldRun(runKey)
  const running = analyzeTree({
    root, target: path, project, cache, ...(options.workers === undefined && pool !== undefined ? { pool } : {}),
    ...(options.maxFileBytes !== undefined ? { maxFileBytes: options.maxFileBytes } : {}),
    ...(options.fs !== undefined ? { fs: options.fs } : {}),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    // The same inputs as a run whose records the store holds, and the store as that run left it: writing them
    // again would find each unchanged, so they are neither built nor offered.
    recordsHeld: fingerprint => held !== undefined && held.fingerprint === fingerprint && held.viewHash === host.viewHash()
  })
  host.analysing.add(running)
  const analysis = await running.finally(() => host.analysing.delete(running))
  const base = {
    project, root, path: relative(root, path) || '.', priority: options.priority ?? 'normal', roles: recipients,
    files: analysis.files, cached: analysis.cached, read: analysis.read, skipped: analysis.skipped
  }
  const run: AnalysedRun = { options, project, root, path, term, recipients, runKey, base, fresh: analysis.files - analysis.cached, bytes: analysis.sourceBytes, records: [], appended: [], gone: [], hashes: new Map() }
  return { run: analysis.recordsSkipped === true && held !== undefined ? { ...run, held } : run, analysis }
}

/** The report of a generation whose records the store holds already: all of them unchanged, nothing written. */
function heldReport (run: AnalysedRun & { held: HeldRun }, ms: number): GenerateReport {
  return { ...run.base, records: run.held.records, written: 0, unchanged: run.held.records, removed: 0, stale: run.held.stale, bytes: 0, ms }
}

/** A generate analysed ahead of the peer that writes it (generateIfHeld): that peer's run takes it as it is. */
export interface Analysed {
  options: GenerateOptions
  cache: AnalysisCache
  run: AnalysedRun
  analysis: AnalyzeResult
  /** When the analysis started, on the host's clock: the report's time counts from there. */
  started: number
}

/**
 * A generate answered without a store: PATH analysed on `host` (its cache, so what did not change is not read), and
 * the report when the store holds the run's records already, as it does after the same generate with nothing changed
 * since; otherwise the analysis, for the peer that writes its records (GenerationHost.analysed).
 */
export async function generateIfHeld (host: AnalysisHost, options: GenerateOptions): Promise<{ report: GenerateReport } | { analysed: Analysed }> {
  host.requireWriter('generate')
  const started = host.clock.now()
  const cache = await host.analysis.cache()
  const { run, analysis } = await analyseFor(host, options, cache, await host.analysis.poolFor(options.workers !== undefined))
  if (run.held === undefined) return { analysed: { options, cache, run, analysis, started } }
  await host.analysis.ran(cache)
  return { report: heldReport({ ...run, held: run.held }, Math.round(host.clock.now() - started)) }
}

export class Generation {
  constructor (private readonly host: GenerationHost) {}

  /**
   * The records a generation writes. One below the root (a directory or a file of the tree) analysed only its own
   * files, so its project record speaks for them alone; once the project has a record, writing that one over it
   * would change what every record outside the target inherits (a child stores only what differs from its parent:
   * a file that left out its language because the project's was the same would lose it). It is left out then (a
   * hand-written project record is another record, which a generate does not write over).
   */
  private recordsToWrite (records: readonly ContextRecord[], belowRoot: boolean, projectAddress: string): readonly ContextRecord[] {
    if (!belowRoot || !this.host.store.slotsOf(projectAddress).some(slot => slot.origin === 'generated')) return records
    return records.filter(record => record.address !== projectAddress)
  }

  /**
   * What a generate of a folder no longer finds: the addresses below it that a generate wrote and this analysis did not
   * produce. Only a folder's walk sees everything below it; records written by hand are never among them.
   */
  private gone (records: readonly ContextRecord[], path: string, root: string, project: string, fs: TreeFs): string[] {
    if (!fs.stat(path).isDirectory()) return []
    const folder = addressFor(project, relative(root, path).split(sep).join('/') || '.')
    return this.host.store.generatedUnder(folder, new Set(records.map(record => record.address)))
  }

  async generate (options: GenerateOptions): Promise<GenerateReport> {
    const [outcome] = await this.generateBatch([options])
    if (!outcome!.ok) throw outcome!.error
    return outcome!.report
  }

  /**
   * Several generations as one: each analysed on its own (its own tree, target and options, so its records are those
   * it would make alone), together on the pool; then the records of those that share a term, recipients and commit
   * written in one write (an address two of them make goes in once, the later one's, as if written in turn), and
   * acknowledged once by the caller. Each has its own outcome: one whose tree fails to analyse fails alone. A write that
   * fails fails the generations in it.
   */
  async generateBatch (batch: readonly GenerateOptions[]): Promise<GenerateOutcome[]> {
    this.host.requireWriter('generate')
    const ahead = this.host.analysed !== undefined && batch.length === 1 && batch[0] === this.host.analysed.options ? this.host.analysed : undefined
    delete this.host.analysed
    const started = ahead?.started ?? this.host.clock.now()
    const cache = ahead?.cache ?? await this.host.analysis.cache()
    const pool = ahead !== undefined ? undefined : await this.host.analysis.poolFor(batch.some(options => options.workers !== undefined))
    const analysed = await Promise.allSettled(batch.map(async options => await this.analyse(options, cache, pool, ahead)))
    if (this.host.analysisCostMs !== null) {
      const cost = analysed.reduce((sum, result) => result.status === 'fulfilled' ? sum + this.host.analysisCostMs!(result.value.fresh, result.value.bytes) : sum, 0)
      await this.host.clock.sleep(cost)
    }
    const outcomes: GenerateOutcome[] = analysed.map(result => result.status === 'rejected' ? { ok: false, error: result.reason } : { ok: true, report: undefined as never })
    const writes = new Map<string, number[]>()
    for (const [index, result] of analysed.entries()) {
      if (result.status !== 'fulfilled') continue
      const run = result.value
      if (run.held !== undefined) {
        outcomes[index] = { ok: true, report: heldReport({ ...run, held: run.held }, Math.round(this.host.clock.now() - started)) }
        continue
      }
      const key = JSON.stringify([run.term, run.recipients, run.commit ?? null])
      writes.set(key, [...writes.get(key) ?? [], index])
    }
    for (const indexes of writes.values()) {
      const runs = indexes.map(index => (analysed[index] as PromiseFulfilledResult<AnalysedRun>).value)
      try {
        const reports = await this.write(runs, started)
        for (const [i, index] of indexes.entries()) outcomes[index] = { ok: true, report: reports[i]! }
      } catch (err) {
        for (const index of indexes) outcomes[index] = { ok: false, error: err }
      }
    }
    await this.host.analysis.ran(cache)
    return outcomes
  }

  /** One generation's analysis, and the records it would write. */
  private async analyse (options: GenerateOptions, cache: AnalysisCache, pool: AnalysisPool | undefined, ahead?: Analysed): Promise<AnalysedRun> {
    const { run, analysis } = ahead ?? await analyseFor(this.host, options, cache, pool)
    if (run.held !== undefined) return run
    const { path, root, project } = run
    const fs = options.fs ?? diskFs
    run.gone = this.gone(analysis.records, path, root, project, fs)
    run.records = this.recordsToWrite(analysis.records, path !== root, rootAddress(project))
    run.appended = options.withholdLastRecord === true ? run.records.slice(0, -1) : run.records
    const { readGitCommit, recordHashes } = await import('../../intelligence/source-state.js')
    const commit = options.commit ?? (fs.onDisk ? readGitCommit(root) : null) ?? undefined
    if (commit !== undefined) run.commit = commit
    run.hashes = recordHashes(project, analysis.hashes, run.appended.map(record => record.address))
    if (analysis.fingerprint !== undefined) run.fingerprint = analysis.fingerprint
    return run
  }

  /** The records of analysed generations that share a term, recipients and commit, in one write; a report for each. */
  private async write (batch: readonly AnalysedRun[], started: number): Promise<GenerateReport[]> {
    const { term, recipients, commit } = batch[0]!
    // A generation below the root writes its project's record only while the project has none (recordsToWrite): none
    // in the store, nor from one before it in the batch.
    const projects = new Set<string>()
    const runs = batch.map(run => {
      const project = rootAddress(run.project)
      const written = projects.has(project)
      if (run.records.some(record => record.address === project)) projects.add(project)
      if (!written || run.path === run.root) return run
      const records = run.records.filter(record => record.address !== project)
      return { ...run, records, appended: run.options.withholdLastRecord === true ? records.slice(0, -1) : records }
    })
    // An address two generations make is written once, as the later one made it (as if each were written in turn).
    const owner = new Map<string, number>()
    for (const [i, run] of runs.entries()) for (const record of run.appended) owner.set(record.address, i)
    const records = runs.flatMap((run, i) => run.appended.filter(record => owner.get(record.address) === i))
    const hashes = new Map(runs.flatMap(run => [...run.hashes]))
    const remove = [...new Set(runs.flatMap(run => run.options.prune === true ? run.gone : []))]
    for (const run of runs) {
      await this.host.auditWrite('generate', { project: run.project, path: run.base.path, records: run.appended.length, removed: run.options.prune === true ? run.gone.length : 0, roles: recipients })
    }
    const result = await this.host.store.write(records, {
      term, recipients, nowMs: this.host.clock.now(), generated: true, ...(remove.length > 0 ? { remove } : {}),
      sources: commit === undefined ? { hashes } : { commit, hashes }
    })
    const alone = runs.length === 1
    const ms = Math.round(this.host.clock.now() - started)
    return runs.map((run, i) => {
      const stale = run.options.prune === true ? 0 : run.gone.length
      // The store holds this run's records only if no later one of the batch made one of its addresses otherwise.
      if (run.fingerprint !== undefined && run.options.withholdLastRecord !== true && run.appended.every(record => owner.get(record.address) === i)) {
        this.host.analysis.holdRun(run.runKey, { fingerprint: run.fingerprint, viewHash: this.host.store.viewHash, records: run.records.length, stale })
      }
      const withheld = run.records.length - run.appended.length
      if (alone) {
        return { ...run.base, records: run.records.length, written: result.written + withheld, unchanged: result.unchanged, removed: result.removed, stale, bytes: result.bytes, ms }
      }
      const written = run.appended.filter(record => result.appended.has(record.address))
      const removed = run.options.prune === true ? run.gone.filter(address => result.appended.has(address) && !owner.has(address)).length : 0
      const bytes = [...written, ...(run.options.prune === true ? run.gone.map(address => ({ address })) : [])].reduce((sum, { address }) => sum + (result.appended.get(address) ?? 0), 0)
      return { ...run.base, records: run.records.length, written: written.length + withheld, unchanged: run.appended.length - written.length, removed, stale, bytes, ms }
    })
  }
}

/** A generation analysed, before its write. */
interface AnalysedRun {
  options: GenerateOptions
  project: string
  root: string
  path: string
  term: number
  recipients: string[]
  runKey: string
  base: Omit<GenerateReport, 'records' | 'written' | 'unchanged' | 'removed' | 'stale' | 'bytes' | 'ms'>
  /** Files analysed afresh, and the bytes of all: what an analysis costs on a simulated clock. */
  fresh: number
  bytes: number
  /** The run whose records the store holds already (nothing is built or written), when it is one. */
  held?: HeldRun
  /** The records it writes, and of them those appended (all, but for the simulator's withholding fault). */
  records: readonly ContextRecord[]
  appended: readonly ContextRecord[]
  /** Addresses below its folder that it no longer finds. */
  gone: string[]
  hashes: Map<string, string>
  commit?: string
  fingerprint?: string
}
