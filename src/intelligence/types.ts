/** Shapes shared by the analysis engine, its worker threads and its callers. */
import type { ContextRecord, SymbolInfo } from '../context/record.js'
import type { Manifest } from './manifests.js'

export type FindingKind = 'crypto' | 'auth' | 'exec' | 'eval' | 'sql-concat' | 'secret-literal'

/** A security-relevant spot in a file: where, never what (a secret is never copied). */
export interface SecurityFinding {
  kind: FindingKind
  line: number
}

/** What one file's analysis yields; cached by content hash, so it holds nothing that depends on the path. */
export interface FileAnalysis {
  language: string | null
  bytes: number
  lines: number
  symbols: SymbolInfo[]
  /** Module specifiers as written (`./util`, `os.path`, `github.com/x/y`). */
  imports: string[]
  /** The leading doc comment or module docstring, first paragraph, at most 400 characters. */
  doc?: string
  findings: SecurityFinding[]
  /** Why the file looks like a program's entry point (`if __name__ == '__main__'`, `func main`, a shebang). */
  entry?: string
  /** The file holds its own tests (Rust `#[cfg(test)]`). */
  inlineTests?: boolean
  /** false when the parser failed or gave up: the file keeps its language, without structure. */
  parsed?: boolean
}

/**
 * Why a file was not analysed. `bad-name`: a path that cannot be an address (a control character, a backslash, too
 * long, or a name that is not UTF-8); `ignored`: the target itself lies in a directory the root's .gitignore rules
 * or excluded names leave out.
 */
export type SkipReason = 'binary' | 'too-large' | 'unreadable' | 'symlink-outside-root' | 'symlink-loop' | 'broken-symlink' | 'not-a-file' | 'bad-name' | 'ignored'

export interface SkippedFile {
  /** Relative to the root, POSIX separators. */
  path: string
  reason: SkipReason
}

export interface AnalyzeProgress {
  done: number
  total: number
  filesPerSecond: number
  /** Seconds left at the current rate; null until there is a rate. */
  etaSeconds: number | null
}

export interface AnalyzeResult {
  /**
   * Full (not yet diffed) records: the project record, directory records, file records. Read them, do not change
   * them: a later run with nothing changed on the same cache returns the same objects (AnalysisCache.lastRecords).
   */
  records: ContextRecord[]
  /** The content hash (sha256) of each analysed file, by path relative to the root. */
  hashes: Map<string, string>
  /** Files analysed (including those whose analysis came from the cache). */
  files: number
  /** Of those, how many came from the content-hash cache. */
  cached: number
  /** Files whose bytes were read: the others' stat data proved them unchanged. */
  read: number
  /** Records built by this run: the others are the warm cache's from its last run, whose inputs had not changed. */
  recordsBuilt: number
  /** The caller's `recordsHeld` knew this run's inputs: `records` is empty, and the caller's stored records stand. */
  recordsSkipped?: boolean
  /** What the records are made from, as one digest (with a cache; see recordsFingerprint). */
  fingerprint?: string
  skipped: SkippedFile[]
  /** Bytes of source read or recalled from the cache. */
  sourceBytes: number
  /** Wall time of the run. */
  ms: number
  /** Where the time went: walking the tree, analysing files (cache and workers), building records. */
  timings?: { walkMs: number, analyzeMs: number, recordsMs: number }
}

export interface AnalyzedFile {
  /** Relative to the root, POSIX. */
  path: string
  analysis: FileAnalysis
}

export interface RecordsInput {
  project: string
  /** The target relative to the root ('' for the root itself). */
  targetPath: string
  targetIsDirectory: boolean
  /** Every analysed file under the target. */
  files: readonly AnalyzedFile[]
  /** Every file path of the whole tree (finds tests and import targets beyond the target). */
  treePaths: readonly string[]
  /** Manifests under the target and in the directories above it. */
  manifests: readonly Manifest[]
  /** The first paragraph of the root README, when there is one. */
  rootReadme?: string
}
