/**
 * One swarm-mode peer in a process of its own: a real daemon (startDaemon), told what to run by the simulator over IPC
 * (sim/process-node.ts), answering its calls, and pushing a snapshot of what it reads every tick. The simulator kills
 * it with SIGKILL for a crash; `stop` closes the daemon politely.
 */
import { startDaemon, type RunningDaemon } from '../src/node/daemon.js'
import { silentLogger } from '../src/node/logger.js'
import type { ClusterNode } from '../src/node/cluster/index.js'
import { localSimNode, meshed, type SimNode } from './sim-node.js'
import { CALL_METHODS, SNAPSHOT_MS, simNodeOptions, type ChildMessage, type ParentMessage, type PeerSnapshot } from './process-node.js'

function send (message: ChildMessage): void {
  if (process.connected) process.send?.(message)
}

function snapshotOf (node: ClusterNode): PeerSnapshot {
  const queue: Record<string, string> = {}
  for (const row of node.coordinator.queue.list()) queue[row.id] = row.state
  return { election: { state: node.election.state, term: node.election.term, leader: node.election.leader }, viewHash: node.peer.store.viewHash, meshed: meshed(node), queue }
}

let daemon: RunningDaemon | null = null
let sim: SimNode | null = null

async function start (message: Extract<ParentMessage, { type: 'start' }>): Promise<void> {
  const { home, electionTimeoutMs, campaign, ...rest } = simNodeOptions(message.settings)
  daemon = await startDaemon({
    home,
    bootstrap: message.bootstrap,
    host: '127.0.0.1',
    logger: silentLogger(),
    electionTimeoutMs,
    campaign,
    simulator: {
      ...rest,
      onElection: event => { send({ type: 'election', event }) },
      onVote: event => { send({ type: 'vote', event }) }
    }
  })
  const node = daemon.node
  sim = localSimNode(node)
  // Pushed on a period and after each election event (told first, then the state it led to).
  const push = (): void => { send({ type: 'snapshot', snapshot: snapshotOf(node) }) }
  setInterval(push, SNAPSHOT_MS).unref()
  send({ type: 'ready', nodeId: node.nodeId, role: node.peer.config.role, snapshot: snapshotOf(node) })
  daemon.stopped.then(() => { process.exit(0) }, () => { process.exit(1) })
}

async function answer (message: Extract<ParentMessage, { type: 'call' }>): Promise<void> {
  try {
    if (sim === null || !(CALL_METHODS as readonly string[]).includes(message.method)) throw new Error(`no such call: ${message.method}`)
    const method = sim[message.method] as (...args: unknown[]) => unknown
    const value = await method(...message.args)
    send({ type: 'reply', id: message.id, value })
  } catch (err) {
    send({ type: 'reply', id: message.id, error: err instanceof Error ? err.message : String(err) })
  }
}

/** Closes the daemon politely, then exits. */
function stop (): void {
  if (daemon === null) process.exit(0)
  else daemon.close().catch(() => {}).finally(() => { process.exit(0) })
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'start') start(message).catch(err => { send({ type: 'failed', error: err instanceof Error ? err.message : String(err) }); process.exit(1) })
  else if (message.type === 'call') answer(message).catch(() => {})
  else if (message.type === 'stop') stop()
})
// The simulator gone (its process ended): this daemon stops too, rather than linger.
process.on('disconnect', stop)
