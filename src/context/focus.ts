/**
 * What of its ancestors' context a resolved address keeps: only what can be true of it, and of what each ancestor
 * says, only the nearest saying of each kind. A file four folders deep otherwise carried every folder's entry
 * points, main modules and test counts, and the root's React beside its Python.
 */
import type { RecordKind } from './record.js'
import { insightKey, type Content, type Layer, type Sources } from './merge.js'
import { technologyHoldsFor } from './technology-names.js'

/** Insights an ancestor holds that a nearer layer's of the same role and kind supersede: retrieve that address for them. */
export interface OmittedInsights {
  address: string
  /** The kinds left out, in the ancestor's order. */
  kinds: string[]
}

export interface Focused {
  content: Content
  sources: Sources
  omittedInsights: OmittedInsights[]
}

/** What the address is written in, when it is known: a file's language; a folder's code languages, else its language. */
function writtenIn (kind: RecordKind, content: Content): string[] | null {
  if (kind === 'file') return content.language === undefined ? null : [content.language]
  if (content.languages !== undefined && content.languages.length > 0) return content.languages
  return content.language === undefined ? null : [content.language]
}

/** Insights of one role and kind say the same thing of different scopes: the nearest scope's say it of this address. */
function insightGroup (insight: { role?: string, level?: string, kind?: string }): string | null {
  return insight.kind === undefined ? null : `${insight.role ?? ''}\u0000${insight.level ?? ''}\u0000${insight.kind}`
}

/**
 * Narrows a merge of `layers` (most specific first, the first of the address resolved). Technologies an ancestor
 * gives are kept where they hold for what the address is written in (all of them when that is unknown, and all
 * of a project's). An insight is placed at the farthest layer holding it, so a chain stored whole or as diffs
 * focuses the same; of the inherited ones with a kind, only those of the nearest layer with that role and kind stay.
 */
export function focusMerge (layers: readonly Layer[], kind: RecordKind, merged: { content: Content, sources: Sources }): Focused {
  const content: Content = { ...merged.content }
  const sources: Sources = { ...merged.sources }
  const address = layers[0]?.address
  const omittedInsights: OmittedInsights[] = []
  const languages = kind === 'project' ? null : writtenIn(kind, content)
  if (languages !== null && content.technologies !== undefined) {
    const own = new Set(layers.filter(layer => layer.address === address).flatMap(layer => layer.content.technologies ?? []))
    const kept = content.technologies.filter(technology => own.has(technology) || technologyHoldsFor(technology, languages))
    if (kept.length === 0) delete content.technologies
    else content.technologies = kept
    const keptSet = new Set(kept)
    const from = (sources.technologies ?? []).filter(at => layers.some(layer => layer.address === at && (layer.content.technologies ?? []).some(t => keptSet.has(t))))
    if (from.length === 0) delete sources.technologies
    else sources.technologies = from
  }
  if (content.insights !== undefined) {
    // The distance of each insight's layer: the farthest holding it, as the merge (root first) placed it.
    const distance = new Map<string, number>()
    for (let i = layers.length - 1; i >= 0; i--) {
      for (const insight of layers[i]!.content.insights ?? []) {
        const key = insightKey(insight)
        if (!distance.has(key)) distance.set(key, i)
      }
    }
    const nearest = new Map<string, number>()
    for (const insight of content.insights) {
      const group = insightGroup(insight)
      const at = distance.get(insightKey(insight))!
      if (group !== null && at < (nearest.get(group) ?? Infinity)) nearest.set(group, at)
    }
    const omitted = new Map<number, string[]>()
    content.insights = content.insights.filter(insight => {
      const group = insightGroup(insight)
      const at = distance.get(insightKey(insight))!
      if (group === null || layers[at]!.address === address || nearest.get(group) === at) return true
      const kinds = omitted.get(at) ?? []
      if (!kinds.includes(insight.kind!)) kinds.push(insight.kind!)
      omitted.set(at, kinds)
      return false
    })
    for (const [at, kinds] of [...omitted].sort((a, b) => a[0] - b[0])) {
      const last = omittedInsights.at(-1)
      if (last?.address === layers[at]!.address) last.kinds.push(...kinds.filter(k => !last.kinds.includes(k)))
      else omittedInsights.push({ address: layers[at]!.address, kinds })
    }
    const contributing = new Set(content.insights.map(insight => layers[distance.get(insightKey(insight))!]!.address))
    sources.insights = (sources.insights ?? []).filter(at => contributing.has(at))
    if (content.insights.length === 0) delete content.insights
    if (sources.insights.length === 0) delete sources.insights
  }
  return { content, sources, omittedInsights }
}
