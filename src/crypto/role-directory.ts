/** The cluster's public view of its roles: each role's clearance, current epoch and epoch public key. */
import { badInput } from '../errors.js'
import { isAccessLevel, ROLE_NAME_PATTERN } from './levels.js'
import type { AccessLevel, RoleDefinition } from './levels.js'
import { BOX_PUBLIC_KEY_BYTES } from './identity.js'
import { isJsonObject, parseEpoch, parseHexKey } from './key-text.js'

/** What a writer may know of a role's epoch key. */
export interface PublicRoleKey {
  role: string
  epoch: number
  publicKey: Buffer
}

/** One role as every peer sees it (JSON-able: the public key is hex). */
export interface RoleDirectoryEntry {
  name: string
  clearance: AccessLevel
  epoch: number
  publicKey: string
}

/**
 * An immutable list of roles. It holds public keys only, which is all a writer needs to seal for a role.
 * Two roles may not share a public key: envelope wraps of one section share a nonce, which is safe only
 * because every recipient role's wrap key differs.
 */
export class RoleDirectory {
  readonly #entries = new Map<string, RoleDirectoryEntry>()
  readonly #publicKeys = new Map<string, Buffer>()

  constructor (entries: readonly RoleDirectoryEntry[]) {
    const seenKeys = new Set<string>()
    for (const [index, raw] of entries.entries()) {
      const entry = parseEntry(raw, `role directory entry ${index}`)
      if (this.#entries.has(entry.name)) throw badInput(`role directory lists role "${entry.name}" twice`)
      if (seenKeys.has(entry.publicKey)) throw badInput(`role directory gives role "${entry.name}" the public key of another role`)
      seenKeys.add(entry.publicKey)
      this.#entries.set(entry.name, entry)
      this.#publicKeys.set(entry.name, Buffer.from(entry.publicKey, 'hex'))
    }
  }

  /** Parses the JSON form (an array of entries); throws BAD_INPUT saying what is wrong. */
  static fromJSON (value: unknown): RoleDirectory {
    if (!Array.isArray(value)) throw badInput('role directory is not a JSON array')
    return new RoleDirectory(value as RoleDirectoryEntry[])
  }

  /** A directory from role definitions and the current epoch key of each. */
  static fromRoleKeys (definitions: readonly RoleDefinition[], keys: readonly PublicRoleKey[]): RoleDirectory {
    const entries = definitions.map((definition): RoleDirectoryEntry => {
      const key = keys.find(candidate => candidate.role === definition.name)
      if (key === undefined) throw badInput(`no key given for role "${definition.name}"`)
      return { name: definition.name, clearance: definition.clearance, epoch: key.epoch, publicKey: key.publicKey.toString('hex') }
    })
    return new RoleDirectory(entries)
  }

  get size (): number {
    return this.#entries.size
  }

  names (): string[] {
    return [...this.#entries.keys()]
  }

  has (name: string): boolean {
    return this.#entries.has(name)
  }

  get (name: string): RoleDirectoryEntry | undefined {
    const entry = this.#entries.get(name)
    return entry === undefined ? undefined : { ...entry }
  }

  /** The role's current epoch public key (a shared Buffer: do not modify it). */
  publicKey (name: string): Buffer | undefined {
    return this.#publicKeys.get(name)
  }

  /**
   * A directory in which the role has this key: a new role (with its clearance), or a later epoch of an
   * existing role. An epoch that does not move forward is refused.
   */
  withRoleKey (key: PublicRoleKey, clearance?: AccessLevel): RoleDirectory {
    const current = this.#entries.get(key.role)
    const level = clearance ?? current?.clearance
    if (level === undefined) throw badInput(`role "${key.role}" is new: give its clearance`)
    if (current !== undefined && key.epoch <= current.epoch) {
      throw badInput(`role "${key.role}" is at epoch ${current.epoch}: a new key needs a later epoch, not ${key.epoch}`)
    }
    const entry: RoleDirectoryEntry = { name: key.role, clearance: level, epoch: key.epoch, publicKey: key.publicKey.toString('hex') }
    // A new epoch keeps the role's place in the list (the order people read the roles in).
    const entries = this.toJSON()
    const at = entries.findIndex(existing => existing.name === key.role)
    if (at === -1) entries.push(entry)
    else entries[at] = entry
    return new RoleDirectory(entries)
  }

  toJSON (): RoleDirectoryEntry[] {
    return [...this.#entries.values()].map(entry => ({ ...entry }))
  }
}

function parseEntry (value: unknown, what: string): RoleDirectoryEntry {
  if (!isJsonObject(value)) throw badInput(`${what} is not an object`)
  const { name, clearance, epoch, publicKey } = value
  if (typeof name !== 'string' || !ROLE_NAME_PATTERN.test(name)) {
    throw badInput(`${what} has an invalid role name: use lower-case letters, digits, "_" or "-", starting with a letter`)
  }
  if (!isAccessLevel(clearance)) throw badInput(`${what} (role "${name}") has an unknown clearance "${String(clearance)}"`)
  parseEpoch(epoch, `${what} (role "${name}") epoch`)
  parseHexKey(publicKey, BOX_PUBLIC_KEY_BYTES, `${what} (role "${name}") public key`)
  return { name, clearance, epoch: epoch as number, publicKey: publicKey as string }
}
