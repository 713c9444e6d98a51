/**
 * A project's or folder's map for an agent: its files ranked by importance over the import graph (PageRank, as Aider
 * ranks its repository map), each with what it is for and its main definitions, cut to a token budget.
 */
import type { SymbolInfo } from '../context/record.js'
import { notFound } from '../errors.js'
import { countWithheld, type ProjectCatalog, type WithheldCount } from './catalog.js'
import { itemBudget, pageOf } from './page.js'

/** A file's line of the map names at most this many definitions, and cuts its summary to this many characters. */
const SYMBOLS_PER_FILE = 6
const SUMMARY_CHARS = 160

export interface OverviewFile {
  path: string
  rank: number
  language?: string
  summary?: string
  /** Its main definitions: `class Foo`, `function bar`, classes and exported names first. */
  defines?: string[]
  importedBy: number
}

export interface OverviewAnswer {
  address: string
  project: string
  files: number
  results: OverviewFile[]
  next?: string
  cutByBudget: number
  withheld: WithheldCount
}

const KIND_ORDER: Readonly<Record<string, number>> = { class: 0, struct: 0, interface: 1, trait: 1, type: 2, enum: 2, function: 3, module: 4, namespace: 4, method: 5 }

function mainDefinitions (symbols: readonly SymbolInfo[]): string[] {
  return symbols
    .filter(s => s.parent === undefined || s.kind !== 'method')
    .map((s, i) => ({ s, i, order: (KIND_ORDER[s.kind] ?? 6) - (s.exported === true ? 0.5 : 0) }))
    .sort((a, b) => a.order - b.order || a.i - b.i)
    .slice(0, SYMBOLS_PER_FILE)
    .map(({ s }) => `${s.kind} ${s.name}`)
}

export interface OverviewOptions {
  cursor?: string
  limit?: number
  budgetTokens: number
}

/** The map of `folder` (a path in the project, '' for all of it). */
export function overviewOf (catalog: ProjectCatalog, folder: string, address: string, options: OverviewOptions): OverviewAnswer {
  const entry = catalog.byPath.get(folder)
  if (entry === undefined) throw notFound(`no context for ${address}: run \`bzzz-ctx generate\` on it first`)
  const prefix = folder === '' ? '' : folder + '/'
  const inside = catalog.entries.filter(e => e.path === folder || e.path.startsWith(prefix))
  const files = inside.filter(e => e.kind === 'file')
  const ranked = files
    .map(e => ({ e, rank: catalog.rank.get(e.path) ?? 0 }))
    .sort((a, b) => b.rank - a.rank || a.e.path.localeCompare(b.e.path))
    .map(({ e, rank }) => {
      const line: OverviewFile = { path: e.path, rank: Math.round(rank * files.length * 100) / 100, importedBy: catalog.graph.importersOf(e.path).length }
      if (e.language !== undefined) line.language = e.language
      if (e.summary !== undefined) line.summary = e.summary.length > SUMMARY_CHARS ? e.summary.slice(0, SUMMARY_CHARS - 1) + '…' : e.summary
      const defines = mainDefinitions(e.symbols)
      if (defines.length > 0) line.defines = defines
      return line
    })
  const frame = { address, project: catalog.project, files: files.length, withheld: countWithheld(inside) }
  const page = pageOf(ranked, options.cursor, options.limit ?? ranked.length, itemBudget(options.budgetTokens, frame))
  const answer: OverviewAnswer = { ...frame, results: page.items, cutByBudget: page.cutByBudget }
  if (page.next !== undefined) answer.next = page.next
  return answer
}
