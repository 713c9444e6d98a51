/** The one place that maps error codes to exit codes (documented in man/bzzz-ctx.1). */
import type { ErrorCode } from '../errors.js'

export const EXIT = {
  ok: 0,
  failure: 1,
  badInput: 2,
  accessDenied: 3,
  notFound: 4,
  unavailable: 5
} as const

export const EXIT_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  BAD_USAGE: EXIT.badInput,
  BAD_INPUT: EXIT.badInput,
  ACCESS_DENIED: EXIT.accessDenied,
  NOT_FOUND: EXIT.notFound,
  NO_HOME: EXIT.unavailable,
  UNAVAILABLE: EXIT.unavailable,
  NOT_LEADER: EXIT.unavailable,
  CORRUPT: EXIT.failure,
  FAILURE: EXIT.failure
}

/** The error code a process's exit status stands for (the first of those that share it), e.g. a daemon that exited at start. */
export function errorCodeForExit (exit: number): ErrorCode | undefined {
  return (Object.keys(EXIT_BY_CODE) as ErrorCode[]).find(code => EXIT_BY_CODE[code] === exit)
}
