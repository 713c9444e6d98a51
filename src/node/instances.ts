/**
 * Which run of a member's node a connection comes from, pure: the node asks each member for its instance id and
 * feeds the answer here. Two processes with one identity (an invite redeemed twice) connect in turn, each
 * connection replacing the other's; a restart brings a new instance and never an older one back. So an instance
 * met again after another is a second process.
 */

/** Instances remembered per member: enough to see one come back. */
export const MAX_INSTANCES = 4

/**
 * The verdict on `instance` given the member's instances met so far (latest last): a duplicate, or the list to
 * keep from now on (the same list when it is the latest already). A duplicate is not recorded.
 */
export function observeInstance (seen: readonly string[], instance: string): { duplicate: true } | { duplicate: false, seen: readonly string[] } {
  if (seen.at(-1) === instance) return { duplicate: false, seen }
  if (seen.includes(instance)) return { duplicate: true }
  return { duplicate: false, seen: [...seen, instance].slice(-MAX_INSTANCES) }
}
