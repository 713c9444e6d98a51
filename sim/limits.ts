/**
 * The most peers one simulation runs, apart from the scenario code so the CLI's option parsing can name it without
 * loading that. The peers form a full mesh and each replicates every other's log in this one process, so memory and
 * time grow with the square of the count: 64 peers took 1.2 GB and ran at a quarter of real time, 200 were past
 * 13 GB while still starting, and 1,000 ran out of heap after 6 minutes.
 */
export const NODES_MAX = 100
export const NODES_LIMIT_REASON = 'every peer replicates every other peer\'s log in this one process, so memory and time grow with the square of the count (64 peers: 1.2 GB, a quarter of real time)'

/**
 * The deliberately broken peers of `--break`, each caught by one checker: here, apart from the simulator, so the CLI
 * names them without loading it.
 */
export const BREAKS = ['double-vote', 'ack-before-replicate', 'leak-role', 'forget-queue', 'unheld-record', 'stale-read', 'ack-non-voters', 'shard-voters'] as const
export type BreakMode = typeof BREAKS[number]
