/** Pages of a ranked list, cut to a token budget: an agent gets what fits and a cursor for the rest. */
import { badInput } from '../errors.js'
import { estimateTokens } from './tokens.js'

/** The most items one page holds, whatever the budget. */
export const PAGE_LIMIT_MAX = 200

export interface Page<T> {
  items: T[]
  /** Where the next page starts: pass it back as `cursor`. Absent on the last page. */
  next?: string
  /** Items past this page that the budget, not the limit, left out. */
  cutByBudget: number
}

/** The offset a cursor stands for; a cursor is an opaque string to agents, a decimal offset here. */
export function cursorOffset (cursor: string | undefined, total: number): number {
  if (cursor === undefined || cursor === '') return 0
  if (!/^\d{1,9}$/.test(cursor) || Number(cursor) > total) throw badInput(`cursor "${cursor.slice(0, 24)}" is not one this list gave: start again without it`)
  return Number(cursor)
}

/**
 * From `cursor` on, at most `limit` items whose JSON fits in `budgetTokens` (at least one, so a page always moves on;
 * an item alone over the budget is the caller's to shorten).
 */
export function pageOf<T> (items: readonly T[], cursor: string | undefined, limit: number, budgetTokens: number): Page<T> {
  const start = cursorOffset(cursor, items.length)
  const page: T[] = []
  let spent = 0
  let i = start
  for (; i < items.length && page.length < limit; i++) {
    const cost = estimateTokens(items[i]) + 1
    if (page.length > 0 && spent + cost > budgetTokens) break
    page.push(items[i]!)
    spent += cost
  }
  const result: Page<T> = { items: page, cutByBudget: page.length < limit ? items.length - i : 0 }
  if (i < items.length) result.next = String(i)
  return result
}

/** Tokens kept for the fields a page's answer adds around its items (next, cutByBudget, JSON's punctuation). */
export const PAGE_FRAME_TOKENS = 20

/** What of a budget is left for the items once the rest of the answer (`frame`, without them) is paid for. */
export function itemBudget (budgetTokens: number, frame: unknown): number {
  return Math.max(1, budgetTokens - estimateTokens(frame) - PAGE_FRAME_TOKENS)
}

/**
 * A report with one of its lists paged: the rest of the report is kept whole and the list gets what of the budget is
 * left, with `next` and `cutByBudget` beside it (`hops` hits, `history` versions).
 */
export function withPagedList<R extends object, K extends keyof R & string> (report: R, field: K, cursor: string | undefined, limit: number, budgetTokens: number): R & { total: number, next?: string, cutByBudget: number } {
  const list = report[field] as unknown as readonly unknown[]
  const page = pageOf(list, cursor, limit, itemBudget(budgetTokens, { ...report, [field]: [] }))
  const paged = { ...report, [field]: page.items, total: list.length, cutByBudget: page.cutByBudget } as R & { total: number, next?: string, cutByBudget: number }
  if (page.next !== undefined) paged.next = page.next
  return paged
}
