/**
 * A generate on the local peer: the tree analysed on the peer's analysis runtime (a run whose records the store holds
 * already is not built again), the records it writes (the project's left alone below the root), what it no longer finds
 * (pruned or counted stale), and the write with the sources' commit and hashes.
 */
import { createHash } from 'node:crypto'
import { statSync } from 'node:fs'
import { relative, sep } from 'node:path'
import type { Clock } from '../../clock.js'
import type { ContextRecord } from '../../context/record.js'
import type { ContextStore } from '../../storage/context-store.js'
import { addressFor, rootAddress } from '../../ucxl/address.js'
import type { AnalysisRuntime } from '../analysis-runtime.js'
import type { GenerateOptions, GenerateReport, WriteHost } from './types.js'

/**
 * Names a generate's request for its held run: the same tree, target, project, roles, term and options give the same
 * records and the same write, so only a run under the same name may stand for this one.
 */
function heldRunKey (request: { root: string, path: string, project: string, recipients: readonly string[], term: number, prune: boolean, maxFileBytes: number | null }): string {
  return createHash('sha256').update(JSON.stringify([request.root, request.path, request.project, [...request.recipients].sort(), request.term, request.prune, request.maxFileBytes])).digest('hex')
}

/** What a generate needs of the peer that runs it. */
export interface GenerationHost extends WriteHost {
  store: ContextStore
  clock: Clock
  /** The workers and the cache the analysis runs on. */
  analysis: AnalysisRuntime
  /** Analyses running on real CPUs now (see LocalPeer.analysing). */
  analysing: Set<Promise<unknown>>
  /** What an analysis costs on the clock (see LocalPeerOptions.analysisCostMs); null: the time it takes. */
  analysisCostMs: ((files: number, bytes: number) => number) | null
  target: (options: Pick<GenerateOptions, 'path' | 'root' | 'project'>) => { path: string, root: string, project: string }
  recipients: (roles?: readonly string[]) => string[]
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
  private gone (records: readonly ContextRecord[], path: string, root: string, project: string): string[] {
    if (!statSync(path).isDirectory()) return []
    const folder = addressFor(project, relative(root, path).split(sep).join('/') || '.')
    return this.host.store.generatedUnder(folder, new Set(records.map(record => record.address)))
  }

  async generate (options: GenerateOptions): Promise<GenerateReport> {
    this.host.requireWriter('generate')
    const started = this.host.clock.now()
    const { path, root, project } = this.host.target(options)
    const recipients = this.host.recipients(options.roles)
    const { analyzeTree } = await import('../../intelligence/index.js')
    const cache = await this.host.analysis.cache()
    const pool = await this.host.analysis.poolFor(options.workers !== undefined)
    const term = options.term ?? this.host.soloTerm()
    const runKey = heldRunKey({ root, path, project, recipients, term, prune: options.prune === true, maxFileBytes: options.maxFileBytes ?? null })
    const held = options.withholdLastRecord === true ? undefined : this.host.analysis.heldRun(runKey)
    const running = analyzeTree({
      root, target: path, project, cache, ...(pool !== undefined ? { pool } : {}),
      ...(options.maxFileBytes !== undefined ? { maxFileBytes: options.maxFileBytes } : {}),
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
      ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
      // The same inputs as a run whose records the store holds, and the store as that run left it: writing them
      // again would find each unchanged, so they are neither built nor offered.
      recordsHeld: fingerprint => held !== undefined && held.fingerprint === fingerprint && held.viewHash === this.host.store.viewHash
    })
    this.host.analysing.add(running)
    const analysis = await running.finally(() => this.host.analysing.delete(running))
    if (this.host.analysisCostMs !== null) await this.host.clock.sleep(this.host.analysisCostMs(analysis.files - analysis.cached, analysis.sourceBytes))
    const base = {
      project, root, path: relative(root, path) || '.', priority: options.priority ?? 'normal', roles: recipients,
      files: analysis.files, cached: analysis.cached, read: analysis.read, skipped: analysis.skipped
    }
    if (analysis.recordsSkipped === true && held !== undefined) {
      await this.host.analysis.ran(cache)
      return { ...base, records: held.records, written: 0, unchanged: held.records, removed: 0, stale: held.stale, bytes: 0, ms: Math.round(this.host.clock.now() - started) }
    }
    const gone = this.gone(analysis.records, path, root, project)
    const records = this.recordsToWrite(analysis.records, path !== root, rootAddress(project))
    const appended = options.withholdLastRecord === true ? records.slice(0, -1) : records
    const { readGitCommit, recordHashes } = await import('../../intelligence/source-state.js')
    const commit = options.commit ?? readGitCommit(root) ?? undefined
    const hashes = recordHashes(project, analysis.hashes, appended.map(record => record.address))
    await this.host.auditWrite('generate', { project, path: relative(root, path) || '.', records: appended.length, removed: options.prune === true ? gone.length : 0, roles: recipients })
    const result = await this.host.store.write(appended, {
      term, recipients, nowMs: this.host.clock.now(), generated: true, ...(options.prune === true ? { remove: gone } : {}),
      sources: commit === undefined ? { hashes } : { commit, hashes }
    })
    const stale = options.prune === true ? 0 : gone.length
    if (analysis.fingerprint !== undefined && options.withholdLastRecord !== true) {
      this.host.analysis.holdRun(runKey, { fingerprint: analysis.fingerprint, viewHash: this.host.store.viewHash, records: records.length, stale })
    }
    await this.host.analysis.ran(cache)
    return {
      ...base, records: records.length,
      written: result.written + records.length - appended.length, unchanged: result.unchanged, removed: result.removed, stale, bytes: result.bytes, ms: Math.round(this.host.clock.now() - started)
    }
  }
}
