/** The insights of file and directory records, written for the developer, qa, architect and security roles. */
import { posix } from 'node:path'
import type { Insight, SymbolInfo } from '../context/record.js'
import { isCodeLanguage } from './languages.js'
import { findingLabel, lineList, listWithMore, plural } from './summaries.js'
import { testSubject } from './test-files.js'
import type { TreeFacts } from './tree-facts.js'
import { isUnder, parentDirectory, relativeTo } from './tree-paths.js'
import type { FileAnalysis, FindingKind } from './types.js'
import type { InsightRole } from './insight-roles.js'

const MAX_LISTED = 8
const MAX_FAN_ROWS = 15

/** How a child module is named in a directory's insights: `db.py`, `handlers/`. */
function moduleLabel (facts: TreeFacts, directory: string, module: string): string {
  return relativeTo(directory, module) + (facts.treeFiles.has(module) ? '' : '/')
}

/** The package an unresolved import names, at a useful grain (`org.springframework`, `github.com/gorilla/mux`, `flask`). */
function externalPackage (language: string | null, specifier: string): string | null {
  if (/^[.$/~]/.test(specifier) || specifier.includes('${')) return null
  switch (language) {
    case 'java': case 'csharp': case 'php': return specifier.replace(/^static\s+/, '').split(/[.\\]/).slice(0, 2).join('.')
    case 'go': {
      const parts = specifier.split('/')
      return parts[0]?.includes('.') === true ? parts.slice(0, 3).join('/') : specifier
    }
    case 'rust': return specifier.split('::')[0] ?? null
    case 'python': return specifier.split('.')[0] ?? null
    case 'javascript': case 'typescript': case 'tsx':
      return specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0] ?? null
    case 'c': case 'cpp': case 'css': case 'bash': case 'powershell': return specifier
    default: return specifier.split('/')[0] ?? null
  }
}

/** An insight for one of INSIGHT_ROLES: a role outside it would change the highest level a generated record holds. */
function insight (role: InsightRole, kind: string, text: string): Insight {
  return { role, kind, text }
}

function keySymbols (symbols: readonly SymbolInfo[]): SymbolInfo[] {
  const topLevel = symbols.filter((symbol) => symbol.parent === undefined && symbol.kind !== 'export' && symbol.kind !== 'selector' && symbol.kind !== 'section')
  const exported = topLevel.filter((symbol) => symbol.exported === true)
  const pool = exported.length > 0 ? exported : topLevel.filter((symbol) => symbol.exported !== false)
  const rank = (symbol: SymbolInfo): number => ['class', 'interface', 'struct', 'trait', 'enum', 'type', 'function', 'module', 'namespace', 'constant', 'variable'].indexOf(symbol.kind)
  return [...pool].sort((a, b) => rank(a) - rank(b) || a.line - b.line).slice(0, 5)
}

function securityInsights (analysis: FileAnalysis): Insight[] {
  const byKind = new Map<FindingKind, number[]>()
  for (const finding of analysis.findings) {
    const lines = byKind.get(finding.kind)
    if (lines === undefined) byKind.set(finding.kind, [finding.line])
    else lines.push(finding.line)
  }
  return [...byKind].map(([kind, lines]) =>
    insight('security', kind, `${findingLabel(kind)} at ${lines.length === 1 ? 'line' : 'lines'} ${lineList(lines)}`))
}

/** What a file record says to each role: entry point and key symbols, fan-in and fan-out, tests, security findings. */
export function fileInsights (facts: TreeFacts, path: string, analysis: FileAnalysis): Insight[] {
  const isTest = facts.isTest(path)
  const insights: Insight[] = []
  const entry = facts.entryReasons.get(path)
  if (entry !== undefined) insights.push(insight('developer', 'entry-point', `Entry point: ${entry}.`))
  const key = keySymbols(analysis.symbols)
  if (key.length > 0) {
    insights.push(insight('developer', 'key-symbols', `Key symbols: ${key.map((symbol) => `${symbol.exported === true ? 'exported ' : ''}${symbol.kind} ${symbol.name} (line ${symbol.line})`).join(', ')}.`))
  }
  if (analysis.parsed === false) insights.push(insight('developer', 'unparsed', 'The parser could not read this file: its structure is missing.'))
  if (isCodeLanguage(analysis.language)) {
    const importers = facts.importersOf(path)
    const imported = [...(facts.graph.edges.get(path) ?? [])].sort()
    if (importers.length > 0 || imported.length > 0) {
      insights.push(insight('architect', 'fan-in-out',
        `Fan-in ${importers.length}, fan-out ${imported.length} within the project.` +
        (importers.length > 0 ? ` Imported by ${listWithMore(importers, MAX_LISTED)}.` : '') +
        (imported.length > 0 ? ` Imports ${listWithMore(imported, MAX_LISTED)}.` : '')))
    }
    if (analysis.language !== 'css' && analysis.language !== 'ini') {
      if (isTest) {
        const subject = testSubject(path)
        insights.push(insight('qa', 'tests', `This is a test file${subject === null ? '' : ` (for ${subject})`}.`))
      } else if (analysis.inlineTests === true) {
        insights.push(insight('qa', 'tests', 'Has inline tests (#[cfg(test)]).'))
      } else {
        const tests = facts.testsFor(path)
        insights.push(insight('qa', 'tests', tests.length > 0
          ? `Covered by ${plural(tests.length, 'test file')}: ${listWithMore(tests, MAX_LISTED)}.`
          : `No test file found for ${posix.basename(path)}.`))
      }
    }
  }
  insights.push(...securityInsights(analysis))
  return insights
}

/** The insights every directory (and the project, over the whole tree) carries. */
export function directoryInsights (facts: TreeFacts, directory: string, paths: readonly string[]): Insight[] {
  const insights: Insight[] = []
  const entries = paths.filter((path) => facts.entryReasons.has(path))
  if (entries.length > 0) {
    insights.push(insight('developer', 'entry-point', `Entry points: ${listWithMore(entries.map((path) => `${relativeTo(directory, path)} (${facts.entryReasons.get(path) ?? ''})`), MAX_LISTED)}.`))
  }
  const code = paths.filter((path) => isCodeLanguage(facts.byPath.get(path)?.language))
  const central = code
    .map((path) => ({ path, importers: facts.importersOf(path).length }))
    .filter((item) => item.importers > 0)
    .sort((a, b) => b.importers - a.importers || (a.path < b.path ? -1 : 1))
    .slice(0, 5)
  if (central.length > 0) {
    insights.push(insight('developer', 'main-modules', `Main modules: ${central.map((item) => `${relativeTo(directory, item.path)} (imported by ${plural(item.importers, 'file')})`).join(', ')}.`))
  }

  // Architecture: which of its modules import which, what it imports from outside, and its external packages.
  // Counted by module pair, labelled once at the end: a label per import edge was most of this function's time.
  const between = new Map<string, Map<string, number>>()
  const outside = new Map<string, number>()
  const externals = new Map<string, number>()
  for (const path of code) {
    const fromModule = facts.childModule(directory, path)
    for (const target of facts.graph.edges.get(path) ?? []) {
      if (isUnder(target, directory)) {
        const toModule = facts.childModule(directory, target)
        if (fromModule === null || toModule === null || toModule === fromModule) continue
        let row = between.get(fromModule)
        if (row === undefined) between.set(fromModule, row = new Map())
        row.set(toModule, (row.get(toModule) ?? 0) + 1)
      } else {
        const key = facts.treeFiles.has(target) ? parentDirectory(target) : target
        outside.set(key, (outside.get(key) ?? 0) + 1)
      }
    }
    const language = facts.byPath.get(path)?.language ?? null
    for (const specifier of facts.graph.external.get(path) ?? []) {
      const name = externalPackage(language, specifier)
      if (name !== null) externals.set(name, (externals.get(name) ?? 0) + 1)
    }
  }
  const byCount = (a: [string, number], b: [string, number]): number => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)
  const dependencyParts: string[] = []
  const edges: Array<[string, number]> = []
  for (const [fromModule, row] of between) {
    const from = moduleLabel(facts, directory, fromModule)
    for (const [toModule, count] of row) edges.push([`${from} → ${moduleLabel(facts, directory, toModule)}`, count])
  }
  if (edges.length > 0) dependencyParts.push(`Between its modules: ${listWithMore(edges.sort(byCount).map(([edge, count]) => `${edge} (${count})`), MAX_LISTED)}.`)
  if (outside.size > 0) dependencyParts.push(`From the rest of the project: ${listWithMore([...outside].sort(byCount).map(([target, count]) => `${target === '' ? '(root)' : target} (${count})`), MAX_LISTED)}.`)
  if (externals.size > 0) dependencyParts.push(`External packages: ${listWithMore([...externals].sort(byCount).map(([name]) => name), 12)}.`)
  if (dependencyParts.length > 0) insights.push(insight('architect', 'module-dependencies', dependencyParts.join(' ')))
  const children = new Map<string, { fanIn: Set<string>, fanOut: Set<string> }>()
  for (const path of code) {
    const module = facts.childModule(directory, path)
    if (module === null) continue
    const entry = children.get(module) ?? { fanIn: new Set(), fanOut: new Set() }
    children.set(module, entry)
    for (const target of facts.graph.edges.get(path) ?? []) if (!isUnder(target, module)) entry.fanOut.add(target)
    for (const importer of facts.importersOf(path)) if (!isUnder(importer, module)) entry.fanIn.add(importer)
  }
  const rows = [...children]
    .filter(([, entry]) => entry.fanIn.size > 0 || entry.fanOut.size > 0)
    .sort((a, b) => b[1].fanIn.size - a[1].fanIn.size || b[1].fanOut.size - a[1].fanOut.size || (a[0] < b[0] ? -1 : 1))
  if (rows.length > 0) {
    const shown = rows.slice(0, MAX_FAN_ROWS).map(([module, entry]) =>
      `${moduleLabel(facts, directory, module)} in ${entry.fanIn.size}/out ${entry.fanOut.size}`)
    insights.push(insight('architect', 'fan-in-out', `Fan-in/fan-out of its modules within the project: ${shown.join(', ')}${rows.length > MAX_FAN_ROWS ? ` and ${rows.length - MAX_FAN_ROWS} more` : ''}.`))
  }

  // Tests: how many, and which modules have none.
  const tests = facts.testsUnder(directory)
  const sources = paths.filter((path) => facts.needsTests(path))
  const untested = sources.filter((path) => facts.testsFor(path).length === 0 && facts.byPath.get(path)?.inlineTests !== true)
  if (tests > 0 || sources.length > 0) {
    const counts = `${plural(tests, 'test file')} here; ${sources.length - untested.length} of ${plural(sources.length, 'source module')} ${sources.length === 1 ? 'has' : 'have'} tests`
    insights.push(insight('qa', 'tests', untested.length === 0
      ? `${counts}.`
      : `${counts}; without tests: ${listWithMore(untested.map((path) => relativeTo(directory, path)), MAX_LISTED)}.`))
  }

  // Security: which files hold which kinds of findings.
  const byKind = new Map<FindingKind, string[]>()
  for (const path of paths) {
    for (const kind of facts.findingKinds(path)) {
      const files = byKind.get(kind)
      if (files === undefined) byKind.set(kind, [path])
      else files.push(path)
    }
  }
  if (byKind.size > 0) {
    const order: FindingKind[] = ['secret-literal', 'sql-concat', 'eval', 'exec', 'crypto', 'auth']
    const parts = order.filter((kind) => byKind.has(kind)).map((kind) => {
      const files = byKind.get(kind) ?? []
      return `${findingLabel(kind)} in ${plural(files.length, 'file')} (${listWithMore(files.map((path) => relativeTo(directory, path)), 4)})`
    })
    insights.push(insight('security', 'findings-summary', `Security findings: ${parts.join('; ')}.`))
  }
  return insights
}

