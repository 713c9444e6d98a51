/**
 * Random bytes drawn from a pool refilled by libsodium: one getrandom call per 4 KiB instead of one per
 * nonce and key (a call costs about a microsecond, as much as sealing a small section).
 */
import sodium from 'sodium-native'

export const RANDOM_POOL_BYTES = 4096

export class RandomPool {
  readonly #pool: Buffer
  #offset: number

  constructor (poolBytes: number = RANDOM_POOL_BYTES) {
    this.#pool = Buffer.alloc(poolBytes)
    this.#offset = poolBytes
  }

  /** Fills the target with fresh random bytes; pool bytes are zeroed once handed out, so none is used twice. */
  fill (target: Buffer): Buffer {
    if (target.length > this.#pool.length) {
      sodium.randombytes_buf(target)
      return target
    }
    if (this.#offset + target.length > this.#pool.length) {
      sodium.randombytes_buf(this.#pool)
      this.#offset = 0
    }
    const taken = this.#pool.subarray(this.#offset, this.#offset + target.length)
    taken.copy(target)
    sodium.sodium_memzero(taken)
    this.#offset += target.length
    return target
  }

  bytes (length: number): Buffer {
    return this.fill(Buffer.alloc(length))
  }
}
