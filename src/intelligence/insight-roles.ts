/**
 * The roles the analysis writes insights for, and so the highest level a generated record can hold: what decides who
 * may read a generation request's raw files (src/leader/request-readers.ts), kept beside the analysis that writes them.
 */
import { DEFAULT_FIELD_LEVELS } from '../context/record.js'
import { INSIGHT_LEVEL_BY_ROLE, levelRank, type AccessLevel } from '../crypto/levels.js'

export const INSIGHT_ROLES = ['developer', 'qa', 'architect', 'security'] as const
export type InsightRole = typeof INSIGHT_ROLES[number]

/** The highest level a section of a generated record is sealed at: security insights, `secret`. */
export const ANALYSIS_LEVEL_MAX: AccessLevel = [...Object.values(DEFAULT_FIELD_LEVELS), ...INSIGHT_ROLES.map(role => INSIGHT_LEVEL_BY_ROLE[role] ?? 'internal')]
  .reduce((highest, level) => levelRank(level) > levelRank(highest) ? level : highest, 'public')
