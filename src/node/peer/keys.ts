/**
 * The local peer's keys: the keyring and the role directory a home holds (checked against each other as it opens), the
 * keys changes it takes up (role keys granted to it, a newer directory, the digest key), and the writes of one: a keys
 * change appended to the log, and the reseal of records sealed to past epochs.
 */
import type { Clock } from '../../clock.js'
import { badInput, corrupt } from '../../errors.js'
import type { AuditLog } from '../../audit/audit-log.js'
import { DIGEST_KEY_BYTES, digestKeyId, Keyring } from '../../crypto/keyring.js'
import { RoleDirectory } from '../../crypto/role-directory.js'
import { openRoleKeyAsNode, openSecretAsNode } from '../../crypto/role-keys.js'
import type { ContextStore } from '../../storage/context-store.js'
import { homePaths, roleEntry, writeConfig, type PeerConfig } from '../home.js'
import { keysBundleProblem, type KeysBundle } from '../keys-bundle.js'
import type { ResealReport, WriteHost } from './types.js'

/**
 * The keyring and role directory of a home whose config was read (and its roles' signature checked): a key file of
 * another node, damaged roles, or a held role key that is not the one the admin signed is refused (CORRUPT).
 */
export async function openKeys (home: string, config: PeerConfig): Promise<{ keyring: Keyring, directory: RoleDirectory }> {
  const keyring = await Keyring.load(home)
  if (keyring.nodeId !== config.nodeId) throw corrupt(`the keys in ${homePaths(home).keys} belong to another node than the config in ${homePaths(home).config}: restore the matching files`)
  let directory: RoleDirectory
  try {
    directory = RoleDirectory.fromJSON(config.roles)
  } catch (err) {
    throw corrupt(`the roles in ${homePaths(home).config} are damaged (${(err as Error).message})`, err)
  }
  // The admin signed the directory (readConfig checked it); a held key that is not the one signed is a damaged key file.
  for (const entry of directory.toJSON()) {
    const held = keyring.roleKeyPair(entry.name, entry.epoch)
    if (held !== undefined && held.publicKey.toString('hex') !== entry.publicKey) {
      throw corrupt(`the key of role "${entry.name}" (epoch ${entry.epoch}) in ${homePaths(home).keys} is not the one the cluster's admin signed: restore the keys from a backup`)
    }
  }
  return { keyring, directory }
}

/** What the keys need of the peer that holds them. */
export interface KeysHost extends WriteHost {
  home: string
  config: PeerConfig
  store: ContextStore
  clock: Clock
  audit: Pick<AuditLog, 'record'>
  /** Told when a digest key was taken up (the salt of hashed reads follows it). */
  onDigestKey: () => void
}

export class PeerKeys {
  #directory: RoleDirectory

  constructor (readonly keyring: Keyring, directory: RoleDirectory, private readonly host: KeysHost) {
    this.#directory = directory
  }

  /** The cluster's roles, each at its current epoch: what a write is sealed to (replaced when a rotation is taken up). */
  get directory (): RoleDirectory {
    return this.#directory
  }

  /**
   * Takes up a change of the cluster's keys (a `keys` entry of the log, or one this admin made): a directory newer than
   * this home's is adopted (config.json rewritten; new writes are sealed to its epochs), and each grant addressed to
   * this peer is opened and kept (keys/roles.json rewritten). Taking the same bundle again changes nothing.
   */
  async adopt (bundle: KeysBundle): Promise<{ adopted: boolean, granted: Array<{ role: string, epoch: number }> }> {
    const { config } = this.host
    const trust = { cluster: config.cluster.id, adminKey: config.cluster.adminKey }
    const problem = keysBundleProblem(bundle, trust)
    if (problem !== null) throw badInput(`a keys change that is not the admin's: ${problem}`)
    const granted: Array<{ role: string, epoch: number }> = []
    for (const grant of bundle.grants) {
      if (grant.node !== config.nodeId || this.keyring.roleKeyPair(grant.role, grant.epoch) !== undefined) continue
      this.keyring.addRoleKey(openRoleKeyAsNode(grant, this.keyring.identity))
      granted.push({ role: grant.role, epoch: grant.epoch })
    }
    const digest = this.takeDigestKey(bundle)
    if (granted.length > 0 || digest) await this.keyring.save()
    const adopted = bundle.rolesSignature.version > config.rolesSignature.version
    if (adopted) {
      this.#directory = RoleDirectory.fromJSON(bundle.roles)
      config.roles = bundle.roles
      config.rolesSignature = bundle.rolesSignature
      await writeConfig(this.host.home, config)
    }
    if (adopted || granted.length > 0 || digest) this.host.audit.record('keys', { rolesVersion: bundle.rolesSignature.version, adopted, granted, ...(digest ? { digestKey: bundle.digest!.id } : {}) })
    return { adopted, granted }
  }

  /**
   * Opens the bundle's digest key when one is sealed to this peer and not held yet; true when taken. The newest change
   * makes it the key new digests and hashed reads use; one older than this home's roles (a replay) is kept for old hashes.
   */
  private takeDigestKey (bundle: KeysBundle): boolean {
    const { config } = this.host
    const grant = bundle.digest?.grants.find(g => g.node === config.nodeId)
    if (grant === undefined) return false
    // A grant that does not open, or opens to a key the admin did not sign (a writer's substitute), is left: the rest
    // of the change (the admin's signed roles) is still taken up, and this peer keeps digesting with the key it has.
    let key: Buffer
    try {
      key = openSecretAsNode(grant.sealed, DIGEST_KEY_BYTES, this.keyring.identity)
    } catch {
      return false
    }
    if (digestKeyId(key) !== bundle.digest!.id) return false
    if (this.keyring.digestKeys.some(held => held.equals(key))) return false
    if (bundle.rolesSignature.version >= config.rolesSignature.version) this.keyring.setDigestKey(key)
    else this.keyring.addPastDigestKey(key)
    this.host.onDigestKey()
    return true
  }

  /** Publishes a keys change the admin made, alone (a cluster's daemon sends it to its leader instead). */
  async publish (bundle: KeysBundle): Promise<{ rolesVersion: number, grants: number }> {
    await this.append(bundle)
    return { rolesVersion: bundle.rolesSignature.version, grants: bundle.grants.length }
  }

  /** Appends a keys change to this peer's log, as the leader of `term` (alone: the solo term), and takes it up. */
  async append (bundle: KeysBundle, term?: number): Promise<void> {
    const { store, clock } = this.host
    if (term === undefined) this.host.requireWriter('a keys change')
    await this.host.auditWrite('keys', { rolesVersion: bundle.rolesSignature.version, change: bundle.change.op, roles: bundle.change.roles })
    await store.appendQueueEntry({ type: 'keys', address: '', rolesVersion: bundle.rolesSignature.version }, {
      term: term ?? this.host.soloTerm(), nowMs: clock.now(), sealed: Buffer.from(JSON.stringify(bundle))
    })
    await this.adopt(bundle)
  }

  /**
   * Seals the current version of every record sealed to a past epoch of `roles` again, to their current epochs (see
   * ContextStore.reseal), as the leader of `term` (alone: the solo term): what a revoked key opens is then only what it
   * opened before. This peer reseals what its role keys open; the rest is reported (`unopened`, `left`).
   */
  async reseal (roles: readonly string[], term?: number): Promise<ResealReport> {
    const { store, clock } = this.host
    if (term === undefined) this.host.requireWriter('a reseal')
    for (const role of roles) roleEntry(this.host.config, role)
    const started = clock.now()
    const directory = this.directory
    const rotated = new Set(roles)
    const stale = (role: string, epoch: number): boolean => rotated.has(role) && epoch < (directory.get(role)?.epoch ?? 0)
    await this.host.auditWrite('reseal', { roles: [...rotated] })
    const result = await store.reseal(stale, { term: term ?? this.host.soloTerm(), now: () => clock.now() })
    const report = { roles: [...rotated], ...result, ms: Math.round(clock.now() - started) }
    this.host.audit.record('keys', { reseal: true, roles: report.roles, records: report.records, resealed: report.resealed, unopened: report.unopened, ms: report.ms })
    return report
  }
}
