/** One-line summaries of files and directories, and the small phrases insights are written in. */
import type { SymbolInfo } from '../context/record.js'
import { displayLanguage } from './languages.js'
import type { FindingKind } from './types.js'

/** `a, b and c`, or `a, b, c and 4 more` past `max` items. */
export function listWithMore (items: readonly string[], max = 5): string {
  if (items.length === 0) return ''
  const shown = items.slice(0, max)
  const rest = items.length - shown.length
  if (rest > 0) return `${shown.join(', ')} and ${rest} more`
  if (shown.length === 1) return shown[0] as string
  return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1] as string}`
}

export function plural (count: number, singular: string, pluralForm = singular + 's'): string {
  return `${count} ${count === 1 ? singular : pluralForm}`
}

const FILE_NOUNS: Readonly<Record<string, string>> = {
  python: 'module', javascript: 'module', typescript: 'module', tsx: 'component module', go: 'source file',
  rust: 'module', java: 'source file', csharp: 'source file', cpp: 'source file', c: 'source file', ruby: 'file',
  php: 'file', bash: 'script', powershell: 'script', css: 'stylesheet', ini: 'config file', markdown: 'document',
  json: 'data file', yaml: 'config file', toml: 'config file', xml: 'file', html: 'page', sql: 'script',
  makefile: 'build file', dockerfile: 'container build file', text: 'text file', dotenv: 'environment file'
}

/** `Python module`, `Go test file`, `C header`. */
export function fileNoun (language: string | null, path: string, isTest: boolean): string {
  if (language === null) return 'File'
  const isHeader = /\.(?:h|hh|hpp|hxx)$/.test(path)
  const noun = isHeader ? 'header' : FILE_NOUNS[language] ?? 'file'
  const display = displayLanguage(language)
  return isTest ? `${display} test ${noun === 'module' ? 'module' : 'file'}` : `${display} ${noun}`
}

const TYPE_KINDS = ['class', 'struct', 'interface', 'trait', 'enum', 'type', 'namespace', 'module'] as const
const TYPE_KIND_SET: ReadonlySet<string> = new Set(TYPE_KINDS)
const COUNTED_KINDS = ['function', 'method', 'selector', 'section', 'constant', 'export'] as const
const COUNTED_KIND_SET: ReadonlySet<string> = new Set(COUNTED_KINDS)
const PLURALS: Readonly<Record<string, string>> = { class: 'classes', namespace: 'namespaces', section: 'sections' }

/** `class Foo and 3 functions`, `struct Store, interface Getter and 2 functions`: names when few, counts when many. */
export function describeSymbols (symbols: readonly SymbolInfo[]): string {
  // One pass: top-level types by kind (names kept), and counts of the other kinds.
  const types = new Map<string, SymbolInfo[]>()
  const counts = new Map<string, number>()
  for (const symbol of symbols) {
    if (symbol.parent === undefined && TYPE_KIND_SET.has(symbol.kind)) {
      const named = types.get(symbol.kind)
      if (named === undefined) types.set(symbol.kind, [symbol])
      else named.push(symbol)
    } else if (COUNTED_KIND_SET.has(symbol.kind) && (symbol.parent === undefined || symbol.kind !== 'constant')) {
      // The constants of a file are its own: an enum's members or a class's constants are the enum's and the class's.
      counts.set(symbol.kind, (counts.get(symbol.kind) ?? 0) + 1)
    }
  }
  const parts: string[] = []
  for (const kind of TYPE_KINDS) {
    const named = types.get(kind)
    if (named === undefined) continue
    if (named.length <= 2) for (const symbol of named) parts.push(`${kind} ${symbol.name}`)
    else parts.push(plural(named.length, kind, PLURALS[kind] ?? kind + 's'))
  }
  for (const kind of COUNTED_KINDS) {
    const count = counts.get(kind) ?? 0
    if (count > 0) parts.push(plural(count, kind, PLURALS[kind] ?? kind + 's'))
  }
  return listWithMore(parts, 4)
}

const FINDING_LABELS: Readonly<Record<FindingKind, string>> = {
  crypto: 'cryptography',
  auth: 'authentication or credential handling',
  exec: 'process execution',
  eval: 'evaluation of dynamic code',
  'sql-concat': 'SQL built from strings',
  'secret-literal': 'secret-like literal'
}

export function findingLabel (kind: FindingKind): string {
  return FINDING_LABELS[kind]
}

/** `12, 40 and 3 more`: line numbers, bounded. */
export function lineList (lines: readonly number[], max = 20): string {
  return listWithMore(lines.map(String), max)
}
