/**
 * The simulator's driver: real ClusterNodes (the same code as the daemon) on the in-memory network and a virtual
 * clock (memory mode), or on Hyperswarm over a loopback DHT in real time (swarm mode). It runs a scenario's steps (the
 * workload and the nemesis's faults) as the safety phase, heals the network for the liveness phase, records what
 * happened, and hands the history to the checkers.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { ClusterNode } from '../src/node/cluster/index.js'
import { LocalPeer } from '../src/node/local-peer.js'
import { createInvite, redeemInvite } from '../src/node/invite.js'
import { Keyring } from '../src/crypto/keyring.js'
import { silentLogger } from '../src/node/logger.js'
import { systemClock, type Clock } from '../src/node/environment.js'
import { covers, isAccessLevel } from '../src/crypto/levels.js'
import { DEFAULT_FIELD_LEVELS } from '../src/context/record.js'
import { GOSSIP_TICK_MS } from '../src/node/cluster/index.js'
import { PACKAGE_ROOT } from '../src/paths.js'
import { VirtualClock } from './clock.js'
import { SimNetwork } from './network.js'
import { partitionCuts, resolveNode, type AppliedFault, type Link } from './nemesis.js'
import { seededRandom } from './random.js'
import type { Fault, Op, Scenario } from './scenario.js'
import type { AcceptedRequest, AckedWrite, IsolationAttempt, LeadershipEvent, PeerFinal, SimHistory } from './history.js'
import { runChecks } from './checkers/index.js'

export const SIM_MODES = ['memory', 'swarm'] as const
export type SimMode = typeof SIM_MODES[number]
export const BREAKS = ['double-vote', 'ack-before-replicate', 'leak-role', 'forget-queue'] as const
export type BreakMode = typeof BREAKS[number]
/** Virtual time per step of the memory-mode loop. */
export const STEP_MS = 10
/** How often (real time) a long run says where it is. */
export const PROGRESS_INTERVAL_MS = 5_000
/** The liveness phase's bound: the cluster must converge within it after the final heal. */
export const LIVENESS_BOUND_MS = 30_000
/** Roles of the nodes after the admin, in turn. */
export const SIM_ROLES = ['developer', 'security', 'qa', 'viewer', 'architect'] as const
export const SIM_PROJECT = 'sim'

/**
 * Records that a generate of fixtures/repos/mixed/src/server (what every scenario generates, from itself as the root)
 * writes: every third write lays a hand-written record over one of them, each once (an acked write has an address of
 * its own). A generate that completes after such a write must leave its summary as it was acked: before an address
 * held a hand-written and a generated record apart, the generate replaced it.
 */
export const OVERLAID: ReadonlyArray<{ path: string, kind: 'file' | 'directory' }> = [
  { path: 'handlers', kind: 'directory' },
  ...['app.py', 'db.py', 'config.py', '__init__.py', 'handlers/auth.py', 'handlers/tickets.py', 'handlers/__init__.py', 'handlers/README.md'].map(path => ({ path, kind: 'file' as const }))
]

export interface RunOptions {
  scenario: Scenario
  seed: number
  mode: SimMode
  break?: BreakMode
  /** Told of progress, one line at a time. */
  log?: (line: string) => void
  /** How often (real ms) a progress line is logged at the most (default PROGRESS_INTERVAL_MS). */
  progressIntervalMs?: number
  /** Keep the homes (their directory is in the report). */
  keep?: boolean
  /** Where the run's directory of homes is made (default: the system's temporary directory). */
  parent?: string
}

export interface SimReport {
  seed: number
  scenario: string
  nodes: number
  mode: SimMode
  break: BreakMode | null
  ok: boolean
  checks: Record<string, { ok: boolean, detail: string, violations: string[] }>
  faults: AppliedFault[]
  metrics: Record<string, number | null>
  dir?: string
}

interface SimPeer {
  index: number
  id: string
  role: string
  home: string
  node: ClusterNode | null
}

async function yieldToIo (): Promise<void> {
  await new Promise(resolve => setImmediate(resolve))
  await new Promise(resolve => setTimeout(resolve, 0))
}

export async function runSimulation (options: RunOptions): Promise<SimReport> {
  const { scenario, seed, mode } = options
  const log = options.log ?? (() => {})
  const random = seededRandom(seed)
  const started = performance.now()
  const dir = mkdtempSync(join(options.parent ?? tmpdir(), 'bzzz-sim-'))
  const virtual = mode === 'memory' ? new VirtualClock() : null
  const clock: Clock = virtual ?? systemClock
  const network = virtual !== null ? new SimNetwork(virtual, seededRandom(seed ^ 0x5eed)) : null
  const dht = mode === 'swarm' ? await (await import('../src/net/bootstrap.js')).startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 }) : null
  const peers: SimPeer[] = []
  const leadership: LeadershipEvent[] = []
  const acked: AckedWrite[] = []
  const accepted: AcceptedRequest[] = []
  const faults: AppliedFault[] = []
  const inflight = new Set<Promise<unknown>>()
  const failovers: number[] = []
  let leaderLostAt: number | null = null
  let lostLeader: string | null = null
  let writes = 0
  let overlaid = 0
  let retrieveMismatches = 0
  let opFailures = 0

  /** A progress line at most every PROGRESS_INTERVAL_MS of real time, so a long run is never silent. */
  let lastProgress = performance.now()
  const progress = (line: () => string): void => {
    const now = performance.now()
    if (now - lastProgress < (options.progressIntervalMs ?? PROGRESS_INTERVAL_MS)) return
    lastProgress = now
    log(line())
  }

  // ---- the cluster: an admin and invited members, each a real home on disk -------------------------------------
  for (let i = 0; i < scenario.nodes; i++) {
    progress(() => `  creating homes: ${i} of ${scenario.nodes}`)
    const role = i === 0 ? 'admin' : SIM_ROLES[(i - 1) % SIM_ROLES.length]!
    const home = join(dir, `n${i}`)
    if (i === 0) await LocalPeer.init(home, { cluster: 'sim', role, project: SIM_PROJECT, replicationFactor: scenario.replicationFactor })
    else await redeemInvite(home, (await createInvite(peers[0]!.home, role)).invite)
    const id = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).nodeId as string
    peers.push({ index: i, id, role, home, node: null })
  }
  const ids = peers.map(p => p.id)
  /** Peers are named by their index in what the run reports (ids are fresh keys each run; the names repeat). */
  const nameOf = (id: string): string => `n${ids.indexOf(id)}`
  const names = (list: readonly string[]): string[] => list.map(nameOf)
  const byName = (a: string, b: string): number => Number(a.slice(1)) - Number(b.slice(1))
  const namedLinks = (cut: readonly Link[]): Link[] => cut
    .map(([a, b]) => [nameOf(a), nameOf(b)].sort(byName) as Link)
    .sort((x, y) => byName(x[0], y[0]) || byName(x[1], y[1]))
  if (options.break === 'leak-role') {
    // The deliberate fault: every member is given every role's key, as if keys leaked.
    const admin = await Keyring.load(peers[0]!.home)
    for (const peer of peers.slice(1)) {
      const leaky = await Keyring.load(peer.home)
      for (const role of admin.roles()) for (const epoch of admin.epochs(role)) leaky.addRoleKey(admin.roleKeyPair(role, epoch)!)
      await leaky.save()
    }
  }

  const leaderOf = (): string | null => {
    const live = peers.filter(p => p.node !== null)
    const leaders = live.filter(p => p.node!.election.state === 'leader')
    if (leaders.length !== 1) return null
    const leader = leaders[0]!.node!
    const followers = live.filter(p => p.node!.election.leader === leader.nodeId && p.node!.election.term === leader.election.term)
    return followers.length * 2 > peers.length ? leader.nodeId : null
  }

  const start = async (peer: SimPeer): Promise<void> => {
    peer.node = await ClusterNode.start({
      home: peer.home,
      logger: silentLogger(),
      electionTimeoutMs: scenario.electionTimeoutMs,
      clock,
      random: seededRandom(seed + peer.index * 7919),
      ...(network !== null ? { transport: keyPair => network.transport(peer.id, keyPair) } : {}),
      ...(dht !== null ? { bootstrap: dht.addresses, host: '127.0.0.1' } : {}),
      onElection: event => { leadership.push({ atMs: clock.now(), node: peer.id, term: event.term, state: event.state }) },
      faults: {
        doubleVote: options.break === 'double-vote',
        ackBeforeReplicate: options.break === 'ack-before-replicate',
        forgetQueue: options.break === 'forget-queue'
      },
      concurrency: 2
    })
  }
  const stop = async (peer: SimPeer): Promise<void> => {
    const node = peer.node
    peer.node = null
    await node?.close().catch(() => {})
  }

  // In swarm mode a partition is each node's firewall, and destroying its connections.
  const applyCut = (cut: Link[]): void => {
    if (network !== null) { network.partition(cut); return }
    for (const p of peers) p.node?.unblock()
    for (const [a, b] of cut) {
      peers.find(p => p.id === a)?.node?.block([b])
      peers.find(p => p.id === b)?.node?.block([a])
    }
  }
  const heal = (): void => {
    if (network !== null) network.heal()
    else for (const p of peers) p.node?.unblock()
  }

  const down = (): Set<string> => new Set(peers.filter(p => p.node === null).map(p => p.id))
  const select = (selector: Parameters<typeof resolveNode>[0] | undefined): string[] =>
    resolveNode(selector ?? 'random', { nodes: ids, leader: leaderOf(), down: down(), random })

  const applyFault = async (fault: Fault): Promise<void> => {
    const at = clock.now()
    const leader = leaderOf()
    switch (fault.kind) {
      case 'partition': {
        const target = fault.partition === 'isolate' ? select(fault.node ?? 'random')[0] : undefined
        const cut = partitionCuts(fault.partition, { nodes: ids, leader, random, ...(target !== undefined ? { target } : {}) })
        applyCut(cut)
        faults.push({ atMs: at, kind: `partition ${fault.partition}`, targets: names(target !== undefined ? [target] : fault.partition === 'isolate-leader' && leader !== null ? [leader] : []), cut: namedLinks(cut) })
        if (leader !== null && cut.some(([a, b]) => a === leader || b === leader)) { leaderLostAt = at; lostLeader = leader }
        break
      }
      case 'drop':
        network?.setDrop(fault.percent)
        faults.push({ atMs: at, kind: 'drop', targets: [], percent: fault.percent })
        break
      case 'delay':
        network?.setDelay(fault.ms)
        faults.push({ atMs: at, kind: 'delay', targets: [], ms: fault.ms })
        break
      case 'heal':
        heal()
        faults.push({ atMs: at, kind: 'heal', targets: [] })
        break
      case 'crash': {
        const targets = select(fault.node)
        faults.push({ atMs: at, kind: 'crash', targets: names(targets) })
        if (leader !== null && targets.includes(leader)) { leaderLostAt = at; lostLeader = leader }
        for (const id of targets) await stop(peers.find(p => p.id === id)!)
        break
      }
      case 'restart': {
        const targets = select(fault.node).filter(id => down().has(id))
        faults.push({ atMs: at, kind: 'restart', targets: names(targets) })
        for (const id of targets) await start(peers.find(p => p.id === id)!)
        break
      }
    }
  }

  const liveNode = (selector: Parameters<typeof resolveNode>[0] | undefined): ClusterNode | null => {
    const id = select(selector)[0]
    return peers.find(p => p.id === id)?.node ?? null
  }

  const runOp = async (op: Op): Promise<void> => {
    if (op.op === 'distribute') {
      for (let i = 0; i < op.count; i++) {
        const node = liveNode(op.node)
        if (node === null) { opFailures++; continue }
        const n = writes++
        const over = n % 3 === 0 ? OVERLAID[overlaid++] : undefined
        const address = over !== undefined ? `ucxl://${SIM_PROJECT}/${over.path}` : `ucxl://${SIM_PROJECT}/src/w${n % 7}/file${n}.go`
        const marker = `write ${n} of seed ${seed}`
        const record = over !== undefined
          ? { address, kind: over.kind, summary: marker }
          : { address, kind: 'file', summary: marker, language: 'go', symbols: [{ name: `F${n}`, kind: 'function', line: 1 }] }
        try {
          await node.distribute(record, undefined, 'the simulator')
          acked.push({ atMs: clock.now(), node: node.nodeId, address, marker })
        } catch {
          opFailures++
        }
      }
    } else if (op.op === 'generate') {
      const node = liveNode(op.node)
      if (node === null) { opFailures++; return }
      const path = resolve(PACKAGE_ROOT, op.path)
      try {
        const report = await node.generate({ path, root: path, project: SIM_PROJECT, noWait: true, ...(op.priority !== undefined ? { priority: op.priority } : {}) })
        accepted.push({ atMs: clock.now(), node: node.nodeId, id: report.request.id, address: `ucxl://${SIM_PROJECT}/` })
      } catch {
        opFailures++
      }
    } else {
      for (let i = 0; i < op.count && acked.length > 0; i++) {
        const node = liveNode(op.node)
        const write = acked[Math.floor(random() * acked.length)]!
        if (node === null) continue
        try {
          const got = await node.retrieve(write.address, node.peer.config.role)
          if (got.context.summary !== write.marker) retrieveMismatches++
        } catch {
          // Not yet replicated to this peer during a fault: the checkers judge the end state, not this.
        }
      }
    }
  }

  const generating = (): boolean => peers.some(p => p.node !== null && p.node.coordinator.queue.activeCount > 0)

  const track = (work: Promise<unknown>): void => {
    const p = work.catch(() => {}).finally(() => inflight.delete(p))
    inflight.add(p)
  }

  /** Advances time to `until` (memory: the virtual clock in steps, yielding to real I/O; swarm: real waiting). */
  const runUntil = async (until: number, each?: () => Promise<boolean> | boolean): Promise<boolean> => {
    while (clock.now() < until) {
      if (virtual !== null) {
        virtual.advanceTo(Math.min(until, virtual.now() + STEP_MS))
        await yieldToIo()
        // Analysis is real work on real CPUs: while a leader generates, simulated time goes no faster than real time,
        // or timeouts would fire on work that is merely slow on this machine.
        if (generating()) await new Promise(r => setTimeout(r, STEP_MS))
      } else {
        await new Promise(r => setTimeout(r, STEP_MS))
      }
      progress(() => `  ${(clock.now() / 1000).toFixed(1)} s simulated in ${((performance.now() - started) / 1000).toFixed(0)} s; ${leaderOf() === null ? 'no leader' : `leader ${nameOf(leaderOf()!)}`}`)
      const leader = leaderOf()
      if (leaderLostAt !== null && leader !== null && leader !== lostLeader) { failovers.push(clock.now() - leaderLostAt); leaderLostAt = null }
      if (each !== undefined && await each()) return true
    }
    return false
  }

  let history: SimHistory
  try {
    log(`seed ${seed}: ${scenario.nodes} nodes (${mode}), scenario ${scenario.name}${options.break !== undefined ? `, broken: ${options.break}` : ''}`)
    for (const peer of peers) {
      progress(() => `  starting peers: ${peer.index} of ${peers.length}`)
      await start(peer)
    }
    progress(() => `  ${peers.length} peers started in ${((performance.now() - started) / 1000).toFixed(0)} s; connecting them (a full mesh of ${peers.length * (peers.length - 1) / 2} links)`)

    // ---- safety phase: the steps, on time ------------------------------------------------------------------------
    const origin = clock.now()
    for (const step of scenario.steps) {
      await runUntil(origin + step.atMs)
      if (step.type === 'fault') await applyFault(step.fault)
      else track(runOp(step.op))
    }
    await runUntil(origin + scenario.durationMs)

    // ---- liveness phase: no faults; the cluster must converge within the bound ------------------------------------
    heal()
    const healedAt = clock.now()
    const settled = (): boolean => {
      const live = peers.filter(p => p.node !== null).map(p => p.node!)
      if (live.length === 0 || leaderOf() === null) return false
      if (new Set(live.map(n => n.peer.store.viewHash)).size !== 1) return false
      if (inflight.size > 0) return false
      return accepted.every(a => live.every(n => ['completed', 'superseded', 'failed'].includes(n.coordinator.queue.get(a.id)?.state ?? '')))
    }
    const converged = await runUntil(healedAt + LIVENESS_BOUND_MS, settled)
    const convergedWithinMs = converged ? clock.now() - healedAt : null
    if (inflight.size > 0) await runUntil(clock.now() + 10 * scenario.electionTimeoutMs, () => inflight.size === 0)

    // ---- what every live peer holds ---------------------------------------------------------------------------
    const final: PeerFinal[] = []
    const isolation: IsolationAttempt[] = []
    for (const peer of peers) {
      const node = peer.node
      if (node === null) { final.push({ node: peer.id, live: false, viewHash: '', acked: {}, requests: {} }); continue }
      const ackedSeen: Record<string, string | null> = {}
      for (const write of acked) {
        try {
          ackedSeen[write.address] = (await node.peer.store.retrieve(write.address, peer.role)).context.summary ?? null
        } catch {
          ackedSeen[write.address] = null
        }
      }
      const requests: PeerFinal['requests'] = {}
      const completions = new Map<string, number[]>()
      for (const event of node.peer.store.queueEvents()) {
        if (event.entry.type === 'completion') completions.set(event.entry.id, [...(completions.get(event.entry.id) ?? []), event.entry.version.term])
      }
      for (const a of accepted) requests[a.id] = { state: node.coordinator.queue.get(a.id)?.state ?? 'missing', completionTerms: completions.get(a.id) ?? [] }
      final.push({ node: peer.id, live: true, viewHash: node.peer.store.viewHash, acked: ackedSeen, requests })
      // Role isolation: try to open one record as every role; only what this peer was granted may open.
      const address = acked[0]?.address
      if (address !== undefined) {
        for (const role of node.peer.directory.names()) {
          const held = peer.role === 'admin' || role === peer.role
          const clearance = node.peer.directory.get(role)!.clearance
          const fieldsAllowed = Object.entries(DEFAULT_FIELD_LEVELS).filter(([, level]) => isAccessLevel(clearance) && covers(clearance, level)).map(([field]) => field)
          try {
            const got = await node.peer.store.retrieve(address, role)
            const fieldsSeen = Object.keys(got.context).filter(field => field in DEFAULT_FIELD_LEVELS)
            isolation.push({ node: peer.id, role, held, address, outcome: 'opened', fieldsSeen, fieldsAllowed })
          } catch {
            isolation.push({ node: peer.id, role, held, address, outcome: 'denied', fieldsSeen: [], fieldsAllowed })
          }
        }
      }
    }
    history = { seed, nodes: ids, leadership, acked, accepted, final, isolation, convergedWithinMs, livenessBoundMs: LIVENESS_BOUND_MS }
    const results = runChecks(history, scenario.checks)
    const realMs = performance.now() - started
    const simulatedMs = clock.now()
    const terms = leadership.reduce((max, e) => Math.max(max, e.term), 0)
    failovers.sort((a, b) => a - b)
    const report: SimReport = {
      seed,
      scenario: scenario.name,
      nodes: scenario.nodes,
      mode,
      break: options.break ?? null,
      ok: results.every(r => r.ok),
      checks: Object.fromEntries(results.map(r => [r.name, { ok: r.ok, detail: r.detail, violations: r.violations }])),
      faults,
      metrics: {
        simulated_ms: simulatedMs,
        real_ms: Math.round(realMs),
        simulated_to_real: mode === 'memory' ? Math.round((simulatedMs / realMs) * 100) / 100 : null,
        terms,
        leaders: new Set(leadership.filter(e => e.state === 'leader').map(e => e.node)).size,
        failovers: failovers.length,
        failover_ms_max: failovers.at(-1) ?? null,
        failover_ms_p50: failovers.length > 0 ? failovers[Math.floor((failovers.length - 1) / 2)]! : null,
        converged_within_ms: convergedWithinMs,
        gossip_rounds_to_converge: convergedWithinMs === null ? null : Math.ceil(convergedWithinMs / GOSSIP_TICK_MS),
        acked_writes: acked.length,
        accepted_requests: accepted.length,
        failed_ops: opFailures,
        retrieve_mismatches: retrieveMismatches,
        connections: network?.stats.connections ?? null,
        resets: network?.stats.resets ?? null,
        messages: network?.stats.messages ?? null
      }
    }
    if (options.keep === true) report.dir = dir
    return report
  } finally {
    for (const peer of peers) await stop(peer)
    await dht?.close()
    if (options.keep !== true) rmSync(dir, { recursive: true, force: true })
  }
}
