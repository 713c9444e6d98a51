/**
 * This peer's keys on disk: keys/node.json (the node identity, plaintext, mode 0600) and keys/roles.json (role
 * epoch secret keys, each sealed to this node's box public key). Old epochs are kept so old records stay readable.
 */
import { access, readFile } from 'node:fs/promises'
import sodium from 'sodium-native'
import { join } from 'node:path'
import { badInput, badUsage, corrupt, isBzzzError } from '../errors.js'
import { ensurePrivateDir, writeFileAtomic } from './atomic-file.js'
import { generateIdentity, identityFromJSON, identityToJSON, isBoxKeyPair } from './identity.js'
import type { NodeIdentity } from './identity.js'
import { isJsonObject } from './key-text.js'
import { openRoleKey, parseSealedRoleKey, sealRoleKey } from './role-keys.js'
import type { RoleKeyPair, SealedRoleKey } from './role-keys.js'
import type { RoleKeyLookup } from './envelope.js'

export const KEYS_DIR = 'keys'
export const NODE_FILE = 'node.json'
export const ROLES_FILE = 'roles.json'

const NODE_FILE_REMEDY = 'restore it from a backup or run `bzzz-ctx init` in a new home'
const ROLES_FILE_REMEDY = "restore it from a backup or ask an admin to grant this node's roles again"

export interface KeyringPaths {
  keysDir: string
  nodeFile: string
  rolesFile: string
}

/** The JSON form of keys/roles.json. */
export interface RolesFileJSON {
  version: 1
  /** The node the keys are sealed to. */
  nodeId: string
  keys: SealedRoleKey[]
  /**
   * The cluster's digest key, sealed to this node's box key (crypto_box_seal, base64): absent on a peer that may not
   * write (a viewer), and in homes from before it existed. See `digestKey`.
   */
  digest?: string
  /** The digest keys this one replaced (a revocation rotates it), sealed the same way, oldest first. */
  pastDigests?: string[]
}

interface HeldRoleKey {
  key: RoleKeyPair
  sealed: SealedRoleKey
}

export function keyringPaths (home: string): KeyringPaths {
  const keysDir = join(home, KEYS_DIR)
  return { keysDir, nodeFile: join(keysDir, NODE_FILE), rolesFile: join(keysDir, ROLES_FILE) }
}

export class Keyring {
  readonly home: string
  readonly paths: KeyringPaths
  readonly identity: NodeIdentity
  /** (role, epoch) -> this peer's keypair for it: the lookup openSections takes. */
  readonly lookup: RoleKeyLookup
  /** role -> epoch -> key */
  readonly #roles = new Map<string, Map<number, HeldRoleKey>>()
  #digestKey: Buffer | null = null
  /** The digest keys before the current one, oldest first: old hashed reads are found with them. */
  readonly #pastDigestKeys: Buffer[] = []

  private constructor (home: string, identity: NodeIdentity) {
    this.home = home
    this.paths = keyringPaths(home)
    this.identity = identity
    this.lookup = (role, epoch) => this.roleKeyPair(role, epoch)
  }

  /** Creates the key files of a new home. Refuses to replace an existing identity. */
  static async create (home: string, identity: NodeIdentity = generateIdentity()): Promise<Keyring> {
    const keyring = new Keyring(home, identity)
    if (await exists(keyring.paths.nodeFile)) {
      throw badUsage(`a node identity already exists in ${keyring.paths.nodeFile}: use that home, or choose another with --home`)
    }
    // roles.json first: a crash before node.json is written leaves a home that create can simply redo.
    await keyring.save()
    return keyring
  }

  /** Loads and checks both key files; anything missing, unreadable, malformed or tampered is CORRUPT. */
  static async load (home: string): Promise<Keyring> {
    const paths = keyringPaths(home)
    const identity = parseKeyFile(paths.nodeFile, NODE_FILE_REMEDY, await readKeyFile(paths.nodeFile, NODE_FILE_REMEDY), identityFromJSON)
    const keyring = new Keyring(home, identity)
    const rolesJson = await readKeyFile(paths.rolesFile, ROLES_FILE_REMEDY)
    const held = parseKeyFile(paths.rolesFile, ROLES_FILE_REMEDY, rolesJson, value => openRolesFile(value, identity))
    for (const entry of held) keyring.#hold(entry)
    const { digest, pastDigests } = JSON.parse(rolesJson) as Partial<RolesFileJSON>
    if (digest !== undefined) keyring.#digestKey = parseKeyFile(paths.rolesFile, ROLES_FILE_REMEDY, JSON.stringify(digest), value => openSealedSecret(value, identity))
    if (pastDigests !== undefined) {
      keyring.#pastDigestKeys.push(...parseKeyFile(paths.rolesFile, ROLES_FILE_REMEDY, JSON.stringify(pastDigests), value => {
        if (!Array.isArray(value)) throw badInput('field "pastDigests" is not an array')
        return value.map(sealed => openSealedSecret(sealed, identity))
      }))
    }
    return keyring
  }

  /**
   * The cluster's digest key: one key shared by every member that may write, so a record's keyed digest (in its log
   * header, telling whether its plaintext changed) means the same to every leader, and a new leader does not write
   * every unchanged record again. Null without one (a viewer; a home from before it): the node's own key serves then.
   */
  get digestKey (): Buffer | null {
    return this.#digestKey
  }

  /** Makes `key` the current digest key; the one it replaces is kept (see digestKeys). */
  setDigestKey (key: Buffer): void {
    if (key.length !== DIGEST_KEY_BYTES) throw badInput(`a digest key is ${DIGEST_KEY_BYTES} bytes, not ${key.length}`)
    if (this.#digestKey?.equals(key) === true) return
    if (this.#digestKey !== null) this.#keepPast(this.#digestKey)
    const index = this.#pastDigestKeys.findIndex(past => past.equals(key))
    if (index >= 0) this.#pastDigestKeys.splice(index, 1)
    this.#digestKey = Buffer.from(key)
  }

  /** Keeps a digest key older than the current one (a grant taken up after a newer one): for old hashes only. */
  addPastDigestKey (key: Buffer): void {
    if (key.length !== DIGEST_KEY_BYTES) throw badInput(`a digest key is ${DIGEST_KEY_BYTES} bytes, not ${key.length}`)
    if (this.#digestKey === null) this.#digestKey = Buffer.from(key)
    else if (!this.#digestKey.equals(key)) this.#keepPast(key)
  }

  /** Every digest key held, the current one first, then the older ones, newest first. */
  get digestKeys (): Buffer[] {
    return [...(this.#digestKey === null ? [] : [this.#digestKey]), ...[...this.#pastDigestKeys].reverse()]
  }

  #keepPast (key: Buffer): void {
    if (!this.#pastDigestKeys.some(past => past.equals(key))) this.#pastDigestKeys.push(Buffer.from(key))
  }

  /** The digest key sealed to another node's box key (an invite's). */
  sealDigestKeyTo (boxPublicKey: Buffer): string | null {
    return this.#digestKey === null ? null : sealSecret(this.#digestKey, boxPublicKey)
  }

  /** Takes a digest key sealed to this node (an invite's). */
  openDigestKey (sealed: unknown): void {
    this.setDigestKey(openSealedSecret(sealed, this.identity))
  }

  get nodeId (): string {
    return this.identity.nodeId
  }

  /** Adds a role epoch key (kept only in memory until save). BAD_INPUT if it is inconsistent or conflicts with a held key. */
  addRoleKey (key: RoleKeyPair): void {
    if (!isBoxKeyPair(key)) throw badInput(`the key of role "${key.role}" epoch ${key.epoch}: its public key does not belong to its secret key`)
    const held = this.#roles.get(key.role)?.get(key.epoch)
    if (held !== undefined) {
      if (held.key.publicKey.equals(key.publicKey)) return
      throw badInput(`this keyring already holds a different key for role "${key.role}" epoch ${key.epoch}`)
    }
    const copy: RoleKeyPair = { role: key.role, epoch: key.epoch, publicKey: Buffer.from(key.publicKey), secretKey: Buffer.from(key.secretKey) }
    this.#hold({ key: copy, sealed: sealRoleKey(copy, this.identity.box.publicKey) })
  }

  /** Opens a role key sealed to this node (a grant) and adds it. ACCESS_DENIED if it was sealed to another node. */
  addSealedRoleKey (sealed: SealedRoleKey): RoleKeyPair {
    const key = openRoleKey(sealed, this.identity.box)
    this.addRoleKey(key)
    return key
  }

  hasRole (role: string): boolean {
    return (this.#roles.get(role)?.size ?? 0) > 0
  }

  roles (): string[] {
    return [...this.#roles.keys()].filter(role => this.hasRole(role)).sort()
  }

  /** The epochs held for a role, oldest first. */
  epochs (role: string): number[] {
    return [...(this.#roles.get(role)?.keys() ?? [])].sort((a, b) => a - b)
  }

  latestEpoch (role: string): number | undefined {
    return this.epochs(role).at(-1)
  }

  roleKeyPair (role: string, epoch: number): RoleKeyPair | undefined {
    return this.#roles.get(role)?.get(epoch)?.key
  }

  roleSecretKey (role: string, epoch: number): Buffer | undefined {
    return this.roleKeyPair(role, epoch)?.secretKey
  }

  /** Writes both key files atomically, mode 0600, in a 0700 keys directory. */
  async save (): Promise<void> {
    await ensurePrivateDir(this.paths.keysDir)
    const roles: RolesFileJSON = { version: 1, nodeId: this.nodeId, keys: this.#sealedKeys() }
    if (this.#digestKey !== null) roles.digest = sealSecret(this.#digestKey, this.identity.box.publicKey)
    if (this.#pastDigestKeys.length > 0) roles.pastDigests = this.#pastDigestKeys.map(key => sealSecret(key, this.identity.box.publicKey))
    await writeFileAtomic(this.paths.rolesFile, JSON.stringify(roles, null, 2) + '\n')
    await writeFileAtomic(this.paths.nodeFile, JSON.stringify(identityToJSON(this.identity), null, 2) + '\n')
  }

  #hold (entry: HeldRoleKey): void {
    let epochs = this.#roles.get(entry.key.role)
    if (epochs === undefined) {
      epochs = new Map()
      this.#roles.set(entry.key.role, epochs)
    }
    epochs.set(entry.key.epoch, entry)
  }

  #sealedKeys (): SealedRoleKey[] {
    return this.roles().flatMap(role => this.epochs(role).flatMap(epoch => {
      const held = this.#roles.get(role)?.get(epoch)
      return held === undefined ? [] : [held.sealed]
    }))
  }
}

async function exists (path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}

async function readKeyFile (path: string, remedy: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw corrupt(`key file ${path} is missing: ${remedy}`, err)
    throw corrupt(`key file ${path} cannot be read (${code ?? 'error'}): check its owner and permissions, or ${remedy}`, err)
  }
}

/** Parses a key file's JSON and shape; every failure becomes one CORRUPT line naming the file and the fix. */
function parseKeyFile<T> (path: string, remedy: string, text: string, parse: (value: unknown) => T): T {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw corrupt(`key file ${path} is corrupt (${text.trim() === '' ? 'empty' : 'not JSON'}): ${remedy}`, err)
  }
  try {
    return parse(value)
  } catch (err) {
    const detail = isBzzzError(err) ? err.message.replace(/\s+/g, ' ') : 'unreadable'
    throw corrupt(`key file ${path} is corrupt (${detail}): ${remedy}`, err)
  }
}

function openRolesFile (value: unknown, identity: NodeIdentity): HeldRoleKey[] {
  if (!isJsonObject(value)) throw badInput('not a JSON object')
  if (value.version !== 1) throw badInput(`version ${String(value.version)} is not supported (expected 1)`)
  if (value.nodeId !== identity.nodeId) throw badInput('its keys are sealed to another node')
  if (!Array.isArray(value.keys)) throw badInput('field "keys" is not an array')
  const seen = new Set<string>()
  return value.keys.map((raw: unknown): HeldRoleKey => {
    const sealed = parseSealedRoleKey(raw)
    const id = `${sealed.role}@${sealed.epoch}`
    if (seen.has(id)) throw badInput(`role "${sealed.role}" epoch ${sealed.epoch} is listed twice`)
    seen.add(id)
    // Opening proves the entry was sealed to this node and not altered (the opened key must match its public key).
    return { key: openRoleKey(sealed, identity.box), sealed }
  })
}

export const DIGEST_KEY_BYTES = 32
const DIGEST_KEY_ID = Buffer.from('bzzz-ctx/digest-key-id')

/**
 * A digest key's public name (hex, 16 bytes): a keyed hash of a constant, which tells nothing of the key. The admin
 * signs it with a new key's grants, so a member takes up only the key the admin made, whoever wrote the grant.
 */
export function digestKeyId (key: Buffer): string {
  const id = Buffer.alloc(16)
  sodium.crypto_generichash(id, DIGEST_KEY_ID, key)
  return id.toString('hex')
}

function sealSecret (secret: Buffer, boxPublicKey: Buffer): string {
  const sealed = Buffer.alloc(secret.length + sodium.crypto_box_SEALBYTES)
  sodium.crypto_box_seal(sealed, secret, boxPublicKey)
  return sealed.toString('base64')
}

function openSealedSecret (value: unknown, identity: NodeIdentity): Buffer {
  if (typeof value !== 'string') throw badInput('the digest key is not a string')
  const sealed = Buffer.from(value, 'base64')
  if (sealed.length !== DIGEST_KEY_BYTES + sodium.crypto_box_SEALBYTES) throw badInput('the digest key has the wrong size')
  const key = Buffer.alloc(DIGEST_KEY_BYTES)
  if (!sodium.crypto_box_seal_open(key, sealed, identity.box.publicKey, identity.box.secretKey)) throw badInput('the digest key was not sealed to this node, or was altered')
  return key
}
