/**
 * A peer working on its own home: the one-peer cluster in which this peer is the leader (a cluster node drives it in a
 * cluster). It opens a home (made by `home-setup.ts`), and is the front of its parts (src/node/peer/): the keys, the
 * policy, the audit, who may write, the generate and the queries; the distribute and decide writes are its own.
 */
import { systemClock, type Clock } from '../clock.js'
import type { Keyring } from '../crypto/keyring.js'
import type { LocalSecret } from '../crypto/local-secret.js'
import type { RoleDirectory } from '../crypto/role-directory.js'
import { badInput } from '../errors.js'
import type { Leadership } from '../leader/leadership.js'
import type { ContextRecord, RecordKind } from '../context/record.js'
import { validateRecord } from '../context/validate.js'
import { DEFAULT_RESOLVE_DEPTH } from '../context/resolve.js'
import { ContextStore, type Retrieved, type StoreLeadership, type TermProof } from '../storage/context-store.js'
import { AuditLog } from '../audit/audit-log.js'
import type { AdminAuditEvent } from '../audit/audit-event.js'
import { DecisionIndex, DEFAULT_HOPS, type DecideInput, type DecisionView, type HistoryReport, type HopsReport } from '../temporal/decisions.js'
import type { InfluenceOrder, InfluenceRow } from '../temporal/graph.js'
import { homePaths, type PeerConfig } from './home.js'
import type { KeysBundle } from './keys-bundle.js'
import type { SignedPolicy } from './cluster-policy.js'
import type { PolicyBook } from './policy-book.js'
import { sectionCrypto } from './section-crypto.js'
import { createHome, type InitOptions, type InitReport } from './home-setup.js'
import { AnalysisRuntime } from './analysis-runtime.js'
import { openHomeBasics, writeRecipients, type OpenedHome } from './held-generation.js'
import { generateTarget } from './generate-target.js'
import type { FreshnessReport } from './freshness.js'
import { termEvidenceProblem } from './term-evidence.js'
import { PeerAudit } from './peer/audit.js'
import { WritePermission } from './peer/write-permission.js'
import { PeerKeys } from './peer/keys.js'
import { openPolicyBook, PeerPolicy } from './peer/policy.js'
import { Generation } from './peer/generation.js'
import { PeerQueries } from './peer/queries.js'
import type { AuditOptions, DistributeReport, GenerateOptions, GenerateOutcome, GenerateReport, ResealReport, StatusReport, WriteHost } from './peer/types.js'

export type { InitOptions, InitReport } from './home-setup.js'
export { findRoot } from './generate-target.js'
export type { AuditOptions, DistributeReport, GenerateOptions, GenerateOutcome, GeneratePart, GenerateReport, ResealReport, StatusReport } from './peer/types.js'

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
  /**
   * Where this peer keeps its analyses running on real CPUs (default: a set of its own). The simulator gives every peer
   * of a run one set, so that a step waits on it alone rather than asking each of a thousand peers.
   */
  analysing?: Set<Promise<unknown>>
  /** How this peer audits (its settings `auditHashReads`, `auditFailClosed`; default both off). */
  audit?: Partial<AuditOptions>
  /**
   * Clear the payloads of superseded versions written longer ago than this (its setting `retention`): at close, and whenever
   * the node that drives it says. Undefined keeps them all.
   */
  retentionMs?: number
  /** What a generate that went on to this peer opened already (see generateWithoutStore): its home and its analysis. */
  opened?: OpenedHome
}

export class LocalPeer {
  readonly home: string
  readonly config: PeerConfig
  readonly keyring: Keyring
  readonly store: ContextStore
  /** Stamps versions and decisions: the node's clock (the simulator's, in a simulation). */
  readonly clock: Clock
  /** This peer's audit log (src/audit): what it did and saw, and the members' logs it holds; records nothing read-only. */
  readonly audit: AuditLog
  /** The cluster policies this peer holds, the newest in force (see policy-book.ts). */
  readonly policies: PolicyBook
  /** The workers and the cache the analysis runs on; a daemon keeps them between runs (`analysis.keepWorkers`). */
  readonly analysis: AnalysisRuntime
  /**
   * Set by the node that drives this peer: where earlier terms end in the other writers' logs, as its term entry for
   * `term` states them (null until it caught up in that term; see TermEntry's `ends`). Alone, a peer states none.
   */
  clusterTermEnds: ((term: number) => Record<string, number> | null) | null = null
  /** Analyses running on real CPUs now: the simulator lets them end before its clock moves on (LocalPeerOptions.analysing). */
  readonly analysing: Set<Promise<unknown>>
  private decisionIndex: DecisionIndex | null = null

  // The parts, each one job (src/node/peer/): this class wires them and answers for them.
  private readonly auditing: PeerAudit
  private readonly permission: WritePermission
  private readonly keysPart: PeerKeys
  private readonly policyPart: PeerPolicy
  private readonly generation: Generation
  private readonly queries: PeerQueries
  /** See LocalPeerOptions.retentionMs. */
  readonly retentionMs: number | undefined

  private constructor (home: string, config: PeerConfig, keyring: Keyring, directory: RoleDirectory, local: LocalSecret, store: ContextStore, clock: Clock, audit: AuditLog, policies: PolicyBook, options: LocalPeerOptions) {
    this.analysing = options.analysing ?? new Set()
    this.home = home
    this.config = config
    this.keyring = keyring
    this.store = store
    this.clock = clock
    this.audit = audit
    this.policies = policies
    this.retentionMs = options.retentionMs
    this.analysis = options.opened?.analysis ?? new AnalysisRuntime(home, local, clock)
    this.auditing = new PeerAudit(audit, config, keyring, options.audit)
    this.permission = new WritePermission(home, config, keyring.identity)
    // A rebuilt view may have retracted decisions and versions the graph was fed: it is built again when next asked for.
    store.onRebuilt(() => {
      this.decisionIndex?.close()
      this.decisionIndex = null
    })
    // What every part that writes asks first: may this peer write alone, in which term, and is the write's event down.
    const writes: WriteHost = {
      requireWriter: what => this.permission.require(what),
      soloTerm: () => this.leadership.term,
      auditWrite: async (op, fields) => await this.auditing.beforeWrite(op, fields)
    }
    this.keysPart = new PeerKeys(keyring, directory, {
      ...writes, home, config, store, clock, audit, onDigestKey: () => this.auditing.forgetReadSalt()
    })
    this.policyPart = new PeerPolicy(policies, { ...writes, home, config, readOnly: options.readOnly === true, store, clock, audit })
    this.generation = new Generation({
      ...writes, store, clock, analysis: this.analysis, analysing: this.analysing, analysisCostMs: options.analysisCostMs ?? null,
      target: target => this.target(target),
      recipients: roles => this.recipients(roles),
      viewHash: () => store.viewHash,
      ...(options.opened?.analysed !== undefined ? { analysed: options.opened.analysed } : {})
    })
    this.queries = new PeerQueries({
      home, config, keyring, store, audit,
      directory: () => this.directory,
      decisions: () => this.decisions,
      readFields: (address, depth) => this.auditing.readFields(address, depth),
      rosterSize: () => this.permission.rosterSize(),
      leadership: () => this.leadership
    })
  }

  /** The cluster's roles, each at its current epoch: what a write is sealed to (replaced when a rotation is taken up). */
  get directory (): RoleDirectory {
    return this.keysPart.directory
  }

  /** How this peer audits (its settings; a test may change a field on an open peer). */
  get auditOptions (): AuditOptions {
    return this.auditing.options
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
    const { config, keyring, directory, local } = options.opened?.basics ?? await openHomeBasics(home)
    const trust = { cluster: config.cluster.id, adminKey: config.cluster.adminKey }
    let peer: LocalPeer | undefined
    const policies = openPolicyBook(home, config, role => (peer?.directory ?? directory).get(role)?.clearance)
    const leadership: StoreLeadership = {
      admit: (writer, entry) => termEvidenceProblem(writer, entry, trust),
      authorise: (_writer, entry) => policies.entryRefusal(entry),
      termProof: (term, writer) => peer?.termProof(term, writer) ?? null,
      termEnds: term => peer?.clusterTermEnds?.(term) ?? null
    }
    const store = await ContextStore.open(homePaths(home).store, sectionCrypto(keyring, () => peer?.directory ?? directory, local), { ...(options.readOnly !== undefined ? { readOnly: options.readOnly } : {}), clock, leadership, shardPayloads: config.replication === 'sharded' })
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

  /** Clears the payloads of superseded versions past the retention, if this peer has one (ContextStore.clearPayloads). */
  async clearPayloads (): Promise<{ blocks: number, envelopes: number }> {
    if (this.retentionMs === undefined) return { blocks: 0, envelopes: 0 }
    return await this.store.clearPayloads(this.retentionMs, this.clock.now())
  }

  async close (): Promise<void> {
    // A write of this session superseded versions: what is past the retention goes now (a daemon also sweeps on a timer).
    await this.clearPayloads().catch(() => {})
    await this.policyPart.saved()
    this.decisionIndex?.close()
    await this.audit.flushed()
    await this.analysis.close()
    await this.store.close()
  }

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
    return writeRecipients(this.config, this.directory, roles)
  }

  /** What a generation is about: the path, the root addresses are relative to, and the project; checked. */
  target (options: Pick<GenerateOptions, 'path' | 'root' | 'project' | 'fs'>): { path: string, root: string, project: string } {
    return generateTarget(options, this.config.project, options.fs)
  }

  /** Analyses PATH and writes its records (see Generation.generate). */
  async generate (options: GenerateOptions): Promise<GenerateReport> {
    return await this.generation.generate(options)
  }

  /** Several generations analysed together and written in one write, each with its own outcome (see Generation.generateBatch). */
  async generateBatch (batch: readonly GenerateOptions[]): Promise<GenerateOutcome[]> {
    return await this.generation.generateBatch(batch)
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
