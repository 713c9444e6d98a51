/** The messages between the analysis pool and its worker threads. */
import type { FileAnalysis } from './types.js'
import type { WasmModule } from './wasm-modules.js'

export interface AnalysisJob {
  language: string | null
  /** The file's bytes; transferred to the worker when they own their buffer. */
  bytes: Uint8Array
}

/** What a worker is started with (its workerData). */
export interface WorkerOptions {
  /** How long one file may take to parse (and then to query) before it is given up on. */
  fileTimeoutMs?: number
  /** The tree-sitter runtime, compiled by the pool's thread (wasm-modules.ts). */
  runtime?: WasmModule
}

/** Pool to worker: a batch of files to analyse, answered in the same order. */
export interface BatchRequest {
  id: number
  jobs: AnalysisJob[]
  /** Grammars the jobs need that this worker was not sent yet, compiled by the pool's thread, by grammar name. */
  grammars?: Record<string, WasmModule>
}

/** Worker to pool: ready (the runtime loaded), the analyses of a batch, or why the whole batch failed. */
export type BatchReply =
  | { ready: true }
  | { id: number, analyses: FileAnalysis[] }
  | { id: number, error: string }
