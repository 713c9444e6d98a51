/**
 * The most peers one simulation runs, apart from the scenario code so the CLI's option parsing can name it without
 * loading that. Every peer runs a real node with its own store in this one process. Past the voters the peers form the
 * two-tier mesh (src/distribution/links.ts: each member links with the voters and two members), so links grow with the
 * count, not its square, but every block a writer appends still goes to every peer and each of them tells its links
 * (Hypercore's range messages, half of all): with the light scenario of the bench, 20 peers ran at 1.7x real time, 40
 * at 0.4x, and 100 at 0.07x (2.2 GB, 3 million messages, about 180 us each, half of that waiting for RocksDB's threads).
 * With a full mesh (before), 40 took 16 minutes and 64 ran at a quarter of real time.
 */
export const NODES_MAX = 1000
export const NODES_LIMIT_REASON = 'every peer runs a real node and store in this one process, and every block goes to every peer (100 peers: 2.2 GB, 0.07x real time)'

/**
 * The deliberately broken peers of `--break`, each caught by one checker: here, apart from the simulator, so the CLI
 * names them without loading it.
 */
export const BREAKS = ['double-vote', 'ack-before-replicate', 'leak-role', 'forget-queue', 'unheld-record', 'stale-read', 'ack-non-voters', 'shard-voters'] as const
export type BreakMode = typeof BREAKS[number]
