/**
 * The one table of a peer's tunables: each has a key (in `config get|set|ls` and in the home's config.json), a
 * `BZZZ_*` environment variable, the `node start` flag that sets it, a zod schema and a default. A value is resolved
 * once, flag over environment over the home's config over the default. Identity and cluster fields of config.json
 * (node id, certificate, roles...) are no settings: they are never read or written here.
 */
import { isIP } from 'node:net'
import { z } from 'zod'
import { badUsage, isBzzzError } from '../errors.js'
import { parseBootstrap } from '../net/dht-options.js'
import { DEFAULT_ELECTION_TIMEOUT_MS, type PeerConfig } from './home.js'
import { DEFAULT_LOG_LEVEL, LOG_LEVELS } from './log-levels.js'
import { parseMetricsAddress } from './metrics-server.js'

/** Where a resolved value came from. */
export type SettingSource = 'flag' | 'env' | 'config' | 'default'

interface SettingSpec<T> {
  env: string
  flag: string
  help: string
  schema: z.ZodType<T>
  /** Undefined: the setting is off (metrics) or left to the program (bootstrap: the public DHT; host: chosen). */
  default: T | undefined
  /** The value from its text (a flag, a variable, `config set`); the schema checks it after. */
  fromText: (text: string) => unknown
  toText: (value: T) => string
}

/** A schema check that reuses a parser which throws BAD_USAGE, with that parser's message. */
function parsedBy (parse: (text: string) => unknown): (text: string, ctx: z.RefinementCtx) => void {
  return (text, ctx) => {
    try { parse(text) } catch (err) { ctx.addIssue({ code: z.ZodIssueCode.custom, message: isBzzzError(err) ? err.message : String(err) }) }
  }
}

const text = (value: string): string => value.trim()

const RETENTION_UNITS_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 }
/** The shortest retention: a version superseded by a write that a later leader then drops is current again, and read. */
export const MIN_RETENTION_MS = 60_000

/** A retention (`30m`, `12h`, `7d`) in ms; BAD_USAGE for any other text, or one under a minute. */
export function parseRetention (value: string): number {
  const match = /^(\d{1,6})([mhd])$/.exec(value.trim())
  if (match === null) throw badUsage('must be a whole number of minutes, hours or days, as 30m, 12h or 7d')
  const ms = Number(match[1]) * RETENTION_UNITS_MS[match[2]!]!
  if (ms < MIN_RETENTION_MS) throw badUsage('must be at least a minute')
  return ms
}

const TRUE_TEXT = new Set(['true', '1', 'yes', 'on'])
const FALSE_TEXT = new Set(['false', '0', 'no', 'off'])
/** true, 1, yes, on or false, 0, no, off; anything else is left for the schema to refuse. */
function switchFromText (value: string): unknown {
  const word = value.trim().toLowerCase()
  return TRUE_TEXT.has(word) ? true : FALSE_TEXT.has(word) ? false : value
}
const switchSchema = z.boolean({ invalid_type_error: 'must be true or false (or 1, yes, on; 0, no, off)' })

export const SETTINGS = {
  bootstrap: {
    env: 'BZZZ_BOOTSTRAP', flag: '--bootstrap', default: undefined,
    help: 'HyperDHT bootstrap nodes, host:port,... (none: the public DHT)',
    schema: z.array(z.string()).min(1).superRefine((nodes, ctx) => { parsedBy(parseBootstrap)(nodes.join(','), ctx) }),
    fromText: (value: string) => value.split(',').map(text),
    toText: (value: string[]) => value.join(',')
  } satisfies SettingSpec<string[]>,
  host: {
    env: 'BZZZ_HOST', flag: '--host', default: undefined,
    help: 'the IP address the DHT binds (none: 127.0.0.1 when every bootstrap node is on loopback, else all)',
    schema: z.string().refine(value => isIP(value) !== 0, 'must be an IP address'),
    fromText: text,
    toText: (value: string) => value
  } satisfies SettingSpec<string>,
  electionTimeoutMs: {
    env: 'BZZZ_ELECTION_TIMEOUT_MS', flag: '--election-timeout', default: DEFAULT_ELECTION_TIMEOUT_MS,
    help: 'ms without a leader before a follower campaigns (every peer of a cluster should use one)',
    schema: z.number({ invalid_type_error: 'must be a whole number of ms' }).int('must be a whole number of ms').min(10, 'must be at least 10 ms').max(600_000, 'must be at most 600000 ms'),
    fromText: (value: string) => /^\s*\d+\s*$/.test(value) ? Number(value) : value,
    toText: (value: number) => String(value)
  } satisfies SettingSpec<number>,
  logLevel: {
    env: 'BZZZ_LOG_LEVEL', flag: '--log-level', default: DEFAULT_LOG_LEVEL,
    help: `how much the daemon logs: ${LOG_LEVELS.join(', ')}`,
    schema: z.enum(LOG_LEVELS, { errorMap: () => ({ message: `must be one of ${LOG_LEVELS.join(', ')}` }) }),
    fromText: text,
    toText: (value: string) => value
  } satisfies SettingSpec<typeof LOG_LEVELS[number]>,
  metrics: {
    env: 'BZZZ_METRICS', flag: '--metrics', default: undefined,
    help: 'HOST:PORT of /metrics, /healthz and /readyz (none: off)',
    schema: z.string().superRefine(parsedBy(parseMetricsAddress)),
    fromText: text,
    toText: (value: string) => value
  } satisfies SettingSpec<string>,
  auditHashReads: {
    env: 'BZZZ_AUDIT_HASH_READS', flag: '--audit-hash-reads', default: false,
    help: 'record each read with its address hashed with the cluster\'s salt, not in clear',
    schema: switchSchema,
    fromText: switchFromText,
    toText: (value: boolean) => String(value)
  } satisfies SettingSpec<boolean>,
  auditFailClosed: {
    env: 'BZZZ_AUDIT_FAIL_CLOSED', flag: '--audit-fail-closed', default: false,
    help: 'refuse a write (exit 5) whose audit event cannot be appended first (default: write, and log the lost event)',
    schema: switchSchema,
    fromText: switchFromText,
    toText: (value: boolean) => String(value)
  } satisfies SettingSpec<boolean>,
  retention: {
    env: 'BZZZ_RETENTION', flag: '--retention', default: undefined,
    help: 'clear the envelopes of superseded versions written longer ago than this (30m, 12h, 7d; at least 1m); their headers stay in history (none: keep them all)',
    schema: z.string().superRefine(parsedBy(parseRetention)),
    fromText: text,
    toText: (value: string) => value
  } satisfies SettingSpec<string>
}

export type SettingKey = keyof typeof SETTINGS
export type SettingValue<K extends SettingKey> = z.infer<typeof SETTINGS[K]['schema']>
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[]

/** The config.json fields the settings keep (each at its own key, beside the identity fields). */
export type StoredSettings = { [K in SettingKey]?: SettingValue<K> }

export function isSettingKey (key: string): key is SettingKey {
  return Object.hasOwn(SETTINGS, key)
}

/** BAD_USAGE for a key that is no setting, listing those that are. */
export function settingKey (key: string): SettingKey {
  if (!isSettingKey(key)) throw badUsage(`unknown setting "${key}": the settings are ${SETTING_KEYS.join(', ')}`)
  return key
}

function firstIssue (error: z.ZodError): string {
  return error.issues[0]?.message ?? 'a bad value'
}

/** A value checked against its setting's schema; BAD_USAGE naming `from` (the key, the variable, the flag) if bad. */
export function checkSetting<K extends SettingKey> (key: K, value: unknown, from: string = key): SettingValue<K> {
  const parsed = (SETTINGS[key].schema as z.ZodType<SettingValue<K>>).safeParse(value)
  if (!parsed.success) throw badUsage(`${from}: ${firstIssue(parsed.error)} (got ${JSON.stringify(value)})`)
  return parsed.data
}

/** A value from its text (as `config set`, a variable or a flag gives it). */
export function settingFromText<K extends SettingKey> (key: K, value: string, from: string = key): SettingValue<K> {
  return checkSetting(key, SETTINGS[key].fromText(value), from)
}

export function settingText<K extends SettingKey> (key: K, value: SettingValue<K> | undefined): string {
  return value === undefined ? '' : (SETTINGS[key].toText as (v: SettingValue<K>) => string)(value)
}

export interface Resolved<K extends SettingKey> { key: K, value: SettingValue<K> | undefined, source: SettingSource }

/**
 * One setting, flag over environment over config over default. `flag` is what the flag gave (already parsed), or
 * undefined; an empty variable counts as unset; a bad variable or config value is BAD_USAGE naming it.
 */
export function resolveSetting<K extends SettingKey> (key: K, config: StoredSettings, env: NodeJS.ProcessEnv, flag?: SettingValue<K>): Resolved<K> {
  const spec = SETTINGS[key]
  if (flag !== undefined) return { key, value: checkSetting(key, flag, spec.flag), source: 'flag' }
  const fromEnv = env[spec.env]
  if (fromEnv !== undefined && fromEnv !== '') return { key, value: settingFromText(key, fromEnv, spec.env), source: 'env' }
  const stored = config[key]
  if (stored !== undefined) return { key, value: checkSetting(key, stored, `${key} in config.json (fix it with \`bzzz-ctx config set ${key} VALUE\`)`), source: 'config' }
  return { key, value: spec.default as SettingValue<K> | undefined, source: 'default' }
}

/** Every setting resolved without flags (what `config ls` shows, and what a daemon gets unless a flag says otherwise). */
export function resolveSettings (config: StoredSettings, env: NodeJS.ProcessEnv): Array<Resolved<SettingKey>> {
  return SETTING_KEYS.map(key => resolveSetting(key, config, env))
}

/** The config with the setting set (or removed, for undefined): the identity fields are left as they are. */
export function withSetting<K extends SettingKey> (config: PeerConfig, key: K, value: SettingValue<K> | undefined): PeerConfig {
  const next: Record<string, unknown> = { ...config }
  if (value === undefined) delete next[key]
  else next[key] = value
  return next as unknown as PeerConfig
}

/** The retention in ms (LocalPeer's `retentionMs`) from the settings without flags; undefined to keep every payload. */
export function retentionSetting (config: StoredSettings, env: NodeJS.ProcessEnv): number | undefined {
  const value = resolveSetting('retention', config, env).value
  return value === undefined ? undefined : parseRetention(value)
}

/** How a peer audits (LocalPeer's `audit` option), from its settings without flags. */
export function auditSettings (config: StoredSettings, env: NodeJS.ProcessEnv): { hashReads: boolean, failClosed: boolean } {
  return {
    hashReads: resolveSetting('auditHashReads', config, env).value === true,
    failClosed: resolveSetting('auditFailClosed', config, env).value === true
  }
}
