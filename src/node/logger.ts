/** The daemon's structured log (pino JSON lines): to a file when detached, to stderr in the foreground. */
import pino from 'pino'
import { badUsage } from '../errors.js'

export type Logger = pino.Logger

/** pino's levels, quietest last: what `--log-level` (and BZZZ_LOG_LEVEL, and the config's logLevel) may say. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const
export type LogLevel = typeof LOG_LEVELS[number]
export const DEFAULT_LOG_LEVEL: LogLevel = 'info'

export function isLogLevel (value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value)
}

/** BAD_USAGE, naming where the level came from, for anything but one of LOG_LEVELS. */
export function parseLogLevel (text: string, from = '--log-level'): LogLevel {
  if (!isLogLevel(text)) throw badUsage(`${from} must be one of ${LOG_LEVELS.join(', ')}, not "${text}"`)
  return text
}

export function createLogger (destination?: string, level: LogLevel = DEFAULT_LOG_LEVEL): Logger {
  return destination === undefined
    ? pino({ level, base: undefined }, pino.destination(2))
    : pino({ level, base: undefined }, pino.destination({ dest: destination, mkdir: true, sync: false }))
}

/** A logger that drops everything: for in-process tests. */
export function silentLogger (): Logger {
  return pino({ level: 'silent' })
}
