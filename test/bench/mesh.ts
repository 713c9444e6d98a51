// The partial mesh (src/distribution/mesh.ts) driven round by round (sim/mesh-rounds.ts): rounds until every live peer
// knows a new head, against log2(N), with none crashed, 10% crashed as it goes out, and 5% of messages lost; the links
// each peer keeps open; the memory a peer's core holds. BZZZ_BENCH_MESH_PEERS=10,100,1000,10000 adds 10,000 (a minute).
import { performance } from 'node:perf_hooks'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { meshViewSizes } from '../../src/distribution/mesh.js'
import { MeshRounds } from '../../sim/mesh-rounds.js'
import { linkGraph } from '../../src/distribution/links.js'
import { round } from './stats.js'

export const MESH_SIZES = (process.env.BZZZ_BENCH_MESH_PEERS ?? '10,100,1000').split(',').map(Number).filter(n => n > 1)
const SEEDS = [1, 2, 3]
const CONDITIONS = [
  { name: 'none', crash: 0, loss: 0 },
  { name: 'crash10', crash: 0.1, loss: 0 },
  { name: 'loss5', crash: 0, loss: 0.05 }
]

/** A full collection before each reading, without --expose-gc on `npm run bench`'s command line. */
let collect: (() => void) | undefined
const heapUsed = (): number => {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc')
    collect = runInNewContext('gc') as () => void
  }
  collect()
  return process.memoryUsage().heapUsed
}

export async function benchMesh (log: (line: string) => void = () => {}): Promise<Record<string, number>> {
  const figures: Record<string, number> = {}
  for (const peers of MESH_SIZES) {
    const log2 = Math.log2(peers)
    const seeds = peers > 1000 ? SEEDS.slice(0, 1) : SEEDS
    for (const condition of CONDITIONS) {
      let worst = 0
      let messages = 0
      let peerRounds = 0
      const began = performance.now()
      for (const seed of seeds) {
        const heapBefore = condition.name === 'none' && seed === seeds[0] ? heapUsed() : 0
        const mesh = new MeshRounds({ peers, seed, voters: 5, loss: condition.loss })
        mesh.joinAll()
        if (heapBefore > 0) {
          figures[`mesh_n${peers}_bytes_per_peer`] = Math.round((heapUsed() - heapBefore) / peers)
          const links = mesh.linkCounts()
          const voterLinks = mesh.voters.map(id => mesh.cores.get(id)!.links().length)
          figures[`mesh_n${peers}_links_mean`] = round(links.reduce((a, b) => a + b, 0) / links.length, 1)
          figures[`mesh_n${peers}_links_max`] = Math.max(...links)
          figures[`mesh_n${peers}_voter_links_max`] = Math.max(...voterLinks)
          figures[`mesh_n${peers}_active_size`] = meshViewSizes(peers).activeSize
        }
        mesh.crash(condition.crash)
        const before = { messages: mesh.messages, round: mesh.round }
        const rounds = mesh.spread(mesh.randomLivePeer(), 'head/w', 1, 20 * Math.ceil(log2))
        messages += mesh.messages - before.messages
        peerRounds += (mesh.round - before.round) * mesh.alive.size
        worst = Math.max(worst, rounds ?? Infinity)
      }
      const key = `mesh_n${peers}_${condition.name}`
      figures[`${key}_rounds`] = worst
      figures[`${key}_rounds_per_log2n`] = round(worst / log2, 2)
      if (condition.name === 'none') figures[`mesh_n${peers}_messages_per_peer_round`] = round(messages / peerRounds, 1)
      log(`  ${peers} peers, ${condition.name}: ${worst} rounds at worst of ${seeds.length} seeds (${round(worst / log2, 2)} x log2 N), ${Math.round(performance.now() - began)} ms`)
    }
    twoTier(peers, figures, log)
  }
  return figures
}

/** Rounds (hops) until a head pushed each round over every link reaches every peer not `down`; null if some never is. */
function hops (graph: Map<string, Set<string>>, from: string, down: ReadonlySet<string>): number | null {
  const seen = new Set([from])
  let frontier = [from]
  let rounds = 0
  while (frontier.length > 0) {
    const next: string[] = []
    for (const at of frontier) for (const peer of graph.get(at)!) if (!down.has(peer) && !seen.has(peer)) { seen.add(peer); next.push(peer) }
    if (next.length === 0) break
    frontier = next
    rounds++
  }
  return seen.size === graph.size - down.size ? rounds : null
}

/**
 * The two-tier mesh the node runs (src/distribution/links.ts), 5 voters taking 8 gateways each: the links of a member
 * and of a voter, and the rounds for a member's head to reach every peer: with every peer up, from the leader (a voter:
 * its heads, and the leader hints that name it), with 10% of the members down, and with every voter down (member to
 * member only).
 */
function twoTier (peers: number, figures: Record<string, number>, log: (line: string) => void): void {
  const ids = Array.from({ length: peers }, (_, i) => `p${String(i).padStart(5, '0')}`)
  const voters = ids.slice(0, Math.min(5, peers))
  const graph = linkGraph({ members: ids, voters })
  const members = ids.filter(id => !voters.includes(id))
  if (members.length === 0) return
  const degrees = members.map(id => graph.get(id)!.size)
  const writer = members[0]!
  const crashed = new Set(members.slice(1).filter((_, i) => i % 10 === 0))
  const results = {
    all: hops(graph, writer, new Set()),
    fromLeader: hops(graph, voters[0]!, new Set()),
    crash10: hops(graph, writer, crashed),
    noVoters: hops(graph, writer, new Set(voters))
  }
  const key = `mesh_two_tier_n${peers}`
  figures[`${key}_member_links_mean`] = round(degrees.reduce((a, b) => a + b, 0) / degrees.length, 1)
  figures[`${key}_member_links_max`] = Math.max(...degrees)
  figures[`${key}_voter_links`] = graph.get(voters[0]!)!.size
  for (const [name, rounds] of Object.entries(results)) figures[`${key}_rounds_${name}`] = rounds ?? -1
  if (results.all !== null) figures[`${key}_rounds_per_log2n`] = round(results.all / Math.log2(peers), 2)
  log(`  two-tier, ${peers} peers: a member's links ${figures[`${key}_member_links_mean`]} mean, ${figures[`${key}_member_links_max`]} max; a voter's ${figures[`${key}_voter_links`]}; ` +
    `rounds to every peer ${results.all} (${figures[`${key}_rounds_per_log2n`] ?? '-'} x log2 N), from the leader ${results.fromLeader}, with 10% of members down ${results.crash10 ?? 'never'}, ` +
    `with every voter down ${results.noVoters ?? 'never (split)'}`)
}
