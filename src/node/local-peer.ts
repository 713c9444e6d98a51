/**
 * A peer working on its own home: the one-peer cluster in which this peer is the leader. It opens a home (made by
 * `home-setup.ts`), generates (on `analysis-runtime.ts`, for a target `generate-target.ts` checks) and distributes
 * context into its store, records decisions, and retrieves what a role may read.
 */
import { systemClock, type Clock } from '../clock.js'
import { createHash } from 'node:crypto'
import { statSync } from 'node:fs'
import { relative, sep } from 'node:path'
import { DIGEST_KEY_BYTES, digestKeyId, Keyring } from '../crypto/keyring.js'
import { LocalSecret } from '../crypto/local-secret.js'
import { RoleDirectory } from '../crypto/role-directory.js'
import { accessDenied, badInput, corrupt, unavailable } from '../errors.js'
import type { Leadership } from '../leader/leadership.js'
import type { ContextRecord, RecordKind } from '../context/record.js'
import { validateRecord } from '../context/validate.js'
import { DEFAULT_RESOLVE_DEPTH } from '../context/resolve.js'
import { ContextStore, type Retrieved, type StoreLeadership, type TermProof } from '../storage/context-store.js'
import { addressFor, rootAddress } from '../ucxl/address.js'
import { homePaths, readConfig, roleEntry, writeConfig, type PeerConfig } from './home.js'
import { checkSignedRoles } from './signed-roles.js'
import { keysBundleProblem, type KeysBundle } from './keys-bundle.js'
import type { SignedPolicy } from './cluster-policy.js'
import type { PolicyBook } from './policy-book.js'
import { openRoleKeyAsNode, openSecretAsNode } from '../crypto/role-keys.js'
import { sectionCrypto } from './section-crypto.js'
import { createHome, type InitOptions, type InitReport } from './home-setup.js'
import { AnalysisRuntime } from './analysis-runtime.js'
import { generateTarget } from './generate-target.js'
import { freshnessOf, type FreshnessReport } from './freshness.js'
import { termEvidenceProblem } from './term-evidence.js'
import type { AuditOptions, DistributeReport, GenerateOptions, GenerateReport, ResealReport, StatusReport } from './peer/types.js'
import { AuditLog } from '../audit/audit-log.js'
import type { AdminAuditEvent } from '../audit/audit-event.js'
import { PeerAudit } from './peer/audit.js'
import { openKeys, PeerKeys } from './peer/keys.js'
import { WritePermission } from './peer/write-permission.js'
import { PeerQueries } from './peer/queries.js'
import { openPolicyBook, PeerPolicy } from './peer/policy.js'
import { DecisionIndex, DEFAULT_HOPS, type DecideInput, type DecisionView, type HistoryReport, type HopsReport } from '../temporal/decisions.js'
import type { InfluenceOrder, InfluenceRow } from '../temporal/graph.js'

export type { InitOptions, InitReport } from './home-setup.js'
export { findRoot } from './generate-target.js'
export type { AuditOptions, DistributeReport, GenerateOptions, GeneratePart, GenerateReport, ResealReport, StatusReport } from './peer/types.js'

/**
 * Names a generate's request for its held run: the same tree, target, project, roles, term and options give the same
 * records and the same write, so only a run under the same name may stand for this one.
 */
function heldRunKey (request: { root: string, path: string, project: string, recipients: readonly string[], term: number, prune: boolean, maxFileBytes: number | null }): string {
  return createHash('sha256').update(JSON.stringify([request.root, request.path, request.project, [...request.recipients].sort(), request.term, request.prune, request.maxFileBytes])).digest('hex')
}

export interface LocalPeerOptions {
  readOnly?: boolean
  /** Stamps versions and times the store (default: the wall clock). */
  clock?: Clock
  /**
   * What an analysis costs on the clock, from the files it read and their bytes: the simulator charges its virtual time
   * from this model once the real work is done, so a run does not depend on how fast the machine was. Absent: the
   * analysis takes the time it takes.
   */
  analysisCostMs?: (files: number, bytes: number) => number
  /** How this peer audits (its settings `auditHashReads`, `auditFailClosed`; default both off). */
  audit?: Partial<AuditOptions>
}

export class LocalPeer {
  readonly home: string
  readonly config: PeerConfig
  readonly keyring: Keyring
  /** Its role directory, and the keys changes it takes up, appends and reseals after (see PeerKeys). */
  private readonly keysPart: PeerKeys
  /** The cluster's roles, each at its current epoch: what a write is sealed to (replaced when a rotation is taken up). */
  get directory (): RoleDirectory {
    return this.keysPart.directory
  }
  readonly store: ContextStore
  private decisionIndex: DecisionIndex | null = null
  /** What it answers from its view: records, addresses, the decision graph, freshness, status (see PeerQueries). */
  private readonly queries: PeerQueries
  private readonly local: LocalSecret

  /** Stamps versions and decisions: the node's clock (the simulator's, in a simulation). */
  readonly clock: Clock
  private analysisCostMs: ((files: number, bytes: number) => number) | null = null
  /** Analyses running on real CPUs now: the simulator lets them end before its clock moves on. */
  readonly analysing = new Set<Promise<unknown>>()

  /** This peer's audit log (src/audit): what it did and saw, and the members' logs it holds; records nothing read-only. */
  readonly audit: AuditLog
  /** Its events of this peer's writes, reads and refusals, and the settings they follow. */
  private readonly auditing: PeerAudit
  /** How this peer audits (its settings; a test may change a field on an open peer). */
  get auditOptions (): AuditOptions {
    return this.auditing.options
  }

  /** The cluster policies this peer holds, the newest in force (see policy-book.ts). */
  readonly policies: PolicyBook
  /** The policy's following of the logs, its saving and appending (see PeerPolicy). */
  private readonly policyPart: PeerPolicy

  private constructor (home: string, config: PeerConfig, keyring: Keyring, directory: RoleDirectory, local: LocalSecret, store: ContextStore, clock: Clock, audit: AuditLog, policies: PolicyBook, options: LocalPeerOptions) {
    this.clock = clock
    this.audit = audit
    this.auditing = new PeerAudit(audit, config, keyring, options.audit)
    this.permission = new WritePermission(home, config, keyring.identity)
    this.keysPart = new PeerKeys(keyring, directory, {
      home, config, store, clock, audit,
      auditWrite: async (op, fields) => await this.auditing.beforeWrite(op, fields),
      requireWriter: what => this.permission.require(what),
      soloTerm: () => this.leadership.term,
      onDigestKey: () => this.auditing.forgetReadSalt()
    })
    this.queries = new PeerQueries({
      home, config, keyring, store, audit,
      directory: () => this.directory,
      decisions: () => this.decisions,
      readFields: (address, depth) => this.auditing.readFields(address, depth),
      rosterSize: () => this.permission.rosterSize(),
      leadership: () => this.leadership
    })
    this.policyPart = new PeerPolicy(policies, {
      home, config, readOnly: options.readOnly === true, store, clock, audit,
      requireWriter: what => this.permission.require(what), soloTerm: () => this.leadership.term
    })
    this.policies = policies
    this.analysis = new AnalysisRuntime(home, local, clock)
    this.home = home
    this.config = config
    this.keyring = keyring
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
    return await createHome(home, options)
  }

  /**
   * `readOnly`: for a command that only reads, which then shares the store with others (see ContextStore.open).
   * `clock` stamps versions and decisions (default the wall clock; the simulator passes its own).
   */
  static async open (home: string, options: LocalPeerOptions = {}): Promise<LocalPeer> {
    const clock = options.clock ?? systemClock
    const config = readConfig(home)
    checkSignedRoles(homePaths(home).config, config)
    const { keyring, directory } = await openKeys(home, config)
    const local = LocalSecret.fromIdentity(keyring.identity)
    const trust = { cluster: config.cluster.id, adminKey: config.cluster.adminKey }
    let peer: LocalPeer | undefined
    const policies = openPolicyBook(home, config, role => (peer?.directory ?? directory).get(role)?.clearance)
    const leadership: StoreLeadership = {
      admit: (writer, entry) => termEvidenceProblem(writer, entry, trust),
      authorise: (_writer, entry) => policies.entryRefusal(entry),
      termProof: (term, writer) => peer?.termProof(term, writer) ?? null
    }
    const store = await ContextStore.open(homePaths(home).store, sectionCrypto(keyring, () => peer?.directory ?? directory, local), { ...(options.readOnly !== undefined ? { readOnly: options.readOnly } : {}), clock, leadership })
    let audit: AuditLog
    try {
      audit = await AuditLog.open({
        own: await store.auditCore(), coreOf: key => store.coreByKey(key),
        node: config.nodeId, role: config.role, cluster: config.cluster.id, identity: keyring.identity, clock
      })
    } catch (err) {
      await store.close()
      throw err
    }
    peer = new LocalPeer(home, config, keyring, directory, local, store, clock, audit, policies, options)
    if (options.analysisCostMs !== undefined) peer.analysisCostMs = options.analysisCostMs
    peer.auditing.follow(store)
    peer.policyPart.follow()
    return peer
  }

  /** The policy in force, or null for the built-in rule. */
  get policy (): SignedPolicy | null {
    return this.policies.inForce
  }

  /** Publishes a policy the admin signed, alone (a cluster's daemon sends it to its leader instead). */
  async publishPolicy (policy: SignedPolicy): Promise<{ version: number }> {
    return await this.policyPart.publish(policy)
  }

  /** Appends a policy the admin signed to this peer's log (see PeerPolicy.append). */
  async appendPolicy (value: unknown, term?: number): Promise<void> {
    await this.policyPart.append(value, term)
  }

  async close (): Promise<void> {
    await this.policyPart.saved()
    this.decisionIndex?.close()
    await this.audit.flushed()
    await this.analysis.close()
    await this.store.close()
  }

  /** The workers and the cache the analysis runs on; a daemon keeps them between runs (`analysis.keepWorkers`). */
  readonly analysis: AnalysisRuntime

  /** Whether this peer may write, and as whose leader (see WritePermission). */
  private readonly permission: WritePermission

  /** Set by the node that drives this peer (ClusterNode): its writes are then the elected leader's. */
  get inCluster (): boolean {
    return this.permission.inCluster
  }

  set inCluster (value: boolean) {
    this.permission.inCluster = value
  }

  /** Set by the node that drives this peer: the evidence that it leads a term, or null. */
  get clusterTermProof (): WritePermission['clusterTermProof'] {
    return this.permission.clusterTermProof
  }

  set clusterTermProof (proof: WritePermission['clusterTermProof']) {
    this.permission.clusterTermProof = proof
  }

  /** The evidence its first write of a term starts with (see WritePermission.termProof). */
  termProof (term: number, writer: string): TermProof | null {
    return this.permission.termProof(term, writer)
  }

  /** Who leads: in the one-peer cluster, this peer. */
  get leadership (): Leadership {
    return this.permission.leadership
  }

  /** The recipients of a write: every role, unless narrowed; each must be a role of the cluster. */
  recipients (roles?: readonly string[]): string[] {
    if (roles === undefined || roles.length === 0) return this.directory.names()
    for (const role of roles) roleEntry(this.config, role)
    return [...new Set(roles)]
  }

  /** What a generation is about: the path, the root addresses are relative to, and the project; checked. */
  target (options: Pick<GenerateOptions, 'path' | 'root' | 'project'>): { path: string, root: string, project: string } {
    return generateTarget(options, this.config.project)
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
    this.permission.require('generate')
    const started = this.clock.now()
    const { path, root, project } = this.target(options)
    const recipients = this.recipients(options.roles)
    const { analyzeTree } = await import('../intelligence/index.js')
    const cache = await this.analysis.cache()
    const pool = await this.analysis.poolFor(options.workers !== undefined)
    const term = options.term ?? this.leadership.term
    const runKey = heldRunKey({ root, path, project, recipients, term, prune: options.prune === true, maxFileBytes: options.maxFileBytes ?? null })
    const held = options.withholdLastRecord === true ? undefined : this.analysis.heldRun(runKey)
    const running = analyzeTree({
      root, target: path, project, cache, ...(pool !== undefined ? { pool } : {}),
      ...(options.maxFileBytes !== undefined ? { maxFileBytes: options.maxFileBytes } : {}),
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
      ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
      // The same inputs as a run whose records the store holds, and the store as that run left it: writing them
      // again would find each unchanged, so they are neither built nor offered.
      recordsHeld: fingerprint => held !== undefined && held.fingerprint === fingerprint && held.viewHash === this.store.viewHash
    })
    this.analysing.add(running)
    const analysis = await running.finally(() => this.analysing.delete(running))
    if (this.analysisCostMs !== null) await this.clock.sleep(this.analysisCostMs(analysis.files - analysis.cached, analysis.sourceBytes))
    const base = {
      project, root, path: relative(root, path) || '.', priority: options.priority ?? 'normal', roles: recipients,
      files: analysis.files, cached: analysis.cached, read: analysis.read, skipped: analysis.skipped
    }
    if (analysis.recordsSkipped === true && held !== undefined) {
      await this.analysis.ran(cache)
      return { ...base, records: held.records, written: 0, unchanged: held.records, removed: 0, stale: held.stale, bytes: 0, ms: Math.round(this.clock.now() - started) }
    }
    const gone = this.gone(analysis.records, path, root, project)
    const records = this.recordsToWrite(analysis.records, path !== root, rootAddress(project))
    const appended = options.withholdLastRecord === true ? records.slice(0, -1) : records
    const { readGitCommit, recordHashes } = await import('../intelligence/source-state.js')
    const commit = options.commit ?? readGitCommit(root) ?? undefined
    const hashes = recordHashes(project, analysis.hashes, appended.map(record => record.address))
    await this.auditWrite('generate', { project, path: relative(root, path) || '.', records: appended.length, removed: options.prune === true ? gone.length : 0, roles: recipients })
    const result = await this.store.write(appended, {
      term, recipients, nowMs: this.clock.now(), generated: true, ...(options.prune === true ? { remove: gone } : {}),
      sources: commit === undefined ? { hashes } : { commit, hashes }
    })
    const stale = options.prune === true ? 0 : gone.length
    if (analysis.fingerprint !== undefined && options.withholdLastRecord !== true) {
      this.analysis.holdRun(runKey, { fingerprint: analysis.fingerprint, viewHash: this.store.viewHash, records: records.length, stale })
    }
    await this.analysis.ran(cache)
    return {
      ...base, records: records.length,
      written: result.written + records.length - appended.length, unchanged: result.unchanged, removed: result.removed, stale, bytes: result.bytes, ms: Math.round(this.clock.now() - started)
    }
  }

  /**
   * Distributes hand-written records (already parsed JSON: one record, or an array of them) to the given roles
   * (default: every role), in one batch.
   */
  async distribute (value: unknown, roles: readonly string[] | undefined, source: string, term = this.leadership.term, decision?: string, asked?: { requester: string, role: string, policyVersion: number }): Promise<DistributeReport> {
    this.permission.require('distribute')
    if (decision !== undefined && !this.decisions.graph.has(decision)) throw badInput(`unknown decision ${decision}: record it with \`bzzz-ctx decide\` first`)
    const values = Array.isArray(value) ? value : [value]
    if (values.length === 0) throw badInput(`${source} holds an empty list: nothing to distribute`)
    const roleNames = this.config.roles.map(role => role.name)
    const records: ContextRecord[] = values.map((v, i) => validateRecord(v, Array.isArray(value) ? `${source} [${i}]` : source, roleNames))
    const recipients = this.recipients(roles)
    await this.auditWrite('distribute', { address: records[0]!.address, records: records.length, roles: recipients })
    const result = await this.store.write(records, { term, recipients, nowMs: this.clock.now(), ...(decision !== undefined ? { decision } : {}), ...(asked !== undefined ? { asked } : {}) })
    // In a cluster the leader's operations record it, with who asked.
    if (!this.inCluster) this.audit.record('distribute', { requester: this.config.nodeId, address: records[0]!.address, records: records.length, written: result.written, roles: recipients })
    return { address: records[0]!.address, records: records.length, roles: recipients, written: result.written, unchanged: result.unchanged, bytes: result.bytes }
  }

  async retrieve (address: string, role: string, depth = DEFAULT_RESOLVE_DEPTH): Promise<Retrieved> {
    return await this.queries.retrieve(address, role, depth)
  }

  /** The salts of every digest key held, the current first: reads hashed before a revocation used an older one. */
  readSalts (): Buffer[] {
    return this.auditing.readSalts()
  }

  /** The addresses with a live record at or below `under` (all when undefined), and their kinds, sorted. */
  async addresses (under?: string): Promise<Array<{ address: string, kind: RecordKind }>> {
    return await this.queries.addresses(under)
  }

  /** Records a decision authored by this peer's role, after checking it against the graph (unknown ids, cycles). */
  async decide (input: DecideInput, term = this.leadership.term, author = this.config.role, policyVersion?: number): Promise<DecisionView> {
    this.permission.require('decide')
    const { decision, rationale } = this.decisions.prepare(input, author, term, this.clock.now())
    const { term: _term, ...header } = decision
    await this.auditWrite('decide', { id: decision.id, title: decision.title, address: decision.affects[0]! }, author)
    await this.store.appendQueueEntry({ type: 'decision', ...header, address: decision.affects[0]!, ...(policyVersion !== undefined ? { policyVersion } : {}) }, {
      term, nowMs: decision.at,
      payload: { plaintext: Buffer.from(JSON.stringify({ rationale })), level: decision.level as never, recipients: this.directory.names() }
    })
    return { ...await this.decisions.view(decision, this.config.role), rationale }
  }

  /** A retry of a decision the graph holds already (see DecisionIndex.retryOf); undefined when it holds none with that id. */
  decisionRetry (input: DecideInput, author: string): DecisionView | undefined {
    return this.queries.decisionRetry(input, author)
  }

  async history (address: string, role: string): Promise<HistoryReport> {
    return await this.queries.history(address, role)
  }

  async hops (target: string, role: string, max = DEFAULT_HOPS): Promise<HopsReport> {
    return await this.queries.hops(target, role, max)
  }

  async influence (role: string, max = DEFAULT_HOPS, limit = 10, order?: InfluenceOrder): Promise<InfluenceRow[]> {
    return await this.queries.influence(role, max, limit, order)
  }

  /** Takes up a change of the cluster's keys (see PeerKeys.adopt). */
  async adoptKeys (bundle: KeysBundle): Promise<{ adopted: boolean, granted: Array<{ role: string, epoch: number }> }> {
    return await this.keysPart.adopt(bundle)
  }

  /** Publishes a keys change the admin made, alone (a cluster's daemon sends it to its leader instead). */
  async publishKeys (bundle: KeysBundle): Promise<{ rolesVersion: number, grants: number }> {
    return await this.keysPart.publish(bundle)
  }

  /** Appends a keys change to this peer's log, as the leader of `term` (alone: the solo term), and takes it up. */
  async appendKeys (bundle: KeysBundle, term?: number): Promise<void> {
    await this.keysPart.append(bundle, term)
  }

  /** Seals again what is sealed to a past epoch of `roles` (see PeerKeys.reseal). */
  async reseal (roles: readonly string[], term?: number): Promise<ResealReport> {
    return await this.keysPart.reseal(roles, term)
  }

  /** See PeerAudit.beforeWrite: with `failClosed`, a write waits for its event, and is refused without it. */
  async auditWrite (op: string, fields: Record<string, unknown>, role?: string): Promise<void> {
    await this.auditing.beforeWrite(op, fields, role)
  }

  /** See PeerAudit.recordAdmin: what the admin did outside the logs (invites, revocations). */
  async recordAdmin (event: AdminAuditEvent): Promise<void> {
    await this.auditing.recordAdmin(event)
  }

  /** Which of the project's generated addresses are stale against the working tree at `root`, and when it was last generated. */
  async freshness (root: string, project?: string): Promise<FreshnessReport> {
    return await this.queries.freshness(root, project)
  }

  async status (): Promise<StatusReport> {
    return await this.queries.status()
  }
}
