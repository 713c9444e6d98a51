/**
 * A key only this node has, derived from its identity, for data it keeps encrypted at rest for itself (an
 * analysis cache) and for keyed digests that tell whether a plaintext changed without storing the plaintext.
 */
import sodium from 'sodium-native'
import { badInput, corrupt } from '../errors.js'
import type { NodeIdentity } from './identity.js'

const LOCAL_SECRET_VERSION = 1
const MASTER_CONTEXT = Buffer.from('bzzz-ctx local secret v1', 'latin1')
const KDF_CONTEXT = Buffer.from('bzzzlocl', 'latin1') // crypto_kdf contexts are exactly 8 bytes
const SEAL_SUBKEY_ID = 1
const DIGEST_SUBKEY_ID = 2
const AD_DOMAIN = Buffer.from('bzzz-ctx local\0', 'latin1')
const KEY_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES
const NONCE_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
const TAG_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES
const HEADER_BYTES = 1 + NONCE_BYTES

export type DigestBytes = 16 | 32

export class LocalSecret {
  readonly #sealKey: Buffer
  readonly #digestKey: Buffer

  private constructor (sealKey: Buffer, digestKey: Buffer) {
    this.#sealKey = sealKey
    this.#digestKey = digestKey
  }

  /**
   * Derives the keys from the node's Ed25519 seed: BLAKE2b keyed by the seed gives a master key, and
   * crypto_kdf gives one subkey per use, so the seed never meets these ciphers directly.
   */
  static fromIdentity (identity: NodeIdentity): LocalSecret {
    const seed = identity.sign.secretKey.subarray(0, sodium.crypto_sign_SEEDBYTES)
    const master = Buffer.alloc(sodium.crypto_kdf_KEYBYTES)
    sodium.crypto_generichash(master, MASTER_CONTEXT, seed)
    const sealKey = Buffer.alloc(KEY_BYTES)
    const digestKey = Buffer.alloc(sodium.crypto_generichash_KEYBYTES)
    sodium.crypto_kdf_derive_from_key(sealKey, SEAL_SUBKEY_ID, KDF_CONTEXT, master)
    sodium.crypto_kdf_derive_from_key(digestKey, DIGEST_SUBKEY_ID, KDF_CONTEXT, master)
    sodium.sodium_memzero(master)
    return new LocalSecret(sealKey, digestKey)
  }

  /**
   * Encrypts for this node only: version byte, random nonce, XChaCha20-Poly1305 ciphertext. The context
   * (what the data is, e.g. "analysis-cache") is bound in, so data sealed for one use does not open as another.
   */
  sealLocal (plaintext: Uint8Array, context: string): Buffer {
    const sealed = Buffer.alloc(HEADER_BYTES + plaintext.length + TAG_BYTES)
    sealed[0] = LOCAL_SECRET_VERSION
    const nonce = sealed.subarray(1, HEADER_BYTES)
    sodium.randombytes_buf(nonce)
    sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(sealed.subarray(HEADER_BYTES), plaintext, adOf(context), null, nonce, this.#sealKey)
    return sealed
  }

  /** Opens what sealLocal sealed with the same context; CORRUPT if it is malformed, altered, or sealed by another node or for another context. */
  openLocal (sealed: Uint8Array, context: string): Buffer {
    if (sealed.length < HEADER_BYTES + TAG_BYTES) throw corrupt(`locally sealed ${context} data is truncated (${sealed.length} bytes)`)
    if (sealed[0] !== LOCAL_SECRET_VERSION) throw corrupt(`locally sealed ${context} data has unknown version ${String(sealed[0])}`)
    const plaintext = Buffer.alloc(sealed.length - HEADER_BYTES - TAG_BYTES)
    try {
      sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(plaintext, null, sealed.subarray(HEADER_BYTES), adOf(context), sealed.subarray(1, HEADER_BYTES), this.#sealKey)
    } catch (err) {
      throw corrupt(`locally sealed ${context} data fails to authenticate: it is damaged or was sealed by another node`, err)
    }
    return plaintext
  }

  /** Keyed BLAKE2b of the bytes, hex: equal for equal input on this node, meaningless to anyone without its key. */
  keyedDigest (input: Uint8Array, bytes: DigestBytes = 16): string {
    return keyedDigest(input, this.#digestKey, bytes)
  }
}

/** Keyed BLAKE2b of the bytes under `key`, hex: meaningless to anyone without the key. */
export function keyedDigest (input: Uint8Array, key: Buffer, bytes: DigestBytes = 16): string {
  if (bytes !== 16 && bytes !== 32) throw badInput(`a keyed digest is 16 or 32 bytes, not ${String(bytes)}`)
  const digest = Buffer.alloc(bytes)
  sodium.crypto_generichash(digest, input, key)
  return digest.toString('hex')
}

function adOf (context: string): Buffer {
  return Buffer.concat([AD_DOMAIN, Buffer.from(context, 'utf8')])
}
