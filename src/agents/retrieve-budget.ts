/**
 * A resolved context cut to a token budget, least useful first: which ancestor gave each field (`sources`), where the
 * ancestors' superseded insights are, the insights its ancestors lend it (the root's first), the doc lines of its
 * symbols, then symbols, imports and gathered labels from the end. What was cut is said, by what and how many, so an
 * agent knows to ask again with more room.
 */
import type { Content } from '../context/merge.js'
import type { Retrieved } from '../storage/context-store.js'
import { CHARS_PER_TOKEN, estimateTokens } from './tokens.js'

/** What the `tokens` and `cut` fields of a cut answer cost, at most. */
const CUT_FIELDS_TOKENS = 40

export interface Cut {
  /** insights, symbol-docs, symbols, imports, technologies, tags: how many of each were left out. */
  [what: string]: number
}

export type BudgetedRetrieved = Omit<Retrieved, 'sources'> & { sources?: Retrieved['sources'], tokens: number, cut?: Cut }

/** Retrieved as it is when it fits; else a copy with the least useful parts left out until it does (or nothing is left to cut). */
export function retrievedWithin (retrieved: Retrieved, budgetTokens: number): BudgetedRetrieved {
  const size = (r: Retrieved): number => estimateTokens(r)
  let tokens = size(retrieved)
  if (tokens <= budgetTokens) return { ...retrieved, tokens }
  const context: Content = { ...retrieved.context }
  const r: Retrieved = { ...retrieved, context }
  const cut: Cut = {}
  const count = (what: string, n = 1): void => { cut[what] = (cut[what] ?? 0) + n }
  // Room for the `tokens` and `cut` fields this adds after measuring.
  const target = budgetTokens - CUT_FIELDS_TOKENS
  const over = (): boolean => (tokens = size(r)) > target

  // Which ancestor gave each field is for people tracing a merge; an agent short of room needs the content more.
  if (over()) {
    delete (r as Partial<Retrieved>).sources
    count('sources', Object.keys(retrieved.sources).length)
  }
  // Where the ancestors' superseded insights are is a pointer for later, worth less than anything said now.
  if (r.omittedInsights !== undefined && over()) {
    delete r.omittedInsights
    count('omitted-insights-pointers', retrieved.omittedInsights!.length)
  }
  // Insights gather root first, so the front of the list is what ancestors lend; the address's own come last.
  if (context.insights !== undefined && over()) {
    const insights = [...context.insights]
    while (insights.length > 0 && over()) {
      insights.shift()
      context.insights = insights
      count('insights')
    }
    if (insights.length === 0) delete context.insights
  }
  if (context.symbols !== undefined && over()) {
    context.symbols = context.symbols.map(s => {
      if (s.doc === undefined) return s
      count('symbol-docs')
      const { doc: _doc, ...rest } = s
      return rest
    })
  }
  for (const field of ['symbols', 'imports', 'technologies', 'tags'] as const) {
    const list = context[field]
    if (list === undefined || !over()) continue
    const kept = [...list] as unknown[]
    // Halving first, then one at a time, so a list of thousands does not cost thousands of measurements.
    while (kept.length > 0 && over()) {
      const drop = Math.max(1, Math.floor(kept.length / 2) > 8 ? Math.floor(kept.length / 2) : 1)
      kept.splice(kept.length - drop, drop)
      ;(context as Record<string, unknown>)[field] = kept
      count(field, drop)
    }
    if (kept.length === 0) delete context[field]
  }
  for (const field of ['purpose', 'summary'] as const) {
    const text = context[field]
    if (text === undefined || !over()) continue
    const room = Math.max(40, text.length - (tokens - target) * CHARS_PER_TOKEN)
    if (room < text.length) { context[field] = text.slice(0, room - 1) + '…'; count(`${field}-chars`, text.length - room + 1) }
  }
  const budgeted = { ...r, tokens: 0, cut }
  budgeted.tokens = estimateTokens(budgeted)
  return budgeted
}
