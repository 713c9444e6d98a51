/**
 * pino's levels, quietest last: what the logLevel setting (settings.ts) may say. Apart from logger.ts so that reading
 * the settings, which every command does, does not load pino (about 11 ms of a CLI start); only a daemon logs.
 */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const
export type LogLevel = typeof LOG_LEVELS[number]
export const DEFAULT_LOG_LEVEL: LogLevel = 'info'
