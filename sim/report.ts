/** The run's report, the `sim --json` shape: the checks' results, the faults as applied, and the metrics. */
import { GOSSIP_TICK_MS } from '../src/node/cluster/index.js'
import type { CheckResult, LeadershipEvent } from './history.js'
import type { AppliedFault } from './nemesis.js'
import type { SimMode } from './cluster.js'

export interface SimReport {
  seed: number
  scenario: string
  nodes: number
  /** How many of the nodes vote (the first ones). */
  voters: number
  mode: SimMode
  /** The broken behaviours, comma-separated. */
  break: string | null
  ok: boolean
  /** A hash of every delivery, vote, election change, acknowledgement and fault, in order: equal for equal seeds and code. */
  traceHash: string
  /**
   * Whether this run replays exactly (memory mode, one storage I/O thread, every wait for real work ended), and what
   * stays inexact even then: each named with what it can change.
   */
  replay: { exact: boolean, why: string[] }
  checks: Record<string, { ok: boolean, detail: string, violations: string[] }>
  faults: AppliedFault[]
  metrics: Record<string, number | null>
  dir?: string
}

/** Everything the report is made from; a field per figure so the key order of the JSON is fixed here alone. */
export interface ReportInput {
  seed: number
  scenario: string
  nodes: number
  voters: number
  mode: SimMode
  break: string | null
  results: readonly CheckResult[]
  faults: AppliedFault[]
  leadership: readonly LeadershipEvent[]
  /** ms of each failover, in the order they happened. */
  failovers: readonly number[]
  convergedWithinMs: number | null
  simulatedMs: number
  realMs: number
  ackedWrites: number
  acceptedRequests: number
  failedOps: number
  retrieveMismatches: number
  /** The in-memory network's counts; null in swarm mode. */
  network: { connections: number, resets: number, messages: number } | null
  /** The payloads blocks of other writers that the live peers hold at the end, of how many they have, and their bytes, summed. */
  payloadBlocks: { held: number, of: number, bytes: number }
  traceHash: string
  traceEvents: number
  replay: { exact: boolean, why: string[] }
}

export function simReport (input: ReportInput): SimReport {
  const { results, leadership, convergedWithinMs, simulatedMs, realMs, network } = input
  const failovers = [...input.failovers].sort((a, b) => a - b)
  return {
    seed: input.seed,
    scenario: input.scenario,
    nodes: input.nodes,
    voters: input.voters,
    mode: input.mode,
    break: input.break,
    ok: results.every(r => r.ok),
    traceHash: input.traceHash,
    replay: input.replay,
    checks: Object.fromEntries(results.map(r => [r.name, { ok: r.ok, detail: r.detail, violations: r.violations }])),
    faults: input.faults,
    metrics: {
      simulated_ms: simulatedMs,
      real_ms: Math.round(realMs),
      simulated_to_real: input.mode === 'memory' ? Math.round((simulatedMs / realMs) * 100) / 100 : null,
      terms: leadership.reduce((max, e) => Math.max(max, e.term), 0),
      leaders: new Set(leadership.filter(e => e.state === 'leader').map(e => e.node)).size,
      failovers: failovers.length,
      failover_ms_max: failovers.at(-1) ?? null,
      failover_ms_p50: failovers.length > 0 ? failovers[Math.floor((failovers.length - 1) / 2)]! : null,
      converged_within_ms: convergedWithinMs,
      gossip_rounds_to_converge: convergedWithinMs === null ? null : Math.ceil(convergedWithinMs / GOSSIP_TICK_MS),
      acked_writes: input.ackedWrites,
      accepted_requests: input.acceptedRequests,
      failed_ops: input.failedOps,
      retrieve_mismatches: input.retrieveMismatches,
      connections: network?.connections ?? null,
      resets: network?.resets ?? null,
      messages: network?.messages ?? null,
      trace_events: input.traceEvents,
      payload_blocks_held: input.payloadBlocks.held,
      payload_blocks_of: input.payloadBlocks.of,
      payload_bytes_held: input.payloadBlocks.bytes
    }
  }
}
