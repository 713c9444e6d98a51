/** One file's analysis from its bytes and language: symbols, imports, doc, entry point and security findings. */
import { markdownParagraph } from './doc-text.js'
import { DEFAULT_FILE_TIMEOUT_MS, SymbolExtractor, type Extraction } from './extract.js'
import { redactSecrets, scanFindings } from './findings.js'
import { isCodeLanguage, isParsedLanguage, type ParsedLanguage } from './languages.js'
import type { TreeSitterRuntime } from './tree-sitter-runtime.js'
import type { FileAnalysis } from './types.js'
import type { SymbolInfo } from '../context/record.js'

function countLines (source: string): number {
  if (source.length === 0) return 0
  let lines = 1
  for (let index = source.indexOf('\n'); index !== -1; index = source.indexOf('\n', index + 1)) lines++
  return source.endsWith('\n') ? lines - 1 : lines
}

const hasFunction = (symbols: readonly SymbolInfo[], name: string): boolean =>
  symbols.some((symbol) => symbol.name === name && (symbol.kind === 'function' || symbol.kind === 'method'))

/** Why a file looks like a program's entry point, or undefined. Path-based reasons (bin/, index.js) are the engine's. */
export function detectEntryPoint (language: string | null, source: string, symbols: readonly SymbolInfo[]): string | undefined {
  switch (language) {
    case 'python':
      if (source.includes('__main__') && /^if\s+__name__\s*==\s*['"]__main__['"]\s*:/m.test(source)) return "runs as a script: `if __name__ == '__main__'`"
      break
    case 'go':
      if (hasFunction(symbols, 'main') && /^package\s+main\b/m.test(source)) return 'program entry: `func main` in package main'
      break
    case 'rust': case 'c': case 'cpp':
      if (hasFunction(symbols, 'main')) return 'program entry: `main` function'
      break
    case 'java':
      if (source.includes('main') && /\bstatic\s+(?:final\s+)?void\s+main\s*\(/.test(source)) return 'program entry: `static void main`'
      break
    case 'csharp':
      if (source.includes('Main') && /\bstatic\s+(?:async\s+)?(?:void|int|Task(?:<int>)?)\s+Main\s*\(/.test(source)) return 'program entry: `static Main`'
      break
    case 'ruby':
      if (/\b(?:__FILE__\s*==\s*\$(?:0|PROGRAM_NAME)|\$(?:0|PROGRAM_NAME)\s*==\s*__FILE__)/.test(source)) return 'runs as a script: `if __FILE__ == $0`'
      break
    case 'javascript': case 'typescript': case 'tsx':
      if (/require\.main\s*===?\s*module|import\.meta\.main\b/.test(source)) return 'runs as a script: checks that it is the main module'
      break
  }
  if (source.startsWith('#!')) return 'executable script with a shebang'
  return undefined
}

/** Docs and specifiers are copied from the file: in a file that holds secrets, scrub them first. */
function redactCopiedText (analysis: FileAnalysis): void {
  if (analysis.doc !== undefined) analysis.doc = redactSecrets(analysis.doc)
  for (const symbol of analysis.symbols) {
    if (symbol.doc !== undefined) symbol.doc = redactSecrets(symbol.doc)
  }
  analysis.imports = analysis.imports.map(redactSecrets)
}

export class FileAnalyzer {
  private readonly extractors = new Map<ParsedLanguage, SymbolExtractor>()
  private readonly decoder = new TextDecoder('utf-8')

  /** @param timeoutMs how long one file may take to parse (and then to query) before it is given up on. */
  constructor (private readonly runtime: TreeSitterRuntime, private readonly timeoutMs = DEFAULT_FILE_TIMEOUT_MS) {}

  async analyze (language: string | null, bytes: Uint8Array): Promise<FileAnalysis> {
    let source = this.decoder.decode(bytes)
    if (source.charCodeAt(0) === 0xfeff) source = source.slice(1)
    const analysis: FileAnalysis = {
      language,
      bytes: bytes.byteLength,
      lines: countLines(source),
      symbols: [],
      imports: [],
      findings: []
    }
    const isCode = isCodeLanguage(language)
    if (isParsedLanguage(language)) {
      let extraction: Extraction | null = null
      try {
        extraction = (await this.extractor(language)).extract(source)
      } catch {
        // A parser failure costs this file its structure, never the run.
        extraction = null
      }
      if (extraction === null || !extraction.parsed) {
        analysis.parsed = false
      } else {
        analysis.symbols = extraction.symbols
        analysis.imports = extraction.imports
        if (extraction.doc !== undefined) analysis.doc = extraction.doc
      }
    } else if (language === 'markdown' || language === 'text') {
      const doc = markdownParagraph(source)
      // Plain text is prose only when it reads like it (not a list of ignore rules or requirements).
      if (doc !== undefined && (language === 'markdown' || /(?:[A-Za-z]{2,}[,;:]?\s+){3}[A-Za-z]/.test(doc) && /[.!?]$/.test(doc))) analysis.doc = doc
    }
    analysis.findings = scanFindings(source, language, isCode)
    if (analysis.findings.some((finding) => finding.kind === 'secret-literal')) redactCopiedText(analysis)
    if (isCode) {
      const entry = detectEntryPoint(language, source, analysis.symbols)
      if (entry !== undefined) analysis.entry = entry
      if (language === 'rust' && /#\[(?:cfg\()?test\)?\]/.test(source)) analysis.inlineTests = true
    }
    return analysis
  }

  private async extractor (language: ParsedLanguage): Promise<SymbolExtractor> {
    let extractor = this.extractors.get(language)
    if (extractor === undefined) {
      extractor = new SymbolExtractor(await this.runtime.grammar(language), this.timeoutMs)
      this.extractors.set(language, extractor)
    }
    return extractor
  }
}
