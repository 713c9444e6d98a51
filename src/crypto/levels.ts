/** The five ordered access levels and the roles that hold a clearance in them. */
import { badInput } from '../errors.js'

export const ACCESS_LEVELS = ['public', 'internal', 'confidential', 'secret', 'top-secret'] as const
export type AccessLevel = typeof ACCESS_LEVELS[number]

export function isAccessLevel (value: unknown): value is AccessLevel {
  return typeof value === 'string' && (ACCESS_LEVELS as readonly string[]).includes(value)
}

export function levelRank (level: AccessLevel): number {
  return ACCESS_LEVELS.indexOf(level)
}

/** True when a clearance covers a level: the clearance is at or above it. */
export function covers (clearance: AccessLevel, level: AccessLevel): boolean {
  return levelRank(clearance) >= levelRank(level)
}

export function parseAccessLevel (value: string, what = 'access level'): AccessLevel {
  if (isAccessLevel(value)) return value
  throw badInput(`unknown ${what} "${value}": use one of ${ACCESS_LEVELS.join(', ')}`)
}

export interface RoleDefinition {
  name: string
  clearance: AccessLevel
}

export const DEFAULT_ROLES: readonly RoleDefinition[] = [
  { name: 'viewer', clearance: 'public' },
  { name: 'developer', clearance: 'internal' },
  { name: 'qa', clearance: 'internal' },
  { name: 'architect', clearance: 'confidential' },
  { name: 'security', clearance: 'secret' },
  { name: 'admin', clearance: 'top-secret' }
]

export const ROLE_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/

/** The level at which an insight written for a role is stored by default. */
export const INSIGHT_LEVEL_BY_ROLE: Readonly<Record<string, AccessLevel>> = {
  viewer: 'public',
  developer: 'internal',
  qa: 'internal',
  architect: 'confidential',
  security: 'secret',
  admin: 'top-secret'
}
