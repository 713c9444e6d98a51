/** Context records: what bzzz-ctx knows about a project, a directory or a file, before encryption. */
import type { AccessLevel } from '../crypto/levels.js'

export type RecordKind = 'file' | 'directory' | 'project'

export type SymbolKind =
  | 'function' | 'method' | 'class' | 'interface' | 'type' | 'enum' | 'struct' | 'trait'
  | 'module' | 'namespace' | 'variable' | 'constant' | 'export' | 'selector' | 'section'

export interface SymbolInfo {
  name: string
  kind: SymbolKind
  /** 1-based line of the definition. */
  line: number
  exported?: boolean
  /** The enclosing class or module, for methods. */
  parent?: string
  /** The leading doc comment, first sentence, at most 200 characters. */
  doc?: string
}

/** A finding written for a role (its default level follows the role) or at an explicit level. */
export interface Insight {
  role?: string
  level?: AccessLevel
  /** A short machine tag: `entry-point`, `key-symbols`, `module-dependencies`, `fan-in-out`, `tests`, `crypto`, ... */
  kind?: string
  text: string
}

/** Fields a record may hold; a child stores only what differs from its resolved parent. */
export interface ContextRecord {
  address: string
  kind: RecordKind
  summary?: string
  purpose?: string
  language?: string
  /** The languages a directory or project is written in, most files first: said of the record itself, never inherited. */
  languages?: string[]
  technologies?: string[]
  tags?: string[]
  symbols?: SymbolInfo[]
  imports?: string[]
  insights?: Insight[]
  /** false stops resolution at this record: nothing above it is merged in. Default true. */
  inherits?: boolean
  /** Per-field level overrides for hand-written records (distribute --file). */
  levels?: Partial<Record<SectionField, AccessLevel>>
}

/** The fields that are sealed into sections; insights are sealed per level of each insight. */
export const SECTION_FIELDS = ['summary', 'purpose', 'language', 'languages', 'technologies', 'tags', 'symbols', 'imports'] as const
export type SectionField = typeof SECTION_FIELDS[number]

export const DEFAULT_FIELD_LEVELS: Readonly<Record<SectionField, AccessLevel>> = {
  summary: 'public',
  purpose: 'public',
  language: 'public',
  languages: 'public',
  technologies: 'public',
  tags: 'public',
  symbols: 'internal',
  imports: 'internal'
}
