/** A new home: this peer's identity, a new cluster whose creator (admin) holds every role's key, its config and roster. */
import { randomBytes } from 'node:crypto'
import { systemClock } from '../clock.js'
import { ensurePrivateDir } from '../crypto/atomic-file.js'
import type { NodeIdentity } from '../crypto/identity.js'
import { DIGEST_KEY_BYTES, Keyring } from '../crypto/keyring.js'
import { DEFAULT_ROLES, type RoleDefinition } from '../crypto/levels.js'
import { generateRoleSet } from '../crypto/role-keys.js'
import { badInput, badUsage } from '../errors.js'
import { issueCertificate } from '../net/certificate.js'
import { projectNameFrom } from '../ucxl/address.js'
import { CONFIG_FORMAT, DEFAULT_REPLICATION_FACTOR, REPLICATIONS, homeExists, writeConfig, type PeerConfig, type Replication } from './home.js'
import { issueRoster, maxVotersProblem, writeRoster } from './roster.js'
import { signRoles } from './signed-roles.js'

const CLUSTER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export interface InitOptions {
  cluster: string
  role: string
  project?: string
  roles?: readonly RoleDefinition[]
  replicationFactor?: number
  /** How records' payloads replicate (see PeerConfig.replication; default full). */
  replication?: Replication
  /** How many voters invites fill the voting set up to (odd; see PeerConfig.maxVoters). */
  maxVoters?: number
  /** This peer's identity (default: a fresh one); the simulator's comes from its seed. */
  identity?: NodeIdentity
}

export interface InitReport {
  home: string
  nodeId: string
  cluster: string
  role: string
  project: string | null
  /** How records' payloads replicate (see PeerConfig.replication). */
  replication: Replication
  roles: Array<{ name: string, clearance: string }>
}

export async function createHome (home: string, options: InitOptions): Promise<InitReport> {
  if (!CLUSTER_NAME_PATTERN.test(options.cluster)) throw badInput(`bad cluster name "${options.cluster}": use letters, digits, ".", "_" or "-" (at most 64)`)
  const definitions = options.roles ?? DEFAULT_ROLES
  if (!definitions.some(r => r.name === options.role)) throw badInput(`unknown role "${options.role}": the roles are ${definitions.map(r => r.name).join(', ')}`)
  const project = options.project === undefined ? undefined : options.project
  if (project !== undefined && project !== projectNameFrom(project)) throw badInput(`bad project name "${project}": use lower-case letters, digits, ".", "_" or "-" (for example ${projectNameFrom(project)})`)
  if (homeExists(home)) throw badUsage(`a bzzz-ctx home already exists at ${home}: use it, or choose another with --home`)
  await ensurePrivateDir(home)
  const keyring = await Keyring.create(home, options.identity)
  const { directory, keys } = generateRoleSet(definitions)
  for (const key of keys) keyring.addRoleKey(key)
  keyring.setDigestKey(randomBytes(DIGEST_KEY_BYTES))
  await keyring.save()
  const clusterId = randomBytes(16).toString('hex')
  const config: PeerConfig = {
    format: CONFIG_FORMAT,
    cluster: { name: options.cluster, id: clusterId, topic: randomBytes(32).toString('hex'), adminKey: keyring.nodeId },
    certificate: issueCertificate(keyring.identity, { cluster: clusterId, node: keyring.nodeId, role: options.role, issuedAt: systemClock.now(), expiresAt: null }),
    nodeId: keyring.nodeId,
    role: options.role,
    roles: directory.toJSON(),
    rolesSignature: signRoles(keyring.identity, clusterId, 1, directory.toJSON()),
    replicationFactor: options.replicationFactor ?? DEFAULT_REPLICATION_FACTOR,
    createdAt: new Date(systemClock.now()).toISOString()
  }
  if (project !== undefined) config.project = project
  if (options.replication !== undefined) {
    if (!REPLICATIONS.includes(options.replication)) throw badInput(`--replication must be ${REPLICATIONS.join(' or ')}, not "${String(options.replication).slice(0, 20)}"`)
    if (options.replication === 'sharded') config.replication = 'sharded'
  }
  if (options.maxVoters !== undefined) {
    const problem = maxVotersProblem(options.maxVoters)
    if (problem !== null) throw badInput(`--max-voters: ${problem.replace('maxVoters must be ', 'must be ')}`)
    config.maxVoters = options.maxVoters
  }
  await writeConfig(home, config)
  await writeRoster(home, issueRoster(keyring.identity, clusterId, 1, [keyring.nodeId]))
  return {
    home, nodeId: keyring.nodeId, cluster: options.cluster, role: options.role, project: project ?? null, replication: config.replication ?? 'full',
    roles: definitions.map(r => ({ name: r.name, clearance: r.clearance }))
  }
}
