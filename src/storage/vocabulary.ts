/**
 * The words a log entry is made of that the cores above it also speak: request priorities, completion states and
 * the decision-id rules. They live below the log so that storage, the queue and the decision graph share them
 * without the log importing its readers.
 */

export const PRIORITIES = ['low', 'normal', 'high', 'critical'] as const
export type Priority = typeof PRIORITIES[number]

export function isPriority (v: unknown): v is Priority {
  return typeof v === 'string' && (PRIORITIES as readonly string[]).includes(v)
}

export type CompletionStatus = 'completed' | 'failed' | 'superseded'

export const DECISION_ID = /^d-[A-Za-z0-9_-]{6,40}$/
/** The most addresses a decision may affect, and the most decisions it may name in each of its links. */
export const MAX_DECISION_LINKS = 256

/** A request's id, chosen by its requester (a retry reuses it): the queue's dedup key. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
