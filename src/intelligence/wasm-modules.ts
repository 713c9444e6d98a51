/**
 * The compiled WebAssembly of tree-sitter: the runtime and each grammar, compiled once per process
 * (by whichever thread asks first, in practice the pool's) and shared with the worker threads, which
 * then only instantiate. A module posted to a worker shares its machine code, so a grammar is compiled
 * once however many workers parse it, and code the runtime tiers up in one worker serves them all.
 *
 * Tiering, by module:
 * - the runtime (`tree-sitter.wasm`: the parse loop, the lexer's driver, queries) does most of the work
 *   and is small: it keeps V8's dynamic tier-up to the optimising compiler. That halves the parse time
 *   of the Python standard library against baseline code.
 * - a grammar is mostly one huge lexing function: optimising PowerShell's takes 8 s of a background
 *   thread, which competes with the workers on two cores and then holds up the process's exit. Grammars
 *   are compiled by the baseline compiler only (`--liftoff-only` is set while they compile: baseline code
 *   compiled so carries no tier-up check, so it stays baseline for good).
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { setFlagsFromString } from 'node:v8'

const require = createRequire(import.meta.url)

/** The folder of `@vscode/tree-sitter-wasm` that holds the runtime and the grammars (`tree-sitter-*.wasm`). */
export const GRAMMAR_DIRECTORY: string = dirname(require.resolve('@vscode/tree-sitter-wasm'))

/** The parts of the WebAssembly global used here (the compiler's libraries here do not declare it). */
export interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => WasmModule
  Instance: new (module: WasmModule, imports?: object) => { exports: Record<string, unknown> }
  instantiate: (source: unknown, imports?: object) => Promise<unknown>
}
/** A compiled module (opaque here). */
export type WasmModule = object

export const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly

/** The runtime's file name in GRAMMAR_DIRECTORY. */
export const RUNTIME_FILE = 'tree-sitter.wasm'

/** A grammar's file name in GRAMMAR_DIRECTORY. */
export function grammarFile (grammarName: string): string {
  return `tree-sitter-${grammarName}.wasm`
}

/** A compiled module and the bytes it came from (the runtime's loader reads the bytes' metadata). */
export interface CompiledWasm {
  module: WasmModule
  bytes: Uint8Array
}

const compiled = new Map<string, CompiledWasm>()

function compile (file: string, baselineOnly: boolean): CompiledWasm {
  const bytes = new Uint8Array(readFileSync(join(GRAMMAR_DIRECTORY, file)))
  if (!baselineOnly) return { module: new wasm.Module(bytes), bytes }
  setFlagsFromString('--liftoff-only')
  try {
    return { module: new wasm.Module(bytes), bytes }
  } finally {
    setFlagsFromString('--no-liftoff-only')
  }
}

/** The runtime, compiled once per process (synchronously: see tree-sitter-runtime.ts for why). */
export function compiledRuntime (): CompiledWasm {
  let entry = compiled.get(RUNTIME_FILE)
  if (entry === undefined) {
    entry = compile(RUNTIME_FILE, false)
    compiled.set(RUNTIME_FILE, entry)
  }
  return entry
}

/** A grammar (by its file's name, `python`, `c-sharp`), compiled once per process with the baseline compiler only. */
export function compiledGrammar (grammarName: string): CompiledWasm {
  const file = grammarFile(grammarName)
  let entry = compiled.get(file)
  if (entry === undefined) {
    entry = compile(file, true)
    compiled.set(file, entry)
  }
  return entry
}

/** A module compiled by another thread of this process (posted to this one): used instead of compiling. */
export function adoptCompiled (file: string, module: WasmModule): void {
  if (compiled.has(file)) return
  compiled.set(file, { module, bytes: new Uint8Array(readFileSync(join(GRAMMAR_DIRECTORY, file))) })
}
