/** Shapes shared by the analysis engine, its worker threads and its callers. */
import type { ContextRecord, SymbolInfo } from '../context/record.js'

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
}

export type SkipReason = 'binary' | 'too-large' | 'unreadable' | 'symlink-outside-root' | 'not-a-file'

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
  /** Full (not yet diffed) records: the project record, directory records, file records. */
  records: ContextRecord[]
  /** Files analysed (including those whose analysis came from the cache). */
  files: number
  /** Of those, how many came from the content-hash cache. */
  cached: number
  skipped: SkippedFile[]
}
