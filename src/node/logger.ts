/** The daemon's structured log (pino): to a file when detached, to stderr in the foreground. */
import pino from 'pino'

export type Logger = pino.Logger

export function createLogger (destination?: string, level = process.env.BZZZ_LOG_LEVEL ?? 'info'): Logger {
  return destination === undefined
    ? pino({ level, base: undefined }, pino.destination(2))
    : pino({ level, base: undefined }, pino.destination({ dest: destination, mkdir: true, sync: false }))
}

/** A logger that drops everything: for in-process tests. */
export function silentLogger (): Logger {
  return pino({ level: 'silent' })
}
