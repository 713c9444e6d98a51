/**
 * A record's fields grouped by access level: each group is one section, sealed on its own, so a role reads
 * exactly the levels its clearance covers.
 */
import { ACCESS_LEVELS, INSIGHT_LEVEL_BY_ROLE, type AccessLevel } from '../crypto/levels.js'
import { corrupt } from '../errors.js'
import type { PlainSection } from '../crypto/envelope.js'
import { contentOf, type Content } from './merge.js'
import { DEFAULT_FIELD_LEVELS, SECTION_FIELDS, type ContextRecord, type Insight } from './record.js'

export type { PlainSection }

/** The level of an insight: its explicit level, else its role's default, else `internal`. */
export function insightLevel (insight: Insight, roleLevels: Readonly<Record<string, AccessLevel>> = INSIGHT_LEVEL_BY_ROLE): AccessLevel {
  if (insight.level !== undefined) return insight.level
  if (insight.role !== undefined) return roleLevels[insight.role] ?? 'internal'
  return 'internal'
}

/** Splits the content of a record into one JSON section per access level present, lowest level first. */
export function splitSections (record: ContextRecord): PlainSection[] {
  return plainSections(sectionTexts(record))
}

/** Section texts as the plaintexts sealing takes. */
export function plainSections (texts: ReadonlyArray<{ level: AccessLevel, text: string }>): PlainSection[] {
  return texts.map(({ level, text }) => ({ level, plaintext: Buffer.from(text) }))
}

/** The fields of a record grouped by the level of their section. */
function sectionGroups (record: ContextRecord): Map<AccessLevel, Record<string, unknown>> {
  const groups = new Map<AccessLevel, Record<string, unknown>>()
  const group = (level: AccessLevel): Record<string, unknown> => {
    let g = groups.get(level)
    if (g === undefined) { g = {}; groups.set(level, g) }
    return g
  }
  for (const field of SECTION_FIELDS) {
    const value = record[field]
    if (value === undefined) continue
    group(record.levels?.[field] ?? DEFAULT_FIELD_LEVELS[field])[field] = value
  }
  for (const insight of record.insights ?? []) {
    const g = group(insightLevel(insight))
    ;((g.insights ??= []) as Insight[]).push(insight)
  }
  return groups
}

/** The sections of splitSections as JSON text (what a digest of the sections is made from). */
export function sectionTexts (record: ContextRecord): Array<{ level: AccessLevel, text: string }> {
  const groups = sectionGroups(record)
  return ACCESS_LEVELS.filter(level => groups.has(level))
    .map(level => ({ level, text: JSON.stringify(groups.get(level)) }))
}

/** The levels of a record's sections, lowest first: those of sectionTexts, without making their texts. */
export function sectionLevels (record: ContextRecord): AccessLevel[] {
  const groups = sectionGroups(record)
  return ACCESS_LEVELS.filter(level => groups.has(level))
}

/** Joins opened sections (any subset of levels) back into content. */
export function joinSections (opened: ReadonlyMap<AccessLevel, Buffer>, where: string): Content {
  const record: ContextRecord = { address: where, kind: 'file' }
  const insights: Insight[] = []
  for (const level of ACCESS_LEVELS) {
    const plaintext = opened.get(level)
    if (plaintext === undefined) continue
    let group: Record<string, unknown>
    try {
      group = JSON.parse(plaintext.toString('utf8')) as Record<string, unknown>
    } catch (err) {
      throw corrupt(`the ${level} section of ${where} does not decode: the store may be damaged`, err)
    }
    for (const [field, value] of Object.entries(group)) {
      if (field === 'insights') insights.push(...(value as Insight[]))
      else (record as unknown as Record<string, unknown>)[field] = value
    }
  }
  if (insights.length > 0) record.insights = insights
  return contentOf(record)
}
