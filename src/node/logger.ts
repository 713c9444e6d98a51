/** The daemon's structured log (pino JSON lines): to a file when detached, to stderr in the foreground. */
import pino from 'pino'
import { DEFAULT_LOG_LEVEL, type LogLevel } from './log-levels.js'

export type Logger = pino.Logger

export { DEFAULT_LOG_LEVEL, LOG_LEVELS, type LogLevel } from './log-levels.js'

export function createLogger (destination?: string, level: LogLevel = DEFAULT_LOG_LEVEL): Logger {
  return destination === undefined
    ? pino({ level, base: undefined }, pino.destination(2))
    : pino({ level, base: undefined }, pino.destination({ dest: destination, mkdir: true, sync: false }))
}

/** A logger that drops everything: for in-process tests. */
export function silentLogger (): Logger {
  return pino({ level: 'silent' })
}
