/** Human renderings of command results: tables and short text. Programs use --json instead. */
import Table from 'cli-table3'
import type { Retrieved } from '../storage/context-store.js'
import { insightLevel } from '../context/sections.js'

export function table (head: string[], rows: Array<Array<string | number>>, color: boolean): string {
  const t = new Table({ head, style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] }, wordWrap: true })
  for (const row of rows) t.push(row.map(String))
  return t.toString()
}

export function keyValues (rows: Array<[string, string | number]>, color: boolean): string {
  const t = new Table({ style: { head: [], border: color ? ['grey'] : [] }, wordWrap: true, colWidths: [18, 80] })
  for (const [k, v] of rows) t.push({ [k]: String(v) })
  return t.toString()
}

export function formatBytes (bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

/** The retrieve result as a person reads it: what the file is, its structure, the insights the role may read. */
export function renderRetrieved (r: Retrieved, color: boolean): string {
  const c = r.context
  const rows: Array<[string, string | number]> = [['address', r.address], ['role', r.role], ['kind', r.kind]]
  if (c.summary !== undefined) rows.push(['summary', c.summary])
  if (c.purpose !== undefined) rows.push(['purpose', c.purpose])
  if (c.language !== undefined) rows.push(['language', c.language])
  if (c.technologies !== undefined) rows.push(['technologies', c.technologies.join(', ')])
  if (c.tags !== undefined) rows.push(['tags', c.tags.join(', ')])
  if (c.imports !== undefined) rows.push(['imports', c.imports.join(', ')])
  rows.push(['resolved from', r.resolvedFrom.join('\n')])
  rows.push(['version', `term ${r.version.term}, writer ${r.version.writer.slice(0, 12)}, v${r.version.vv[r.version.writer] ?? 0}`])
  const parts = [keyValues(rows, color)]
  if (c.symbols !== undefined && c.symbols.length > 0) {
    parts.push(table(['symbol', 'kind', 'line'], c.symbols.map(s => [s.parent === undefined ? s.name : `${s.parent}.${s.name}`, s.kind, s.line]), color))
  }
  if (c.insights !== undefined && c.insights.length > 0) {
    parts.push(table(['for', 'level', 'insight'], c.insights.map(i => [i.role ?? '-', insightLevel(i), i.text]), color))
  }
  return parts.join('\n')
}
