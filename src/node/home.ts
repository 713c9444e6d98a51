/** A peer's home directory: where it is, what it holds, and its configuration file. */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { corrupt, fileAccessError, noHome, badInput, badUsage } from '../errors.js'
import { isAccessLevel } from '../crypto/levels.js'
import { writeFileAtomic } from '../crypto/atomic-file.js'
import type { RoleDirectoryEntry } from '../crypto/role-directory.js'
import type { Certificate } from '../net/certificate.js'
import { KEY_HEX_PATTERN } from '../crypto/key-text.js'
import type { RolesSignature } from './signed-roles.js'
import { maxVotersProblem } from './voting-set.js'

export const CONFIG_FORMAT = 1
export const DEFAULT_REPLICATION_FACTOR = 3

/** What every member knows of its cluster. The topic is secret: only members can find each other on it. */
export interface ClusterInfo {
  name: string
  /** 16 random bytes, hex. */
  id: string
  /** The swarm topic: 32 secret random bytes, hex. */
  topic: string
  /** The admin's node id (hex Ed25519 public key): the issuer of every certificate. */
  adminKey: string
}

/** The election timeout of a daemon started without one, and without one saved. */
export const DEFAULT_ELECTION_TIMEOUT_MS = 1_000

export interface PeerConfig {
  format: number
  cluster: ClusterInfo
  /** This peer's membership certificate, signed by the cluster's admin. */
  certificate: Certificate
  /** HyperDHT bootstrap nodes (`host:port`); absent for the public DHT. */
  bootstrap?: string[]
  /** The election timeout (ms) `node start --election-timeout` last gave: every peer of a cluster should use one. */
  electionTimeoutMs?: number
  /** This peer's node id (hex of its signing public key). */
  nodeId: string
  /** This peer's role in the cluster. */
  role: string
  /** The project used when a command names none. */
  project?: string
  /** The cluster's roles: clearance and current epoch public key of each. */
  roles: RoleDirectoryEntry[]
  /** The admin's signature over `roles` (see signed-roles.ts): a config whose roles do not verify is refused. */
  rolesSignature: RolesSignature
  replicationFactor: number
  /**
   * How records' payloads replicate (the admin's choice at init, carried by invites): `full` (absent), every peer holds
   * every payload; `sharded`, the voters hold all and every other member holds those of the shards placed on it
   * (`replicationFactor` holders a shard, by rendezvous hashing over the members), fetching any other when it is read.
   */
  replication?: Replication
  /**
   * The admin's: how many voters its invites fill the voting set up to (odd; default DEFAULT_MAX_VOTERS); later members
   * join as members that do not vote. Only the admin's config counts: it alone signs rosters.
   */
  maxVoters?: number
  createdAt: string
}

/** How a cluster replicates records' payloads (see PeerConfig.replication). */
export type Replication = 'full' | 'sharded'
export const REPLICATIONS: readonly Replication[] = ['full', 'sharded']

export interface HomePaths {
  dir: string
  config: string
  keys: string
  store: string
  cache: string
  /** Where the leader unpacks the files of a generation request while it runs; emptied when the leader starts. */
  requests: string
  /** The daemon's control socket, its pid file and its log. */
  controlSocket: string
  pidFile: string
  log: string
}

/** The home directory: `--home`, else `$BZZZ_HOME`, else `~/.bzzz-ctx`. */
export function resolveHomeDir (flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== '') return resolve(flag)
  if (env.BZZZ_HOME !== undefined && env.BZZZ_HOME !== '') return resolve(env.BZZZ_HOME)
  return join(homedir(), '.bzzz-ctx')
}

export function homePaths (dir: string): HomePaths {
  return {
    dir,
    config: join(dir, 'config.json'),
    keys: join(dir, 'keys'),
    store: join(dir, 'store'),
    cache: join(dir, 'cache'),
    requests: join(dir, 'cache', 'requests'),
    controlSocket: join(dir, 'ctl.sock'),
    pidFile: join(dir, 'daemon.pid'),
    log: join(dir, 'daemon.log')
  }
}

export function homeExists (dir: string): boolean {
  return existsSync(homePaths(dir).config)
}

function configProblem (value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'it is not a JSON object'
  const c = value as Record<string, unknown>
  if (c.format !== CONFIG_FORMAT) return `its format is ${String(c.format)}, this bzzz-ctx reads format ${CONFIG_FORMAT}`
  const cluster = c.cluster as Record<string, unknown> | undefined
  if (typeof cluster !== 'object' || cluster === null || typeof cluster.name !== 'string' || typeof cluster.id !== 'string' ||
      typeof cluster.topic !== 'string' || !KEY_HEX_PATTERN.test(cluster.topic) || typeof cluster.adminKey !== 'string' || !KEY_HEX_PATTERN.test(cluster.adminKey)) return 'cluster is missing or malformed'
  if (typeof c.certificate !== 'object' || c.certificate === null) return 'certificate is missing'
  if (c.bootstrap !== undefined && (!Array.isArray(c.bootstrap) || !c.bootstrap.every(b => typeof b === 'string'))) return 'bootstrap must be a list of host:port'
  if (c.electionTimeoutMs !== undefined && (!Number.isInteger(c.electionTimeoutMs) || (c.electionTimeoutMs as number) < 10 || (c.electionTimeoutMs as number) > 600_000)) return 'electionTimeoutMs must be a whole number of ms from 10 to 600000'
  if (typeof c.nodeId !== 'string' || !KEY_HEX_PATTERN.test(c.nodeId)) return 'nodeId is missing or malformed'
  if (typeof c.role !== 'string') return 'role is missing'
  if (!Array.isArray(c.roles) || c.roles.length === 0) return 'roles is missing'
  for (const role of c.roles as unknown[]) {
    const r = role as Record<string, unknown>
    if (typeof r !== 'object' || r === null || typeof r.name !== 'string' || !isAccessLevel(r.clearance) ||
        !Number.isInteger(r.epoch) || typeof r.publicKey !== 'string' || !KEY_HEX_PATTERN.test(r.publicKey)) return 'a role entry is malformed'
  }
  if (!Number.isInteger(c.replicationFactor) || (c.replicationFactor as number) < 1) return 'replicationFactor must be a positive whole number'
  if (c.replication !== undefined && !REPLICATIONS.includes(c.replication as Replication)) return `replication must be ${REPLICATIONS.join(' or ')}`
  if (c.maxVoters !== undefined) {
    const problem = maxVotersProblem(c.maxVoters)
    if (problem !== null) return problem
  }
  // The admin's signature over the roles is checked where keys are used (checkSignedRoles): its crypto is not loaded
  // by a command that only reads the config (--help, a call to the daemon).
  return null
}

function isFile (path: string): boolean {
  try {
    return !statSync(path).isDirectory()
  } catch {
    return false
  }
}

export function readConfig (dir: string): PeerConfig {
  const paths = homePaths(dir)
  if (!existsSync(paths.config)) {
    if (isFile(dir)) throw badUsage(`the home ${dir} is a file, not a directory: pass a directory with --home or $BZZZ_HOME`)
    // Keys without a config: a home that lost its config.json, not a missing one (init would refuse the keys).
    if (existsSync(join(dir, 'keys', 'node.json')) || existsSync(join(dir, 'keys', 'roles.json'))) {
      throw corrupt(`the home ${dir} has keys but no config.json: restore config.json from a backup, or move the home aside and init or join anew`)
    }
    throw noHome(`no bzzz-ctx home at ${dir}: run \`bzzz-ctx init --cluster NAME --role ROLE\` first (or pass --home)`)
  }
  let text: string
  try {
    text = readFileSync(paths.config, 'utf8')
  } catch (err) {
    // Unreadable is not damaged: say what stops the read (rights, a directory in its place), not "not valid JSON".
    throw fileAccessError(err, paths.config) ?? corrupt(`the config ${paths.config} cannot be read (${(err as Error).message})`, err)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw corrupt(`the config ${paths.config} is not valid JSON: restore it, or run \`bzzz-ctx init\` in a new home`, err)
  }
  const problem = configProblem(value)
  if (problem !== null) throw corrupt(`the config ${paths.config} is damaged (${problem}): restore it, or run \`bzzz-ctx init\` in a new home`)
  return value as PeerConfig
}

export async function writeConfig (dir: string, config: PeerConfig): Promise<void> {
  await writeFileAtomic(homePaths(dir).config, JSON.stringify(config, null, 2) + '\n', 0o600)
}

export function roleEntry (config: PeerConfig, name: string): RoleDirectoryEntry {
  const role = config.roles.find(r => r.name === name)
  if (role === undefined) throw badInput(`unknown role "${name}": this cluster's roles are ${config.roles.map(r => r.name).join(', ')}`)
  return role
}
