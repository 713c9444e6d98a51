/** The messages between the analysis pool and its worker threads. */
import type { FileAnalysis } from './types.js'

export interface AnalysisJob {
  language: string | null
  /** The file's bytes; transferred to the worker when they own their buffer. */
  bytes: Uint8Array
}

/** What a worker is started with (its workerData). */
export interface WorkerOptions {
  /** How long one file may take to parse (and then to query) before it is given up on. */
  fileTimeoutMs?: number
}

/** Pool to worker: a batch of files to analyse, answered in the same order. */
export interface BatchRequest {
  id: number
  jobs: AnalysisJob[]
}

/** Worker to pool: ready (the runtime loaded), the analyses of a batch, or why the whole batch failed. */
export type BatchReply =
  | { ready: true }
  | { id: number, analyses: FileAnalysis[] }
  | { id: number, error: string }
