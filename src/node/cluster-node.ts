/**
 * A peer in its cluster: the local peer (home, keys, store) on Hyperswarm. It authenticates members by their
 * certificates, replicates every writer log with them, gossips log heads through the pure gossip core, counts
 * acknowledgements, and sends generation and distribution to the leader.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { writeFileAtomic } from '../crypto/atomic-file.js'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import Hyperswarm from 'hyperswarm'
import HyperDHT from 'hyperdht'
import { AckTracker } from '../distribution/acks.js'
import { GossipCore, type GossipEffect, type Head } from '../distribution/gossip.js'
import { BzzzError, badInput, isBzzzError, unavailable, type ErrorCode } from '../errors.js'
import { fixedLeadership, type Leadership } from '../leader/leadership.js'
import { certificateProblem } from '../net/certificate.js'
import { WireChannel } from '../net/channel.js'
import { WIRE_VERSION, type WireMessage } from '../net/messages.js'
import { refreshDiscovery } from '../net/dht-options.js'
import type { Retrieved } from '../storage/context-store.js'
import { DEFAULT_RESOLVE_DEPTH } from '../context/resolve.js'
import { LocalPeer, findRoot, type DistributeReport, type GenerateOptions, type GenerateReport, type StatusReport } from './local-peer.js'
import type { Logger } from './logger.js'

export const HELLO_TIMEOUT_MS = 5_000
export const GOSSIP_TICK_MS = 2_000
export const ACK_TIMEOUT_MS = 15_000
export const REQUEST_TIMEOUT_MS = 120_000
/** Discovery is refreshed after joining with this backoff (peers that join together miss each other otherwise). */
export const REFRESH_BACKOFF_MS = [500, 1_000, 2_000, 4_000, 8_000]
export const REFRESH_PERIOD_MS = 30_000
/** The most file bytes one forwarded generation request carries. */
export const MAX_REQUEST_FILE_BYTES = 24 * 1024 * 1024
export const KNOWN_MEMBERS_FILE = 'members.json'
export const MAX_KNOWN_MEMBERS = 1_000

export interface ClusterNodeOptions {
  home: string
  /** HyperDHT bootstrap nodes; undefined for the public DHT. */
  bootstrap?: Array<{ host: string, port: number }>
  /** Bind the DHT to this host (127.0.0.1 in tests). */
  host?: string
  logger: Logger
  ackTimeoutMs?: number
}

interface Member {
  node: string
  role: string
  channel: WireChannel
  connectedAt: number
}

interface PendingRequest {
  resolve: (body: unknown) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

export interface PeerRow {
  id: string
  role: string
  connected: boolean
  since: number | null
  /** Per writer log: the length this peer says it holds, and how far it lags the longest known. */
  logs: Array<{ writer: string, length: number, lag: number }>
}

export interface SyncReport {
  caughtUp: boolean
  ms: number
  peers: number
  logs: Array<{ writer: string, before: number, after: number, moved: number }>
}

export class ClusterNode {
  readonly peer: LocalPeer
  readonly gossip = new GossipCore()
  readonly acks: AckTracker
  readonly counters = { rejectedPeers: 0, invalidFrames: 0, forwarded: 0, served: 0 }
  private readonly swarm: Hyperswarm
  private readonly logger: Logger
  private readonly members = new Map<string, Member>()
  private readonly requests = new Map<string, PendingRequest>()
  private readonly fetches = new Map<string, Promise<void>>()
  private readonly timers: NodeJS.Timeout[] = []
  private readonly ackTimeoutMs: number
  private nextAckId = 1
  private readonly ackWaiters = new Map<number, () => void>()
  private closing = false
  private refresher: { stop: () => void } | null = null

  private constructor (peer: LocalPeer, options: ClusterNodeOptions) {
    this.peer = peer
    this.logger = options.logger
    this.ackTimeoutMs = options.ackTimeoutMs ?? ACK_TIMEOUT_MS
    this.acks = new AckTracker(peer.config.nodeId)
    const identity = peer.keyring.identity
    const dht = new HyperDHT({
      ...(options.bootstrap !== undefined ? { bootstrap: options.bootstrap } : {}),
      ...(options.host !== undefined ? { host: options.host } : {})
    })
    this.swarm = new Hyperswarm({ dht, keyPair: { publicKey: identity.sign.publicKey, secretKey: identity.sign.secretKey } })
    this.swarm.on('connection', (connection: any) => {
      // A peer's bytes must never take the daemon down: anything thrown here closes that connection only.
      try {
        this.onConnection(connection)
      } catch (err) {
        this.logger.error({ err: String(err) }, 'a connection failed to set up')
        connection.destroy()
      }
    })
  }

  static async start (options: ClusterNodeOptions): Promise<ClusterNode> {
    const peer = await LocalPeer.open(options.home)
    const node = new ClusterNode(peer, options)
    try {
      await node.join()
    } catch (err) {
      await node.close()
      throw err
    }
    return node
  }

  /** The wire channel's id: derived from the cluster id, so peers of other clusters never open it. */
  private get channelId (): Buffer {
    return createHash('sha256').update('bzzz-ctx/channel\u0000').update(this.peer.config.cluster.id).digest()
  }

  get nodeId (): string {
    return this.peer.config.nodeId
  }

  get leadership (): Leadership {
    return fixedLeadership(this.nodeId, this.peer.config.cluster.adminKey)
  }

  private async join (): Promise<void> {
    for (const head of this.peer.store.heads()) this.applyEffects(this.gossip.step({ type: 'local', ...head }))
    this.acks.observe(this.nodeId, this.peer.store.writer, this.peer.store.logLength)
    const topic = Buffer.from(this.peer.config.cluster.topic, 'hex')
    const discovery = this.swarm.join(topic, { server: true, client: true })
    await discovery.flushed()
    // Members we know by key are dialled directly: the admin, and every member met before.
    for (const member of new Set([this.peer.config.cluster.adminKey, ...this.knownMembers()])) {
      if (member !== this.nodeId) this.swarm.joinPeer(Buffer.from(member, 'hex'))
    }
    // Peers that join together miss each other: refresh with backoff until every member we know of is connected.
    this.refresher = refreshDiscovery(discovery, () => this.knownMembers().every(m => m === this.nodeId || this.members.has(m)) && this.members.size > 0, REFRESH_BACKOFF_MS)
    this.timers.push(setInterval(() => { if (!this.closing) discovery.refresh().catch(() => {}) }, REFRESH_PERIOD_MS))
    this.timers.push(setInterval(() => { if (!this.closing) this.applyEffects(this.gossip.step({ type: 'tick' })) }, GOSSIP_TICK_MS))
    for (const timer of this.timers) timer.unref()
    this.logger.info({ node: this.nodeId, topic: this.peer.config.cluster.topic.slice(0, 8) }, 'joined the cluster topic')
  }

  async close (): Promise<void> {
    if (this.closing) return
    this.closing = true
    for (const timer of this.timers) clearTimeout(timer)
    this.refresher?.stop()
    for (const pending of this.requests.values()) { clearTimeout(pending.timer); pending.reject(unavailable('the daemon is stopping')) }
    await this.swarm.destroy().catch(() => {})
    await this.peer.close()
  }

  private onConnection (connection: any): void {
    const remote: string = connection.remotePublicKey.toString('hex')
    connection.on('error', () => {})
    let authenticated = false
    const channel: WireChannel = new WireChannel(connection, {
      clusterId: this.channelId,
      onMessage: (message: WireMessage) => {
        if (!authenticated) {
          if (message.type !== 'hello') return this.reject(connection, remote, 'spoke before proving membership')
          const problem = this.helloProblem(message, remote)
          if (problem !== null) return this.reject(connection, remote, problem)
          authenticated = true
          clearTimeout(helloTimer)
          this.onMember(remote, JSON.parse(message.certificate).role as string, channel, connection)
          return
        }
        this.onMessage(remote, message)
      },
      onClose: () => {
        clearTimeout(helloTimer)
        if (authenticated && this.members.get(remote)?.channel === channel) this.onMemberGone(remote)
      },
      onInvalid: (reason: string) => {
        this.counters.invalidFrames++
        this.logger.warn({ peer: remote.slice(0, 12), reason }, 'closed a connection that sent an invalid frame')
      }
    })
    const helloTimer = setTimeout(() => { if (!authenticated) this.reject(connection, remote, 'no hello in time') }, HELLO_TIMEOUT_MS)
    helloTimer.unref()
    channel.open()
    channel.send({ type: 'hello', version: WIRE_VERSION, certificate: JSON.stringify(this.peer.config.certificate) })
  }

  private helloProblem (message: Extract<WireMessage, { type: 'hello' }>, remote: string): string | null {
    if (message.version !== WIRE_VERSION) return `speaks wire version ${message.version}`
    let certificate: unknown
    try { certificate = JSON.parse(message.certificate) } catch { return 'a certificate that is not JSON' }
    const problem = certificateProblem(certificate, { cluster: this.peer.config.cluster.id, adminKey: this.peer.config.cluster.adminKey, node: remote, nowMs: Date.now() })
    return problem === null ? null : `a bad certificate: ${problem}`
  }

  private reject (connection: any, remote: string, why: string): void {
    this.counters.rejectedPeers++
    this.logger.warn({ peer: remote.slice(0, 12), why }, 'refused a peer')
    connection.destroy()
  }

  /** The members this peer has met (their node ids), remembered in the home so a restart dials them at once. */
  private knownMembers (): string[] {
    try {
      const known = JSON.parse(readFileSync(join(this.peer.home, KNOWN_MEMBERS_FILE), 'utf8')) as unknown
      return Array.isArray(known) ? known.filter((m): m is string => typeof m === 'string' && /^[0-9a-f]{64}$/.test(m)) : []
    } catch {
      return []
    }
  }

  private rememberMember (node: string): void {
    const known = this.knownMembers()
    if (known.includes(node)) return
    known.push(node)
    writeFileAtomic(join(this.peer.home, KNOWN_MEMBERS_FILE), JSON.stringify(known.slice(-MAX_KNOWN_MEMBERS)), 0o600)
      .catch(err => this.logger.warn({ err: String(err) }, 'could not remember a member'))
  }

  private onMember (remote: string, role: string, channel: WireChannel, connection: any): void {
    this.rememberMember(remote)
    const previous = this.members.get(remote)
    this.members.set(remote, { node: remote, role, channel, connectedAt: Date.now() })
    if (previous !== undefined && previous.channel !== channel) previous.channel.close('replaced by a newer connection')
    this.peer.store.replicate(connection)
    this.logger.info({ peer: remote.slice(0, 12), role }, 'member connected')
    this.applyEffects(this.gossip.step({ type: 'connected', peer: remote }))
  }

  private onMemberGone (remote: string): void {
    this.members.delete(remote)
    this.acks.forget(remote)
    this.applyEffects(this.gossip.step({ type: 'disconnected', peer: remote }))
    this.logger.info({ peer: remote.slice(0, 12) }, 'member disconnected')
  }

  private onMessage (remote: string, message: WireMessage): void {
    switch (message.type) {
      case 'heads':
        for (const head of message.heads) this.observeHead(remote, head)
        this.applyEffects(this.gossip.step({ type: 'heads', peer: remote, heads: message.heads }))
        break
      case 'request':
        this.serveRequest(remote, message).catch(err => this.logger.error({ err }, 'serving a request failed'))
        break
      case 'response': {
        const pending = this.requests.get(message.id)
        if (pending === undefined) return
        this.requests.delete(message.id)
        clearTimeout(pending.timer)
        let body: any
        try { body = JSON.parse(message.body) } catch { body = { code: 'FAILURE', message: 'the leader answered with something that is not JSON' } }
        if (message.ok) pending.resolve(body)
        else pending.reject(new BzzzError((body.code ?? 'FAILURE') as ErrorCode, `the leader says: ${String(body.message)}`))
        break
      }
      case 'hello':
        break
    }
  }

  private observeHead (peer: string, head: Head): void {
    for (const id of this.acks.observe(peer, head.writer, head.length)) this.ackWaiters.get(id)?.()
  }

  private applyEffects (effects: readonly GossipEffect[]): void {
    for (const effect of effects) {
      if (effect.type === 'send') {
        const member = this.members.get(effect.peer)
        if (member !== undefined && effect.heads.length > 0) member.channel.send({ type: 'heads', heads: effect.heads })
      } else {
        this.fetch(effect.writer, effect.length)
      }
    }
  }

  /** Downloads and applies a writer's log, one fetch per writer at a time. */
  private fetch (writer: string, length: number): void {
    const previous = this.fetches.get(writer) ?? Promise.resolve()
    const next = previous.then(async () => {
      if (this.closing) return
      // Held (on disk) is what acknowledgements count, so it is announced before the view catches up.
      const held = await this.peer.store.downloadRemote(writer, length)
      this.observeHead(this.nodeId, { writer, length: held })
      this.applyEffects(this.gossip.step({ type: 'local', writer, length: held }))
      await this.peer.store.applyRemote(writer, held)
    }).catch(err => { if (!this.closing) this.logger.warn({ err: String(err), writer: writer.slice(0, 12) }, 'fetching a log failed; the next tick retries') })
    this.fetches.set(writer, next)
  }

  /** After this peer appended to its log: gossip the new head and wait until enough peers hold it. */
  private async acknowledge (): Promise<{ holders: number, required: number }> {
    const writer = this.peer.store.writer
    const length = this.peer.store.logLength
    this.observeHead(this.nodeId, { writer, length })
    this.applyEffects(this.gossip.step({ type: 'local', writer, length }))
    const required = Math.min(this.peer.config.replicationFactor, 1 + this.members.size)
    const id = this.nextAckId++
    if (this.acks.wait(id, writer, length, required)) return { holders: this.acks.count(writer, length), required }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.ackWaiters.delete(id)
        this.acks.cancel(id)
        reject(unavailable(`stored on ${this.acks.count(writer, length)} of the ${required} peers required after ${this.ackTimeoutMs / 1000} s: not acknowledged (it stays in the log and will replicate when peers return)`))
      }, this.ackTimeoutMs)
      this.ackWaiters.set(id, () => { clearTimeout(timer); this.ackWaiters.delete(id); resolve() })
    })
    return { holders: this.acks.count(writer, length), required }
  }

  private leaderChannel (): WireChannel {
    const leader = this.leadership.leader
    const member = leader === null ? undefined : this.members.get(leader)
    if (member === undefined) throw unavailable(`the leader (${leader?.slice(0, 12) ?? 'none'}) is not connected: start its daemon, or wait and retry`)
    return member.channel
  }

  private async callLeader (op: string, body: unknown): Promise<any> {
    const channel = this.leaderChannel()
    const id = randomBytes(12).toString('hex')
    this.counters.forwarded++
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.requests.delete(id); reject(unavailable(`the leader did not answer ${op} in ${REQUEST_TIMEOUT_MS / 1000} s`)) }, REQUEST_TIMEOUT_MS)
      this.requests.set(id, { resolve, reject, timer })
      channel.send({ type: 'request', id, op, body: JSON.stringify(body) })
    })
  }

  private async serveRequest (remote: string, message: Extract<WireMessage, { type: 'request' }>): Promise<void> {
    const member = this.members.get(remote)
    if (member === undefined) return
    let ok = true
    let body: unknown
    try {
      if (!this.leadership.isLeader) throw unavailable('this peer is not the leader')
      const args = JSON.parse(message.body) as any
      this.counters.served++
      if (message.op === 'generate') body = await this.generateFromFiles(args)
      else if (message.op === 'distribute') body = await this.distribute(args.record, args.roles, args.source)
      else throw badInput(`unknown request ${message.op}`)
    } catch (err) {
      ok = false
      body = isBzzzError(err) ? { code: err.code, message: err.message } : { code: 'FAILURE', message: String((err as Error)?.message ?? err) }
    }
    member.channel.send({ type: 'response', id: message.id, ok, body: JSON.stringify(body) })
  }

  /** The leader's side of a forwarded generation: the files travel with the request, so no shared checkout is needed. */
  private async generateFromFiles (args: { files: Array<{ path: string, content: string }>, project: string, path: string, roles?: string[], priority?: string }): Promise<GenerateReport> {
    if (!Array.isArray(args.files) || typeof args.project !== 'string' || typeof args.path !== 'string') throw badInput('a malformed generation request')
    const dir = mkdtempSync(join(tmpdir(), 'bzzz-gen-'))
    try {
      const root = join(dir, 'tree')
      mkdirSync(root, { mode: 0o700 })
      for (const file of args.files) {
        const target = resolve(root, file.path)
        if (relative(root, target).startsWith('..') || typeof file.content !== 'string') throw badInput(`a malformed file in the request: ${String(file.path).slice(0, 80)}`)
        mkdirSync(dirname(target), { recursive: true, mode: 0o700 })
        writeFileSync(target, Buffer.from(file.content, 'base64'), { mode: 0o600 })
      }
      const target = resolve(root, args.path)
      if (relative(root, target).startsWith('..')) throw badInput('a malformed path in the request')
      return await this.generate({ path: target, root, project: args.project, ...(args.roles !== undefined ? { roles: args.roles } : {}) } as GenerateOptions, true)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  /** Generates on the leader (here, or forwarded with the files) and reports once the records are acknowledged. */
  async generate (options: GenerateOptions, local = false): Promise<GenerateReport & { acknowledged?: { holders: number, required: number } }> {
    if (this.leadership.isLeader) {
      const report = await this.peer.generate(options)
      const acknowledged = await this.acknowledge()
      return { ...report, acknowledged }
    }
    if (local) throw unavailable('this peer is not the leader')
    const path = resolve(options.path)
    const root = options.root === undefined ? findRoot(path) : resolve(options.root)
    const { walkTree, readTextFile } = await import('../intelligence/walk.js')
    const walk = await walkTree({ root, target: path })
    // The size limit is checked from the walk, before any file is read.
    const total = walk.files.reduce((sum, file) => sum + file.size, 0)
    if (total > MAX_REQUEST_FILE_BYTES) throw badInput(`${options.path} holds ${total} bytes of files, over the ${MAX_REQUEST_FILE_BYTES} a request to the leader may carry: generate a smaller part`)
    const skipped = [...walk.skipped]
    const files: Array<{ path: string, content: string }> = []
    for (const file of walk.files) {
      const content = await readTextFile(file.absolutePath)
      if (typeof content === 'string') skipped.push({ path: file.path, reason: content })
      else files.push({ path: file.path, content: content.toString('base64') })
    }
    const project = options.project ?? this.peer.config.project ?? (await import('../ucxl/address.js')).projectNameFrom(root.split('/').pop() ?? 'project')
    const report = await this.callLeader('generate', { files, project, path: relative(root, path) || '.', roles: options.roles, priority: options.priority }) as GenerateReport
    return { ...report, root, skipped: [...skipped, ...report.skipped] }
  }

  async distribute (value: unknown, roles: readonly string[] | undefined, source: string): Promise<DistributeReport & { acknowledged?: { holders: number, required: number } }> {
    if (this.leadership.isLeader) {
      const report = await this.peer.distribute(value, roles, source)
      const acknowledged = await this.acknowledge()
      return { ...report, acknowledged }
    }
    return await this.callLeader('distribute', { record: value, roles, source }) as DistributeReport
  }

  async retrieve (address: string, role: string, depth = DEFAULT_RESOLVE_DEPTH): Promise<Retrieved> {
    try {
      return await this.peer.retrieve(address, role, depth)
    } catch (err) {
      // Not here yet: finish applying what was downloaded, pull what the peers announced, then try once more.
      if (!isBzzzError(err) || err.code !== 'NOT_FOUND') throw err
      const pending = [...this.fetches.values()]
      if (pending.length === 0 && this.gossip.caughtUp()) throw err
      await Promise.all(pending)
      if (!this.gossip.caughtUp()) await this.sync(5)
      return await this.peer.retrieve(address, role, depth)
    }
  }

  /** Pulls from peers until every head they announced is local, or the timeout. */
  async sync (timeoutSeconds: number): Promise<SyncReport> {
    const started = performance.now()
    const before = new Map(this.peer.store.heads().map(h => [h.writer, h.length]))
    this.applyEffects(this.gossip.step({ type: 'tick' }))
    const deadline = Date.now() + timeoutSeconds * 1000
    while (!this.gossip.caughtUp() && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 50))
      await Promise.all([...this.fetches.values()])
    }
    // Downloaded is not yet applied: wait for the view too.
    await Promise.all([...this.fetches.values()])
    const after = this.peer.store.heads()
    return {
      caughtUp: this.gossip.caughtUp(),
      ms: Math.round(performance.now() - started),
      peers: this.members.size,
      logs: after.map(h => ({ writer: h.writer, before: before.get(h.writer) ?? 0, after: h.length, moved: h.length - (before.get(h.writer) ?? 0) }))
    }
  }

  peers (): PeerRow[] {
    const rows: PeerRow[] = []
    for (const member of this.members.values()) {
      const heads = this.gossip.peerHeads(member.node)
      rows.push({
        id: member.node, role: member.role, connected: true, since: member.connectedAt,
        logs: [...heads].map(([writer, length]) => ({ writer, length, lag: Math.max(0, this.gossip.target(writer) - length) }))
      })
    }
    return rows.sort((a, b) => a.id < b.id ? -1 : 1)
  }

  async status (): Promise<StatusReport> {
    const local = await this.peer.status()
    const leadership = this.leadership
    return {
      ...local, mode: 'daemon', leader: leadership.leader, term: leadership.term, peers: this.members.size,
      counters: { ...this.counters, rejectedEntries: this.peer.store.rejectedEntries }
    }
  }
}
