/** The one error class of bzzz-ctx: a code from a fixed union, mapped to an exit code in one place (src/cli/exit-codes.ts). */

export type ErrorCode =
  | 'BAD_USAGE' // wrong flags or arguments
  | 'BAD_INPUT' // a value or file that is malformed
  | 'ACCESS_DENIED' // the role may not read this, or this peer holds no key for it
  | 'NOT_FOUND' // no such address, file or record
  | 'NO_HOME' // no bzzz-ctx home: run `bzzz-ctx init`
  | 'UNAVAILABLE' // no daemon, no leader, no quorum, timed out
  | 'NOT_LEADER' // asked a peer that does not lead (or has lost its lease): ask whoever leads now
  | 'CORRUPT' // stored data or a key file is damaged
  | 'FAILURE' // anything else

export class BzzzError extends Error {
  readonly code: ErrorCode
  /** True when the command already wrote its JSON result (which says what failed): no second JSON document follows. */
  readonly reported: boolean
  constructor (code: ErrorCode, message: string, options?: { cause?: unknown, reported?: boolean }) {
    super(message, options)
    this.name = 'BzzzError'
    this.code = code
    this.reported = options?.reported === true
  }
}

export const badUsage = (message: string): BzzzError => new BzzzError('BAD_USAGE', message)
export const badInput = (message: string): BzzzError => new BzzzError('BAD_INPUT', message)
export const accessDenied = (message: string): BzzzError => new BzzzError('ACCESS_DENIED', message)
export const notFound = (message: string): BzzzError => new BzzzError('NOT_FOUND', message)
export const noHome = (message: string): BzzzError => new BzzzError('NO_HOME', message)
export const unavailable = (message: string): BzzzError => new BzzzError('UNAVAILABLE', message)
export const notLeader = (message: string): BzzzError => new BzzzError('NOT_LEADER', message)
export const corrupt = (message: string, cause?: unknown): BzzzError => new BzzzError('CORRUPT', message, { cause })

export function isBzzzError (err: unknown): err is BzzzError {
  return err instanceof BzzzError
}
