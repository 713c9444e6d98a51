/**
 * The simulator: real ClusterNodes (the same code as the daemon) on the in-memory network and a virtual clock (memory
 * mode), or on Hyperswarm over a loopback DHT in real time (swarm mode), driven one tick at a time through a
 * scenario's steps (the workload and the nemesis's faults: the safety phase), then healed for the liveness phase.
 */
import { DEFAULT_MAX_VOTERS } from '../src/node/roster.js'
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { systemClock, type Clock } from '../src/clock.js'
import type { RunningBootstrap } from '../src/net/bootstrap.js'
import { VirtualClock } from './clock.js'
import { SimNetwork } from './network.js'
import { seededRandom } from './random.js'
import type { Scenario, Step } from './scenario.js'
import { runChecks } from './checkers/index.js'
import { SimCluster, type BreakMode, type SimMode } from './cluster.js'
import { Observation } from './observation.js'
import { Trace } from './trace.js'
import { Workload } from './workload.js'
import { applyFault, type FaultLog, type NemesisHost } from './faults.js'
import { simReport, type SimReport } from './report.js'
import { TIME_EVENT_MS, finalChecks, liveChecks, type SimEvent, type SimPhase } from './events.js'
import { BzzzError } from '../src/errors.js'
import { SETTLE_REAL_MS_MAX, settler, watchStorage, type Settler } from './real-work.js'
import { IO_THREADS_VARIABLE, oneIoThread } from './io-thread.js'

const NONE: Array<Promise<unknown>> = []

/** Virtual time per step of the memory-mode loop. */
export const STEP_MS = 10
/** How often (real time) a long run says where it is. */
export const PROGRESS_INTERVAL_MS = 5_000
/** Requests the handover tries before it gives up on one crossing a leader change (see handover). */
const HANDOVER_ATTEMPTS = 3
/** The liveness phase's bound: the cluster must converge within it after the final heal. */
export const LIVENESS_BOUND_MS = 30_000
/**
 * How long, in simulated time, the checkers' final reads may take: each read of a payload no live peer holds gives up
 * after the store's BLOCK_WAIT_MS.
 */
export const HISTORY_BOUND_MS = 1_800_000

export interface RunOptions {
  scenario: Scenario
  seed: number
  mode: SimMode
  /** A deliberately broken peer (`--break`); tests may combine several in one run. */
  break?: BreakMode | readonly BreakMode[]
  /** Told of progress, one line at a time. */
  log?: (line: string) => void
  /** How often (real ms) a progress line is logged at the most (default PROGRESS_INTERVAL_MS). */
  progressIntervalMs?: number
  /** Keep the homes (their directory is in the report). */
  keep?: boolean
  /** Where the run's directory of homes is made (default: the system's temporary directory). */
  parent?: string
  /** Told of what the run does as it goes (sim/events.ts): the watcher of `sim --tui`. */
  onEvent?: (event: SimEvent) => void
  /** Hold simulated time to real time at the fastest, so a person can watch the run (memory mode). */
  pace?: boolean
  /** Stops the run at the next tick (it then throws, and the peers are closed as usual). */
  signal?: AbortSignal
  /** Write each event of the trace to this file, one a line, as the hash folds it in (to diff two runs' traces). */
  traceFile?: string
}

function breaksOf (options: RunOptions): readonly BreakMode[] {
  return options.break === undefined ? [] : typeof options.break === 'string' ? [options.break] : options.break
}

async function yieldToIo (): Promise<void> {
  await new Promise(resolve => setImmediate(resolve))
  await new Promise(resolve => setTimeout(resolve, 0))
}

/**
 * Math.random from the seed while a memory-mode run lasts (Hypercore draws which blocks to ask which peer for from it);
 * returns the undo. Swarm mode runs on real time and keeps the system's.
 */
function seedMathRandom (seed: number): () => void {
  const original = Math.random
  Math.random = seededRandom(seed ^ 0x3a7d)
  return () => { Math.random = original }
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** A progress line at most every `intervalMs` of real time, so a long run is never silent. */
function throttled (log: (line: string) => void, intervalMs: number): (line: () => string) => void {
  let last = performance.now()
  return line => {
    const now = performance.now()
    if (now - last < intervalMs) return
    last = now
    log(line())
  }
}

interface Parts {
  started: number
  dir: string
  virtual: VirtualClock | null
  clock: Clock
  network: SimNetwork | null
  dht: RunningBootstrap | null
  random: () => number
  progress: (line: () => string) => void
  observation: Observation
  cluster: SimCluster
  trace: Trace
  /** Memory mode: the wait for the real work each step starts; swarm mode: a turn of the event loop. */
  settler: Settler | null
  restoreRandom: () => void
  /** The trace file's descriptor (RunOptions.traceFile), closed with the run. */
  traceFd: number | null
}

export class Simulator {
  private readonly scenario: Scenario
  private readonly log: (line: string) => void
  private readonly workload: Workload
  private readonly nemesisHost: NemesisHost
  /** The scenario's steps in time order; `next` is the first not yet applied. */
  private readonly steps: readonly Step[]
  private next = 0
  /** When the safety phase began (once every peer had started). */
  private origin = 0
  /** The end of the current phase: no tick passes it. */
  private horizon = 0
  private convergedWithinMs: number | null = null
  /** The client's reads of every acknowledged address after the liveness phase, per peer id. */
  private finalReads: ReadonlyMap<string, Record<string, string | null>> = new Map()
  /** The payloads blocks the live peers held once the run had settled, before the final reads (see heldPayloads). */
  private payloadBlocks = { held: 0, of: 0, bytes: 0 }
  /** What the watcher was last told: the peers down, the cluster's leader, the time, the elections and votes judged. */
  private told = { down: new Set<string>(), leader: null as string | null, atMs: -Infinity, judged: -1 }

  private constructor (private readonly options: RunOptions, private readonly parts: Parts) {
    this.scenario = options.scenario
    this.steps = options.scenario.steps
    this.log = options.log ?? (() => {})
    const { clock, cluster, observation, random } = parts
    const now = (): number => clock.now()
    this.workload = new Workload({ seed: options.seed, random, now, liveNode: selector => cluster.liveNode(selector) }, observation)
    this.nemesisHost = { now, cluster, network: parts.network, random }
  }

  private tell (event: SimEvent): void {
    this.options.onEvent?.(event)
  }

  private phase (phase: SimPhase): void {
    this.tell({ kind: 'phase', atMs: this.parts.clock.now(), phase })
  }

  /** Tells the watcher what changed since it was last told: peers up or down, the leader, the time, the checkers. */
  private tellChanges (): void {
    if (this.options.onEvent === undefined) return
    const { cluster, clock, observation } = this.parts
    const atMs = clock.now()
    const down = cluster.down()
    for (const peer of cluster.peers) {
      if (down.has(peer.id) !== this.told.down.has(peer.id)) this.tell({ kind: 'peer', atMs, node: cluster.nameOf(peer.id), up: !down.has(peer.id) })
    }
    this.told.down = down
    const leader = cluster.leader()
    if (leader !== this.told.leader) {
      this.told.leader = leader
      const term = leader === null ? null : cluster.byId(leader)?.node?.election.term ?? null
      this.tell({ kind: 'leader', atMs, leader: leader === null ? null : cluster.nameOf(leader), term })
    }
    if (atMs - this.told.atMs < TIME_EVENT_MS) return
    this.told.atMs = atMs
    this.tell({ kind: 'time', atMs })
    const judged = observation.leadership.length + observation.votes.length
    if (judged === this.told.judged) return
    this.told.judged = judged
    this.tell({ kind: 'checks', atMs, checks: liveChecks(this.scenario.checks, observation.leadership, observation.votes) })
  }

  /** Makes the run's directory, its network or DHT, and the peers' homes; starts nothing. */
  static async create (options: RunOptions): Promise<Simulator> {
    const { scenario, seed, mode } = options
    const random = seededRandom(seed)
    const started = performance.now()
    const dir = mkdtempSync(join(options.parent ?? tmpdir(), 'bzzz-sim-'))
    const virtual = mode === 'memory' ? new VirtualClock() : null
    const clock: Clock = virtual ?? systemClock
    const traceFd = options.traceFile !== undefined ? openSync(options.traceFile, 'w') : null
    const trace = new Trace(traceFd === null ? null : line => { writeSync(traceFd, `${line}\n`) })
    // Every peer's analyses count as real work in flight: a step waits for them as for its storage. One set for all the
    // peers (a killed peer's analysis ends when its pool closes), asked on every turn of every wait: no array is made
    // unless some peer analyses.
    const analysing = new Set<Promise<unknown>>()
    const analyses = (): ReadonlyArray<Promise<unknown>> => analysing.size === 0 ? NONE : [...analysing]
    const realWork = virtual !== null ? settler(analyses) : null
    if (realWork !== null) {
      watchStorage()
      // A node loads these on first use; the loading is real I/O that no wait sees, so it is done before the run.
      await Promise.all([import('../src/intelligence/index.js'), import('../src/intelligence/walk.js'), import('../src/intelligence/pool.js'), import('../src/intelligence/cache.js'), import('../src/intelligence/source-state.js'), import('../src/node/analysis-cache-file.js')])
    }
    const restoreRandom = virtual !== null ? seedMathRandom(seed) : () => {}
    const network = virtual !== null
      ? new SimNetwork(virtual, seededRandom(seed ^ 0x5eed), (from, to) => { trace.record('deliver', clock.now(), from, to) }, realWork!.settle)
      : null
    const dht = mode === 'swarm' ? await (await import('../src/net/bootstrap.js')).startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 }) : null
    const observation = new Observation(trace, options.onEvent)
    const progress = throttled(options.log ?? (() => {}), options.progressIntervalMs ?? PROGRESS_INTERVAL_MS)
    const cluster = await SimCluster.create({
      scenario,
      seed,
      dir,
      clock,
      random,
      network,
      bootstrap: dht?.addresses ?? null,
      breaks: new Set(breaksOf(options)),
      onElection: (peer, event) => { observation.election({ atMs: clock.now(), node: peer.id, term: event.term, state: event.state }) },
      onVote: (peer, event) => { observation.vote({ atMs: clock.now(), node: peer.id, term: event.term, candidate: event.candidate }) },
      progress,
      analysing
    })
    trace.name(cluster.ids)
    observation.name(cluster.ids)
    return new Simulator(options, { started, dir, virtual, clock, network, dht, random, progress, observation, cluster, trace, settler: realWork, restoreRandom, traceFd })
  }

  /** Starts every peer and applies the steps due at once: the safety phase's time begins here. */
  async start (): Promise<void> {
    const { cluster, progress, clock, started } = this.parts
    const peers = cluster.peers
    const { seed, mode } = this.options
    const broken = breaksOf(this.options).join(', ') || undefined
    this.log(`seed ${seed}: ${this.scenario.nodes} nodes (${mode}), scenario ${this.scenario.name}${broken !== undefined ? `, broken: ${broken}` : ''}`)
    this.tell({
      kind: 'start', seed, scenario: this.scenario.name, mode, durationMs: this.scenario.durationMs,
      peers: peers.map(p => ({ name: cluster.nameOf(p.id), role: p.role })), checks: this.scenario.checks
    })
    this.phase('starting')
    this.told.down = new Set(cluster.ids)
    for (const peer of peers) {
      progress(() => `  starting peers: ${peer.index} of ${peers.length}`)
      await cluster.start(peer)
    }
    progress(() => `  ${peers.length} peers started in ${((performance.now() - started) / 1000).toFixed(0)} s; ` +
      `connecting them (a full mesh of ${peers.length * (peers.length - 1) / 2} links)`)
    await this.settle()
    if (this.parts.virtual === null) await this.awaitFormedCluster()
    this.origin = clock.now()
    this.horizon = this.origin + this.scenario.durationMs
    this.phase('safety')
    await this.applyDue()
    await this.settle()
    this.tellChanges()
  }

  /**
   * Swarm mode: the scenario's clock starts once the daemons have met, elected a leader, and each is linked with every
   * peer its roster's link graph gives it. Their mesh forms on the wall clock and can take seconds (DESIGN, "the second
   * dial"), so a step written for a formed cluster ("kill the leader at 1.25 s", "cut a member from the leader") would
   * otherwise find none, or a member whose links to the other voters were not up yet (a relayed call then had one
   * peer to go through, which knew no leader: seen once in CI). A mesh that has not formed within LIVENESS_BOUND_MS
   * starts the scenario anyway, as before. Memory mode needs no wait: its election runs in virtual time from the first
   * step, the same in every replay of a seed.
   */
  private async awaitFormedCluster (): Promise<void> {
    const { cluster, progress, started } = this.parts
    const deadline = performance.now() + LIVENESS_BOUND_MS
    while (cluster.leader() === null) {
      if (performance.now() >= deadline) throw new BzzzError('FAILURE', `the ${cluster.peers.length} peers elected no leader within ${LIVENESS_BOUND_MS / 1000} s of starting`)
      progress(() => `  waiting for the peers to elect a first leader (${((performance.now() - started) / 1000).toFixed(0)} s)`)
      await sleep(STEP_MS)
    }
    const meshDeadline = performance.now() + LIVENESS_BOUND_MS
    for (;;) {
      const waiting = cluster.live().filter(node => !node.meshed).length
      if (waiting === 0 || performance.now() >= meshDeadline) break
      progress(() => `  waiting for ${waiting} peers to link with every peer the roster gives them (${((performance.now() - started) / 1000).toFixed(0)} s)`)
      await sleep(STEP_MS)
    }
  }

  /** Memory mode: until the real work in flight has ended; swarm mode: a turn of the event loop. */
  private async settle (): Promise<void> {
    if (this.parts.settler !== null) await this.parts.settler.settle()
    else await yieldToIo()
  }

  /** Whether the safety phase is over: every step applied, and the scenario's duration passed. */
  done (): boolean {
    return this.next >= this.steps.length && this.parts.clock.now() >= this.horizon
  }

  /**
   * One step of time, to the next step's time at the most (memory: the virtual clock, each timer and delivery waiting
   * for the real work it started; swarm: real waiting), then the per-step observation and the steps now due.
   */
  async tick (): Promise<void> {
    const { virtual, clock, cluster, observation, progress, started } = this.parts
    if (this.options.signal?.aborted === true) throw new BzzzError('FAILURE', `the run was stopped at ${(clock.now() / 1000).toFixed(1)} s simulated`)
    if (virtual !== null) {
      const target = this.next < this.steps.length ? this.origin + this.steps[this.next]!.atMs : this.horizon
      await virtual.advanceTo(Math.min(target, virtual.now() + STEP_MS), this.parts.settler!.settle)
      // A person watching (sim --tui) sees the run at real speed at the fastest.
      if (this.options.pace === true) await sleep(STEP_MS)
    } else {
      await sleep(STEP_MS)
    }
    // Swarm mode runs on the wall clock: its simulated time is the real time the run took (as its report says).
    progress(() => `  ${((virtual !== null ? clock.now() : performance.now() - started) / 1000).toFixed(1)} s simulated in ${((performance.now() - started) / 1000).toFixed(0)} s; ` +
      (cluster.leader() === null ? 'no leader' : `leader ${cluster.nameOf(cluster.leader()!)}`))
    observation.observeLeader(clock.now(), cluster.leader())
    await this.applyDue()
    await this.settle()
    this.tellChanges()
  }

  /**
   * The liveness phase: every fault healed (crashed peers stay down), the cluster must converge within
   * LIVENESS_BOUND_MS; then the workload still in flight is given ten election timeouts to end.
   */
  async toLiveness (): Promise<void> {
    const { clock, cluster } = this.parts
    cluster.heal()
    this.phase('liveness')
    const healedAt = clock.now()
    const converged = await this.runUntil(healedAt + LIVENESS_BOUND_MS, () => this.settled())
    this.convergedWithinMs = converged ? clock.now() - healedAt : null
    if (this.workload.pending > 0) await this.runUntil(clock.now() + 10 * this.scenario.electionTimeoutMs, () => this.workload.pending === 0)
    await this.probe()
  }

  /**
   * A generate when none completed, then a request handed over from one leader to the next (see handover). Read after
   * ack: the probe writes one
   * version of an address, lets every peer settle and read it (so a peer that
   * would serve what it read first has read it), writes a second, settles again, and every live peer then reads every
   * acknowledged address as a client would. Each wait is bounded by LIVENESS_BOUND_MS.
   */
  private async probe (): Promise<void> {
    const { clock, cluster } = this.parts
    // Its reads judge what every live peer holds once the cluster settled. Settling is storage work, which each step
    // waits for (sim/real-work.ts), so the 30 s bound is simulated time however slow the machine; before those waits
    // the probe held simulated time to real time, or a loaded CI machine ran the bound out and failed read-after-ack.
    // Once the queue failed to drain within the bound (a lost request, which no-lost-requests reports), the later waits
    // are for the views alone: each would otherwise run the whole bound out again.
    let requests = true
    const settle = async (): Promise<void> => { await this.runUntil(clock.now() + LIVENESS_BOUND_MS, () => this.settled(requests)) }
    // A generate of the whole tree first when no client saw one complete: every run then checks generated records, and
    // the project has its record before the handover's generate (below the root, which then writes only its folder's).
    if (this.parts.observation.generatedAcks.length === 0) {
      await this.drive(this.workload.probeGenerate())
      await this.runUntil(clock.now() + LIVENESS_BOUND_MS, () => this.parts.observation.generatedAcks.length > 0)
    }
    await this.handover()
    requests = await this.runUntil(clock.now() + LIVENESS_BOUND_MS, () => this.settled(true))
    await this.drive(this.workload.probeWrite(1))
    await settle()
    // What replication placed, before the reads below fetch what a member of a sharded cluster does not hold.
    this.payloadBlocks = await this.heldPayloads()
    await this.drive(this.workload.readAll(cluster.live()))
    await this.drive(this.workload.probeWrite(2))
    await settle()
    this.finalReads = await this.drive(this.workload.readAll(cluster.live())) ?? new Map()
  }

  /**
   * The handover: a generate the leader accepts (of files of its own: new records, which must be acknowledged before
   * the request completes), after which that leader is cut off from every peer until another leads
   * in a later term, then the cut heals; settling waits until the request is finished. Cut off, the old leader cannot
   * have the request's records acknowledged, so it cannot complete it first. Every run thus has a request that crosses
   * a leader change: no-lost-requests judges one on every scenario, and a leader that forgets its predecessors'
   * requests is caught. Should the old leader have finished the request already (a race with its analysis, which the
   * size of the request makes rare), another is tried, HANDOVER_ATTEMPTS in all. The cut and the heal are in the
   * report's faults as `handover partition isolate-leader` and `handover heal`.
   */
  private async handover (): Promise<void> {
    const { clock, cluster, observation } = this.parts
    for (let attempt = 0; attempt < HANDOVER_ATTEMPTS; attempt++) {
      const leader = cluster.leader()
      const node = leader === null ? null : cluster.byId(leader)!.node
      if (leader === null || node === null) return
      const term = node.election.term
      const id = await this.drive(this.workload.handoverGenerate(this.parts.dir, attempt))
      if (id === null || id === undefined) return
      // Finished before it could be handed over (its analysis and acknowledgement beat the request's): another one.
      if (['completed', 'failed', 'superseded'].includes(node.queueState(id) ?? '')) continue
      const log: FaultLog = { fault: event => { observation.fault({ ...event, kind: `handover ${event.kind}` }) }, leaderLost: (at, id) => { observation.leaderLost(at, id) } }
      await applyFault({ kind: 'partition', partition: 'isolate-leader' }, this.nemesisHost, log)
      await this.runUntil(clock.now() + LIVENESS_BOUND_MS, () => cluster.live().some(n => n.nodeId !== leader && n.election.state === 'leader' && n.election.term > term))
      await applyFault({ kind: 'heal' }, this.nemesisHost, log)
      return
    }
  }

  /** Ticks while `work` runs, at most `boundMs` of simulated time: a node's work waits on timers of the simulated clock. */
  private async drive<T> (work: Promise<T>, boundMs = LIVENESS_BOUND_MS): Promise<T | null> {
    let outcome: { value: T } | null = null
    let done = false
    work.then(value => { outcome = { value } }, () => {}).finally(() => { done = true })
    await this.settle()
    if (!done) await this.runUntil(this.parts.clock.now() + boundMs, () => done)
    return (outcome as { value: T } | null)?.value ?? null
  }

  /** The payloads blocks of other writers the live peers hold, of how many there are, and their bytes, summed. */
  private async heldPayloads (): Promise<{ held: number, of: number, bytes: number }> {
    const sum = { held: 0, of: 0, bytes: 0 }
    for (const node of this.parts.cluster.live()) {
      const blocks = await node.heldPayloadBlocks()
      sum.held += blocks.held
      sum.of += blocks.of
      sum.bytes += blocks.bytes
    }
    return sum
  }

  /** Reads what every peer holds, runs the checkers on the history, and reports. */
  async report (): Promise<SimReport> {
    const { options, scenario, workload } = this
    const { cluster, observation, clock, network, started, dir } = this.parts
    this.phase('checking')
    // Driven: a read of a record whose payload this peer does not hold fetches it from a holder, and gives up on the
    // simulated clock when no live peer has it (without ticks the run would wait for ever, and the process exit).
    const reading = observation.history(cluster.peers, { seed: options.seed, convergedWithinMs: this.convergedWithinMs, livenessBoundMs: LIVENESS_BOUND_MS, reads: this.finalReads })
    const history = await this.drive(reading, HISTORY_BOUND_MS)
    if (history === null) throw new Error(`reading what every peer holds at the end took more than ${HISTORY_BOUND_MS / 1000} s of simulated time`)
    const results = runChecks(history, scenario.checks)
    const report = simReport({
      seed: options.seed,
      scenario: scenario.name,
      nodes: scenario.nodes,
      voters: Math.min(scenario.nodes, scenario.voters ?? DEFAULT_MAX_VOTERS),
      mode: options.mode,
      break: breaksOf(options).join(',') || null,
      results,
      faults: observation.faults,
      leadership: observation.leadership,
      failovers: observation.failovers,
      convergedWithinMs: this.convergedWithinMs,
      realMs: performance.now() - started,
      payloadBlocks: this.payloadBlocks,
      // Swarm mode runs on the wall clock: its simulated time is the real time the run took, not the epoch's.
      simulatedMs: this.parts.virtual !== null ? clock.now() : performance.now() - started,
      ackedWrites: observation.acked.length,
      acceptedRequests: observation.accepted.length,
      failedOps: workload.failures,
      retrieveMismatches: workload.retrieveMismatches,
      network: network?.stats ?? null,
      traceHash: this.parts.trace.digest(),
      traceEvents: this.parts.trace.events,
      replay: this.replay()
    })
    if (options.keep === true) report.dir = dir
    this.tell({ kind: 'checks', atMs: clock.now(), checks: finalChecks(report) })
    this.tell({ kind: 'report', report })
    this.phase('done')
    return report
  }

  /** Whether the run replays exactly, and why not, or what stays inexact when it does. */
  private replay (): { exact: boolean, why: string[] } {
    if (this.options.mode === 'swarm') return { exact: false, why: ['swarm mode runs on real time and a real network'] }
    const why: string[] = []
    if (!oneIoThread()) why.push(`storage I/O ran on several threads (${IO_THREADS_VARIABLE} was not 1): reads of one step may end in either order`)
    const stuck = this.parts.settler?.stuck ?? 0
    if (stuck > 0) why.push(`${stuck} waits for real work gave up after ${SETTLE_REAL_MS_MAX / 1000} s: what was still running landed in a later step`)
    const exact = why.length === 0
    // These never change the trace: the bytes of messages and records differ from run to run, never their order. A
    // delivery is traced by its time and its link, not its size: a block's headers are deflated together (block format 3),
    // and with their random keys and nonces a block's length differs by a few bytes from run to run.
    why.push('Noise handshakes and sealed sections draw fresh random keys and nonces: ciphertext bytes differ from run to run, and so, by a few bytes, the lengths of blocks whose headers are deflated together; the trace holds each delivery\'s time and link, not its size')
    return { exact, why }
  }

  /** Stops every peer and the DHT, and removes the homes unless kept. */
  async close (): Promise<void> {
    const { cluster, dht, dir } = this.parts
    for (const peer of cluster.peers) await cluster.stop(peer)
    await dht?.close()
    this.parts.restoreRandom()
    if (this.parts.traceFd !== null) closeSync(this.parts.traceFd)
    if (this.options.keep !== true) rmSync(dir, { recursive: true, force: true })
  }

  /** Ticks until `until`, or until `done` holds after a tick (then true). */
  private async runUntil (until: number, done: () => boolean): Promise<boolean> {
    this.horizon = until
    while (this.parts.clock.now() < until) {
      await this.tick()
      if (done()) return true
    }
    return false
  }

  /** Converged: one leader, one view on every live peer, no op in flight, and every accepted request ended. */
  private settled (requests = true): boolean {
    const { cluster, observation } = this.parts
    const live = cluster.live()
    if (live.length === 0 || cluster.leader() === null) return false
    if (new Set(live.map(n => n.viewHash)).size !== 1) return false
    if (this.workload.pending > 0) return false
    return !requests || observation.accepted.every(a => live.every(n => ['completed', 'superseded', 'failed'].includes(n.queueState(a.id) ?? '')))
  }

  /** Applies, in order, every step whose time has come: faults are awaited, ops run on their own. */
  private async applyDue (): Promise<void> {
    const { clock } = this.parts
    while (this.next < this.steps.length && this.origin + this.steps[this.next]!.atMs <= clock.now()) {
      const step = this.steps[this.next++]!
      if (step.type === 'fault') await applyFault(step.fault, this.nemesisHost, this.parts.observation)
      else this.workload.send(step.op)
    }
  }
}
