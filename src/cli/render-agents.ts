/** Human renderings of the agents' answers (search, overview, references): tables, and what was withheld or cut. */
import type { WithheldCount } from '../agents/catalog.js'
import type { OverviewAnswer } from '../agents/overview.js'
import type { ReferencesAnswer } from '../agents/references.js'
import type { SearchAnswer } from '../agents/search.js'
import { keyValues, table } from './render.js'

/** The lines under a table: the next page, what the budget cut, what the role may not read. */
function footer (answer: { next?: string, cutByBudget: number, withheld: WithheldCount }, more: string): string[] {
  const lines: string[] = []
  if (answer.next !== undefined) lines.push(`More: ${more} --cursor ${answer.next}${answer.cutByBudget > 0 ? ` (${answer.cutByBudget} left out by the token budget)` : ''}`)
  const levels = answer.withheld.levels.map(w => `${w.level} on ${w.records}`)
  if (levels.length > 0) lines.push(`Withheld from this role: ${levels.join(', ')} record(s)${answer.withheld.unreadable > 0 ? `; ${answer.withheld.unreadable} it may not read at all` : ''}.`)
  else if (answer.withheld.unreadable > 0) lines.push(`Withheld from this role: ${answer.withheld.unreadable} record(s) it may not read at all.`)
  return lines
}

export function renderSearch (a: SearchAnswer, color: boolean): string {
  if (a.results.length === 0) return [`Nothing named like "${a.query}" in ${a.project}.`, ...footer(a, 'bzzz-ctx search ...')].join('\n')
  const head = a.ambiguous ? [`"${a.query}" is defined in more than one place: the candidates, best first.`] : []
  const rows = a.results.map(r => [r.parent !== undefined ? `${r.parent}.${r.name}` : r.name, r.kind, r.line === undefined ? r.address : `${r.address}:${r.line}`, r.match])
  return [...head, table(['name', 'kind', 'where', 'match'], rows, color), ...footer(a, `bzzz-ctx search ${a.query}`)].join('\n')
}

export function renderOverview (a: OverviewAnswer, color: boolean): string {
  if (a.results.length === 0) return [`No files under ${a.address}.`, ...footer(a, 'bzzz-ctx overview')].join('\n')
  const rows = a.results.map(f => [f.path, f.rank, f.importedBy, [f.summary, f.defines?.join(', ')].filter(Boolean).join('\n')])
  return [`${a.files} files under ${a.address}, most imported first:`, table(['file', 'rank', 'imported by', 'what it is'], rows, color, true), ...footer(a, `bzzz-ctx overview ${a.address}`)].join('\n')
}

export function renderReferences (a: ReferencesAnswer, color: boolean): string {
  const rows: Array<[string, string | number]> = [
    ['imported by', a.importedBy.length === 0 ? '-' : a.importedBy.join('\n')],
    ['imports', a.imports.length === 0 ? '-' : a.imports.join('\n')],
    ['external', a.external.length === 0 ? '-' : a.external.join(', ')]
  ]
  return [`${a.address} (${a.kind}): imported by ${a.importedByTotal} file(s)`, keyValues(rows, color), ...footer(a, `bzzz-ctx references ${a.address}`)].join('\n')
}
