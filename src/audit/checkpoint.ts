/**
 * What binds an audit core to its node and what a witness signs: both are Ed25519 signatures by a node key over a
 * fixed JSON payload, so anyone holding the cores can check them without asking the signer.
 */
import { signMessage, verifySignature, type NodeIdentity } from '../crypto/identity.js'

const SIGNATURE_HEX = /^[0-9a-f]{128}$/

/** A head of an audit core as announced, and as a witness co-signs it. */
export interface AuditHead {
  /** The core's key, hex. */
  key: string
  length: number
  /** The core's Merkle tree hash at `length`, hex. */
  treeHash: string
}

function bindingPayload (cluster: string, node: string, key: string): Buffer {
  return Buffer.from(JSON.stringify(['bzzz-ctx/audit-core', cluster, node, key]))
}

function checkpointPayload (cluster: string, witness: string, subject: string, head: AuditHead): Buffer {
  return Buffer.from(JSON.stringify(['bzzz-ctx/audit-checkpoint', cluster, witness, subject, head.key, head.length, head.treeHash]))
}

/** The proof, in block 0 of a node's audit core, that the core is that node's. */
export function signBinding (identity: NodeIdentity, cluster: string, key: string): string {
  return signMessage(identity, bindingPayload(cluster, identity.nodeId, key)).toString('hex')
}

export function bindingVerifies (cluster: string, node: string, key: string, proof: unknown): boolean {
  return typeof proof === 'string' && SIGNATURE_HEX.test(proof) && verifySignature(node, bindingPayload(cluster, node, key), Buffer.from(proof, 'hex'))
}

/** A witness's signature of another node's audit head. */
export function signCheckpoint (witness: NodeIdentity, cluster: string, subject: string, head: AuditHead): string {
  return signMessage(witness, checkpointPayload(cluster, witness.nodeId, subject, head)).toString('hex')
}

export function checkpointVerifies (cluster: string, witness: string, subject: string, head: AuditHead, signature: unknown): boolean {
  return typeof signature === 'string' && SIGNATURE_HEX.test(signature) &&
    verifySignature(witness, checkpointPayload(cluster, witness, subject, head), Buffer.from(signature, 'hex'))
}
