/** The daemon's structured log (pino JSON lines): to a file when detached, to stderr in the foreground. */
import pino from 'pino'

export type Logger = pino.Logger

/** pino's levels, quietest last: what the logLevel setting (settings.ts) may say. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const
export type LogLevel = typeof LOG_LEVELS[number]
export const DEFAULT_LOG_LEVEL: LogLevel = 'info'

export function createLogger (destination?: string, level: LogLevel = DEFAULT_LOG_LEVEL): Logger {
  return destination === undefined
    ? pino({ level, base: undefined }, pino.destination(2))
    : pino({ level, base: undefined }, pino.destination({ dest: destination, mkdir: true, sync: false }))
}

/** A logger that drops everything: for in-process tests. */
export function silentLogger (): Logger {
  return pino({ level: 'silent' })
}
