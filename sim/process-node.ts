/**
 * Swarm mode's peers: each a real daemon (startDaemon: its control socket, pid file, Hyperswarm on the loopback DHT) in a
 * process of its own (sim/peer-process.ts), which a crash kills with SIGKILL. The simulator talks to it over the child's
 * IPC channel: calls for what it asks, and a snapshot of what it reads every tick (election, view hash, queue states),
 * which the child pushes on each election event and every SNAPSHOT_MS.
 *
 * The child runs the built code (dist/sim/peer-process.js): build first (`npm test` does).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../src/paths.js'
import type { ClusterNodeOptions } from '../src/node/cluster/index.js'
import { seededBytes, seededRandom } from './random.js'
import type { BreakMode } from './limits.js'
import type { SimCompletion, SimElection, SimNode } from './sim-node.js'

/** How often a child pushes its snapshot (and on every election event). */
export const SNAPSHOT_MS = 50
/** How long a child may take to start its daemon, and to stop it politely before it is killed. */
export const CHILD_START_TIMEOUT_MS = 60_000
export const CHILD_STOP_TIMEOUT_MS = 10_000
/** A call the child has not answered in this long fails (the workload counts it as a failed op). */
export const CHILD_CALL_TIMEOUT_MS = 120_000

/** What makes a peer's node, in this process or a child: the same in both modes. */
export interface SimPeerSettings {
  home: string
  seed: number
  index: number
  /** How many times this peer started before: each start draws new ids, from the seed. */
  start: number
  electionTimeoutMs: number
  breaks: BreakMode[]
  campaign: boolean
}

/** The node options a peer's settings mean (memory mode adds its clock, network and listeners). */
export function simNodeOptions (settings: SimPeerSettings): Pick<ClusterNodeOptions, 'home' | 'electionTimeoutMs' | 'random' | 'randomBytes' | 'faults' | 'concurrency' | 'campaign'> {
  const breaks = new Set(settings.breaks)
  return {
    home: settings.home,
    electionTimeoutMs: settings.electionTimeoutMs,
    random: seededRandom(settings.seed + settings.index * 7919),
    randomBytes: seededBytes(seededRandom((settings.seed + settings.index * 7919) ^ (0x7a11 + settings.start))),
    faults: {
      doubleVote: breaks.has('double-vote'),
      ackBeforeReplicate: breaks.has('ack-before-replicate'),
      ackNonVoters: breaks.has('ack-non-voters'),
      forgetQueue: breaks.has('forget-queue'),
      unheldRecord: breaks.has('unheld-record'),
      staleRead: breaks.has('stale-read'),
      shardVoters: breaks.has('shard-voters')
    },
    concurrency: 2,
    // Only a peer that may open a generate's files leads (the admin, security): an accepted request waits for such a
    // leader, and the liveness phase would otherwise end, now and then, under one that can never run it.
    campaign: settings.campaign
  }
}

/** What the child pushes: its state for the ticks. */
export interface PeerSnapshot { election: SimElection, viewHash: string, meshed: boolean, queue: Record<string, string> }

/** Messages from the child. */
export type ChildMessage =
  | { type: 'ready', nodeId: string, role: string, snapshot: PeerSnapshot }
  | { type: 'failed', error: string }
  | { type: 'snapshot', snapshot: PeerSnapshot }
  | { type: 'election', event: Parameters<NonNullable<ClusterNodeOptions['onElection']>>[0] }
  | { type: 'vote', event: Parameters<NonNullable<ClusterNodeOptions['onVote']>>[0] }
  | { type: 'reply', id: number, value?: unknown, error?: string }

/** Messages to the child. */
export type ParentMessage =
  | { type: 'start', settings: SimPeerSettings, bootstrap: Array<{ host: string, port: number }> }
  | { type: 'call', id: number, method: CallMethod, args: unknown[] }
  | { type: 'stop' }

/** The SimNode methods a child answers. */
export const CALL_METHODS = ['distribute', 'generate', 'completion', 'retrieve', 'read', 'completionTerms', 'generatedUnder', 'heldPayloadBlocks', 'roles', 'block', 'unblock'] as const
export type CallMethod = typeof CALL_METHODS[number]

export interface ProcessListeners {
  onElection: (event: Extract<ChildMessage, { type: 'election' }>['event']) => void
  onVote: (event: Extract<ChildMessage, { type: 'vote' }>['event']) => void
}

const CHILD_FILE = join(PACKAGE_ROOT, 'dist', 'sim', 'peer-process.js')

export class ProcessNode implements SimNode {
  private snapshot: PeerSnapshot
  private readonly calls = new Map<number, { resolve: (value: unknown) => void, reject: (err: Error) => void, timer: NodeJS.Timeout }>()
  private nextCall = 0
  private readonly exited: Promise<void>
  private gone = false

  private constructor (private readonly child: ChildProcess, readonly nodeId: string, readonly role: string, snapshot: PeerSnapshot) {
    this.snapshot = snapshot
    this.exited = new Promise(resolve => { child.once('exit', () => { resolve() }) })
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'snapshot') this.snapshot = message.snapshot
      else if (message.type === 'reply') this.settle(message)
    })
    child.once('exit', () => { this.ended('the peer\'s process ended') })
  }

  /** Starts the peer's daemon in a new process and resolves once it serves (its node joined the cluster topic). */
  static async start (settings: SimPeerSettings, bootstrap: Array<{ host: string, port: number }>, listeners: ProcessListeners): Promise<ProcessNode> {
    const child = fork(CHILD_FILE, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' })
    // Listeners are attached at once: a node's first election events come before it is ready.
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'election') listeners.onElection(message.event)
      else if (message.type === 'vote') listeners.onVote(message.event)
    })
    const ready = await new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`peer ${settings.index}'s daemon did not start within ${CHILD_START_TIMEOUT_MS} ms`)) }, CHILD_START_TIMEOUT_MS)
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') { clearTimeout(timer); resolve(message) }
        if (message.type === 'failed') { clearTimeout(timer); reject(new Error(`peer ${settings.index}'s daemon did not start: ${message.error}`)) }
      })
      child.once('exit', code => { clearTimeout(timer); reject(new Error(`peer ${settings.index}'s process exited with code ${code} before its daemon served`)) })
      child.send({ type: 'start', settings, bootstrap } satisfies ParentMessage)
    }).catch(err => { child.kill('SIGKILL'); throw err })
    return new ProcessNode(child, ready.nodeId, ready.role, ready.snapshot)
  }

  get pid (): number | null { return this.child.pid ?? null }
  get election (): SimElection { return this.snapshot.election }
  get viewHash (): string { return this.snapshot.viewHash }
  get meshed (): boolean { return this.snapshot.meshed }
  queueState (id: string): string | undefined { return this.snapshot.queue[id] }

  async distribute (record: Record<string, unknown> | Array<Record<string, unknown>>): Promise<void> { await this.call('distribute', [record]) }
  async generate (options: Parameters<SimNode['generate']>[0]): Promise<string> { return await this.call('generate', [options]) as string }
  async completion (id: string, timeoutMs: number): Promise<SimCompletion> { return await this.call('completion', [id, timeoutMs]) as SimCompletion }
  async retrieve (address: string, role: string): Promise<Record<string, unknown>> { return await this.call('retrieve', [address, role]) as Record<string, unknown> }
  async read (address: string, role: string): Promise<Record<string, unknown>> { return await this.call('read', [address, role]) as Record<string, unknown> }
  async completionTerms (): Promise<Record<string, number[]>> { return await this.call('completionTerms', []) as Record<string, number[]> }
  async generatedUnder (address: string): Promise<number> { return await this.call('generatedUnder', [address]) as number }
  async heldPayloadBlocks (): Promise<{ held: number, of: number, bytes: number }> { return await this.call('heldPayloadBlocks', []) as { held: number, of: number, bytes: number } }
  async roles (): Promise<Array<{ name: string, clearance: string }>> { return await this.call('roles', []) as Array<{ name: string, clearance: string }> }
  block (peers: readonly string[]): void { this.call('block', [[...peers]]).catch(() => {}) }
  unblock (): void { this.call('unblock', []).catch(() => {}) }

  /** kill -9 of the daemon's process: nothing is flushed or closed; resolves once it is gone. */
  async kill (): Promise<void> {
    this.ended('the peer was killed')
    this.child.kill('SIGKILL')
    await this.exited
  }

  /** A graceful stop (the daemon closes its node and store), killed if it takes longer than CHILD_STOP_TIMEOUT_MS. */
  async stop (): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      try { this.child.send({ type: 'stop' } satisfies ParentMessage) } catch { this.child.kill('SIGKILL') }
      const timer = setTimeout(() => { this.child.kill('SIGKILL') }, CHILD_STOP_TIMEOUT_MS)
      await this.exited
      clearTimeout(timer)
    }
    this.ended('the peer was stopped')
  }

  private async call (method: CallMethod, args: unknown[]): Promise<unknown> {
    if (this.gone) throw new Error('the peer\'s process is gone')
    const id = this.nextCall++
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.calls.delete(id); reject(new Error(`the peer did not answer ${method} within ${CHILD_CALL_TIMEOUT_MS} ms`)) }, CHILD_CALL_TIMEOUT_MS)
      this.calls.set(id, { resolve, reject, timer })
      try {
        this.child.send({ type: 'call', id, method, args } satisfies ParentMessage)
      } catch (err) {
        clearTimeout(timer)
        this.calls.delete(id)
        reject(err as Error)
      }
    })
  }

  private settle (reply: Extract<ChildMessage, { type: 'reply' }>): void {
    const call = this.calls.get(reply.id)
    if (call === undefined) return
    this.calls.delete(reply.id)
    clearTimeout(call.timer)
    if (reply.error !== undefined) call.reject(new Error(reply.error))
    else call.resolve(reply.value)
  }

  /** Every call in flight fails: a killed peer never answers. */
  private ended (why: string): void {
    this.gone = true
    for (const [id, call] of this.calls) {
      clearTimeout(call.timer)
      this.calls.delete(id)
      call.reject(new Error(why))
    }
  }
}
