/**
 * The size of the voting set a cluster may configure, apart from the roster so that reading a home's config (which every
 * command does, `--help` included) loads no signing code.
 */

/** How many voters invites fill the voting set up to, unless the admin's config says otherwise (`maxVoters`). */
export const DEFAULT_MAX_VOTERS = 5
/** The most a cluster may configure: every vote is a message and a signature in each term entry. */
export const MAX_VOTERS_LIMIT = 99

/** Whether a `maxVoters` setting is one a cluster may have: odd (a tie never splits it), from 1 to MAX_VOTERS_LIMIT. */
export function maxVotersProblem (value: unknown): string | null {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_VOTERS_LIMIT || (value as number) % 2 === 0) {
    return `maxVoters must be an odd whole number from 1 to ${MAX_VOTERS_LIMIT}`
  }
  return null
}
