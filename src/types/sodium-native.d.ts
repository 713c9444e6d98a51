/**
 * Types for the parts of sodium-native 5 that bzzz-ctx uses (the package ships none).
 * Every function asserts its buffer sizes and throws on a size mismatch; the decrypt functions throw
 * when a ciphertext fails to authenticate, crypto_box_seal_open and the verify functions return false.
 */
declare module 'sodium-native' {
  type Bytes = Uint8Array

  namespace sodium {
    // randomness and memory
    function randombytes_buf (buffer: Bytes): void
    function sodium_memzero (buffer: Bytes): void
    /** Constant-time equality of two buffers of the same length. */
    function sodium_memcmp (a: Bytes, b: Bytes): boolean

    // Ed25519 signatures
    const crypto_sign_PUBLICKEYBYTES: number
    const crypto_sign_SECRETKEYBYTES: number
    const crypto_sign_SEEDBYTES: number
    const crypto_sign_BYTES: number
    function crypto_sign_keypair (publicKey: Bytes, secretKey: Bytes): void
    function crypto_sign_seed_keypair (publicKey: Bytes, secretKey: Bytes, seed: Bytes): void
    function crypto_sign_detached (signature: Bytes, message: Bytes, secretKey: Bytes): void
    function crypto_sign_verify_detached (signature: Bytes, message: Bytes, publicKey: Bytes): boolean
    function crypto_sign_ed25519_pk_to_curve25519 (x25519PublicKey: Bytes, ed25519PublicKey: Bytes): void
    function crypto_sign_ed25519_sk_to_curve25519 (x25519SecretKey: Bytes, ed25519SecretKey: Bytes): void

    // X25519 boxes and sealed boxes
    const crypto_box_PUBLICKEYBYTES: number
    const crypto_box_SECRETKEYBYTES: number
    const crypto_box_SEEDBYTES: number
    const crypto_box_SEALBYTES: number
    function crypto_box_keypair (publicKey: Bytes, secretKey: Bytes): void
    function crypto_box_seed_keypair (publicKey: Bytes, secretKey: Bytes, seed: Bytes): void
    function crypto_box_seal (ciphertext: Bytes, message: Bytes, publicKey: Bytes): void
    /** False when the ciphertext was not sealed to this keypair or was altered. */
    function crypto_box_seal_open (message: Bytes, ciphertext: Bytes, publicKey: Bytes, secretKey: Bytes): boolean

    // X25519 key exchange (BLAKE2b of the shared point and both public keys); throws on a low-order key
    const crypto_kx_PUBLICKEYBYTES: number
    const crypto_kx_SECRETKEYBYTES: number
    const crypto_kx_SESSIONKEYBYTES: number
    function crypto_kx_client_session_keys (rx: Bytes | null, tx: Bytes | null, clientPublicKey: Bytes, clientSecretKey: Bytes, serverPublicKey: Bytes): void
    function crypto_kx_server_session_keys (rx: Bytes | null, tx: Bytes | null, serverPublicKey: Bytes, serverSecretKey: Bytes, clientPublicKey: Bytes): void

    // raw X25519
    const crypto_scalarmult_BYTES: number
    const crypto_scalarmult_SCALARBYTES: number
    function crypto_scalarmult_base (publicKey: Bytes, secretKey: Bytes): void
    function crypto_scalarmult (shared: Bytes, secretKey: Bytes, publicKey: Bytes): void

    // XChaCha20-Poly1305 (IETF AEAD)
    const crypto_aead_xchacha20poly1305_ietf_KEYBYTES: number
    const crypto_aead_xchacha20poly1305_ietf_NPUBBYTES: number
    const crypto_aead_xchacha20poly1305_ietf_ABYTES: number
    function crypto_aead_xchacha20poly1305_ietf_keygen (key: Bytes): void
    /** Returns the number of bytes written to ciphertext. */
    function crypto_aead_xchacha20poly1305_ietf_encrypt (ciphertext: Bytes, message: Bytes, ad: Bytes | null, nsec: null, nonce: Bytes, key: Bytes): number
    /** Returns the number of bytes written to message; throws when the ciphertext fails to authenticate. */
    function crypto_aead_xchacha20poly1305_ietf_decrypt (message: Bytes, nsec: null, ciphertext: Bytes, ad: Bytes | null, nonce: Bytes, key: Bytes): number

    // BLAKE2b
    const crypto_generichash_BYTES: number
    const crypto_generichash_BYTES_MIN: number
    const crypto_generichash_BYTES_MAX: number
    const crypto_generichash_KEYBYTES: number
    const crypto_generichash_KEYBYTES_MIN: number
    const crypto_generichash_KEYBYTES_MAX: number
    function crypto_generichash (output: Bytes, input: Bytes, key?: Bytes | null): void
    function crypto_generichash_batch (output: Bytes, inputs: Bytes[], key?: Bytes | null): void

    // key derivation (BLAKE2b)
    const crypto_kdf_KEYBYTES: number
    const crypto_kdf_CONTEXTBYTES: number
    const crypto_kdf_BYTES_MIN: number
    const crypto_kdf_BYTES_MAX: number
    function crypto_kdf_derive_from_key (subkey: Bytes, subkeyId: number, context: Bytes, key: Bytes): void
  }

  export = sodium
}
