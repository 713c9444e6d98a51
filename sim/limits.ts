/**
 * The most peers one simulation runs, apart from the scenario code so the CLI's option parsing can name it without
 * loading that. Every peer runs a real node with its own store in this one process. Past the voters the peers form the
 * two-tier mesh (src/distribution/links.ts: each member links with the voters and two members), and audit heads are
 * witnessed within a tier, so messages grow with the count (about 2,150 a peer): with the light scenario of the bench,
 * 20 peers ran at 4x real time, 100 at 0.67x (622 MB), 200 at 0.32x (955 MB), 400 at 0.17x (1.7 GB) and 1,000 at 0.05x
 * (13 minutes, 4.3 GB), each message 240-350 us (half of it waiting for RocksDB's thread). With a full mesh and every
 * peer witnessing every other (before), 40 took 16 minutes.
 */
export const NODES_MAX = 1000
export const NODES_LIMIT_REASON = 'every peer runs a real node and store in this one process (200 peers: 2 minutes and 1 GB for a 35 s run; 1,000: 13 minutes and 4.3 GB)'

/**
 * The deliberately broken peers of `--break`, each caught by one checker: here, apart from the simulator, so the CLI
 * names them without loading it.
 */
export const BREAKS = ['double-vote', 'ack-before-replicate', 'leak-role', 'forget-queue', 'unheld-record', 'stale-read', 'ack-non-voters', 'shard-voters'] as const
export type BreakMode = typeof BREAKS[number]
