/**
 * This peer's term and vote, saved (and synced to disk) before any message that depends on them leaves. A damaged
 * file is refused, never read as none: a peer that forgot its vote could vote twice in one term, and two leaders could
 * be elected in it.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { corrupt } from '../../errors.js'
import { KEY_HEX_PATTERN } from '../../crypto/key-text.js'
import type { PersistedVote } from '../../election/election.js'

export const VOTE_FILE = 'election.json'

export function readVote (home: string): PersistedVote | null {
  const file = join(home, VOTE_FILE)
  if (!existsSync(file)) return null
  let value: Record<string, unknown> | null = null
  try {
    value = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
  } catch {}
  if (value === null || typeof value !== 'object' || !Number.isSafeInteger(value.term) || (value.term as number) < 0 ||
    (value.votedFor !== null && (typeof value.votedFor !== 'string' || !KEY_HEX_PATTERN.test(value.votedFor)))) {
    throw corrupt(`${file} is damaged: it keeps this peer's election term and vote, which must survive a restart (a peer that forgot its vote could vote twice in a term). Restore it, or remove it to start without one, which is safe once the cluster has elected a leader in a later term`)
  }
  return { term: value.term as number, votedFor: value.votedFor as string | null }
}

export function saveVote (home: string, vote: PersistedVote): void {
  // Synchronous on purpose: the vote must be on disk before the step's messages are sent.
  const file = join(home, VOTE_FILE)
  const temp = `${file}.${process.pid}.tmp`
  const fd = openSync(temp, 'w', 0o600)
  try {
    writeSync(fd, JSON.stringify(vote) + '\n')
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temp, file)
}
