/** Bounded hierarchical resolution: walk from an address up its parents and merge child over parent. */
import { notFound, badInput } from '../errors.js'
import { parentChain } from '../ucxl/address.js'
import type { RecordKind } from './record.js'
import { focusMerge, type OmittedInsights } from './focus.js'
import { mergeLayers, type Content, type Layer, type Sources } from './merge.js'
import type { AccessLevel } from '../crypto/levels.js'

export const DEFAULT_RESOLVE_DEPTH = 10
export const MAX_RESOLVE_DEPTH = 256

/** One stored layer as a reader sees it: the sections it may open, merged into content. */
export interface ReadableLayer {
  address: string
  kind: RecordKind
  inherits: boolean
  content: Content
  /** The levels of the layer's sections the reader may not open (it is no recipient of them), in level order. */
  withheld?: readonly AccessLevel[]
  /** False when the reader opens none of its sections: it adds nothing, yet its `inherits` still stops the walk. */
  readable?: boolean
  /** Written by hand (`distribute`), laid over the generated record of the same address. */
  handWritten?: boolean
}

/** Sections that exist on a layer of the chain and that the reader may not open. */
export interface Withheld {
  address: string
  levels: AccessLevel[]
  /** The sections are of the address's hand-written record. */
  handWritten?: true
}

export interface Resolution {
  address: string
  kind: RecordKind
  /** The addresses whose records were merged, most specific first. */
  resolvedFrom: string[]
  context: Content
  sources: Sources
  /** Per layer walked (most specific first), the levels of sections there that the reader may not open. */
  withheld: Withheld[]
  /** The addresses of resolvedFrom whose hand-written record was merged (over the generated one, where both are). */
  handWritten: string[]
  /** Ancestors' insights a nearer layer's of the same role and kind supersede (absent when none were). */
  omittedInsights?: OmittedInsights[]
}

export function checkDepth (depth: number): number {
  if (!Number.isInteger(depth) || depth < 0 || depth > MAX_RESOLVE_DEPTH) {
    throw badInput(`depth must be a whole number from 0 to ${MAX_RESOLVE_DEPTH}, not ${String(depth)}`)
  }
  return depth
}

/**
 * Resolves `address` from at most `depth` levels above it. `lookup` returns the layers stored at an address, the
 * hand-written one before the generated one, or none (a missing directory record is skipped, and still counts as a
 * level). An address's layers merge over each other as a child merges over its parent; either one's
 * `inherits: false` ends the walk at that address.
 */
export async function resolveContext (
  address: string,
  depth: number,
  lookup: (address: string) => Promise<readonly ReadableLayer[]> | readonly ReadableLayer[]
): Promise<Resolution> {
  checkDepth(depth)
  const chain = parentChain(address).slice(0, depth + 1)
  const own = await lookup(address)
  if (own.length === 0) throw notFound(`no context for ${address}: run \`bzzz-ctx generate\` on it first`)
  const layers: ReadableLayer[] = []
  const withheld: Withheld[] = []
  const resolvedFrom: string[] = []
  const handWritten: string[] = []
  /** Visits the layers of one address; false when the walk ends there. */
  const visit = (at: readonly ReadableLayer[]): boolean => {
    for (const layer of at) {
      if (layer.readable !== false) {
        layers.push(layer)
        if (resolvedFrom.at(-1) !== layer.address) resolvedFrom.push(layer.address)
        if (layer.handWritten === true) handWritten.push(layer.address)
      }
      if (layer.withheld !== undefined && layer.withheld.length > 0) {
        withheld.push({ address: layer.address, levels: [...layer.withheld], ...(layer.handWritten === true ? { handWritten: true as const } : {}) })
      }
    }
    return at.every(layer => layer.inherits)
  }
  if (visit(own)) {
    for (const ancestor of chain.slice(1)) {
      if (!visit(await lookup(ancestor))) break
    }
  }
  const kind = own[0]!.kind
  const { content, sources, omittedInsights } = focusMerge(layers, kind, mergeLayers(layers as Layer[]))
  const resolution: Resolution = { address, kind, resolvedFrom, context: content, sources, withheld, handWritten }
  if (omittedInsights.length > 0) resolution.omittedInsights = omittedInsights
  return resolution
}
