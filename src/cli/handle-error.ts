/** Every error of every command ends here: one line on stderr, `{"error":...}` with --json, and the exit code. */
import { BzzzError, fileAccessError, isBzzzError } from '../errors.js'
import { EXIT_BY_CODE } from './exit-codes.js'
import type { Io } from './io.js'
import { forTerminal } from '../text.js'

export function handleError (err: unknown, io: Io, json: boolean): number {
  const error: BzzzError = isBzzzError(err)
    ? err
    : fileAccessError(err) ?? new BzzzError('FAILURE', `unexpected failure: ${(err as Error)?.message ?? String(err)}${io.env.BZZZ_DEBUG !== undefined ? '' : ' (set BZZZ_DEBUG=1 for details)'}`)
  const message = error.message.replace(/\s*\n\s*/g, ' ')
  io.stderr.write(`bzzz-ctx: ${forTerminal(message)}\n`)
  if (io.env.BZZZ_DEBUG !== undefined && !isBzzzError(err)) io.stderr.write(String((err as Error)?.stack) + '\n')
  if (json && !error.reported) io.stdout.write(JSON.stringify({ error: { code: error.code, message } }) + '\n')
  return EXIT_BY_CODE[error.code]
}
