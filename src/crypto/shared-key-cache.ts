/**
 * The keys a writer shares with each role epoch, computed once per (writer key, role epoch key) and kept in
 * a bounded LRU, so sealing or opening a record costs symmetric crypto only.
 *
 * sodium-native does not expose crypto_box_beforenm, so the agreement is crypto_kx: the writer is the kx
 * client and the role the server; the writer's transmit key equals the role's receive key. crypto_kx hashes
 * the X25519 point together with both public keys (BLAKE2b-256), which binds the key to this writer and
 * this role epoch, and refuses low-order public keys.
 */
import sodium from 'sodium-native'
import { badInput, corrupt } from '../errors.js'
import { BOX_PUBLIC_KEY_BYTES } from './identity.js'
import type { BoxKeyPair } from './identity.js'

export const DEFAULT_MAX_SHARED_KEYS = 4096
export const SHARED_KEY_BYTES = sodium.crypto_kx_SESSIONKEYBYTES
const KEY_PAIR_ID_BYTES = 16

/** Gives the shared key for the other side's public key. */
export type SharedKeyFor = (otherPublicKey: Buffer) => Buffer

export interface SharedKeyCacheOptions {
  maxEntries?: number
}

export class SharedKeyCache {
  readonly maxEntries: number
  readonly #keys = new Map<string, Buffer>()
  #agreements = 0

  constructor ({ maxEntries = DEFAULT_MAX_SHARED_KEYS }: SharedKeyCacheOptions = {}) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw badInput('a shared key cache holds at least one key')
    this.maxEntries = maxEntries
  }

  /** How many X25519 agreements this cache has computed (a miss costs one; a hit none). */
  get agreements (): number {
    return this.#agreements
  }

  get size (): number {
    return this.#keys.size
  }

  clear (): void {
    for (const key of this.#keys.values()) sodium.sodium_memzero(key)
    this.#keys.clear()
  }

  /** The writer side: the key for wrapping data keys to a role epoch public key. BAD_INPUT for an unusable role key. */
  writer (writer: BoxKeyPair): SharedKeyFor {
    const prefix = 'w' + keyPairId(writer)
    return (rolePublicKey) => this.#get(prefix, rolePublicKey, (shared) => {
      assertPublicKey(rolePublicKey, () => badInput('a role public key is not 32 bytes'))
      try {
        sodium.crypto_kx_client_session_keys(null, shared, writer.publicKey, writer.secretKey, rolePublicKey)
      } catch {
        throw badInput(`role public key ${rolePublicKey.toString('hex')} is not a usable X25519 key`)
      }
    })
  }

  /** The role side: the key for unwrapping data keys from a writer public key. CORRUPT for an unusable writer key. */
  reader (role: BoxKeyPair): SharedKeyFor {
    const prefix = 'r' + keyPairId(role)
    return (writerPublicKey) => this.#get(prefix, writerPublicKey, (shared) => {
      assertPublicKey(writerPublicKey, () => corrupt('the writer public key of an envelope is not 32 bytes'))
      try {
        sodium.crypto_kx_server_session_keys(shared, null, role.publicKey, role.secretKey, writerPublicKey)
      } catch (err) {
        throw corrupt('the writer public key of an envelope is not a usable X25519 key', err)
      }
    })
  }

  #get (prefix: string, otherPublicKey: Buffer, agree: (shared: Buffer) => void): Buffer {
    const id = prefix + otherPublicKey.toString('latin1')
    const cached = this.#keys.get(id)
    if (cached !== undefined) {
      // Re-insert to mark it most recently used.
      this.#keys.delete(id)
      this.#keys.set(id, cached)
      return cached
    }
    const shared = Buffer.alloc(SHARED_KEY_BYTES)
    agree(shared)
    this.#agreements++
    this.#keys.set(id, shared)
    if (this.#keys.size > this.maxEntries) {
      const oldest = this.#keys.keys().next()
      if (oldest.done !== true) this.#keys.delete(oldest.value)
    }
    return shared
  }
}

/**
 * Names a keypair by a hash of its secret and public keys, so two keypairs that claim the same public key
 * never share a cache entry (a lookup that returns a wrong secret key gets its own, failing, key).
 */
function keyPairId (pair: BoxKeyPair): string {
  const id = Buffer.alloc(KEY_PAIR_ID_BYTES)
  sodium.crypto_generichash_batch(id, [pair.secretKey, pair.publicKey])
  return id.toString('latin1')
}

function assertPublicKey (key: Buffer, error: () => Error): void {
  if (key.length !== BOX_PUBLIC_KEY_BYTES) throw error()
}
