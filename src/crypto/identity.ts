/** A node's identity: an Ed25519 signing keypair (its id) and an X25519 box keypair (what role keys are sealed to). */
import sodium from 'sodium-native'
import { badInput } from '../errors.js'
import { isJsonObject, parseBase64Key, parseHexKey } from './key-text.js'

/** An X25519 keypair: a node's box key, a role's epoch key, a writer's key. */
export interface BoxKeyPair {
  publicKey: Buffer
  secretKey: Buffer
}

/** An Ed25519 keypair; the secret key is libsodium's 64 bytes (seed then public key). */
export interface SignKeyPair {
  publicKey: Buffer
  secretKey: Buffer
}

export interface NodeIdentity {
  /** Hex of the signing public key. */
  nodeId: string
  sign: SignKeyPair
  box: BoxKeyPair
}

/** What a node may publish about itself: enough to verify it and to seal keys to it. */
export interface PublicIdentity {
  nodeId: string
  boxPublicKey: string
}

/** The JSON form kept in keys/node.json: public keys in hex, secret keys in base64. */
export interface NodeIdentityJSON {
  version: 1
  nodeId: string
  sign: { publicKey: string, secretKey: string }
  box: { publicKey: string, secretKey: string }
}

export const SIGN_PUBLIC_KEY_BYTES = sodium.crypto_sign_PUBLICKEYBYTES
export const SIGN_SECRET_KEY_BYTES = sodium.crypto_sign_SECRETKEYBYTES
export const SIGNATURE_BYTES = sodium.crypto_sign_BYTES
export const BOX_PUBLIC_KEY_BYTES = sodium.crypto_box_PUBLICKEYBYTES
export const BOX_SECRET_KEY_BYTES = sodium.crypto_box_SECRETKEYBYTES

/**
 * A fresh identity. The box keypair is generated on its own rather than converted from the Ed25519
 * key, so no secret is used by two primitives.
 */
export function generateIdentity (): NodeIdentity {
  const sign = generateSignKeyPair()
  return { nodeId: sign.publicKey.toString('hex'), sign, box: generateBoxKeyPair() }
}

/**
 * The identity a 64-byte seed determines (its first half the signing key's seed, the second the box key's): the
 * simulator's peers, so one seed gives the same node ids, and the same order of peers by id, in every run.
 */
export function identityFromSeed (seed: Buffer): NodeIdentity {
  const sign = { publicKey: Buffer.alloc(SIGN_PUBLIC_KEY_BYTES), secretKey: Buffer.alloc(SIGN_SECRET_KEY_BYTES) }
  sodium.crypto_sign_seed_keypair(sign.publicKey, sign.secretKey, seed.subarray(0, sodium.crypto_sign_SEEDBYTES))
  const box = { publicKey: Buffer.alloc(BOX_PUBLIC_KEY_BYTES), secretKey: Buffer.alloc(BOX_SECRET_KEY_BYTES) }
  sodium.crypto_box_seed_keypair(box.publicKey, box.secretKey, seed.subarray(32, 32 + sodium.crypto_box_SEEDBYTES))
  return { nodeId: sign.publicKey.toString('hex'), sign, box }
}

export function generateSignKeyPair (): SignKeyPair {
  const publicKey = Buffer.alloc(SIGN_PUBLIC_KEY_BYTES)
  const secretKey = Buffer.alloc(SIGN_SECRET_KEY_BYTES)
  sodium.crypto_sign_keypair(publicKey, secretKey)
  return { publicKey, secretKey }
}

export function generateBoxKeyPair (): BoxKeyPair {
  const publicKey = Buffer.alloc(BOX_PUBLIC_KEY_BYTES)
  const secretKey = Buffer.alloc(BOX_SECRET_KEY_BYTES)
  sodium.crypto_box_keypair(publicKey, secretKey)
  return { publicKey, secretKey }
}

/** The X25519 public key of a box secret key. */
export function boxPublicKeyOf (secretKey: Buffer): Buffer {
  const publicKey = Buffer.alloc(BOX_PUBLIC_KEY_BYTES)
  sodium.crypto_scalarmult_base(publicKey, secretKey)
  return publicKey
}

/** True when the box public key belongs to the secret key. */
export function isBoxKeyPair (pair: BoxKeyPair): boolean {
  return pair.publicKey.length === BOX_PUBLIC_KEY_BYTES &&
    pair.secretKey.length === BOX_SECRET_KEY_BYTES &&
    boxPublicKeyOf(pair.secretKey).equals(pair.publicKey)
}

export function identityToJSON (identity: NodeIdentity): NodeIdentityJSON {
  return {
    version: 1,
    nodeId: identity.nodeId,
    sign: { publicKey: identity.sign.publicKey.toString('hex'), secretKey: identity.sign.secretKey.toString('base64') },
    box: { publicKey: identity.box.publicKey.toString('hex'), secretKey: identity.box.secretKey.toString('base64') }
  }
}

/**
 * Parses and checks an identity: the shape, every key length, and that each public key belongs to its
 * secret key, so a tampered file is refused. Throws BAD_INPUT with a short reason.
 */
export function identityFromJSON (value: unknown): NodeIdentity {
  if (!isJsonObject(value)) throw badInput('identity is not a JSON object')
  if (value.version !== 1) throw badInput(`identity version ${String(value.version)} is not supported (expected 1)`)
  const sign = value.sign
  const box = value.box
  if (!isJsonObject(sign)) throw badInput('identity field "sign" is not an object')
  if (!isJsonObject(box)) throw badInput('identity field "box" is not an object')
  const identity: NodeIdentity = {
    nodeId: '',
    sign: {
      publicKey: parseHexKey(sign.publicKey, SIGN_PUBLIC_KEY_BYTES, 'identity field "sign.publicKey"'),
      secretKey: parseBase64Key(sign.secretKey, SIGN_SECRET_KEY_BYTES, 'identity field "sign.secretKey"')
    },
    box: {
      publicKey: parseHexKey(box.publicKey, BOX_PUBLIC_KEY_BYTES, 'identity field "box.publicKey"'),
      secretKey: parseBase64Key(box.secretKey, BOX_SECRET_KEY_BYTES, 'identity field "box.secretKey"')
    }
  }
  identity.nodeId = identity.sign.publicKey.toString('hex')
  if (value.nodeId !== identity.nodeId) throw badInput('identity field "nodeId" does not match the signing public key')
  // libsodium's Ed25519 secret key is seed || public key; the seed must also derive that public key.
  if (!identity.sign.secretKey.subarray(32).equals(identity.sign.publicKey) || !signSeedMatches(identity.sign)) {
    throw badInput('identity signing keys do not belong together')
  }
  if (!isBoxKeyPair(identity.box)) throw badInput('identity box keys do not belong together')
  return identity
}

function signSeedMatches (pair: SignKeyPair): boolean {
  const publicKey = Buffer.alloc(SIGN_PUBLIC_KEY_BYTES)
  const secretKey = Buffer.alloc(SIGN_SECRET_KEY_BYTES)
  sodium.crypto_sign_seed_keypair(publicKey, secretKey, pair.secretKey.subarray(0, sodium.crypto_sign_SEEDBYTES))
  const matches = publicKey.equals(pair.publicKey)
  sodium.sodium_memzero(secretKey)
  return matches
}

export function publicIdentity (identity: NodeIdentity): PublicIdentity {
  return { nodeId: identity.nodeId, boxPublicKey: identity.box.publicKey.toString('hex') }
}

/** A detached Ed25519 signature of the message by this node. */
export function signMessage (identity: NodeIdentity, message: Uint8Array): Buffer {
  const signature = Buffer.alloc(SIGNATURE_BYTES)
  sodium.crypto_sign_detached(signature, message, identity.sign.secretKey)
  return signature
}

/**
 * True when the signature is a valid signature of the message by the holder of the public key, which may be
 * given as a node id (hex). A malformed key or signature is simply not valid.
 */
export function verifySignature (publicKey: Uint8Array | string, message: Uint8Array, signature: Uint8Array): boolean {
  const key = typeof publicKey === 'string' ? nodeIdToPublicKey(publicKey) : publicKey
  if (key === undefined || key.length !== SIGN_PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false
  return sodium.crypto_sign_verify_detached(signature, message, key)
}

function nodeIdToPublicKey (nodeId: string): Buffer | undefined {
  try {
    return parseHexKey(nodeId, SIGN_PUBLIC_KEY_BYTES, 'node id')
  } catch {
    return undefined
  }
}
