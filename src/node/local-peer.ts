/**
 * A peer working on its own home: the one-peer cluster in which this peer is the leader. It creates a home
 * (identity, role keys, config), generates and distributes context into its store, and retrieves it.
 */
import { systemClock, type Clock } from '../clock.js'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { specialKind } from '../file-kind.js'
import { basename, dirname, join, relative, resolve, sep } from 'node:path'
import { DEFAULT_ROLES, type RoleDefinition } from '../crypto/levels.js'
import { ensurePrivateDir, writeFileAtomic } from '../crypto/atomic-file.js'
import { Keyring } from '../crypto/keyring.js'
import { LocalSecret } from '../crypto/local-secret.js'
import { RoleDirectory } from '../crypto/role-directory.js'
import { generateRoleSet } from '../crypto/role-keys.js'
import { randomBytes } from 'node:crypto'
import { accessDenied, badInput, badUsage, corrupt, notFound, unavailable } from '../errors.js'
import { soloLeadership, type Leadership } from '../leader/leadership.js'
import type { ContextRecord } from '../context/record.js'
import { validateRecord } from '../context/validate.js'
import { DEFAULT_RESOLVE_DEPTH } from '../context/resolve.js'
import { ContextStore, type Retrieved } from '../storage/context-store.js'
import { addressFor, projectNameFrom, rootAddress } from '../ucxl/address.js'
import type { AnalyzeProgress, SkippedFile } from '../intelligence/types.js'
import { isLeftOutOf } from '../intelligence/walk.js'
import { CONFIG_FORMAT, DEFAULT_REPLICATION_FACTOR, homeExists, homePaths, readConfig, roleEntry, writeConfig, type PeerConfig } from './home.js'
import { sectionCrypto } from './section-crypto.js'
import { issueCertificate } from '../net/certificate.js'
import { issueRoster, loadRoster, readRoster, rosterMembers, writeRoster } from './roster.js'
import type { Priority } from '../leader/queue.js'
import { DecisionIndex, DEFAULT_HOPS, type DecideInput, type DecisionView, type HistoryReport, type HopsReport } from '../temporal/decisions.js'

const CLUSTER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const ANALYSIS_CACHE_CONTEXT = 'analysis-cache/1'
/** A daemon's analysis workers are let go after this long without work. */
export const WORKER_IDLE_MS = 60_000
/** A daemon saves its analysis cache at most this often (the cache only saves work: losing it costs a re-analysis). */
export const CACHE_SAVE_MS = 5_000

export interface InitOptions {
  cluster: string
  role: string
  project?: string
  roles?: readonly RoleDefinition[]
  replicationFactor?: number
}

export interface InitReport {
  home: string
  nodeId: string
  cluster: string
  role: string
  project: string | null
  roles: Array<{ name: string, clearance: string }>
}

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
  onProgress?: (progress: AnalyzeProgress) => void
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
  roles: Array<{ name: string, clearance: string, epoch: number, held: boolean }>
  /** With a daemon: peers refused, invalid frames, requests forwarded and served, remote entries refused, duplicate identities met. */
  counters?: Record<string, number>
  /** With a daemon that stopped taking part in the cluster: why (another process uses its identity). */
  halted?: string
}

/**
 * The root that addresses are relative to: the git work tree holding PATH, else PATH if a directory,
 * else its directory. A work tree whose .gitignore leaves PATH out (`versions/` in a pyenv checkout, a
 * `node_modules` package) does not hold it: such a PATH is a tree of its own.
 */
export function findRoot (path: string): string {
  const start = statSync(path).isDirectory() ? path : dirname(path)
  let dir = start
  for (let i = 0; i < 64; i++) {
    if (existsSync(join(dir, '.git'))) return isLeftOutOf(dir, path) ? start : dir
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  return start
}

function isInside (path: string, root: string): boolean {
  const rel = relative(root, path)
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !rel.startsWith(sep))
}

export class LocalPeer {
  readonly home: string
  readonly config: PeerConfig
  readonly keyring: Keyring
  readonly directory: RoleDirectory
  readonly store: ContextStore
  private decisionIndex: DecisionIndex | null = null
  private readonly local: LocalSecret

  /** Stamps versions and decisions: the node's clock (the simulator's, in a simulation). */
  readonly clock: Clock

  private constructor (home: string, config: PeerConfig, keyring: Keyring, directory: RoleDirectory, local: LocalSecret, store: ContextStore, clock: Clock) {
    this.clock = clock
    this.home = home
    this.config = config
    this.keyring = keyring
    this.directory = directory
    this.local = local
    this.store = store
  }

  /**
   * The decision graph of this store, kept up to date as entries are applied from the first time it is asked for:
   * it is built from every version the view holds, which a command that needs no decisions (retrieve) does not pay.
   */
  get decisions (): DecisionIndex {
    return (this.decisionIndex ??= new DecisionIndex(this.store))
  }

  /** Creates a new home: this peer's identity, a new cluster whose creator (admin) holds every role's key. */
  static async init (home: string, options: InitOptions): Promise<InitReport> {
    if (!CLUSTER_NAME_PATTERN.test(options.cluster)) throw badInput(`bad cluster name "${options.cluster}": use letters, digits, ".", "_" or "-" (at most 64)`)
    const definitions = options.roles ?? DEFAULT_ROLES
    if (!definitions.some(r => r.name === options.role)) throw badInput(`unknown role "${options.role}": the roles are ${definitions.map(r => r.name).join(', ')}`)
    const project = options.project === undefined ? undefined : options.project
    if (project !== undefined && project !== projectNameFrom(project)) throw badInput(`bad project name "${project}": use lower-case letters, digits, ".", "_" or "-" (for example ${projectNameFrom(project)})`)
    if (homeExists(home)) throw badUsage(`a bzzz-ctx home already exists at ${home}: use it, or choose another with --home`)
    await ensurePrivateDir(home)
    const keyring = await Keyring.create(home)
    const { directory, keys } = generateRoleSet(definitions)
    for (const key of keys) keyring.addRoleKey(key)
    await keyring.save()
    const clusterId = randomBytes(16).toString('hex')
    const config: PeerConfig = {
      format: CONFIG_FORMAT,
      cluster: { name: options.cluster, id: clusterId, topic: randomBytes(32).toString('hex'), adminKey: keyring.nodeId },
      certificate: issueCertificate(keyring.identity, { cluster: clusterId, node: keyring.nodeId, role: options.role, issuedAt: systemClock.now(), expiresAt: null }),
      nodeId: keyring.nodeId,
      role: options.role,
      roles: directory.toJSON(),
      replicationFactor: options.replicationFactor ?? DEFAULT_REPLICATION_FACTOR,
      createdAt: new Date(systemClock.now()).toISOString()
    }
    if (project !== undefined) config.project = project
    await writeConfig(home, config)
    await writeRoster(home, issueRoster(keyring.identity, clusterId, 1, [keyring.nodeId]))
    return {
      home, nodeId: keyring.nodeId, cluster: options.cluster, role: options.role, project: project ?? null,
      roles: definitions.map(r => ({ name: r.name, clearance: r.clearance }))
    }
  }

  /**
   * `readOnly`: for a command that only reads, which then shares the store with others (see ContextStore.open).
   * `clock` stamps versions and decisions (default the wall clock; the simulator passes its own).
   */
  static async open (home: string, options: { readOnly?: boolean, clock?: Clock } = {}): Promise<LocalPeer> {
    const clock = options.clock ?? systemClock
    const config = readConfig(home)
    const keyring = await Keyring.load(home)
    if (keyring.nodeId !== config.nodeId) throw corrupt(`the keys in ${homePaths(home).keys} belong to another node than the config in ${homePaths(home).config}: restore the matching files`)
    let directory: RoleDirectory
    try {
      directory = RoleDirectory.fromJSON(config.roles)
    } catch (err) {
      throw corrupt(`the roles in ${homePaths(home).config} are damaged (${(err as Error).message})`, err)
    }
    const local = LocalSecret.fromIdentity(keyring.identity)
    const store = await ContextStore.open(homePaths(home).store, sectionCrypto(keyring, directory, local), { ...options, clock })
    return new LocalPeer(home, config, keyring, directory, local, store, clock)
  }

  async close (): Promise<void> {
    this.decisionIndex?.close()
    if (this.cacheSave !== null) await this.flushCache()
    await this.closePool()
    await this.store.close()
  }

  /**
   * A daemon generates again and again (each queued request is a run): it keeps its analysis workers between runs,
   * and lets them go after WORKER_IDLE_MS without work, so an idle peer holds no threads.
   */
  keepWorkers = false
  private pool: import('../intelligence/pool.js').AnalysisPool | null = null
  private poolIdle: NodeJS.Timeout | null = null
  /** With keepWorkers, the analysis cache stays in memory too, and is saved at most every CACHE_SAVE_MS and at close. */
  private warmCache: import('../intelligence/cache.js').AnalysisCache | null = null
  private cacheSave: NodeJS.Timeout | null = null

  private saveCacheSoon (): void {
    if (this.cacheSave !== null) return
    this.cacheSave = setTimeout(() => { this.flushCache().catch(() => {}) }, CACHE_SAVE_MS)
    this.cacheSave.unref()
  }

  private async flushCache (): Promise<void> {
    if (this.cacheSave !== null) clearTimeout(this.cacheSave)
    this.cacheSave = null
    if (this.warmCache !== null) await this.saveAnalysisCache(this.warmCache)
  }

  private async warmPool (): Promise<import('../intelligence/pool.js').AnalysisPool> {
    if (this.poolIdle !== null) clearTimeout(this.poolIdle)
    this.poolIdle = setTimeout(() => { this.closePool().catch(() => {}) }, WORKER_IDLE_MS)
    this.poolIdle.unref()
    if (this.pool === null) {
      const { AnalysisPool } = await import('../intelligence/pool.js')
      this.pool = new AnalysisPool()
    }
    return this.pool
  }

  private async closePool (): Promise<void> {
    if (this.poolIdle !== null) clearTimeout(this.poolIdle)
    this.poolIdle = null
    const pool = this.pool
    this.pool = null
    await pool?.close()
  }

  /**
   * Set by the node that drives this peer (ClusterNode): its writes are then the elected leader's. Without one,
   * a peer is its own leader only while it is its cluster's only member.
   */
  inCluster = false

  /**
   * Without a daemon this peer writes as the leader of a one-peer cluster. Once the roster holds other members,
   * such a write would bypass their leader (and any peer, a viewer too, could make one that every peer then
   * takes as current): refused, with the way out.
   */
  /**
   * The members of the roster this home holds (1 before anyone was invited). Without one (a home from before rosters),
   * the members votes are counted out of: the admin and this peer. A damaged roster is refused; a running daemon (which
   * checked it at start) keeps the roster it holds and saves the newest its peers pass on.
   */
  private rosterSize (): number {
    const expect = { cluster: this.config.cluster.id, adminKey: this.config.cluster.adminKey }
    const roster = this.inCluster ? readRoster(this.home, expect) : loadRoster(this.home, expect)
    return rosterMembers(roster, this.config.cluster.adminKey, this.config.nodeId).length
  }

  private requireWriter (what: string): void {
    if (this.inCluster) return
    const members = this.rosterSize()
    if (members > 1) {
      throw unavailable(`this peer is one of ${members} members of cluster "${this.config.cluster.name}": ${what} goes through its leader, so start this peer's daemon (\`bzzz-ctx node start\`) and run it again`)
    }
  }

  /** Who leads: in the one-peer cluster, this peer. */
  get leadership (): Leadership {
    return soloLeadership(this.config.nodeId)
  }

  /** The recipients of a write: every role, unless narrowed; each must be a role of the cluster. */
  recipients (roles?: readonly string[]): string[] {
    if (roles === undefined || roles.length === 0) return this.directory.names()
    for (const role of roles) roleEntry(this.config, role)
    return [...new Set(roles)]
  }

  /** What a generation is about: the path, the root addresses are relative to, and the project; checked. */
  target (options: Pick<GenerateOptions, 'path' | 'root' | 'project'>): { path: string, root: string, project: string } {
    const path = resolve(options.path)
    const stat = statSync(path, { throwIfNoEntry: false })
    if (stat === undefined) throw notFound(`no such file or directory: ${options.path}`)
    if (!stat.isFile() && !stat.isDirectory()) throw badInput(`${options.path} is ${specialKind(stat)}, not a file or a directory: nothing to analyse`)
    const root = options.root === undefined ? findRoot(path) : resolve(options.root)
    if (options.root !== undefined && (!existsSync(root) || !statSync(root).isDirectory())) throw badInput(`--root ${options.root} is not a directory`)
    if (!isInside(path, root)) throw badInput(`${options.path} is not inside the root ${root}: pass --root, or a path under it`)
    const project = options.project ?? this.config.project ?? projectNameFrom(basename(root))
    if (project !== projectNameFrom(project)) throw badInput(`bad project name "${project}": use lower-case letters, digits, ".", "_" or "-"`)
    return { path, root, project }
  }

  /**
   * The records a generation writes. One below the root (a directory or a file of the tree) analysed only its own
   * files, so its project record speaks for them alone; once the project has a record, writing that one over it
   * would change what every record outside the target inherits (a child stores only what differs from its parent:
   * a file that left out its language because the project's was the same would lose it). It is left out then (a
   * hand-written project record is another record, which a generate does not write over).
   */
  private recordsToWrite (records: readonly ContextRecord[], belowRoot: boolean, projectAddress: string): readonly ContextRecord[] {
    if (!belowRoot || !this.store.slotsOf(projectAddress).some(slot => slot.origin === 'generated')) return records
    return records.filter(record => record.address !== projectAddress)
  }

  /**
   * What a generate of a folder no longer finds: the addresses below it that a generate wrote and this analysis did not
   * produce. Only a folder's walk sees everything below it; records written by hand are never among them.
   */
  private gone (records: readonly ContextRecord[], path: string, root: string, project: string): string[] {
    if (!statSync(path).isDirectory()) return []
    const folder = addressFor(project, relative(root, path).split(sep).join('/') || '.')
    return this.store.generatedUnder(folder, new Set(records.map(record => record.address)))
  }

  async generate (options: GenerateOptions): Promise<GenerateReport> {
    this.requireWriter('generate')
    const started = performance.now()
    const { path, root, project } = this.target(options)
    const recipients = this.recipients(options.roles)
    const { analyzeTree, AnalysisCache } = await import('../intelligence/index.js')
    const cache = this.keepWorkers ? (this.warmCache ??= await this.loadAnalysisCache(AnalysisCache)) : await this.loadAnalysisCache(AnalysisCache)
    const pool = this.keepWorkers && options.workers === undefined ? await this.warmPool() : undefined
    const analysis = await analyzeTree({
      root, target: path, project, cache, ...(pool !== undefined ? { pool } : {}),
      ...(options.maxFileBytes !== undefined ? { maxFileBytes: options.maxFileBytes } : {}),
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
      ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {})
    })
    const gone = this.gone(analysis.records, path, root, project)
    const records = this.recordsToWrite(analysis.records, path !== root, rootAddress(project))
    const result = await this.store.write(records, {
      term: options.term ?? this.leadership.term, recipients, nowMs: this.clock.now(), generated: true, ...(options.prune === true ? { remove: gone } : {})
    })
    if (this.keepWorkers) this.saveCacheSoon()
    else await this.saveAnalysisCache(cache)
    return {
      project, root, path: relative(root, path) || '.', priority: options.priority ?? 'normal', roles: recipients,
      files: analysis.files, cached: analysis.cached, skipped: analysis.skipped, records: records.length,
      written: result.written, unchanged: result.unchanged, removed: result.removed, stale: options.prune === true ? 0 : gone.length, bytes: result.bytes, ms: Math.round(performance.now() - started)
    }
  }

  private async loadAnalysisCache<C> (Cache: { fromJSON: (value: unknown) => C, new (): C }): Promise<C> {
    const file = homePaths(this.home).analysisCache
    if (!existsSync(file)) return new Cache()
    try {
      return Cache.fromJSON(JSON.parse(this.local.openLocal(readFileSync(file), ANALYSIS_CACHE_CONTEXT).toString('utf8')))
    } catch {
      // The cache only saves work: a damaged one is dropped and rebuilt.
      return new Cache()
    }
  }

  /** Seals and writes the cache, when it changed since it was loaded or last saved. */
  private async saveAnalysisCache (cache: { toJSON: () => unknown, changed: boolean }): Promise<void> {
    if (!cache.changed) return
    const paths = homePaths(this.home)
    await ensurePrivateDir(paths.cache)
    await writeFileAtomic(paths.analysisCache, this.local.sealLocal(Buffer.from(JSON.stringify(cache.toJSON())), ANALYSIS_CACHE_CONTEXT))
    cache.changed = false
  }

  /**
   * Distributes hand-written records (already parsed JSON: one record, or an array of them) to the given roles
   * (default: every role), in one batch.
   */
  async distribute (value: unknown, roles: readonly string[] | undefined, source: string, term = this.leadership.term, decision?: string): Promise<DistributeReport> {
    this.requireWriter('distribute')
    if (decision !== undefined && !this.decisions.graph.has(decision)) throw badInput(`unknown decision ${decision}: record it with \`bzzz-ctx decide\` first`)
    const values = Array.isArray(value) ? value : [value]
    if (values.length === 0) throw badInput(`${source} holds an empty list: nothing to distribute`)
    const roleNames = this.config.roles.map(role => role.name)
    const records: ContextRecord[] = values.map((v, i) => validateRecord(v, Array.isArray(value) ? `${source} [${i}]` : source, roleNames))
    const recipients = this.recipients(roles)
    const result = await this.store.write(records, { term, recipients, nowMs: this.clock.now(), ...(decision !== undefined ? { decision } : {}) })
    return { address: records[0]!.address, records: records.length, roles: recipients, written: result.written, unchanged: result.unchanged, bytes: result.bytes }
  }

  async retrieve (address: string, role: string, depth = DEFAULT_RESOLVE_DEPTH): Promise<Retrieved> {
    // Checked first: a role this peer holds no key for is refused (3) whether or not the address has a record.
    this.clearanceOf(role)
    return await this.store.retrieve(address, role, depth)
  }

  /** Records a decision authored by this peer's role, after checking it against the graph (unknown ids, cycles). */
  async decide (input: DecideInput, term = this.leadership.term, author = this.config.role): Promise<DecisionView> {
    this.requireWriter('decide')
    const { decision, rationale } = this.decisions.prepare(input, author, term, this.clock.now())
    const { term: _term, ...header } = decision
    await this.store.appendQueueEntry({ type: 'decision', ...header, address: decision.affects[0]! }, {
      term, nowMs: decision.at,
      payload: { plaintext: Buffer.from(JSON.stringify({ rationale })), level: decision.level as never, recipients: this.directory.names() }
    })
    return { ...await this.decisions.view(decision, this.config.role), rationale }
  }

  /** The clearance of a role this peer holds; a role it does not hold may not ask (its answers would reveal more). */
  private clearanceOf (role: string): ReturnType<typeof roleEntry>['clearance'] {
    const entry = roleEntry(this.config, role)
    if (!this.keyring.hasRole(role)) throw accessDenied(`this peer holds no key for role "${role}": ask as a role it holds (${this.keyring.roles().join(', ') || 'none'})`)
    return entry.clearance
  }

  /** A retry of a decision the graph holds already (see DecisionIndex.retryOf); undefined when it holds none with that id. */
  decisionRetry (input: DecideInput, author: string): DecisionView | undefined {
    return this.decisions.retryOf(input, author)
  }

  async history (address: string, role: string): Promise<HistoryReport> {
    return await this.decisions.history(address, role, this.clearanceOf(role))
  }

  async hops (target: string, role: string, max = DEFAULT_HOPS): Promise<HopsReport> {
    return this.decisions.hops(target, max, role, this.clearanceOf(role))
  }

  async influence (role: string, max = DEFAULT_HOPS, limit = 10): Promise<Array<{ id: string, title: string, addresses: number }>> {
    return this.decisions.influence(max, limit, this.clearanceOf(role))
  }

  async status (): Promise<StatusReport> {
    const members = this.rosterSize()
    // Alone, this peer leads; one of several without its daemon, it cannot know who does (its own vote may be for another).
    const leadership = members > 1 ? { leader: null, term: 0 } : this.leadership
    return {
      node: { id: this.config.nodeId, role: this.config.role },
      cluster: this.config.cluster.name,
      leader: leadership.leader,
      term: leadership.term,
      peers: 0,
      viewHash: this.store.viewHash,
      mode: 'local' as const,
      members,
      home: this.home,
      records: this.store.recordCount,
      log: { length: this.store.logLength, bytes: this.store.logBytes },
      roles: this.directory.names().map(name => {
        const entry = this.directory.get(name)!
        return { name, clearance: entry.clearance, epoch: entry.epoch, held: this.keyring.hasRole(name) }
      })
    }
  }
}
