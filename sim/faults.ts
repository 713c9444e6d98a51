/** The nemesis at work: applies one scenario fault to the cluster and its network, and records it as applied. */
import type { SimCluster } from './cluster.js'
import type { SimNetwork } from './network.js'
import { partitionCuts, type AppliedFault } from './nemesis.js'
import { NODE_PARTITIONS, type Fault } from './scenario.js'

/** What a fault acts on. */
export interface NemesisHost {
  now: () => number
  cluster: Pick<SimCluster, 'ids' | 'leader' | 'select' | 'down' | 'byId' | 'start' | 'stop' | 'kill' | 'partition' | 'heal' | 'names' | 'namedLinks' | 'pidOf'>
  /** Memory mode's network (loss and latency); null in swarm mode, where only partitions and crashes apply. */
  network: Pick<SimNetwork, 'setDrop' | 'setDelay'> | null
  /** The run's seeded random, shared with the workload: the order of draws is part of the schedule. */
  random: () => number
}

/** Where the faults are recorded as applied. */
export interface FaultLog {
  fault: (fault: AppliedFault) => void
  /** The fault took the leader away (crashed it, or cut one of its links): a failover begins. */
  leaderLost: (atMs: number, leader: string) => void
}

export async function applyFault (fault: Fault, host: NemesisHost, log: FaultLog): Promise<void> {
  const { cluster, network, random } = host
  const at = host.now()
  const leader = cluster.leader()
  switch (fault.kind) {
    case 'partition': {
      const byNode = NODE_PARTITIONS.has(fault.partition)
      const target = byNode ? cluster.select(fault.node ?? 'random')[0] : undefined
      // Isolating the leader while none leads (or a peer that is down) cuts nothing, as isolate-leader does then: the
      // soak's seed 43 failed the run here instead.
      const cut = byNode && target === undefined ? [] : partitionCuts(fault.partition, { nodes: cluster.ids, leader, random, ...(target !== undefined ? { target } : {}) })
      cluster.partition(cut)
      const targets = target !== undefined ? [target] : fault.partition === 'isolate-leader' && leader !== null ? [leader] : []
      log.fault({ atMs: at, kind: `partition ${fault.partition}`, targets: cluster.names(targets), cut: cluster.namedLinks(cut) })
      // One link of the leader's cut: it keeps its majority and leads on, so no failover begins.
      if (leader !== null && fault.partition !== 'from-leader' && cut.some(([a, b]) => a === leader || b === leader)) log.leaderLost(at, leader)
      break
    }
    case 'drop':
      network?.setDrop(fault.percent)
      log.fault({ atMs: at, kind: 'drop', targets: [], percent: fault.percent })
      break
    case 'delay':
      network?.setDelay(fault.ms)
      log.fault({ atMs: at, kind: 'delay', targets: [], ms: fault.ms })
      break
    case 'heal':
      cluster.heal()
      log.fault({ atMs: at, kind: 'heal', targets: [] })
      break
    case 'crash': {
      const targets = cluster.select(fault.node)
      log.fault({ atMs: at, kind: 'crash', targets: cluster.names(targets) })
      if (leader !== null && targets.includes(leader)) log.leaderLost(at, leader)
      for (const id of targets) await cluster.stop(cluster.byId(id)!)
      break
    }
    case 'kill': {
      const targets = cluster.select(fault.node)
      const pids = targets.map(id => cluster.pidOf(id)).filter((pid): pid is number => pid !== null)
      log.fault({ atMs: at, kind: 'kill', targets: cluster.names(targets), ...(pids.length > 0 ? { pids } : {}) })
      if (leader !== null && targets.includes(leader)) log.leaderLost(at, leader)
      for (const id of targets) await cluster.kill(cluster.byId(id)!)
      break
    }
    case 'restart': {
      const targets = cluster.select(fault.node).filter(id => cluster.down().has(id))
      log.fault({ atMs: at, kind: 'restart', targets: cluster.names(targets) })
      for (const id of targets) await cluster.start(cluster.byId(id)!)
      break
    }
  }
}
