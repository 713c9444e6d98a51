/** The tree-sitter runtime of one thread: loaded once, each grammar (and its one query) compiled lazily once. */
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type * as TreeSitter from '@vscode/tree-sitter-wasm'
import { GRAMMAR_NAMES, type ParsedLanguage } from './languages.js'
import type { LanguageSpec } from './language-spec.js'
import { languageSpec } from './queries/registry.js'
import { compiledGrammar, compiledRuntime, GRAMMAR_DIRECTORY, wasm } from './wasm-modules.js'

export { GRAMMAR_DIRECTORY } from './wasm-modules.js'

type TreeSitterModule = typeof TreeSitter

const require = createRequire(import.meta.url)

export interface Grammar {
  language: ParsedLanguage
  parser: TreeSitter.Parser
  query: TreeSitter.Query
  spec: LanguageSpec
}

let runtimePromise: Promise<TreeSitterRuntime> | null = null

export class TreeSitterRuntime {
  private readonly grammars = new Map<ParsedLanguage, Promise<Grammar>>()
  /**
   * Parsers and compiled queries by grammar and spec: languages that share both (C and C++) share one. Compiling a query
   * analyses it against the grammar's whole parse table: the C++ one takes about 0.2 s, paid once per worker instead of
   * twice in a tree of .c, .h and .cpp files.
   */
  private readonly compiledSpecs = new Map<string, Promise<Omit<Grammar, 'language'>>>()
  /** Compiled grammars by wasm name: C and C++ share one. */
  private readonly languages = new Map<string, Promise<TreeSitter.Language>>()

  private constructor (private readonly treeSitter: TreeSitterModule) {}

  /**
   * The runtime of this thread: the wasm module (compiled once per process, see wasm-modules.ts) is
   * instantiated once per thread.
   */
  static load (): Promise<TreeSitterRuntime> {
    if (runtimePromise === null) {
      runtimePromise = (async () => {
        const treeSitter = require('@vscode/tree-sitter-wasm') as TreeSitterModule
        await treeSitter.Parser.init({
          locateFile: (file: string) => join(GRAMMAR_DIRECTORY, file),
          // Emscripten's hook: instantiate the shared module instead of compiling the file again.
          instantiateWasm: (imports: object, receive: (instance: object, module: object) => unknown) => {
            const { module } = compiledRuntime()
            const instance = new wasm.Instance(module, imports)
            queueMicrotask(() => { receive(instance, module) })
            return {}
          }
        } as unknown as { locateFile: (file: string, folder: string) => string })
        return new TreeSitterRuntime(treeSitter)
      })()
      runtimePromise.catch(() => { runtimePromise = null })
    }
    return runtimePromise
  }

  /** The grammar, parser and compiled query of a language, loaded on first use. */
  grammar (language: ParsedLanguage): Promise<Grammar> {
    let pending = this.grammars.get(language)
    if (pending === undefined) {
      pending = this.loadGrammar(language)
      this.grammars.set(language, pending)
      pending.catch(() => this.grammars.delete(language))
    }
    return pending
  }

  private async loadGrammar (language: ParsedLanguage): Promise<Grammar> {
    const spec = await languageSpec(language)
    const grammarName = GRAMMAR_NAMES[language]
    const key = `${grammarName}\u0000${spec.query}`
    let compiled = this.compiledSpecs.get(key)
    if (compiled === undefined) {
      compiled = this.loadLanguage(grammarName).then((loaded) => {
        const parser = new this.treeSitter.Parser()
        parser.setLanguage(loaded)
        return { parser, query: new this.treeSitter.Query(loaded, spec.query), spec }
      })
      this.compiledSpecs.set(key, compiled)
      compiled.catch(() => this.compiledSpecs.delete(key))
    }
    const { parser, query } = await compiled
    return { language, parser, query, spec }
  }

  /**
   * Language.load compiles asynchronously, on V8's background threads, which can be busy for seconds
   * (seen: the CSS grammar waited 7 s behind PowerShell's). Here the one instantiate call of the load
   * is answered with the module compiled already, once per process (wasm-modules.ts).
   */
  private async compileLanguage (grammarName: string): Promise<TreeSitter.Language> {
    const { module, bytes } = compiledGrammar(grammarName)
    const original = wasm.instantiate
    const instantiate = (source: unknown, imports?: object): Promise<unknown> => source === bytes
      ? Promise.resolve({ module, instance: new wasm.Instance(module, imports) })
      : original(source, imports)
    wasm.instantiate = instantiate
    try {
      return await this.treeSitter.Language.load(bytes)
    } finally {
      if (wasm.instantiate === instantiate) wasm.instantiate = original
    }
  }

  private loadLanguage (grammarName: string): Promise<TreeSitter.Language> {
    let pending = this.languages.get(grammarName)
    if (pending === undefined) {
      pending = this.compileLanguage(grammarName)
      this.languages.set(grammarName, pending)
      pending.catch(() => this.languages.delete(grammarName))
    }
    return pending
  }
}
