/**
 * Where a name is defined: symbols and files of a project matched by name (exact, prefix, then substring), ranked by
 * how well they match, then by their file's importance over the import graph. An ambiguous name gives its ranked
 * candidates, each with its file and line.
 */
import type { SymbolKind } from '../context/record.js'
import { badInput } from '../errors.js'
import { countWithheld, type ProjectCatalog, type WithheldCount } from './catalog.js'
import { itemBudget, pageOf } from './page.js'

export const SEARCH_KINDS = ['function', 'method', 'class', 'interface', 'type', 'enum', 'struct', 'trait', 'module', 'namespace',
  'variable', 'constant', 'export', 'selector', 'section', 'file', 'directory'] as const
export type SearchKind = typeof SEARCH_KINDS[number]

/** A query longer than any name worth finding is a mistake (or an attack), not a search. */
export const SEARCH_QUERY_MAX_CHARS = 256
export const SEARCH_DEFAULT_LIMIT = 20

export interface SearchHit {
  name: string
  kind: SearchKind
  address: string
  /** The line of a symbol's definition (1-based); absent for files and directories. */
  line?: number
  parent?: string
  match: 'exact' | 'exact-case-insensitive' | 'prefix' | 'substring' | 'path'
  score: number
}

export interface SearchAnswer {
  query: string
  project: string
  total: number
  /** More than one definition matches the name exactly: the results are the ranked candidates. */
  ambiguous: boolean
  results: SearchHit[]
  next?: string
  cutByBudget: number
  withheld: WithheldCount
}

const MATCH_SCORE = { exact: 100, 'exact-case-insensitive': 90, prefix: 60, substring: 30, path: 20 } as const
/** Kinds an agent usually means when it asks where a name is defined, ahead of variables and sections. */
const DEFINITION_KINDS: ReadonlySet<string> = new Set(['class', 'function', 'interface', 'type', 'struct', 'trait', 'enum', 'module', 'namespace'])

function matchOf (name: string, query: string, lower: string): SearchHit['match'] | null {
  if (name === query) return 'exact'
  const n = name.toLowerCase()
  if (n === lower) return 'exact-case-insensitive'
  if (n.startsWith(lower)) return 'prefix'
  if (n.includes(lower)) return 'substring'
  return null
}

export interface SearchOptions {
  kind?: SearchKind
  limit?: number
  cursor?: string
  budgetTokens: number
}

export function searchCatalog (catalog: ProjectCatalog, query: string, options: SearchOptions): SearchAnswer {
  if (query.trim() === '') throw badInput('the search query is empty: give a name, a prefix or part of one')
  if (query.length > SEARCH_QUERY_MAX_CHARS) throw badInput(`the search query is ${query.length} characters: at most ${SEARCH_QUERY_MAX_CHARS}`)
  const lower = query.toLowerCase()
  const rankOf = (path: string): number => catalog.rank.get(path) ?? 0
  // Rank adds at most a few points: it orders equal matches, never lifts a substring over an exact name.
  const importance = (path: string): number => Math.min(9, rankOf(path) * catalog.entries.length * 3)
  const hits: SearchHit[] = []
  for (const entry of catalog.entries) {
    if (entry.path === '') continue
    const wantsPlace = options.kind === undefined || options.kind === entry.kind
    if (wantsPlace && (entry.kind === 'file' || entry.kind === 'directory')) {
      const base = entry.path.slice(entry.path.lastIndexOf('/') + 1)
      const match = matchOf(base, query, lower) ?? (query.includes('/') && entry.path.toLowerCase().includes(lower) ? 'path' : null)
      if (match !== null) hits.push({ name: entry.path, kind: entry.kind, address: entry.address, match, score: MATCH_SCORE[match] + importance(entry.path) })
    }
    for (const symbol of entry.symbols) {
      if (options.kind !== undefined && options.kind !== symbol.kind) continue
      const match = matchOf(symbol.name, query, lower)
      if (match === null) continue
      const bonus = (DEFINITION_KINDS.has(symbol.kind) ? 3 : 0) + (symbol.exported === true ? 2 : 0) + (symbol.parent === undefined ? 1 : 0)
      const hit: SearchHit = { name: symbol.name, kind: symbol.kind as SymbolKind, address: entry.address, line: symbol.line, match, score: MATCH_SCORE[match] + bonus + importance(entry.path) }
      if (symbol.parent !== undefined) hit.parent = symbol.parent
      hits.push(hit)
    }
  }
  hits.sort((a, b) => b.score - a.score || a.address.localeCompare(b.address) || (a.line ?? 0) - (b.line ?? 0))
  for (const hit of hits) hit.score = Math.round(hit.score * 10) / 10
  // Ambiguous: the best kind of match is shared (two classes named Config), so the first result is a guess.
  const best = hits[0]?.match
  const tied = hits.filter(h => h.match === best).length
  const frame = { query, project: catalog.project, total: hits.length, ambiguous: (best === 'exact' || best === 'exact-case-insensitive') && tied > 1, withheld: countWithheld(catalog.entries) }
  const page = pageOf(hits, options.cursor, options.limit ?? SEARCH_DEFAULT_LIMIT, itemBudget(options.budgetTokens, frame))
  const answer: SearchAnswer = { ...frame, results: page.items, cutByBudget: page.cutByBudget }
  if (page.next !== undefined) answer.next = page.next
  return answer
}

export function isSearchKind (value: string): value is SearchKind {
  return (SEARCH_KINDS as readonly string[]).includes(value)
}
