/**
 * Who may open a generation request's raw files: only roles that may read every context generated from them. The
 * records of a request are sealed for its recipients (`--roles`, else every role), and a section no recipient may read
 * is left out, so the highest level written is the lower of the analysis's highest (`secret`: security insights) and
 * the highest clearance among the recipients. The files are sealed for the recipients cleared for that level (and for
 * `internal` at least: a role that may not read source, the viewer, never). Raw source holds more than any section
 * (the secret literal a finding only points at), so no role below that level may open it.
 */
import { ANALYSIS_LEVEL_MAX } from '../intelligence/insight-roles.js'
import { covers, levelRank, type AccessLevel, type RoleDefinition } from '../crypto/levels.js'
import { badInput } from '../errors.js'
import { WRITER_CLEARANCE_MIN } from './write-policy.js'

export interface RequestReaders {
  /** The roles the files are sealed for, in the cluster's order. */
  readers: string[]
  /** The level they are sealed at: the highest a section of the request's records is written at (at least internal). */
  level: AccessLevel
}

const higher = (a: AccessLevel, b: AccessLevel): AccessLevel => levelRank(a) >= levelRank(b) ? a : b

/** The readers of a request for `requested` roles (every role when none); BAD_INPUT for an unknown role or when none may read. */
export function requestReaders (roles: readonly RoleDefinition[], requested?: readonly string[]): RequestReaders {
  const names = roles.map(role => role.name)
  const unknown = (requested ?? []).filter(name => !names.includes(name))
  if (unknown.length > 0) throw badInput(`unknown role "${unknown[0]!.slice(0, 40)}": this cluster's roles are ${names.join(', ')}`)
  const recipients = requested === undefined || requested.length === 0 ? roles : roles.filter(role => requested.includes(role.name))
  const written = recipients.reduce<AccessLevel>((level, role) => higher(level, role.clearance), 'public')
  const capped = levelRank(written) > levelRank(ANALYSIS_LEVEL_MAX) ? ANALYSIS_LEVEL_MAX : written
  const level = higher(capped, WRITER_CLEARANCE_MIN)
  const readers = recipients.filter(role => covers(role.clearance, level)).map(role => role.name)
  if (readers.length === 0) {
    throw badInput(`--roles ${recipients.map(r => r.name).join(',')} leaves no role that may read the files a generate sends: name a role cleared for ${level} or above (${roles.filter(r => covers(r.clearance, level)).map(r => r.name).join(', ')})`)
  }
  return { readers, level }
}
