/**
 * What the materialized view keeps of the logs, in the shapes its checkpoint encodes: a pointer to each address's
 * versions, and the queue, decision and history lines. Here so that view.ts and checkpoint-codec.ts both import
 * them without importing each other.
 */
import type { RecordKind } from '../context/record.js'
import type { Version, VersionSlot } from '../distribution/version.js'
import type { CompletionEntry, DecisionEntry, KeysEntry, PolicyEntry, RequestEntry } from './log-entry.js'

/** Where a version is stored: which writer log, which block. */
export interface Pointer {
  writer: string
  /** The block, and the entry's place in it (blocks hold batches of entries). */
  seq: number
  index?: number
  version: Version
  kind: RecordKind
  inherits: boolean
  digest?: string
  /** The version was written by `generate` (see ContextEntry). */
  generated?: true
  /** The version is a removal: the address reads as absent. */
  removed?: true
}

export type Slot = VersionSlot<Pointer>

/** A request, completion or decision entry as the view keeps it: its header, and where its payload is. */
export interface QueueEvent {
  writer: string
  seq: number
  index: number
  entry: Omit<RequestEntry, 'envelope'> | Omit<CompletionEntry, 'envelope'> | Omit<DecisionEntry, 'envelope'> | Omit<KeysEntry, 'envelope'> |
    Omit<PolicyEntry, 'envelope'>
}

/**
 * One version of an address as the history keeps it: [address, version key, term, wall ms, writer, decision, generated,
 * requester, requester's role] (the member a hand-written version was written for, as the leader stamped it; null when
 * none was: generated, or written before the stamp).
 */
export type VersionLine = [string, string, number, number, string, string | null, boolean, string | null, string | null]
