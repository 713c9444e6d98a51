/** The analysis worker thread: loads the tree-sitter runtime once and answers batches of files in order. */
import { parentPort, workerData } from 'node:worker_threads'
import { FileAnalyzer } from './file-analyzer.js'
import { TreeSitterRuntime } from './tree-sitter-runtime.js'
import type { BatchReply, BatchRequest, WorkerOptions } from './worker-protocol.js'
import type { FileAnalysis } from './types.js'
import { adoptCompiled, grammarFile, RUNTIME_FILE } from './wasm-modules.js'
import { primeSkeleton } from './python-skeleton.js'

if (parentPort === null) throw new Error('bzzz-ctx: intelligence/worker.js runs only as a worker thread')
const port = parentPort

const options = (workerData ?? {}) as WorkerOptions
if (options.runtime !== undefined) adoptCompiled(RUNTIME_FILE, options.runtime)
primeSkeleton()
const analyzer: Promise<FileAnalyzer> = TreeSitterRuntime.load().then((runtime) => new FileAnalyzer(runtime, options.fileTimeoutMs))
analyzer.then(
  () => { port.postMessage({ ready: true } satisfies BatchReply) },
  // Without its runtime the worker is useless: crash, so the pool reports why instead of waiting.
  (err: unknown) => { setImmediate(() => { throw err }) }
)
// Batches are answered one after another, so a slow batch never reorders replies.
let queue: Promise<void> = Promise.resolve()

port.on('message', (request: BatchRequest) => {
  for (const [name, module] of Object.entries(request.grammars ?? {})) adoptCompiled(grammarFile(name), module)
  queue = queue.then(async () => {
    let reply: BatchReply
    try {
      const fileAnalyzer = await analyzer
      const analyses: FileAnalysis[] = []
      for (const job of request.jobs) analyses.push(await fileAnalyzer.analyze(job.language, job.bytes))
      reply = { id: request.id, analyses }
    } catch (err) {
      reply = { id: request.id, error: err instanceof Error ? err.message : String(err) }
    }
    port.postMessage(reply)
  })
})
