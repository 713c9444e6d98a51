/**
 * The local peer's options and reports, which its parts share and its callers read (re-exported by local-peer.ts), and
 * the host every part that writes is given.
 */
import type { ResealResult } from '../../storage/context-store.js'
import type { AnalyzeProgress, SkippedFile } from '../../intelligence/types.js'
import type { TreeFs } from '../../intelligence/tree-fs.js'
import type { Priority } from '../../leader/queue.js'

export interface GenerateOptions {
  path: string
  root?: string
  project?: string
  roles?: readonly string[]
  priority?: Priority
  maxFileBytes?: number
  workers?: number
  /** The leader's term the records are written in (default: this peer alone, term 1). */
  term?: number
  /** Remove the addresses below PATH (a folder) that an earlier generate wrote and this one no longer finds. */
  prune?: boolean
  /**
   * The commit the files were checked out at, when the requester read it (else read from the root's `.git`, for a tree
   * on disk).
   */
  commit?: string
  /** Where the tree is read from (default the disk; a request's files in memory on the leader: see tree-fs.ts). */
  fs?: TreeFs
  onProgress?: (progress: AnalyzeProgress) => void
  /** With a daemon, a tree sent to the leader in several requests: told as each part is accepted. */
  onPart?: (part: GeneratePart) => void
  /** The simulator's deliberate fault (`--break unheld-record`): the last record is counted but never appended. */
  withholdLastRecord?: boolean
}

/** One generation of a batch (LocalPeer.generateBatch): its report, or what it failed with, alone. */
export type GenerateOutcome = { ok: true, report: GenerateReport } | { ok: false, error: unknown }

/** One of the requests a tree too large for one is sent to the leader in, once the leader accepted it. */
export interface GeneratePart {
  index: number
  count: number
  id: string
  files: number
  bytes: number
}

export interface GenerateReport {
  project: string
  root: string
  path: string
  priority: Priority
  roles: string[]
  /** Files analysed (fresh or from the content-hash cache). */
  files: number
  cached: number
  /** Files whose bytes were read; the others' stat data (size, mtime, ctime, inode) proved them unchanged. */
  read?: number
  skipped: SkippedFile[]
  /** Records produced by the analysis and offered to the store: written plus unchanged. */
  records: number
  /** Of those, records appended as new versions, and records unchanged since the last run. */
  written: number
  unchanged: number
  /**
   * Addresses below PATH (a folder) that an earlier generate wrote and this one no longer found (the file was deleted,
   * moved, or is now ignored, binary or too large): with `prune`, each removed, so it reads as absent (`removed`);
   * without, counted and kept (`stale`).
   */
  removed: number
  stale: number
  /** Bytes appended to the log. */
  bytes: number
  ms: number
  /** With a daemon, when the tree was sent in several requests: how many, and their ids in order (the last one ran). */
  parts?: number
  requests?: string[]
}

export interface DistributeReport {
  /** The (first) record's address. */
  address: string
  records: number
  roles: string[]
  written: number
  unchanged: number
  bytes: number
}

/** What a reseal did (see LocalPeer.reseal): the store's counts, the roles and how long it took. */
export interface ResealReport extends ResealResult {
  roles: string[]
  ms: number
}

export interface StatusReport {
  node: { id: string, role: string }
  cluster: string
  leader: string | null
  term: number
  peers: number
  viewHash: string
  /** `local`: no daemon, this peer works alone; `daemon`: the answer of a running daemon in its cluster. */
  mode: 'local' | 'daemon'
  /** The members of the cluster's roster (this peer included). Without a daemon in a cluster of several, `leader` is null: only the daemon knows who leads. */
  members: number
  home: string
  records: number
  log: { length: number, bytes: number }
  /**
   * How the cluster replicates records' payloads (see PeerConfig.replication), and how many payloads blocks of other
   * writers this peer holds of how many they have: all of them with full replication (but what a retention cleared), the
   * shards placed on it (and those read since) for a member of a sharded cluster that does not vote.
   */
  replication: { mode: 'full' | 'sharded', payloadBlocks: { held: number, of: number } }
  roles: Array<{ name: string, clearance: string, epoch: number, held: boolean }>
  /**
   * With a daemon: the links the roster gives it (src/distribution/links.ts). `full` while every member votes (it dials
   * every member); else `two-tier`: a voter (`hub`) dials the other voters and its gateways dial it, a member dials the
   * voters it is a gateway of, a few members and (sharded) its shards' chains. `dials` counts the peers it dials,
   * `dialsConnected` those of them connected now; `visits` the holders it dialled to read records of shards it holds no
   * copy of (sharded replication; src/node/cluster/shard-reads.ts).
   */
  mesh?: { kind: 'full' | 'two-tier', hub: boolean, dials: number, dialsConnected: number, visits?: number }
  /** With a daemon: peers refused, invalid frames, requests forwarded and served, remote entries refused, duplicate identities met. */
  counters?: Record<string, number>
  /** With a daemon that stopped taking part in the cluster: why (another process uses its identity). */
  halted?: string
}

/** How a peer audits: reads with the address hashed; writes refused when their event cannot be appended first. */
export interface AuditOptions {
  hashReads: boolean
  failClosed: boolean
}

/** What every part of the local peer that writes asks of it before it writes. */
export interface WriteHost {
  /** Refuses a write this peer may not make alone (see WritePermission.require). */
  requireWriter: (what: string) => void
  /** The term this peer writes in alone. */
  soloTerm: () => number
  /** Waits for a write's audit event when the peer fails closed (see PeerAudit.beforeWrite). */
  auditWrite: (op: string, fields: Record<string, unknown>) => Promise<void>
}
