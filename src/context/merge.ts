/**
 * How a child record combines with its resolved parent: the one rule behind both resolution (merge child over
 * parent) and storage (a child stores only what differs from its resolved parent).
 */
import type { ContextRecord, Insight } from './record.js'

/** Fields that resolve to the most specific layer holding them. */
export const OVERRIDE_FIELDS = ['summary', 'purpose', 'language', 'symbols', 'imports'] as const
/** Fields that resolve to the union of every layer, root first. */
export const UNION_FIELDS = ['technologies', 'tags'] as const
/** Fields that say something of the record itself only: never inherited, so always stored as they are. */
export const OWN_FIELDS = ['languages'] as const
export type MergedField = typeof OVERRIDE_FIELDS[number] | typeof UNION_FIELDS[number] | typeof OWN_FIELDS[number] | 'insights'

/** The merged content of a chain of records, without address or kind. */
export type Content = Pick<ContextRecord, MergedField>

export function insightKey (insight: Insight): string {
  return `${insight.role ?? ''}\u0000${insight.level ?? ''}\u0000${insight.kind ?? ''}\u0000${insight.text}`
}

function sameJson (a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** The keys of a resolved parent's insights, made once per parent: the files of a directory share its content. */
const insightKeysOf = new WeakMap<Content, ReadonlySet<string>>()

function inheritedInsightKeys (parent: Content): ReadonlySet<string> {
  let keys = insightKeysOf.get(parent)
  if (keys === undefined) {
    keys = new Set((parent.insights ?? []).map(insightKey))
    insightKeysOf.set(parent, keys)
  }
  return keys
}

/** A child stores only what differs from its resolved parent. Explicit level overrides are always kept. */
export function diffAgainstParent (child: ContextRecord, parent: Content): ContextRecord {
  const stored: ContextRecord = { address: child.address, kind: child.kind }
  const pinned = child.levels ?? {}
  for (const field of OVERRIDE_FIELDS) {
    const value = child[field]
    if (value === undefined) continue
    if (pinned[field] === undefined && parent[field] !== undefined && sameJson(value, parent[field])) continue
    ;(stored as unknown as Record<string, unknown>)[field] = value
  }
  for (const field of UNION_FIELDS) {
    const value = child[field]
    if (value === undefined) continue
    const inherited = new Set(pinned[field] === undefined ? parent[field] ?? [] : [])
    const own = value.filter(item => !inherited.has(item))
    if (own.length > 0) stored[field] = own
  }
  for (const field of OWN_FIELDS) {
    const value = child[field]
    if (value !== undefined && value.length > 0) stored[field] = value
  }
  if (child.insights !== undefined) {
    const inherited = inheritedInsightKeys(parent)
    const own = child.insights.filter(insight => !inherited.has(insightKey(insight)))
    if (own.length > 0) stored.insights = own
  }
  if (child.inherits === false) stored.inherits = false
  if (child.levels !== undefined && Object.keys(child.levels).length > 0) stored.levels = { ...child.levels }
  return stored
}

/** Where each field of a merged context came from: the addresses that gave it, most specific first. */
export type Sources = Partial<Record<MergedField, string[]>>

export interface Layer {
  address: string
  content: Content
}

/**
 * Merges layers given most specific first. The first is of the address resolved: its own fields come only from the
 * layers of that address (its hand-written and generated records), the first that holds each.
 */
export function mergeLayers (layers: readonly Layer[]): { content: Content, sources: Sources } {
  const content: Content = {}
  const sources: Sources = {}
  const address = layers[0]?.address
  for (const field of OWN_FIELDS) {
    for (const layer of layers) {
      if (layer.address !== address) break
      const value = layer.content[field]
      if (value === undefined || value.length === 0) continue
      content[field] = value
      sources[field] = [layer.address]
      break
    }
  }
  for (const field of OVERRIDE_FIELDS) {
    for (const layer of layers) {
      const value = layer.content[field]
      if (value === undefined) continue
      ;(content as Record<string, unknown>)[field] = value
      sources[field] = [layer.address]
      break
    }
  }
  for (const field of UNION_FIELDS) {
    const seen = new Set<string>()
    const merged: string[] = []
    const from: string[] = []
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i]!
      const value = layer.content[field]
      if (value === undefined || value.length === 0) continue
      if (from[0] !== layer.address) from.unshift(layer.address)
      for (const item of value) {
        if (seen.has(item)) continue
        seen.add(item)
        merged.push(item)
      }
    }
    if (merged.length > 0) {
      content[field] = merged
      sources[field] = from
    }
  }
  // Insights gather root first, like the unions, so a chain resolves the same whether stored whole or as diffs.
  const seen = new Set<string>()
  const insights: Insight[] = []
  const from: string[] = []
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]!
    const own = layer.content.insights
    if (own === undefined || own.length === 0) continue
    if (from[0] !== layer.address) from.unshift(layer.address)
    for (const insight of own) {
      const key = insightKey(insight)
      if (seen.has(key)) continue
      seen.add(key)
      insights.push(insight)
    }
  }
  if (insights.length > 0) {
    content.insights = insights
    sources.insights = from
  }
  return { content, sources }
}

export function contentOf (record: ContextRecord): Content {
  const content: Content = {}
  for (const field of [...OVERRIDE_FIELDS, ...UNION_FIELDS, ...OWN_FIELDS, 'insights'] as const) {
    if (record[field] !== undefined) (content as Record<string, unknown>)[field] = record[field]
  }
  return content
}
