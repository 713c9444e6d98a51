/** Role epoch keys: generating them, sealing a role's secret key to a member node, and rotating to a new epoch. */
import sodium from 'sodium-native'
import { accessDenied, badInput, corrupt } from '../errors.js'
import { ROLE_NAME_PATTERN } from './levels.js'
import type { RoleDefinition } from './levels.js'
import { BOX_PUBLIC_KEY_BYTES, BOX_SECRET_KEY_BYTES, boxPublicKeyOf, generateBoxKeyPair } from './identity.js'
import type { BoxKeyPair } from './identity.js'
import { isJsonObject, parseBase64Key, parseEpoch, parseHexKey } from './key-text.js'
import { RoleDirectory, type PublicRoleKey } from './role-directory.js'

/** A role's X25519 keypair for one epoch. */
export interface RoleKeyPair extends BoxKeyPair {
  role: string
  epoch: number
}

/** A role epoch secret key sealed to one node's box public key (JSON-able: a grant, or an entry of keys/roles.json). */
export interface SealedRoleKey {
  role: string
  epoch: number
  /** The role's epoch public key, hex. */
  publicKey: string
  /** crypto_box_seal of the role's epoch secret key to the node's box public key, base64. */
  sealedSecretKey: string
}

export const FIRST_EPOCH = 1
const SEALED_SECRET_KEY_BYTES = BOX_SECRET_KEY_BYTES + sodium.crypto_box_SEALBYTES

export function assertRoleName (role: string): void {
  if (!ROLE_NAME_PATTERN.test(role)) {
    throw badInput(`invalid role name "${role}": use 1-32 lower-case letters, digits, "_" or "-", starting with a letter`)
  }
}

export function generateRoleKey (role: string, epoch: number = FIRST_EPOCH): RoleKeyPair {
  assertRoleName(role)
  parseEpoch(epoch, `epoch of role "${role}"`)
  return { role, epoch, ...generateBoxKeyPair() }
}

/** Epoch-1 keys for each role definition, and the directory that publishes them. */
export function generateRoleSet (definitions: readonly RoleDefinition[]): { directory: RoleDirectory, keys: RoleKeyPair[] } {
  const keys = definitions.map(definition => generateRoleKey(definition.name))
  return { directory: RoleDirectory.fromRoleKeys(definitions, keys), keys }
}

export function publicRoleKey (key: PublicRoleKey): PublicRoleKey {
  return { role: key.role, epoch: key.epoch, publicKey: key.publicKey }
}

/**
 * Starts the next epoch of a role: a new keypair at epoch + 1 and the directory that publishes it.
 * Old records stay readable by keyrings that keep the old epoch's key; a node that is not sealed the new
 * key (a revoked one) cannot read what is written from now on.
 */
export function rotateRole (directory: RoleDirectory, role: string): { directory: RoleDirectory, key: RoleKeyPair } {
  const current = directory.get(role)
  if (current === undefined) throw badInput(`cannot rotate unknown role "${role}": use one of ${directory.names().join(', ')}`)
  const key = generateRoleKey(role, current.epoch + 1)
  return { directory: directory.withRoleKey(key), key }
}

/** Seals the role's epoch secret key so that only the node holding the box secret key can open it. */
export function sealRoleKey (key: RoleKeyPair, nodeBoxPublicKey: Buffer): SealedRoleKey {
  if (nodeBoxPublicKey.length !== BOX_PUBLIC_KEY_BYTES) throw badInput(`a node box public key is ${BOX_PUBLIC_KEY_BYTES} bytes, not ${nodeBoxPublicKey.length}`)
  const sealed = Buffer.alloc(SEALED_SECRET_KEY_BYTES)
  sodium.crypto_box_seal(sealed, key.secretKey, nodeBoxPublicKey)
  return { role: key.role, epoch: key.epoch, publicKey: key.publicKey.toString('hex'), sealedSecretKey: sealed.toString('base64') }
}

/**
 * Opens a sealed role key with this node's box keypair. ACCESS_DENIED when it was sealed to another node
 * (or altered: the two cannot be told apart); CORRUPT when it opens to a key that does not match its
 * public key.
 */
export function openRoleKey (sealed: SealedRoleKey, node: BoxKeyPair): RoleKeyPair {
  const parsed = parseSealedRoleKey(sealed)
  const publicKey = Buffer.from(parsed.publicKey, 'hex')
  const ciphertext = Buffer.from(parsed.sealedSecretKey, 'base64')
  const secretKey = Buffer.alloc(BOX_SECRET_KEY_BYTES)
  if (!sodium.crypto_box_seal_open(secretKey, ciphertext, node.publicKey, node.secretKey)) {
    throw accessDenied(`the key of role "${parsed.role}" epoch ${parsed.epoch} was not sealed to this node, or was altered`)
  }
  if (!boxPublicKeyOf(secretKey).equals(publicKey)) {
    sodium.sodium_memzero(secretKey)
    throw corrupt(`the key of role "${parsed.role}" epoch ${parsed.epoch} does not match its public key`)
  }
  return { role: parsed.role, epoch: parsed.epoch, publicKey, secretKey }
}

/**
 * A node's X25519 key derived from its Ed25519 node key (libsodium's conversion): a grant sealed to it reaches a member
 * from its node id alone, whose own box key no other member knows. The signing key is used for this one purpose more.
 */
function nodeBoxKeyPair (identity: { sign: { publicKey: Buffer, secretKey: Buffer } }): BoxKeyPair {
  const publicKey = Buffer.alloc(BOX_PUBLIC_KEY_BYTES)
  const secretKey = Buffer.alloc(BOX_SECRET_KEY_BYTES)
  sodium.crypto_sign_ed25519_pk_to_curve25519(publicKey, identity.sign.publicKey)
  sodium.crypto_sign_ed25519_sk_to_curve25519(secretKey, identity.sign.secretKey)
  return { publicKey, secretKey }
}

/** Seals a role key to a member known by its node id (hex Ed25519 public key): a grant. */
export function sealRoleKeyToNode (key: RoleKeyPair, nodeId: string): SealedRoleKey {
  const publicKey = Buffer.alloc(BOX_PUBLIC_KEY_BYTES)
  try {
    sodium.crypto_sign_ed25519_pk_to_curve25519(publicKey, parseHexKey(nodeId, 32, 'node id'))
  } catch (err) {
    throw badInput(`node ${nodeId.slice(0, 12)} has no usable key to seal a grant to (${(err as Error).message})`)
  }
  return sealRoleKey(key, publicKey)
}

/** Opens a grant sealed to this node's id (sealRoleKeyToNode). */
export function openRoleKeyAsNode (sealed: SealedRoleKey, identity: { sign: { publicKey: Buffer, secretKey: Buffer } }): RoleKeyPair {
  const pair = nodeBoxKeyPair(identity)
  try {
    return openRoleKey(sealed, pair)
  } finally {
    sodium.sodium_memzero(pair.secretKey)
  }
}

/** Seals a small secret (the cluster's digest key) to a member known by its node id, as a grant: base64. */
export function sealSecretToNode (secret: Buffer, nodeId: string): string {
  const publicKey = Buffer.alloc(BOX_PUBLIC_KEY_BYTES)
  try {
    sodium.crypto_sign_ed25519_pk_to_curve25519(publicKey, parseHexKey(nodeId, 32, 'node id'))
  } catch (err) {
    throw badInput(`node ${nodeId.slice(0, 12)} has no usable key to seal a grant to (${(err as Error).message})`)
  }
  const sealed = Buffer.alloc(secret.length + sodium.crypto_box_SEALBYTES)
  sodium.crypto_box_seal(sealed, secret, publicKey)
  return sealed.toString('base64')
}

/** Opens a secret sealed to this node's id (sealSecretToNode); ACCESS_DENIED when it was sealed to another, or altered. */
export function openSecretAsNode (sealed: string, bytes: number, identity: { sign: { publicKey: Buffer, secretKey: Buffer } }): Buffer {
  const ciphertext = Buffer.from(sealed, 'base64')
  const secret = Buffer.alloc(bytes)
  const pair = nodeBoxKeyPair(identity)
  try {
    if (ciphertext.length !== bytes + sodium.crypto_box_SEALBYTES || !sodium.crypto_box_seal_open(secret, ciphertext, pair.publicKey, pair.secretKey)) {
      throw accessDenied('a secret that was not sealed to this node, or was altered')
    }
    return secret
  } finally {
    sodium.sodium_memzero(pair.secretKey)
  }
}

/** Checks the shape of a sealed role key read from JSON; throws BAD_INPUT saying what is wrong. */
export function parseSealedRoleKey (value: unknown): SealedRoleKey {
  if (!isJsonObject(value)) throw badInput('sealed role key is not an object')
  const { role, epoch, publicKey, sealedSecretKey } = value
  if (typeof role !== 'string' || !ROLE_NAME_PATTERN.test(role)) throw badInput('sealed role key has an invalid role name')
  parseEpoch(epoch, `sealed key of role "${role}" epoch`)
  parseHexKey(publicKey, BOX_PUBLIC_KEY_BYTES, `sealed key of role "${role}" public key`)
  parseBase64Key(sealedSecretKey, SEALED_SECRET_KEY_BYTES, `sealed key of role "${role}" secret key`)
  return { role, epoch: epoch as number, publicKey: publicKey as string, sealedSecretKey: sealedSecretKey as string }
}
