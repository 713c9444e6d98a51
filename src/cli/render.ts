/** Human renderings of command results: tables and short text. Programs use --json instead. */
import { createRequire } from 'node:module'
import type TableClass from 'cli-table3'
import type { Retrieved } from '../storage/context-store.js'
import type { VoterChangeReport } from '../node/voters-admin.js'
import { insightLevel } from '../context/sections.js'

// cli-table3 and its dependencies are a dozen CommonJS modules: loaded when a table is printed, not for --json.
const require = createRequire(import.meta.url)
let tableClass: typeof TableClass | undefined
function loadTable (): typeof TableClass {
  return (tableClass ??= require('cli-table3') as typeof TableClass)
}

/** The width text may use: the terminal's, or 100 columns on a pipe. */
export function outputWidth (): number {
  return Math.max(60, Math.min(process.stdout.columns ?? 100, 160))
}

/** A table; the last column wraps to fit the output width when `wrapLast` is set. */
export function table (head: string[], rows: Array<Array<string | number>>, color: boolean, wrapLast = false): string {
  const options: ConstructorParameters<typeof TableClass>[0] = { head, style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] }, wordWrap: true }
  if (wrapLast) {
    const fixed = head.slice(0, -1).map((h, i) => Math.max(h.length, ...rows.map(r => String(r[i]).length)) + 2)
    const last = Math.max(20, outputWidth() - fixed.reduce((a, b) => a + b, 0) - head.length - 1)
    options.colWidths = [...fixed, last]
  }
  const t = new (loadTable())(options)
  for (const row of rows) t.push(row.map(String))
  return t.toString()
}

export function keyValues (rows: Array<[string, string | number]>, color: boolean): string {
  const t = new (loadTable())({ style: { head: [], border: color ? ['grey'] : [] }, wordWrap: true, colWidths: [18, outputWidth() - 21] })
  for (const [k, v] of rows) t.push({ [k]: String(v) })
  return t.toString()
}

export function formatBytes (bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

/** The retrieve result as a person reads it: what the file is, its structure, the insights the role may read. */
export function renderRetrieved (r: Omit<Retrieved, 'sources'> & { cut?: Record<string, number> }, color: boolean): string {
  const c = r.context
  const rows: Array<[string, string | number]> = [['address', r.address], ['role', r.role], ['kind', r.kind]]
  if (c.summary !== undefined) rows.push(['summary', c.summary])
  if (c.purpose !== undefined) rows.push(['purpose', c.purpose])
  if (c.language !== undefined) rows.push(['language', c.language])
  if (c.languages !== undefined) rows.push(['languages', c.languages.join(', ')])
  if (c.technologies !== undefined) rows.push(['technologies', c.technologies.join(', ')])
  if (c.tags !== undefined) rows.push(['tags', c.tags.join(', ')])
  if (c.imports !== undefined) rows.push(['imports', c.imports.join(', ')])
  const handWritten = new Set(r.handWritten)
  rows.push(['resolved from', r.resolvedFrom.map(a => handWritten.has(a) ? `${a} (hand-written)` : a).join('\n')])
  // What exists on the chain and this role may not open: empty is not the same as hidden.
  if (r.withheld.length > 0) rows.push(['withheld', r.withheld.map(w => `${w.levels.join(', ')} at ${w.address}${w.handWritten === true ? ' (hand-written)' : ''}`).join('\n')])
  // Said where, so a reader who wants an ancestor's own entry points or test counts knows what to retrieve.
  if (r.omittedInsights !== undefined) rows.push(['nearer insights replace', r.omittedInsights.map(o => `${o.kinds.join(', ')} at ${o.address}`).join('\n')])
  if (r.cut !== undefined && Object.keys(r.cut).length > 0) rows.push(['cut to budget', Object.entries(r.cut).map(([what, n]) => `${n} ${what}`).join(', ')])
  rows.push(['version', `term ${r.version.term}, writer ${r.version.writer.slice(0, 12)}, v${r.version.vv[r.version.writer] ?? 0}`])
  const parts = [keyValues(rows, color)]
  if (c.symbols !== undefined && c.symbols.length > 0) {
    parts.push(table(['symbol', 'kind', 'line'], c.symbols.map(s => [s.parent === undefined ? s.name : `${s.parent}.${s.name}`, s.kind, s.line]), color))
  }
  if (c.insights !== undefined && c.insights.length > 0) {
    parts.push(table(['for', 'level', 'insight'], c.insights.map(i => [i.role ?? '-', insightLevel(i), i.text]), color, true))
  }
  return parts.join('\n')
}

/** A member's logs in `peers`: each writer's length and lag, or that it holds none yet (never a blank cell). */
export function renderPeerLogs (logs: ReadonlyArray<{ writer: string, length: number, lag: number }>): string {
  if (logs.length === 0) return 'none written yet'
  return logs.map(l => `${l.writer.slice(0, 8)}: ${l.length}${l.lag > 0 ? ` (-${l.lag})` : ''}`).join(', ')
}

/** The line both commands print: what changed, and what a leader needs now. */
export function renderVoterChange (report: VoterChangeReport): string {
  const { roster } = report
  const what = report.change === 'promote' ? 'is a voter' : 'no longer votes'
  return `Node ${report.node.slice(0, 16)}… ${what}: roster v${roster.version} has ${roster.voters.length} voters of ${roster.members} members, and a leader needs ${roster.majority} of them running.\n` +
    'Members take it up from the admin\'s running daemon (`bzzz-ctx elect status` shows who votes).'
}
