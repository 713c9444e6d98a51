/** Pure nemesis helpers: which links a partition cuts and which nodes a selector means, all choices from the seeded random. */
import { badInput } from '../src/errors.js'
import { pick, shuffle } from './random.js'
import type { NodeSelector, PartitionKind } from './scenario.js'

/** A fault as faults.ts applied it, recorded into the run's `faults`: the same seed gives the same list. */
export interface AppliedFault {
  atMs: number, kind: string, targets: string[], cut?: Array<[string, string]>, percent?: number, ms?: number
  /** Swarm mode's kill: the daemon processes it killed with SIGKILL. */
  pids?: number[]
}

export type Link = [string, string]

export interface PartitionInput {
  /** Node ids in index order. */
  nodes: string[]
  leader: string | null
  random: () => number
  /** The node to cut off, for 'isolate' and 'from-leader'. */
  target?: string
}

export interface SelectorState {
  nodes: string[]
  leader: string | null
  down: Set<string>
  random: () => number
}

const link = (a: string, b: string): Link => a < b ? [a, b] : [b, a]

/** Sorted, deduplicated, without self links: the one form every cut list takes. */
export function normalizeLinks (links: Iterable<Link>): Link[] {
  const byKey = new Map<string, Link>()
  for (const [a, b] of links) {
    if (a === b) continue
    const sorted = link(a, b)
    byKey.set(JSON.stringify(sorted), sorted)
  }
  return [...byKey.values()].sort((x, y) => x[0] === y[0] ? (x[1] < y[1] ? -1 : 1) : (x[0] < y[0] ? -1 : 1))
}

/** Every link between a node of one group and a node of the other. */
export function cutBetween (left: readonly string[], right: readonly string[]): Link[] {
  return normalizeLinks(left.flatMap(a => right.map(b => link(a, b))))
}

/** Two seeded halves of ⌈n/2⌉ and ⌊n/2⌋ nodes. */
export function splitHalves (nodes: readonly string[], random: () => number): [string[], string[]] {
  const order = shuffle(random, nodes)
  const size = Math.ceil(order.length / 2)
  return [order.slice(0, size), order.slice(size)]
}

function isolate (nodes: readonly string[], node: string): Link[] {
  if (!nodes.includes(node)) throw badInput(`nemesis: cannot isolate "${node}": not a node of the cluster (${nodes.join(', ')})`)
  return cutBetween([node], nodes.filter(other => other !== node))
}

/**
 * Jepsen's majorities ring: in a seeded ring order each node keeps links to its nearest `reach` neighbours on each side,
 * so it sees a majority (itself plus 2·reach ≥ ⌊n/2⌋ others) yet no two nodes see the same majority.
 * Links are symmetric, so reach is ⌈⌊n/2⌋/2⌉, not ⌊n/2⌋: that would keep every link when n is odd.
 */
export function majorityRingReach (n: number): number {
  return Math.ceil(Math.floor(n / 2) / 2)
}

function majorityRing (nodes: readonly string[], random: () => number): Link[] {
  const ring = shuffle(random, nodes)
  const n = ring.length
  const reach = majorityRingReach(n)
  const cuts: Link[] = []
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const distance = Math.min(j - i, n - (j - i))
      if (distance > reach) cuts.push(link(ring[i]!, ring[j]!))
    }
  }
  return normalizeLinks(cuts)
}

/** The links a partition cuts, as sorted unordered pairs. */
export function partitionCuts (kind: PartitionKind, input: PartitionInput): Link[] {
  const { nodes, random } = input
  switch (kind) {
    case 'halves': return cutBetween(...splitHalves(nodes, random))
    case 'isolate-leader': {
      const leader = input.leader ?? pick(random, nodes)
      return leader === undefined ? [] : isolate(nodes, leader)
    }
    case 'isolate':
      if (input.target === undefined) throw badInput('nemesis: partition "isolate" needs a target node')
      return isolate(nodes, input.target)
    // One link: the node keeps every other, so its calls to the leader go through a relay (src/node/relayed-call.ts).
    case 'from-leader':
      if (input.target === undefined) throw badInput('nemesis: partition "from-leader" needs a target node')
      return input.leader === null || input.leader === input.target ? [] : normalizeLinks([link(input.target, input.leader)])
    // Below 5 nodes a ring of majorities is only a complete graph or the halves.
    case 'majority-ring': return nodes.length < 5 ? cutBetween(...splitHalves(nodes, random)) : majorityRing(nodes, random)
    case 'bridge': {
      const [bridge, ...rest] = shuffle(random, nodes)
      if (bridge === undefined) return []
      const size = Math.ceil(rest.length / 2)
      return cutBetween(rest.slice(0, size), rest.slice(size))
    }
  }
}

/** The nodes a selector means now: none when it matches nothing (no leader, no live follower, nothing down). */
export function resolveNode (selector: NodeSelector, state: SelectorState): string[] {
  const { nodes, leader, down, random } = state
  const live = nodes.filter(node => !down.has(node))
  const one = (node: string | undefined): string[] => node === undefined ? [] : [node]
  if (typeof selector === 'number') {
    const node = nodes[selector]
    if (node === undefined) throw badInput(`nemesis: node index ${selector} is out of range 0..${nodes.length - 1}`)
    return [node]
  }
  switch (selector) {
    case 'leader': return leader !== null && !down.has(leader) ? [leader] : []
    case 'follower': return one(pick(random, live.filter(node => node !== leader)))
    case 'random': return one(pick(random, live))
    case 'all-down': return nodes.filter(node => down.has(node))
  }
}
