/**
 * The project manager's duties, driven by the pure queue: it feeds the queue every request and completion entry
 * the view applies (from any writer's log), follows this peer's leadership, and, while this peer leads, runs what
 * the queue starts (open the request's files, analyse, write the records, wait until they are acknowledged) and
 * appends what the queue completes. A request is accepted only once its entry is acknowledged, so a new leader
 * finds it in the logs and finishes it; the queue decides what is pending, identically on every peer.
 */
import { removeTree } from '../crypto/atomic-file.js'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { accessDenied, badInput, isBzzzError, notLeader, unavailable } from '../errors.js'
import type { RoleDefinition } from '../crypto/levels.js'
import { requestReaders } from './request-readers.js'
import { MAX_REQUEST_PARTS, type CompletionEntry, type CompletionReport, type RequestEntry, type RequestPart } from '../storage/log-entry.js'
import type { QueueEvent } from '../storage/view.js'
import type { ContextStore } from '../storage/context-store.js'
import type { SkippedFile } from '../intelligence/types.js'
import type { Clock, TimerHandle } from '../clock.js'
import type { AckKind } from '../distribution/acks.js'
import { GenerationQueue, type QueueEffect, type QueuedRequest } from './queue.js'
import { MemoryFs, type TreeFs } from '../intelligence/tree-fs.js'

/** The level a request from before `readers` sealed its files at, for every role (any peer that could lead opened them). */
export const LEGACY_REQUEST_LEVEL = 'internal'
/** The most file bytes one request carries (before compression). */
export const MAX_REQUEST_FILE_BYTES = 24 * 1024 * 1024
/** The most compressed bytes one request entry carries (a log entry holds at most 16 MiB). */
export const MAX_REQUEST_PAYLOAD_BYTES = 12 * 1024 * 1024
export const PUMP_INTERVAL_MS = 1_000
/**
 * The most file bytes the requests of a batch analysed together may hold, unpacked: more and the batch is analysed in
 * several goes, each written at once. One request's bound, so a batch holds no more at a time than one large request.
 */
export const BATCH_RUN_BYTES = MAX_REQUEST_FILE_BYTES
/** How many requests of a batch are opened at once: each waits mostly on reads of the log. */
export const PREPARE_AT_ONCE = 4

/**
 * What a requester sends: the request entry's fields that are the requester's, and the compressed files (see packFiles)
 * as the requester sealed them for the request's readers (the leader never sees them in the clear).
 */
export type AcceptArgs = Pick<RequestEntry, 'id' | 'address' | 'project' | 'path' | 'priority' | 'requester' | 'roles' | 'prune' | 'part' | 'requesterRole' | 'policyVersion'> & { sealed: Buffer }

export interface AcceptReport {
  id: string
  /** True when this id was known already (a retry): nothing was appended. */
  duplicate: boolean
  term: number
}

export type CompletionHeader = Omit<CompletionEntry, 'envelope'>

/** What one generation is given: a request's files (in memory, or for a tree sent in parts a folder), as the leader of `term`. */
export interface GenerationRun {
  path: string
  root: string
  project: string
  term: number
  priority: RequestEntry['priority']
  roles?: readonly string[]
  prune: boolean
  /** The commit the requester's tree was checked out at, when it is a git work tree. */
  commit?: string
  /** The request's files, held in memory under `root` (a name only). */
  fs?: TreeFs
}

/** What one request's generation came to: its report, or what it failed with. */
export type GenerationOutcome = { ok: true, report: Omit<CompletionReport, 'acknowledged'> } | { ok: false, error: unknown }

/** The coordinator's log lines: warnings and errors, with structured fields first (pino's order). */
export interface CoordinatorLog {
  warn: (fields: object, message: string) => void
  error: (fields: object, message: string) => void
}

/**
 * What the coordinator needs of its peer, and nothing more: the log it appends requests and completions to, the
 * analysis, the roles a request is sealed for, and a private folder for a request's files.
 */
export interface CoordinatorHost {
  store: Pick<ContextStore, 'appendQueueEntry' | 'queueEvents' | 'subscribe' | 'sealedPayload'> & Partial<Pick<ContextStore, 'onRebuilt'>>
  /** This peer's role: it opens a request from before `readers` with that role's key. */
  role: string
  /** The roles whose keys this peer holds: it runs only requests whose files one of them opens. */
  heldRoles: () => string[]
  /** The cluster's roles and their clearances: who may read a request's files (request-readers.ts). */
  roles: () => RoleDefinition[]
  /** The roles a sealed payload holds a key for; BAD_INPUT when it is not an envelope. */
  sealedFor: (sealed: Buffer) => string[]
  /**
   * Analyses the files of several requests together and writes their records in one write, as the leader of their
   * term: an outcome for each, in order, so that one that fails fails alone.
   */
  generate: (runs: readonly GenerationRun[]) => Promise<GenerationOutcome[]>
  /** Where the files of a request sent in parts are written while it runs (emptied at start). */
  requestsDir: string
  logger: CoordinatorLog
  /** The current term, whether this peer leads in it, and whether it holds its lease (heard from a majority lately). */
  leadership: () => { term: number, isLeader: boolean, hasLease: boolean }
  /** Resolves once this peer's log head is held by as many peers as a write of this kind needs (`ackRequirement`): how
   * many did, and how many were required; throws UNAVAILABLE on timeout. */
  acknowledge: (kind: AckKind) => Promise<{ holders: number, required: number }>
  /** Tells peers of this peer's new log head, without waiting. */
  announce: () => void
  clock: Clock
}

/** `commit`: the requester's checked-out commit, sealed with the files (the leader's copy of them is no git work tree). */
interface PackedFiles { path: string, files: Array<{ path: string, content: string }>, commit?: string }

const COMMIT_HEX = /^[0-9a-f]{40}([0-9a-f]{24})?$/

/** One request's share of a tree's files, compressed. */
export interface PackedPart { payload: Buffer, files: number, bytes: number }

/**
 * The walked files in parts of at most `maxPartBytes` each, folder by folder in depth-first order (a folder's files
 * before its subfolders'), so that a part is a run of neighbouring folders, a subtree where it fits. A folder larger
 * than a part is split between parts; a single file larger than a part travels alone.
 */
export function partition<T extends { path: string, size: number }> (files: readonly T[], maxPartBytes: number): T[][] {
  const parentOf = (path: string): string => path.slice(0, Math.max(0, path.lastIndexOf('/')))
  const key = (file: T): [string, string] => [parentOf(file.path), file.path]
  const byFolder = [...files].sort((a, b) => {
    const [da, pa] = key(a)
    const [db, pb] = key(b)
    // Separators below every other character: a folder sorts before its subfolders, they before its next sibling.
    const fa = da.replaceAll('/', '\u0001') + '\u0000'
    const fb = db.replaceAll('/', '\u0001') + '\u0000'
    return fa < fb ? -1 : fa > fb ? 1 : pa < pb ? -1 : pa > pb ? 1 : 0
  })
  const folders: T[][] = []
  for (const file of byFolder) {
    const last = folders[folders.length - 1]
    if (last !== undefined && parentOf(last[0]!.path) === parentOf(file.path)) last.push(file)
    else folders.push([file])
  }
  const parts: T[][] = [[]]
  let bytes = 0
  const add = (file: T): void => {
    if (bytes + file.size > maxPartBytes && parts[parts.length - 1]!.length > 0) { parts.push([]); bytes = 0 }
    parts[parts.length - 1]!.push(file)
    bytes += file.size
  }
  for (const folder of folders) {
    const size = folder.reduce((sum, file) => sum + file.size, 0)
    // A folder that fits in a part of its own is not cut in two.
    if (bytes + size > maxPartBytes && size <= maxPartBytes && parts[parts.length - 1]!.length > 0) { parts.push([]); bytes = 0 }
    for (const file of folder) add(file)
  }
  return parts
}

/**
 * Reads the files under `path` (relative to `root`) into compressed request payloads, as many as the tree needs at
 * `maxPartBytes` of files each (see partition); each names the same target, so the leader unpacks them side by side.
 */
export async function packFiles (root: string, path: string, maxPartBytes = MAX_REQUEST_FILE_BYTES): Promise<{ parts: PackedPart[], skipped: SkippedFile[], files: number }> {
  const { walkTree, readTextFile } = await import('../intelligence/walk.js')
  const { readGitCommit } = await import('../intelligence/source-state.js')
  const walk = await walkTree({ root, target: path })
  const groups = partition(walk.files, maxPartBytes)
  const total = walk.files.reduce((sum, file) => sum + file.size, 0)
  if (groups.length > MAX_REQUEST_PARTS) throw badInput(`${path} holds ${total} bytes of files, over the ${MAX_REQUEST_PARTS} parts of ${maxPartBytes} bytes one generation may be sent in: generate a smaller part`)
  const skipped = [...walk.skipped]
  const target = relative(root, resolve(path)) || '.'
  const commit = readGitCommit(root)
  const parts: PackedPart[] = []
  let files = 0
  // One part's files are in memory at a time.
  for (const group of groups) {
    const packed: PackedFiles = { path: target, files: [], ...(commit !== null ? { commit } : {}) }
    for (const file of group) {
      const content = await readTextFile(file.absolutePath)
      if (typeof content === 'string') skipped.push({ path: file.path, reason: content })
      else packed.files.push({ path: file.path, content: content.toString('base64') })
    }
    const payload = gzipSync(JSON.stringify(packed))
    if (payload.length > MAX_REQUEST_PAYLOAD_BYTES) throw badInput(`part ${parts.length + 1} of ${path} compresses to ${payload.length} bytes, over the ${MAX_REQUEST_PAYLOAD_BYTES} one generation request may carry: generate a smaller part`)
    parts.push({ payload, files: packed.files.length, bytes: group.reduce((sum, file) => sum + file.size, 0) })
    files += packed.files.length
  }
  return { parts, skipped, files }
}

/**
 * One request's files, opened from its payload: by path relative to the request's root (POSIX, normalised, inside the
 * root), with the target path, the bytes of the files and the requester's commit. A later file under a path given
 * before replaces it. Nothing touches the disk: the analysis reads them through a MemoryFs.
 */
function openFiles (payload: Buffer, root: string, into: Map<string, Buffer>): { target: string, bytes: number, commit?: string } {
  let packed: PackedFiles
  try {
    packed = JSON.parse(gunzipSync(payload).toString('utf8')) as PackedFiles
  } catch {
    throw badInput('a request whose files do not decompress')
  }
  if (typeof packed !== 'object' || packed === null || typeof packed.path !== 'string' || !Array.isArray(packed.files)) throw badInput('a malformed request payload')
  if (packed.commit !== undefined && (typeof packed.commit !== 'string' || !COMMIT_HEX.test(packed.commit))) throw badInput('a malformed commit in the request')
  const inside = (p: string): string => {
    const rel = relative(root, resolve(root, p))
    if (rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel)) throw badInput(`a request path outside its root: ${p.slice(0, 80)}`)
    return sep === '/' ? rel : rel.split(sep).join('/')
  }
  let bytes = 0
  for (const file of packed.files) {
    if (typeof file?.path !== 'string' || typeof file.content !== 'string') throw badInput('a malformed file in the request')
    const path = inside(file.path)
    if (path === '') throw badInput('a request file at its root folder itself')
    const content = Buffer.from(file.content, 'base64')
    bytes += content.length
    into.set(path, content)
  }
  // A path that is a file and, for another file, a folder cannot be both.
  for (const path of into.keys()) {
    for (let cut = path.indexOf('/'); cut !== -1; cut = path.indexOf('/', cut + 1)) {
      if (into.has(path.slice(0, cut))) throw badInput(`a request whose files name ${path.slice(0, cut).slice(0, 80)} as both a file and a folder`)
    }
  }
  return { target: resolve(root, inside(packed.path)), bytes, ...(packed.commit !== undefined ? { commit: packed.commit } : {}) }
}

/**
 * Writes files opened by openFiles under `root`, through the thread pool: folders first (a folder whose child is made too
 * is made by the child's recursive mkdir), then the files at once.
 */
async function writeFiles (files: ReadonlyMap<string, Buffer>, root: string): Promise<void> {
  const folders = [...new Set([root, ...[...files.keys()].map(path => dirname(join(root, path)))])].sort()
  const leaves = folders.filter((folder, i) => !folders[i + 1]?.startsWith(folder + sep))
  await Promise.all(leaves.map(async folder => await mkdir(folder, { recursive: true, mode: 0o700 })))
  await Promise.all([...files].map(async ([path, content]) => { await writeFile(join(root, path), content, { mode: 0o600 }) }))
}

/**
 * What requests must share to be analysed in one batch and written in one write: the project and the roles the records
 * are sealed for. A request sent in parts, or one that prunes (it removes what its folder no longer holds, which
 * depends on what ran before it), runs alone: none.
 */
export function batchKeyOf (entry: Pick<RequestEntry, 'project' | 'roles' | 'prune' | 'part'>): string | undefined {
  if (entry.part !== undefined || entry.prune === true) return undefined
  return JSON.stringify([entry.project, entry.roles === undefined ? null : [...new Set(entry.roles)].sort()])
}

function queuedRequest (entry: Omit<RequestEntry, 'envelope'>): QueuedRequest {
  const batchKey = batchKeyOf(entry)
  return {
    id: entry.id, address: entry.address, priority: entry.priority, requester: entry.requester, acceptedAt: entry.acceptedAt, term: entry.version.term,
    project: entry.project, ...(batchKey !== undefined ? { batchKey } : {}), ...(entry.readers !== undefined ? { readers: entry.readers } : {})
  }
}

/** The report of a part before the last: it carries files only (the last part's run generates the whole tree). */
const FILES_ONLY_REPORT: Omit<CompletionReport, 'acknowledged'> = { files: 0, records: 0, written: 0, unchanged: 0, bytes: 0, skipped: 0, ms: 0 }

const sameRoles = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every(role => b.includes(role))

export class Coordinator {
  /** Replaced when the view is rebuilt while this peer does not lead (see `rebuilt`). */
  queue: GenerationQueue
  private readonly queueOptions: { concurrency: number, batchSize?: number }
  private unsubscribeRebuilt: (() => void) | null = null
  /** The leadership the node last told this coordinator of. */
  private led = { isLeader: false, term: 0 }
  /** The first request entry seen for each id: where its files are. */
  private readonly requests = new Map<string, QueueEvent>()
  /** The request entries of each group of parts (one generation sent in several requests), by part index. */
  private readonly parts = new Map<string, Map<number, QueueEvent>>()
  /** The effective completion entry of each id (highest term). */
  private readonly completions = new Map<string, CompletionHeader>()
  private readonly waiters = new Map<string, Set<(completion: CompletionHeader) => void>>()
  private readonly reports = new Map<string, CompletionReport>()
  private timer: TimerHandle | null = null
  private unsubscribe: (() => void) | null = null
  private stopped = false
  private readonly now: () => number
  private readonly forgetInherited: boolean
  /** Where the files of a request sent in parts are written while it runs (emptied at start), and the root a request's files in memory are named under. */
  private readonly requestsDir: string
  private readonly memoryRoot: string

  /** `forgetInherited` is a deliberate fault for the simulator: a new leader drops requests from earlier terms. */
  constructor (private readonly host: CoordinatorHost, options: { concurrency: number, batchSize?: number, forgetInherited?: boolean }) {
    this.queueOptions = { concurrency: options.concurrency, ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}) }
    this.queue = new GenerationQueue(this.queueOptions)
    this.now = host.clock.now
    this.forgetInherited = options.forgetInherited === true
    this.requestsDir = host.requestsDir
    this.memoryRoot = join(host.requestsDir, 'tree')
  }

  /** Rebuilds the queue from the entries applied so far, follows new ones, and pumps periodically. */
  start (): void {
    // What a leader stopped half way through a request sent in parts (killed, crashed) left on disk: the request runs
    // again from the log.
    removeTree(this.requestsDir)
    this.step({ type: 'keys', roles: this.host.heldRoles() })
    for (const event of this.host.store.queueEvents()) this.feed(event)
    this.unsubscribe = this.host.store.subscribe(event => { if (!Array.isArray(event)) this.feed(event) })
    this.unsubscribeRebuilt = this.host.store.onRebuilt?.(() => { this.rebuilt() }) ?? null
    this.timer = this.host.clock.setInterval(() => this.step({ type: 'pump', now: this.now() }), PUMP_INTERVAL_MS)
  }

  stop (): void {
    this.stopped = true
    if (this.timer !== null) this.host.clock.clearInterval(this.timer)
    this.unsubscribe?.()
    this.unsubscribeRebuilt?.()
  }

  /**
   * The view was rebuilt: a later leader's ends retracted entries this queue was fed (a former leader's request or
   * completion that no majority held). The queue is built again from what the view holds now, so a retracted
   * completion no longer marks its request done (it would be lost if this peer led next). Not while a run is under way
   * (its outcome goes to the queue that started it): that queue is kept, with what it was fed, until the next rebuild
   * or restart. A new leader's catch-up, where a rebuild happens if anywhere, comes before it runs anything.
   */
  private rebuilt (): void {
    if (this.queue.activeCount > 0) {
      this.host.logger.warn({ active: this.queue.activeCount }, 'the view was rebuilt while runs were under way: the queue is kept as it was')
      return
    }
    this.queue = new GenerationQueue(this.queueOptions)
    this.requests.clear()
    this.parts.clear()
    this.completions.clear()
    this.step({ type: 'keys', roles: this.host.heldRoles() })
    for (const event of this.host.store.queueEvents()) this.feed(event)
    this.step({ type: 'leader', ...this.led })
  }

  /** This peer's leadership changed. */
  leadership (isLeader: boolean, term: number): void {
    this.led = { isLeader, term }
    this.step({ type: 'leader', isLeader, term })
  }

  private feed (event: QueueEvent): void {
    const entry = event.entry
    if (entry.type === 'request') {
      if (!this.requests.has(entry.id)) this.requests.set(entry.id, event)
      if (entry.part !== undefined) {
        let parts = this.parts.get(entry.part.group)
        if (parts === undefined) this.parts.set(entry.part.group, parts = new Map())
        if (!parts.has(entry.part.index)) parts.set(entry.part.index, event)
      }
      this.step({ type: 'accepted', request: queuedRequest(entry) })
      this.step({ type: 'pump', now: this.now() })
    } else if (entry.type === 'completion') {
      const previous = this.completions.get(entry.id)
      if (previous === undefined || entry.version.term > previous.version.term) this.completions.set(entry.id, entry)
      const completion = { id: entry.id, term: entry.version.term, status: entry.status, at: entry.at, ...(entry.error !== undefined ? { error: entry.error } : {}), ...(entry.by !== undefined ? { by: entry.by } : {}) }
      this.step({ type: 'completed', completion })
      const waiting = this.waiters.get(entry.id)
      if (waiting !== undefined) {
        this.waiters.delete(entry.id)
        for (const wake of waiting) wake(this.completions.get(entry.id)!)
      }
    }
  }

  private step (input: Parameters<GenerationQueue['step']>[0]): void {
    if (this.stopped) return
    this.apply(this.queue.step(input))
  }

  private apply (effects: readonly QueueEffect[]): void {
    for (const effect of effects) {
      if (effect.type === 'start') {
        if (this.forgetInherited && effect.batch.every(r => r.term < effect.term)) continue
        this.run(effect.batch, effect.term).catch(err => this.host.logger.error({ err: String(err) }, 'a generation batch failed'))
      } else {
        const c = effect.completion
        const report = this.reports.get(c.id)
        this.reports.delete(c.id)
        const entry: Omit<CompletionEntry, 'version' | 'envelope'> = {
          type: 'completion', id: c.id, address: this.requests.get(c.id)?.entry.address ?? '', status: c.status, at: c.at,
          ...(c.error !== undefined ? { error: c.error } : {}), ...(c.by !== undefined ? { by: c.by } : {}), ...(report !== undefined ? { report } : {})
        }
        this.host.store.appendQueueEntry(entry, { term: c.term, nowMs: this.now() })
          .then(() => this.host.announce())
          .catch(err => this.host.logger.error({ err: String(err), id: c.id }, 'could not append a completion'))
      }
    }
  }

  /**
   * Runs one batch as the leader of `term`: each request's files opened on its own (one that fails fails
   * alone), then analysed together and their records written in one write (in goes of at most BATCH_RUN_BYTES of
   * files), then one acknowledgement for all, and each request completed on its own.
   */
  private async run (batch: readonly QueuedRequest[], term: number): Promise<void> {
    const outcomes: Array<{ id: string, status: 'completed' | 'failed', error?: string }> = []
    const fail = (id: string, err: unknown): void => {
      const message = isBzzzError(err) ? err.message : String((err as Error)?.message ?? err)
      this.host.logger.warn({ id, err: message }, 'a generation request failed')
      outcomes.push({ id, status: 'failed', error: message.slice(0, 500) })
    }
    let group: Array<{ id: string, run: GenerationRun, folder?: string }> = []
    let groupBytes = 0
    const generate = async (): Promise<void> => {
      const runs = group
      group = []
      groupBytes = 0
      if (runs.length === 0) return
      let results: GenerationOutcome[]
      try {
        results = await this.host.generate(runs.map(({ run }) => run))
      } catch (err) {
        results = runs.map(() => ({ ok: false, error: err }))
      } finally {
        await Promise.all(runs.map(async ({ folder }) => { if (folder !== undefined) await rm(folder, { recursive: true, force: true }).catch(() => {}) }))
      }
      for (const [i, { id }] of runs.entries()) {
        const result = results[i] ?? { ok: false, error: unavailable(`the analysis gave no outcome for request ${id}`) }
        if (!result.ok) { fail(id, result.error); continue }
        this.reports.set(id, { ...result.report })
        outcomes.push({ id, status: 'completed' })
      }
    }
    // A few requests are opened at once (each waits on reads of the log), taken in the batch's order.
    for (let from = 0; from < batch.length; from += PREPARE_AT_ONCE) {
      const opening = batch.slice(from, from + PREPARE_AT_ONCE)
      const opened = await Promise.allSettled(opening.map(async request => await this.prepare(request, term)))
      for (const [i, request] of opening.entries()) {
        const result = opened[i]!
        if (result.status === 'rejected') {
          fail(request.id, result.reason)
          continue
        }
        const prepared = result.value
        if (prepared === null) {
          this.reports.set(request.id, { ...FILES_ONLY_REPORT })
          outcomes.push({ id: request.id, status: 'completed' })
          continue
        }
        if (group.length > 0 && groupBytes + prepared.bytes > BATCH_RUN_BYTES) await generate()
        group.push({ id: request.id, run: prepared.run, ...(prepared.folder !== undefined ? { folder: prepared.folder } : {}) })
        groupBytes += prepared.bytes
      }
    }
    await generate()
    // Written: while the records are acknowledged, the next batch may start in this run's slot.
    this.step({ type: 'written', id: batch[0]!.id, term })
    // The records are acknowledged as every write of records is (`ackRequirement`) before any completion is written: a
    // completion means the context is durable. And only a leader that still holds its lease (it heard from a majority within an election timeout,
    // so no other leader can have been elected) completes: an isolated leader leaves its work to the next one.
    try {
      const acknowledged = await this.host.acknowledge('records')
      const now = this.host.leadership()
      if (!now.hasLease || now.term !== term) throw unavailable(`no longer the leader of term ${term}, or it has lost its lease`)
      for (const outcome of outcomes) {
        const report = this.reports.get(outcome.id)
        if (report !== undefined) report.acknowledged = { holders: acknowledged.holders, required: acknowledged.required }
      }
    } catch (err) {
      // The records stay in the log; the requests stay pending for this or the next leader.
      this.host.logger.warn({ err: String(err) }, 'a generation batch was not acknowledged; it stays pending')
      for (const outcome of outcomes) this.reports.delete(outcome.id)
      // Hand the batch back to the queue: it runs again while this peer still leads (by the election, not the lease:
      // the node tells the queue only of changes of the election's state), else the next leader runs it.
      this.step({ type: 'leader', isLeader: false, term })
      const now = this.host.leadership()
      this.step({ type: 'leader', isLeader: now.isLeader, term: now.term })
      return
    }
    for (const outcome of outcomes) {
      this.step({ type: 'finished', id: outcome.id, status: outcome.status, now: this.now(), term, ...(outcome.error !== undefined ? { error: outcome.error } : {}) })
    }
  }

  /**
   * A request's files opened with a key this peer holds, and the generation they ask for; null
   * for a part before the last, which carries files only: the last part's run generates the whole tree from every part,
   * so the directory and project records speak for all of it and --prune sees everything the tree still holds.
   */
  private async prepare (request: QueuedRequest, term: number): Promise<{ run: GenerationRun, bytes: number, folder?: string } | null> {
    const event = this.requests.get(request.id)
    if (event === undefined || event.entry.type !== 'request') throw unavailable(`the files of request ${request.id} are not here`)
    const entry = event.entry
    const role = entry.readers === undefined ? this.host.role : entry.readers.find(reader => this.host.heldRoles().includes(reader))
    // The queue starts only requests this peer may open; this is the guard should that ever change.
    if (role === undefined) throw accessDenied(`this peer holds no key for ${entry.readers!.join(', ')}, the roles request ${request.id}'s files are sealed for`)
    if (entry.part !== undefined && entry.part.index < entry.part.count - 1) return null
    const events = entry.part === undefined ? [event] : this.partsOf(entry, entry.part)
    const level = entry.readers === undefined ? LEGACY_REQUEST_LEVEL : undefined
    // A request's files stay in memory, under a root that is a name only. It is the same for every request, so a request
    // for the same files as the last one, with nothing written since, is known to hold what the store holds (Generation's
    // held runs). A tree sent in parts may be far larger than memory should hold: each part is written to a folder of
    // the home in turn, and the folder removed once the run is done.
    const folder = events.length > 1 ? await this.partsFolder() : undefined
    const root = folder ?? this.memoryRoot
    const tree = new Map<string, Buffer>()
    let unpacked: { target: string, commit?: string } | undefined
    let bytes = 0
    try {
      for (const part of events) {
        const payload = await this.host.store.sealedPayload(part, role, level)
        const files = openFiles(payload, root, tree)
        if (unpacked !== undefined && files.target !== unpacked.target) throw badInput(`the parts of request ${request.id} name different paths`)
        unpacked = files
        bytes += files.bytes
        if (folder !== undefined) {
          await writeFiles(tree, folder)
          tree.clear()
        }
      }
    } catch (err) {
      if (folder !== undefined) await rm(folder, { recursive: true, force: true }).catch(() => {})
      throw err
    }
    const { target, commit } = unpacked!
    const run: GenerationRun = {
      path: target, root, ...(folder === undefined ? { fs: new MemoryFs(root, tree) } : {}), project: entry.project, term, priority: entry.priority, ...(entry.roles !== undefined ? { roles: entry.roles } : {}), prune: entry.prune === true,
      ...(commit !== undefined ? { commit } : {})
    }
    return { run, bytes, ...(folder !== undefined ? { folder } : {}) }
  }

  /** A new private folder in the home for the files of a request sent in parts. */
  private async partsFolder (): Promise<string> {
    await mkdir(this.requestsDir, { recursive: true, mode: 0o700 })
    return await mkdtemp(join(this.requestsDir, 'gen-'))
  }

  /** Every part of the group `entry` (its last part) closes, in order; each must be here, and ask for the same run. */
  private partsOf (entry: Omit<RequestEntry, 'envelope'>, { group, count }: RequestPart): QueueEvent[] {
    const seen = this.parts.get(group)
    const events: QueueEvent[] = []
    const same = (other: Omit<RequestEntry, 'envelope'>): boolean => other.project === entry.project && other.path === entry.path &&
      other.address === entry.address && other.requester === entry.requester && other.prune === entry.prune && other.part?.count === count &&
      JSON.stringify(other.roles ?? null) === JSON.stringify(entry.roles ?? null) && JSON.stringify(other.readers ?? null) === JSON.stringify(entry.readers ?? null)
    for (let index = 0; index < count; index++) {
      const part = seen?.get(index)
      if (part === undefined) throw unavailable(`part ${index + 1} of the ${count} of request ${entry.id} is not here: generate again`)
      if (part.entry.type !== 'request' || !same(part.entry)) throw badInput(`part ${index + 1} of the ${count} of request ${entry.id} asks for another generation`)
      events.push(part)
    }
    return events
  }

  /**
   * The leader's side of a request: append it, wait until it is acknowledged, and only then say it is accepted.
   * A known id (a retry) is accepted again without a second entry. The files must be sealed for exactly the readers the
   * rule gives (request-readers.ts), and a leader that holds none of their keys refuses the request (ACCESS_DENIED):
   * it could not run it, and accepting it would leave the requester waiting on an election it cannot drive.
   */
  async accept (args: AcceptArgs): Promise<AcceptReport> {
    const { term, hasLease } = this.host.leadership()
    if (!hasLease) throw notLeader('this peer is not the leader (or has not heard from a majority lately)')
    if (this.requests.has(args.id)) {
      await this.host.acknowledge('request')
      return { id: args.id, duplicate: true, term }
    }
    const { readers } = requestReaders(this.host.roles(), args.roles)
    const sealedFor = this.host.sealedFor(args.sealed)
    if (!sameRoles(sealedFor, readers)) throw badInput(`the request's files are sealed for ${sealedFor.join(', ') || 'no role'}, but only ${readers.join(', ')} may read them`)
    const held = this.host.heldRoles()
    if (!readers.some(reader => held.includes(reader))) {
      throw accessDenied(`the leader (role ${this.host.role}) holds no key for ${readers.join(', ')}, the only roles that may read this request's files, so it may not analyse them: generate again once a peer holding one of them leads (see bzzz-ctx elect status)`)
    }
    const entry: Omit<RequestEntry, 'version' | 'envelope'> = {
      type: 'request', id: args.id, address: args.address, project: args.project, path: args.path, priority: args.priority,
      requester: args.requester, acceptedAt: this.now(), ...(args.roles !== undefined ? { roles: args.roles } : {}), readers,
      ...(args.prune === true ? { prune: true } : {}), ...(args.part !== undefined ? { part: args.part } : {}),
      ...(args.requesterRole !== undefined ? { requesterRole: args.requesterRole } : {}), ...(args.policyVersion !== undefined ? { policyVersion: args.policyVersion } : {})
    }
    await this.host.store.appendQueueEntry(entry, { term, nowMs: this.now(), sealed: args.sealed })
    await this.host.acknowledge('request')
    return { id: args.id, duplicate: false, term }
  }

  /** The effective completion of a request, waiting for it up to `timeoutMs`. */
  async completion (id: string, timeoutMs: number): Promise<CompletionHeader> {
    const known = this.completions.get(id)
    if (known !== undefined) return known
    return await new Promise((resolve, reject) => {
      let set = this.waiters.get(id)
      if (set === undefined) this.waiters.set(id, set = new Set())
      const wake = (completion: CompletionHeader): void => { this.host.clock.clearTimeout(timer); resolve(completion) }
      const timer = this.host.clock.setTimeout(() => {
        set.delete(wake)
        reject(unavailable(`request ${id} was accepted but has not completed after ${Math.round(timeoutMs / 1000)} s: it stays queued; see \`bzzz-ctx queue ls\``))
      }, timeoutMs)
      set.add(wake)
    })
  }
}
