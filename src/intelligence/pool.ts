/** A pool of analysis worker threads: files go out in batches, a crashed worker fails its files loudly. */
import { availableParallelism } from 'node:os'
import { setFlagsFromString } from 'node:v8'
import { Worker } from 'node:worker_threads'
import { BzzzError } from '../errors.js'
import { distModule } from '../paths.js'
import { GRAMMAR_NAMES, isParsedLanguage } from './languages.js'
import type { FileAnalysis } from './types.js'
import { compiledGrammar, compiledRuntime, type WasmModule } from './wasm-modules.js'
import type { AnalysisJob, BatchReply, BatchRequest, WorkerOptions } from './worker-protocol.js'
import type { FileAnalyzer } from './file-analyzer.js'

export type { AnalysisJob } from './worker-protocol.js'

/** Files per message: enough to hide message costs, few enough to balance the workers' load. */
export const DEFAULT_BATCH_FILES = 24
export const DEFAULT_BATCH_BYTES = 192 * 1024
/** Batches a worker holds at once: one being analysed, one waiting, so it never idles between messages. */
export const DEFAULT_BATCHES_IN_FLIGHT = 2

export interface AnalysisPoolOptions {
  /** Worker threads (default: one per core). */
  workers?: number
  /** The worker's module (default: the compiled `dist/src/intelligence/worker.js`). */
  workerFile?: string
  batchFiles?: number
  batchBytes?: number
  /** How long one file may take to parse (and then to query) before it is given up on (default 3 s). */
  fileTimeoutMs?: number
}

interface PendingJob {
  job: AnalysisJob
  resolve: (analysis: FileAnalysis) => void
  reject: (err: Error) => void
}

interface WorkerSlot {
  worker: Worker
  inFlight: Map<number, PendingJob[]>
  /** The worker loaded its runtime: one that dies before that cannot start at all. */
  ready: boolean
  dead: boolean
  /** Grammars (by name) already posted to this worker. */
  grammars: Set<string>
}

function workerFailure (message: string, cause?: unknown): BzzzError {
  return new BzzzError('FAILURE', `analysis worker ${message}`, { cause })
}

/** The buffers that can move to the worker without a copy: those that own all of their memory. */
function transferables (jobs: readonly AnalysisJob[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>()
  for (const { bytes } of jobs) {
    const buffer = bytes.buffer
    if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) buffers.add(buffer)
  }
  return [...buffers]
}

/**
 * How V8 optimises the workers' JavaScript. A cold analysis spends a third of its CPU in V8's optimising
 * compiler (TurboFan), because every worker optimises the same hot functions (the skeleton scanner, the
 * extraction loop, tree-sitter's bindings) for itself, and again after each deoptimisation:
 * - The workers compile on their own thread, synchronously, rather than on V8's background threads.
 *   With one worker per core those threads find no core free, so optimised code arrived late and the
 *   workers ran slow code meanwhile (3% of the CPU and the time on two cores, 16 interleaved runs).
 *   Read when an isolate starts: set before the first worker, and this thread keeps its own setting.
 * - No inlining and no loop peeling in optimised code. Inlining tree-sitter's bindings into the
 *   extraction loop made one compile of it take 60 ms; the code that comes out runs as fast on this
 *   work. Compile time falls from about 1.1 s to 0.6 s, and a cold analysis of the Python standard
 *   library from 1.77 s to 1.56 s of wall time and 3.8 s to 3.4 s of CPU (6 interleaved runs). These
 *   are read at each compile, for every thread of the process, from the first pool on. The other work
 *   of a process that analyses measured within its noise with them (cluster bench, 3 interleaved runs:
 *   distribute 3,211–3,608 records/s without, 3,217–3,444 with).
 */
let workerCompilerFlagsSet = false
function setWorkerCompilerFlags (): void {
  if (workerCompilerFlagsSet) return
  workerCompilerFlagsSet = true
  setFlagsFromString('--no-concurrent-recompilation')
  setFlagsFromString('--no-concurrent-osr')
  setFlagsFromString('--no-turbo-inlining')
  setFlagsFromString('--no-turbo-loop-peeling')
}

export class AnalysisPool {
  readonly size: number
  private readonly workerFile: string
  private readonly batchFiles: number
  private readonly batchBytes: number
  private readonly workerOptions: WorkerOptions
  private readonly slots: WorkerSlot[] = []
  private readonly queue: PendingJob[] = []
  private nextBatchId = 1
  private closed = false
  /** Set when workers cannot start: every later job fails with it instead of spawning again. */
  private broken: Error | null = null
  /** The analyzer of this thread, for analyzeHere (loaded on first use). */
  private here: Promise<FileAnalyzer> | null = null

  constructor (options: AnalysisPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.workers ?? availableParallelism()))
    this.workerFile = options.workerFile ?? distModule('intelligence/worker.js')
    this.batchFiles = Math.max(1, options.batchFiles ?? DEFAULT_BATCH_FILES)
    this.batchBytes = Math.max(1, options.batchBytes ?? DEFAULT_BATCH_BYTES)
    this.workerOptions = options.fileTimeoutMs === undefined ? {} : { fileTimeoutMs: options.fileTimeoutMs }
  }

  /**
   * Starts every worker now (each loads the tree-sitter runtime), so the first files do not wait for
   * it: call it before other work (the walk) to overlap the two.
   */
  /** How many workers are running (started and not crashed or closed). */
  get running (): number {
    return this.slots.filter(slot => !slot.dead).length
  }

  start (): void {
    if (this.closed || this.broken !== null) return
    while (this.slots.length < this.size) this.startWorker()
    for (const slot of this.slots) if (slot.inFlight.size === 0) slot.worker.unref()
  }

  /** Analyses one file in some worker; jobs queued together travel together. */
  analyze (job: AnalysisJob): Promise<FileAnalysis> {
    if (this.closed) return Promise.reject(workerFailure('pool is closed'))
    if (this.broken !== null) return Promise.reject(this.broken)
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject })
      this.dispatch()
    })
  }

  /**
   * Analyses one file on this thread, not in a worker: for a run with a few small files to read while no worker runs,
   * where starting one (a thread, its runtime, its grammar and query: about 250 ms for one file) costs more than the
   * files (AnalysisRun). The parse is bounded by the same timeout as in a worker.
   */
  async analyzeHere (job: AnalysisJob): Promise<FileAnalysis> {
    if (this.closed) throw workerFailure('pool is closed')
    if (this.here === null) {
      const loading = (async () => {
        const [{ FileAnalyzer }, { TreeSitterRuntime }] = await Promise.all([import('./file-analyzer.js'), import('./tree-sitter-runtime.js')])
        return new FileAnalyzer(await TreeSitterRuntime.load(), this.workerOptions.fileTimeoutMs)
      })()
      // A runtime that did not load is tried again by the next file.
      loading.catch(() => { if (this.here === loading) this.here = null })
      this.here = loading
    }
    return await (await this.here).analyze(job.language, job.bytes)
  }

  /** Analyses many files; the answers are in the order of the jobs. */
  analyzeAll (jobs: readonly AnalysisJob[]): Promise<FileAnalysis[]> {
    return Promise.all(jobs.map((job) => this.analyze(job)))
  }

  /** Stops every worker; jobs not yet answered fail. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    const error = workerFailure('pool is closed')
    for (const pending of this.queue.splice(0)) pending.reject(error)
    const slots = this.slots.splice(0)
    for (const slot of slots) this.failSlot(slot, error)
    await Promise.all(slots.map(async (slot) => { await slot.worker.terminate() }))
  }

  private dispatch (): void {
    while (this.queue.length > 0 && !this.closed && this.broken === null) {
      const slot = this.freeSlot()
      if (slot === null) return
      const batch: PendingJob[] = []
      let bytes = 0
      while (this.queue.length > 0 && batch.length < this.batchFiles && (batch.length === 0 || bytes < this.batchBytes)) {
        const pending = this.queue.shift() as PendingJob
        batch.push(pending)
        bytes += pending.job.bytes.byteLength
      }
      const jobs = batch.map((pending) => pending.job)
      const request: BatchRequest = { id: this.nextBatchId++, jobs }
      let grammars: Record<string, WasmModule> | undefined
      try {
        grammars = this.grammarsFor(slot, jobs)
      } catch (err) {
        // A grammar that does not compile here will not compile in the worker either: its files fail loudly.
        for (const pending of batch) pending.reject(workerFailure('could not compile a grammar', err))
        continue
      }
      if (grammars !== undefined) request.grammars = grammars
      slot.inFlight.set(request.id, batch)
      if (slot.inFlight.size === 1) slot.worker.ref()
      try {
        slot.worker.postMessage(request, transferables(jobs))
      } catch (err) {
        slot.inFlight.delete(request.id)
        for (const pending of batch) pending.reject(workerFailure('could not be sent a batch', err))
      }
    }
  }

  /** The least busy worker that can take another batch, starting workers up to the pool's size. */
  private freeSlot (): WorkerSlot | null {
    let best: WorkerSlot | null = null
    for (const slot of this.slots) {
      if (slot.inFlight.size < DEFAULT_BATCHES_IN_FLIGHT && (best === null || slot.inFlight.size < best.inFlight.size)) best = slot
    }
    if ((best === null || best.inFlight.size > 0) && this.slots.length < this.size) return this.startWorker()
    return best
  }

  /** The compiled grammars the jobs need that the worker does not have yet (compiled here, once per process). */
  private grammarsFor (slot: WorkerSlot, jobs: readonly AnalysisJob[]): Record<string, WasmModule> | undefined {
    let grammars: Record<string, WasmModule> | undefined
    for (const { language } of jobs) {
      if (!isParsedLanguage(language)) continue
      const name = GRAMMAR_NAMES[language]
      if (slot.grammars.has(name)) continue
      grammars ??= {}
      grammars[name] = compiledGrammar(name).module
      slot.grammars.add(name)
    }
    return grammars
  }

  private startWorker (): WorkerSlot {
    let workerData: WorkerOptions = this.workerOptions
    try {
      workerData = { ...this.workerOptions, runtime: compiledRuntime().module }
    } catch {
      // The worker compiles the runtime itself, and reports why it cannot.
    }
    setWorkerCompilerFlags()
    const worker = new Worker(this.workerFile, { workerData })
    const slot: WorkerSlot = { worker, inFlight: new Map(), ready: false, dead: false, grammars: new Set() }
    this.slots.push(slot)
    worker.on('message', (reply: BatchReply) => { this.onReply(slot, reply) })
    worker.on('error', (err: Error) => { this.onCrash(slot, workerFailure(`crashed: ${err.message}`, err)) })
    worker.on('exit', (code: number) => {
      if (!this.closed) this.onCrash(slot, workerFailure(`exited with code ${code}`))
    })
    return slot
  }

  private onReply (slot: WorkerSlot, reply: BatchReply): void {
    if ('ready' in reply) {
      slot.ready = true
      return
    }
    const batch = slot.inFlight.get(reply.id)
    if (batch === undefined) return
    slot.inFlight.delete(reply.id)
    if (slot.inFlight.size === 0) slot.worker.unref()
    if ('error' in reply) {
      const error = workerFailure(`failed a batch: ${reply.error}`)
      for (const pending of batch) pending.reject(error)
    } else {
      batch.forEach((pending, index) => {
        const analysis = reply.analyses[index]
        if (analysis === undefined) pending.reject(workerFailure('answered a batch short'))
        else pending.resolve(analysis)
      })
    }
    this.dispatch()
  }

  private onCrash (slot: WorkerSlot, error: BzzzError): void {
    if (slot.dead) return
    const index = this.slots.indexOf(slot)
    if (index >= 0) this.slots.splice(index, 1)
    this.failSlot(slot, error)
    void slot.worker.terminate()
    if (!slot.ready) {
      // A worker that cannot even load its runtime will not do better on a second try: fail what waits.
      this.broken = error
      for (const pending of this.queue.splice(0)) pending.reject(error)
      return
    }
    this.dispatch()
  }

  private failSlot (slot: WorkerSlot, error: Error): void {
    slot.dead = true
    for (const batch of slot.inFlight.values()) {
      for (const pending of batch) pending.reject(error)
    }
    slot.inFlight.clear()
  }
}
