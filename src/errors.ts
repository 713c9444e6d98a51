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

/** What an error of the file system on one of the home's files means for the user, and what to do about it. */
const FILE_ACCESS_PROBLEMS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied: run bzzz-ctx as the user who owns the home, or give that user read and write access to it again (chmod u+rw)',
  EPERM: 'the operation is not permitted (an immutable file, or another user\'s): run bzzz-ctx as the user who owns the home, or lift the restriction',
  EROFS: 'the file system is read-only: mount it read-write, or use a home elsewhere (--home, $BZZZ_HOME)',
  EISDIR: 'it is a directory where bzzz-ctx keeps a file: move it aside, and restore the file from a backup',
  ENOTDIR: 'a part of that path is a file where bzzz-ctx keeps a directory: move the file aside'
}

/**
 * A file-system error (Node's, with a `code` and a `path`) that access rights, a read-only mount or a directory in a
 * file's place explain, said as one line: what cannot be read or written, why, and what to do. Null for any other.
 * `file` names the file when the error does not.
 */
export function fileAccessError (err: unknown, file?: string): BzzzError | null {
  const { code, syscall } = (err ?? {}) as NodeJS.ErrnoException
  // A read of a directory fails with EISDIR but no path: the caller, who knows the file, passes it.
  const path = (err as NodeJS.ErrnoException | undefined)?.path ?? file
  if (typeof code !== 'string' || typeof path !== 'string' || !Object.hasOwn(FILE_ACCESS_PROBLEMS, code)) return null
  const verb = syscall === 'read' || syscall === 'scandir' || syscall === 'stat' || syscall === 'access' ? 'read' : syscall === 'open' ? 'open' : 'write'
  return new BzzzError('FAILURE', `cannot ${verb} ${path}: ${FILE_ACCESS_PROBLEMS[code]!}`, { cause: err })
}
