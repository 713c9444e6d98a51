/**
 * Who uses a module and what it uses: the import graph the analysis builds, rebuilt from the imports the role may read.
 * A folder counts as one module: what outside it imports from it, and what it imports from outside.
 */
import { notFound } from '../errors.js'
import { countWithheld, type ProjectCatalog, type WithheldCount } from './catalog.js'
import { itemBudget, pageOf } from './page.js'

export interface ReferencesAnswer {
  address: string
  project: string
  kind: string
  /** Project files it imports (paths in the project). */
  imports: string[]
  /** What it imports from outside the project (third-party and standard library), as written. */
  external: string[]
  /** The files that import it, paged. */
  importedBy: string[]
  importedByTotal: number
  next?: string
  cutByBudget: number
  withheld: WithheldCount
}

export interface ReferencesOptions {
  cursor?: string
  limit?: number
  budgetTokens: number
}

export function referencesOf (catalog: ProjectCatalog, path: string, address: string, options: ReferencesOptions): ReferencesAnswer {
  const entry = catalog.byPath.get(path)
  if (entry === undefined) throw notFound(`no context for ${address}: run \`bzzz-ctx generate\` on it first`)
  const prefix = path === '' ? '' : path + '/'
  const members = entry.kind === 'file' ? [entry] : catalog.entries.filter(e => e.kind === 'file' && e.path.startsWith(prefix))
  const inside = (p: string): boolean => entry.kind === 'file' ? p === path : p === path || p.startsWith(prefix)
  const imports = new Set<string>()
  const external = new Set<string>()
  const importers = new Set<string>()
  for (const member of members) {
    for (const target of catalog.graph.edges.get(member.path) ?? []) if (!inside(target)) imports.add(target)
    for (const specifier of catalog.graph.external.get(member.path) ?? []) external.add(specifier)
    for (const importer of catalog.graph.importersOf(member.path)) if (!inside(importer)) importers.add(importer)
  }
  // The files that import this folder itself (a Go package, a Java wildcard), as the graph records them.
  if (entry.kind !== 'file') for (const importer of catalog.graph.importersOf(prefix + '_')) if (!inside(importer)) importers.add(importer)
  const byRank = (a: string, b: string): number => (catalog.rank.get(b) ?? 0) - (catalog.rank.get(a) ?? 0) || a.localeCompare(b)
  const importedBy = [...importers].sort(byRank)
  const frame = {
    address, project: catalog.project, kind: entry.kind, imports: [...imports].sort(), external: [...external].sort(),
    importedByTotal: importedBy.length, withheld: countWithheld(members)
  }
  const page = pageOf(importedBy, options.cursor, options.limit ?? importedBy.length, itemBudget(options.budgetTokens, frame))
  const answer: ReferencesAnswer = { ...frame, importedBy: page.items, cutByBudget: page.cutByBudget }
  if (page.next !== undefined) answer.next = page.next
  return answer
}
