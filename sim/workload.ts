/** The simulated clients: the scenario's distributes, generates and retrieves, sent to live peers and tracked. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { addressFor } from '../src/ucxl/address.js'
import { COMPLETION_TIMEOUT_MS } from '../src/node/cluster/index.js'
import type { SimNode } from './sim-node.js'
import { PACKAGE_ROOT } from '../src/paths.js'
import type { AcceptedRequest, AckedWrite, GeneratedAck } from './history.js'
import type { NodeSelector, Op, Priority } from './scenario.js'
import { SIM_PROJECT } from './cluster.js'

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

/** What the workload needs of the run: time, a peer to send to, and the seeded random. */
export interface WorkloadHost {
  seed: number
  random: () => number
  now: () => number
  /** The running node a selector picks, or null if it is down (each call may draw from the random). */
  liveNode: (selector: NodeSelector | undefined) => SimNode | null
}

/** Where the workload records what the cluster acknowledged. */
export interface AckLog {
  /** The writes acknowledged so far, in order: a retrieve reads one of them back. */
  readonly acked: readonly AckedWrite[]
  ack: (write: AckedWrite) => void
  accept: (request: AcceptedRequest) => void
  /** A generate its client saw completed, with the records it reported. */
  generated: (generate: GeneratedAck) => void
}

/** What every scenario generates, and the probe too. */
const PROBE_GENERATE_PATH = 'fixtures/repos/mixed/src/server'

/** Where the liveness phase's probe writes two versions, one after the other, and reads each back everywhere. */
/** Files in the handover's generate. */
const HANDOVER_FILES = 20

export const PROBE_ADDRESS = `ucxl://${SIM_PROJECT}/probe/read-after-ack.go`

export class Workload {
  /** Distributes so far, acknowledged or not: each gets its own address and marker. */
  private writes = 0
  private overlaid = 0
  /** Ops that threw, or found their peer down. */
  failures = 0
  /** Retrieves during the run that read another summary than the one acked. */
  retrieveMismatches = 0
  private readonly inflight = new Set<Promise<unknown>>()

  constructor (private readonly host: WorkloadHost, private readonly log: AckLog) {}

  /** Ops still running. */
  get pending (): number {
    return this.inflight.size
  }

  /** Starts an op without waiting for it: clients do not wait for each other, nor does time. */
  send (op: Op): void {
    const p = this.run(op).catch(() => {}).finally(() => this.inflight.delete(p))
    this.inflight.add(p)
  }

  private async run (op: Op): Promise<void> {
    if (op.op === 'distribute') await (op.batch === true ? this.distributeBatch(op.count, op.node) : this.distribute(op.count, op.node))
    else if (op.op === 'generate') await this.generate(op.path, op.node, op.priority)
    else await this.retrieve(op.count, op.node)
  }

  private async distribute (count: number, selector: NodeSelector | undefined): Promise<void> {
    const { host } = this
    for (let i = 0; i < count; i++) {
      const node = host.liveNode(selector)
      if (node === null) { this.failures++; continue }
      const record = this.nextRecord()
      try {
        await node.distribute(record)
        this.log.ack({ atMs: host.now(), node: node.nodeId, address: record.address, marker: record.summary })
      } catch {
        this.failures++
      }
    }
  }

  /** One write of `count` records (its payloads apart from its first record's, packed by shard when sharded). */
  private async distributeBatch (count: number, selector: NodeSelector | undefined): Promise<void> {
    const { host } = this
    const node = host.liveNode(selector)
    if (node === null) { this.failures++; return }
    const records = Array.from({ length: count }, () => this.nextRecord())
    try {
      await node.distribute(records)
      for (const record of records) this.log.ack({ atMs: host.now(), node: node.nodeId, address: record.address, marker: record.summary })
    } catch {
      this.failures++
    }
  }

  /** The next hand-written record: every third overlays a generated address, the rest are files of their own. */
  private nextRecord (): { address: string, kind: string, summary: string } {
    const n = this.writes++
    const over = n % 3 === 0 ? OVERLAID[this.overlaid++] : undefined
    const address = over !== undefined ? `ucxl://${SIM_PROJECT}/${over.path}` : `ucxl://${SIM_PROJECT}/src/w${n % 7}/file${n}.go`
    const marker = `write ${n} of seed ${this.host.seed}`
    return over !== undefined
      ? { address, kind: over.kind, summary: marker }
      : { address, kind: 'file', summary: marker, language: 'go', symbols: [{ name: `F${n}`, kind: 'function', line: 1 }] } as { address: string, kind: string, summary: string }
  }

  /** The probe's generate through the leader. */
  async probeGenerate (): Promise<void> {
    await this.generate(PROBE_GENERATE_PATH, 'leader', undefined)
  }

  /**
   * The handover's generate through the leader, of files of its own under `dir` (new records, which must be
   * acknowledged before the request completes; twenty files, so the analysis outlasts the request's acknowledgement):
   * the request's id once it was accepted, else null. Each attempt has a folder of its own.
   */
  async handoverGenerate (dir: string, attempt: number): Promise<string | null> {
    const root = join(dir, 'handover')
    const folder = join(root, 'probe', `handover${attempt}`)
    mkdirSync(folder, { recursive: true })
    for (let i = 0; i < HANDOVER_FILES; i++) {
      writeFileSync(join(folder, `m${i}.py`), `def handover_${this.host.seed}_${attempt}_${i}(value):\n    return value + ${i}\n`)
    }
    return await this.generate(folder, 'leader', undefined, root)
  }

  /** `path` relative to the package, from itself as the root, unless a root is given. */
  /** The request's id once it was accepted, else null. */
  private async generate (path: string, selector: NodeSelector | undefined, priority: Priority | undefined, root?: string): Promise<string | null> {
    const { host } = this
    const node = host.liveNode(selector)
    if (node === null) { this.failures++; return null }
    const target = resolve(PACKAGE_ROOT, path)
    try {
      const id = await node.generate({ path: target, root: root ?? target, project: SIM_PROJECT, ...(priority !== undefined ? { priority } : {}) })
      // What the request generates: the folder it names (the project's root for a generate of the whole tree), so
      // no-lost-acks counts the records held at or below it, not the project's.
      const address = addressFor(SIM_PROJECT, relative(root ?? target, target).split(sep).join('/') || '.')
      this.log.accept({ atMs: host.now(), node: node.nodeId, id, address })
      // The client then waits for the completion on its peer, as \`generate\` without --no-wait does; not an op in
      // flight (a peer that crashes never answers), but every completion it sees is an acknowledgement to check.
      node.completion(id, COMPLETION_TIMEOUT_MS).then(completion => {
        const records = completion.records
        if (completion.status !== 'completed' || !completion.acknowledged || records === null) return
        this.log.generated({ atMs: host.now(), node: node.nodeId, id, address, records })
      }).catch(() => {})
      return id
    } catch {
      this.failures++
      return null
    }
  }

  /** The probe's write of version `n` through the leader (any live peer when none leads): acknowledged or not. */
  async probeWrite (n: number): Promise<void> {
    const { host } = this
    const node = host.liveNode('leader') ?? host.liveNode(undefined)
    if (node === null) { this.failures++; return }
    const marker = `probe ${n} of seed ${host.seed}`
    try {
      await node.distribute({ address: PROBE_ADDRESS, kind: 'file', summary: marker, language: 'go' })
      this.log.ack({ atMs: host.now(), node: node.nodeId, address: PROBE_ADDRESS, marker })
    } catch {
      this.failures++
    }
  }

  /** A client's retrieve, as each peer's own role, of the newest acknowledged write of every address: per peer id. */
  async readAll (nodes: readonly SimNode[]): Promise<Map<string, Record<string, string | null>>> {
    const addresses = [...new Set(this.log.acked.map(write => write.address))]
    const reads = new Map<string, Record<string, string | null>>()
    for (const node of nodes) {
      const seen: Record<string, string | null> = {}
      for (const address of addresses) {
        try {
          seen[address] = summaryOf(await node.retrieve(address, node.role))
        } catch {
          seen[address] = null
        }
      }
      reads.set(node.nodeId, seen)
    }
    return reads
  }

  private async retrieve (count: number, selector: NodeSelector | undefined): Promise<void> {
    const { host, log } = this
    for (let i = 0; i < count && log.acked.length > 0; i++) {
      const node = host.liveNode(selector)
      const write = log.acked[Math.floor(host.random() * log.acked.length)]!
      if (node === null) continue
      try {
        const got = await node.retrieve(write.address, node.role)
        if (summaryOf(got) !== write.marker) this.retrieveMismatches++
      } catch {
        // Not yet replicated to this peer during a fault: the checkers judge the end state, not this.
      }
    }
  }
}

/** A context's summary, or null when it has none. */
export function summaryOf (context: Record<string, unknown>): string | null {
  return typeof context.summary === 'string' ? context.summary : null
}
