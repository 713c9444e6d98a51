/**
 * The decision temporal graph, pure: every peer feeds it the decisions and context versions it reads from the logs,
 * in any order and possibly more than once, and ends with the same graph; queries walk it breadth first. Nodes are
 * decisions and UCXL addresses; every edge is walked both ways. Nothing here does I/O or reads a clock.
 */

import { badInput, notFound } from '../errors.js'
import { addressProblem } from '../ucxl/address.js'
import { DECISION_ID, MAX_DECISION_LINKS } from '../storage/vocabulary.js'
/** The furthest a hop query may reach. */
export const MAX_HOPS = 32

export interface Decision {
  id: string
  title: string
  /** The UCXL addresses it changes: at least one for a new decision. */
  affects: string[]
  /** Earlier decisions that led to this one. */
  influencedBy: string[]
  /** Earlier decisions this one replaces. */
  supersedes: string[]
  /** The role that recorded it. */
  author: string
  term: number
  /** Ms. */
  at: number
  /** The access level of its text. */
  level: string
}

export interface VersionRecord {
  address: string
  /** The version's unique key. */
  key: string
  term: number
  at: number
  writer: string
  /** The decision that caused this version, if any. */
  decision?: string
  /** A generate wrote it (else it was written by hand). */
  generated?: true
  /** The member it was written for and its role, as the leader stamped them (hand-written versions). */
  requester?: string
  requesterRole?: string
  current: boolean
  conflict: boolean
}

export type NodeRef = { kind: 'decision', id: string } | { kind: 'address', address: string }

export interface Hit {
  ref: NodeRef
  hops: number
  /** From the start to this node, both included: `hops + 1` nodes. */
  path: NodeRef[]
}

export interface HopsResult {
  start: NodeRef
  max: number
  /** By hops, then decisions before addresses, then id or address. The start is not a hit. */
  hits: Hit[]
  /** Decisions within reach that the viewer may not see: counted, never named. */
  hidden: number
}

export interface HistoryVersion extends VersionRecord {
  decisionTitle?: string
}

export interface History {
  address: string
  /** Oldest first (term, at, key). */
  versions: HistoryVersion[]
  /** The visible decisions that affect the address or caused one of its versions, newest first. */
  decisions: Decision[]
  /** How many such decisions the viewer may not see. */
  hidden: number
}

export interface InfluenceRow {
  id: string
  title: string
  /** Distinct addresses within the query's hops. */
  addresses: number
  /** When it was decided (ms). */
  at: number
}

/** How `influence` ranks: by the addresses a decision reaches, or the most recent first. */
export const INFLUENCE_ORDERS = ['reach', 'recent'] as const
export type InfluenceOrder = typeof INFLUENCE_ORDERS[number]

export type EdgeKind = 'affects' | 'influenced-by' | 'supersedes'

/** A resolved edge: `affects` runs from a decision to an address (also for a version's decision), the others between decisions. */
export interface Edge {
  kind: EdgeKind
  from: string
  to: string
}

export type Visibility = (decision: Decision) => boolean

/** An edge whose far end has not been read yet. */
interface Waiting {
  from: string
  kind: 'influenced-by' | 'supersedes'
}

interface SupersedesEdge {
  from: string
  to: string
}

/** What a search found: `depth` and `parent` are indexed by node and hold only for the nodes in `reached`. */
interface Found {
  /** The start first, then every node reached, nearest first. */
  reached: number[]
  /** Invisible decisions next to a node nearer than `max`. */
  hidden: number
  depth: Uint8Array
  parent: Int32Array
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
const isTerm = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(s => typeof s === 'string')
const compareStrings = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0
const unique = (items: readonly string[]): string[] => [...new Set(items)]

/** Why a value is not a well-formed decision, or null when it is. */
function decisionProblem (v: unknown): string | null {
  if (!isObject(v)) return 'a decision must be an object'
  if (typeof v.id !== 'string' || !DECISION_ID.test(v.id)) return `a decision id is "d-" and 6 to 40 of A-Z, a-z, 0-9, "_", "-", not ${JSON.stringify(v.id)}`
  for (const field of ['title', 'author', 'level'] as const) if (typeof v[field] !== 'string') return `decision ${v.id}: ${field} must be a string`
  for (const field of ['affects', 'influencedBy', 'supersedes'] as const) if (!isStrings(v[field])) return `decision ${v.id}: ${field} must be a list of strings`
  if (!isTerm(v.term)) return `decision ${v.id}: term must be a non-negative integer, not ${String(v.term)}`
  if (!isTime(v.at)) return `decision ${v.id}: at must be a finite number of ms, not ${String(v.at)}`
  return null
}

const copyDecision = (d: Decision): Decision => ({
  id: d.id, title: d.title, affects: [...d.affects], influencedBy: [...d.influencedBy], supersedes: [...d.supersedes],
  author: d.author, term: d.term, at: d.at, level: d.level
})

/** A copy holding only the known fields, or null when the entry is malformed. */
function readDecision (v: unknown): Decision | null {
  return decisionProblem(v) === null ? copyDecision(v as Decision) : null
}

function readVersion (v: unknown): VersionRecord | null {
  if (!isObject(v) || typeof v.address !== 'string' || v.address === '' || typeof v.key !== 'string' || v.key === '' ||
    !isTerm(v.term) || !isTime(v.at) || typeof v.writer !== 'string' || (v.decision !== undefined && typeof v.decision !== 'string') ||
    typeof v.current !== 'boolean' || typeof v.conflict !== 'boolean' || (v.generated !== undefined && v.generated !== true) ||
    (v.requester !== undefined && typeof v.requester !== 'string') || (v.requesterRole !== undefined && typeof v.requesterRole !== 'string')) return null
  const version: VersionRecord = { address: v.address, key: v.key, term: v.term, at: v.at, writer: v.writer, current: v.current, conflict: v.conflict }
  if (v.decision !== undefined) version.decision = v.decision as string
  if (v.generated === true) version.generated = true
  if (v.requester !== undefined) version.requester = v.requester as string
  if (v.requesterRole !== undefined) version.requesterRole = v.requesterRole as string
  return version
}

/** (term, at, id) ascending: the order in which supersedes edges are settled, so the later decision's edge gives way. */
const compareDecisions = (a: Decision, b: Decision): number => a.term - b.term || a.at - b.at || compareStrings(a.id, b.id)
const compareVersions = (a: VersionRecord, b: VersionRecord): number => a.term - b.term || a.at - b.at || compareStrings(a.key, b.key)
const refKey = (ref: NodeRef): string => ref.kind === 'decision' ? '0' + ref.id : '1' + ref.address

function checkHops (max: number): void {
  if (!Number.isSafeInteger(max) || max < 1 || max > MAX_HOPS) throw badInput(`hops must be an integer from 1 to ${MAX_HOPS}, not ${max}`)
}

/** Above this many neighbours a node also keeps a set of them, so that linking stays O(1) on hubs. */
const INDEXED_DEGREE = 32
/** The depth that marks an invisible decision in a search. */
const INVISIBLE = 255

/** Per-node marks of one search, reused across searches: a node's marks count only if its stamp is the search's. */
interface Scratch {
  generation: number
  stamp: Uint32Array
  depth: Uint8Array
  parent: Int32Array
}

const newScratch = (capacity: number): Scratch =>
  ({ generation: 0, stamp: new Uint32Array(capacity), depth: new Uint8Array(capacity), parent: new Int32Array(capacity) })

export class DecisionGraph {
  private readonly decisions = new Map<string, Decision>()
  /** Node index -> what it is (frozen, so hits can share it); indexes are dense, in order of arrival, never reused. */
  private readonly refs: NodeRef[] = []
  /** Node index -> its place in hit order: decisions before addresses, then by id or address. */
  private readonly sortKeys: string[] = []
  /** Node index -> its decision (undefined for an address). */
  private readonly decisionAt: Array<Decision | undefined> = []
  private readonly neighbours: number[][] = []
  /** The neighbours of nodes with more than INDEXED_DEGREE of them, as a set. */
  private readonly neighbourSets = new Map<number, Set<number>>()
  private readonly decisionNodes = new Map<string, number>()
  private readonly addressNodes = new Map<string, number>()
  /** Every version, by address and key. */
  private readonly versions = new Map<string, VersionRecord>()
  private readonly versionsOf = new Map<string, VersionRecord[]>()
  /** Unknown decision id -> the edges of known decisions waiting for it. */
  private readonly waiting = new Map<string, Waiting[]>()
  /** Unknown decision id -> the addresses of versions that name it. */
  private readonly waitingVersions = new Map<string, Set<string>>()
  /** Every supersedes edge whose two ends are known, kept or not. */
  private readonly supersedesCandidates: SupersedesEdge[] = []
  /** The supersedes edges kept: from -> to. Always acyclic. */
  private supersedesKept = new Map<string, Set<string>>()
  /** Marks of the search under way; a search started from a `visible` callback during another one gets its own. */
  private scratch: Scratch = newScratch(0)
  private searching = false

  /** Checks a new decision against the graph before its writer appends it; throws BAD_INPUT naming the problem. */
  check (decision: Decision): void {
    const problem = decisionProblem(decision)
    if (problem !== null) throw badInput(problem)
    const { id } = decision
    if (this.decisions.has(id)) throw badInput(`decision ${id} already exists`)
    if (decision.affects.length === 0) throw badInput(`decision ${id} affects no address: name at least one`)
    for (const address of decision.affects) {
      const wrong = addressProblem(address)
      if (wrong !== null) throw badInput(`decision ${id} affects a bad address ${JSON.stringify(address)}: ${wrong}`)
    }
    const references = [['is influenced by', 'be influenced by', decision.influencedBy], ['supersedes', 'supersede', decision.supersedes]] as const
    for (const [verb, infinitive, ids] of references) {
      for (const other of ids) {
        if (other === id) throw badInput(`decision ${id} cannot ${infinitive} itself`)
        if (!this.decisions.has(other)) throw badInput(`decision ${id} ${verb} ${other}, which is not known`)
      }
    }
    const cycle = this.supersedesCycle(id, decision.supersedes)
    if (cycle !== null) throw badInput(`would make a supersedes cycle: ${cycle.join(' -> ')}`)
  }

  /**
   * Adds a decision read from the logs; true when it is new. A reference to a decision not read yet waits for it.
   * Malformed entries are ignored, and so is a second entry of a known id (the first wins).
   */
  add (entry: Decision): boolean {
    const decision = readDecision(entry)
    if (decision === null || this.decisions.has(decision.id)) return false
    const { id } = decision
    this.decisions.set(id, decision)
    const node = this.newNode({ kind: 'decision', id }, decision)
    this.decisionNodes.set(id, node)
    for (const address of decision.affects) this.link(node, this.addressNode(address))
    for (const other of unique(decision.influencedBy)) {
      if (other === id) continue
      const target = this.decisionNodes.get(other)
      if (target === undefined) this.wait(other, { from: id, kind: 'influenced-by' })
      else this.link(node, target)
    }
    const fresh: SupersedesEdge[] = []
    for (const other of unique(decision.supersedes)) {
      if (other === id) continue
      if (this.decisions.has(other)) fresh.push({ from: id, to: other })
      else this.wait(other, { from: id, kind: 'supersedes' })
    }
    for (const edge of this.waiting.get(id) ?? []) {
      if (edge.kind === 'supersedes') fresh.push({ from: edge.from, to: id })
      else this.link(this.decisionNodes.get(edge.from)!, node)
    }
    this.waiting.delete(id)
    for (const address of this.waitingVersions.get(id) ?? []) this.link(node, this.addressNode(address))
    this.waitingVersions.delete(id)
    this.keepSupersedes(fresh)
    return true
  }

  /** Adds a context version; true when its key is new. A known key only takes the new `current` and `conflict`. */
  addVersion (entry: VersionRecord): boolean {
    const version = readVersion(entry)
    if (version === null) return false
    // A version key (writer:count) names a version of one address: the first version of every address a writer
    // writes is `writer:1`, so the address is part of the key here.
    const id = `${version.address}\u0000${version.key}`
    const known = this.versions.get(id)
    if (known !== undefined) {
      known.current = version.current
      known.conflict = version.conflict
      return false
    }
    this.versions.set(id, version)
    const list = this.versionsOf.get(version.address)
    if (list === undefined) this.versionsOf.set(version.address, [version])
    else list.push(version)
    const address = this.addressNode(version.address)
    if (version.decision === undefined) return true
    const decision = this.decisionNodes.get(version.decision)
    if (decision !== undefined) this.link(decision, address)
    else {
      const addresses = this.waitingVersions.get(version.decision) ?? new Set<string>()
      this.waitingVersions.set(version.decision, addresses.add(version.address))
    }
    return true
  }

  has (id: string): boolean {
    return this.decisions.has(id)
  }

  get (id: string): Decision | undefined {
    const decision = this.decisions.get(id)
    return decision === undefined ? undefined : copyDecision(decision)
  }

  /** Everything within `max` hops of `start`, through visible decisions only; NOT_FOUND for an unknown or invisible start. */
  hops (start: NodeRef, max: number, visible?: Visibility): HopsResult {
    checkHops(max)
    const from = this.startNode(start, visible)
    return this.search(from, max, visible, ({ reached, hidden, depth, parent }) => {
      const nodes = reached.slice(1).sort((a, b) => depth[a]! - depth[b]! || compareStrings(this.sortKeys[a]!, this.sortKeys[b]!))
      const hits: Hit[] = nodes.map(node => {
        const hops = depth[node]!
        const path = new Array<NodeRef>(hops + 1)
        for (let i = hops, at = node; i >= 0; i--, at = parent[at]!) path[i] = this.refs[at]!
        return { ref: this.refs[node]!, hops, path }
      })
      return { start: this.refs[from]!, max, hits, hidden }
    })
  }

  /** The versions of an address oldest first, and the decisions about it newest first; NOT_FOUND for an unknown address. */
  history (address: string, visible?: Visibility): History {
    const node = this.addressNodes.get(address)
    if (node === undefined) throw notFound(`no decision or version is about ${address}`)
    const canSee = (d: Decision): boolean => visible === undefined || visible(d)
    const versions = (this.versionsOf.get(address) ?? []).map(v => this.historyVersion(v, canSee)).sort(compareVersions)
    const decisions: Decision[] = []
    let hidden = 0
    for (const other of this.neighbours[node]!) {
      const decision = this.decisionAt[other]!
      if (canSee(decision)) decisions.push(copyDecision(decision))
      else hidden++
    }
    decisions.sort((a, b) => compareDecisions(b, a))
    return { address, versions, decisions, hidden }
  }

  /**
   * Visible decisions ranked by how many distinct addresses lie within `max` hops of each (most first), or with
   * `recent` by when they were decided (newest first); ties by id.
   */
  influence (max: number, limit: number, visible?: Visibility, order: InfluenceOrder = 'reach'): InfluenceRow[] {
    checkHops(max)
    if (!Number.isSafeInteger(limit) || limit < 1) throw badInput(`limit must be a positive integer, not ${limit}`)
    const rows: InfluenceRow[] = []
    for (const [id, node] of this.decisionNodes) {
      const decision = this.decisionAt[node]!
      if (visible !== undefined && !visible(decision)) continue
      const addresses = this.search(node, max, visible, ({ reached }) => reached.filter(n => this.decisionAt[n] === undefined).length)
      rows.push({ id, title: decision.title, addresses, at: decision.at })
    }
    rows.sort((a, b) => (order === 'recent' ? b.at - a.at : b.addresses - a.addresses) || compareStrings(a.id, b.id))
    return rows.slice(0, limit)
  }

  /** Every resolved edge, sorted by kind, from and to: what two peers compare to know they hold the same graph. */
  edges (): Edge[] {
    const edges: Edge[] = []
    for (const [id, node] of this.decisionNodes) {
      for (const other of this.neighbours[node]!) {
        const ref = this.refs[other]!
        if (ref.kind === 'address') edges.push({ kind: 'affects', from: id, to: ref.address })
      }
      for (const other of unique(this.decisions.get(id)!.influencedBy)) {
        if (other !== id && this.decisions.has(other)) edges.push({ kind: 'influenced-by', from: id, to: other })
      }
      for (const other of this.supersedesKept.get(id) ?? []) edges.push({ kind: 'supersedes', from: id, to: other })
    }
    return edges.sort((a, b) => compareStrings(a.kind, b.kind) || compareStrings(a.from, b.from) || compareStrings(a.to, b.to))
  }

  get size (): { decisions: number, addresses: number, versions: number } {
    return { decisions: this.decisions.size, addresses: this.addressNodes.size, versions: this.versions.size }
  }

  private newNode (ref: NodeRef, decision?: Decision): number {
    const node = this.refs.length
    this.refs.push(Object.freeze(ref))
    this.sortKeys.push(refKey(ref))
    this.decisionAt.push(decision)
    this.neighbours.push([])
    return node
  }

  private addressNode (address: string): number {
    let node = this.addressNodes.get(address)
    if (node === undefined) {
      node = this.newNode({ kind: 'address', address })
      this.addressNodes.set(address, node)
    }
    return node
  }

  private isLinked (a: number, b: number): boolean {
    return this.neighbourSets.get(a)?.has(b) ?? this.neighbours[a]!.includes(b)
  }

  private link (a: number, b: number): void {
    if (a === b || this.isLinked(a, b)) return
    this.attach(a, b)
    this.attach(b, a)
  }

  private attach (node: number, other: number): void {
    const list = this.neighbours[node]!
    list.push(other)
    const set = this.neighbourSets.get(node)
    if (set !== undefined) set.add(other)
    else if (list.length > INDEXED_DEGREE) this.neighbourSets.set(node, new Set(list))
  }

  private unlink (a: number, b: number): void {
    if (!this.isLinked(a, b)) return
    this.detach(a, b)
    this.detach(b, a)
  }

  private detach (node: number, other: number): void {
    const list = this.neighbours[node]!
    list.splice(list.indexOf(other), 1)
    this.neighbourSets.get(node)?.delete(other)
  }

  private wait (id: string, edge: Waiting): void {
    const list = this.waiting.get(id)
    if (list === undefined) this.waiting.set(id, [edge])
    else list.push(edge)
  }

  private startNode (start: NodeRef, visible: Visibility | undefined): number {
    if (!isObject(start) || (start.kind !== 'decision' && start.kind !== 'address')) throw badInput('a start is { kind: "decision", id } or { kind: "address", address }')
    if (start.kind === 'address') {
      const node = this.addressNodes.get(start.address)
      if (node === undefined) throw notFound(`no decision or version is about ${start.address}`)
      return node
    }
    const node = this.decisionNodes.get(start.id)
    // An invisible decision is reported exactly like a missing one, so that the answer does not tell it exists.
    if (node === undefined || (visible !== undefined && !visible(this.decisionAt[node]!))) throw notFound(`no decision ${start.id}`)
    return node
  }

  /**
   * Breadth first from `from` up to `max` hops, never entering an invisible decision, then `read` the marks (valid
   * only during `read`). Of a node's neighbours one hop nearer, its parent is the first in hit order, so that paths
   * do not depend on the order edges arrived in.
   */
  private search<T> (from: number, max: number, visible: Visibility | undefined, read: (found: Found) => T): T {
    const nested = this.searching
    let scratch = nested ? newScratch(this.refs.length) : this.scratch
    if (scratch.stamp.length < this.refs.length || scratch.generation === 0xffffffff) {
      scratch = newScratch(Math.max(1024, this.refs.length * 2))
      if (!nested) this.scratch = scratch
    }
    const generation = ++scratch.generation
    const { stamp, depth, parent } = scratch
    const reached = [from]
    stamp[from] = generation
    depth[from] = 0
    parent[from] = -1
    let hidden = 0
    this.searching = true
    try {
      for (let head = 0; head < reached.length; head++) {
        const node = reached[head]!
        const hops = depth[node]! + 1
        if (hops > max) break
        for (const other of this.neighbours[node]!) {
          if (stamp[other] !== generation) {
            stamp[other] = generation
            const decision = this.decisionAt[other]
            if (visible !== undefined && decision !== undefined && !visible(decision)) {
              depth[other] = INVISIBLE
              hidden++
              continue
            }
            depth[other] = hops
            parent[other] = node
            reached.push(other)
          } else if (depth[other] === hops && this.sortKeys[node]! < this.sortKeys[parent[other]!]!) {
            parent[other] = node
          }
        }
      }
      return read({ reached, hidden, depth, parent })
    } finally {
      this.searching = nested
    }
  }

  private historyVersion (version: VersionRecord, canSee: (d: Decision) => boolean): HistoryVersion {
    const { decision: id, ...rest } = version
    const row: HistoryVersion = { ...rest }
    const decision = id === undefined ? undefined : this.decisions.get(id)
    if (decision === undefined) {
      if (id !== undefined) row.decision = id
    } else if (canSee(decision)) {
      row.decision = id
      row.decisionTitle = decision.title
    }
    return row
  }

  /** True when `from` reaches `to` through kept supersedes edges. */
  private supersedesReach (from: string, to: string): boolean {
    const seen = new Set<string>([from])
    const stack = [from]
    for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
      if (id === to) return true
      for (const next of this.supersedesKept.get(id) ?? []) {
        if (!seen.has(next)) {
          seen.add(next)
          stack.push(next)
        }
      }
    }
    return false
  }

  /**
   * Keeps the new supersedes edges. The graph is defined as if every edge had been settled in (term, at, id) order of
   * the decision that names it, each dropped if it closed a cycle. A new edge that closes no cycle leaves every
   * earlier verdict standing; one that does may belong to an earlier decision than an edge already kept, so then
   * every edge is settled again (cycles are rare).
   */
  private keepSupersedes (fresh: SupersedesEdge[]): void {
    this.supersedesCandidates.push(...fresh)
    for (const edge of fresh) {
      if (this.supersedesReach(edge.to, edge.from)) {
        this.resettleSupersedes()
        return
      }
      this.keep(edge)
      this.link(this.decisionNodes.get(edge.from)!, this.decisionNodes.get(edge.to)!)
    }
  }

  private resettleSupersedes (): void {
    const before = this.supersedesKept
    this.supersedesKept = new Map()
    this.supersedesCandidates.sort((a, b) => this.compareSupersedes(a, b))
    for (const edge of this.supersedesCandidates) {
      if (!this.supersedesReach(edge.to, edge.from)) this.keep(edge)
    }
    for (const { from, to } of this.supersedesCandidates) {
      if ((before.get(from)?.has(to) ?? false) !== (this.supersedesKept.get(from)?.has(to) ?? false)) this.relink(from, to)
    }
  }

  private keep (edge: SupersedesEdge): void {
    const targets = this.supersedesKept.get(edge.from) ?? new Set<string>()
    this.supersedesKept.set(edge.from, targets.add(edge.to))
  }

  private compareSupersedes (a: SupersedesEdge, b: SupersedesEdge): number {
    return compareDecisions(this.decisions.get(a.from)!, this.decisions.get(b.from)!) || compareStrings(a.to, b.to)
  }

  /** Brings the link between two decisions in line with the edges that remain between them. */
  private relink (a: string, b: string): void {
    const linked = this.decisions.get(a)!.influencedBy.includes(b) || this.decisions.get(b)!.influencedBy.includes(a) ||
      (this.supersedesKept.get(a)?.has(b) ?? false) || (this.supersedesKept.get(b)?.has(a) ?? false)
    const nodeA = this.decisionNodes.get(a)!
    const nodeB = this.decisionNodes.get(b)!
    if (linked) this.link(nodeA, nodeB)
    else this.unlink(nodeA, nodeB)
  }

  /**
   * The shortest supersedes cycle a new decision `id` would close, as ids from `id` back to `id`, or null. Edges into
   * it can only be references waiting for it: decisions read before it that name it.
   */
  private supersedesCycle (id: string, supersedes: readonly string[]): string[] | null {
    const into = new Set((this.waiting.get(id) ?? []).filter(e => e.kind === 'supersedes').map(e => e.from))
    if (into.size === 0) return null
    const parent = new Map<string, string>()
    const queue = unique(supersedes).sort(compareStrings)
    for (const target of queue) parent.set(target, id)
    for (let i = 0; i < queue.length; i++) {
      const at = queue[i]!
      if (into.has(at)) {
        const path: string[] = []
        for (let step = at; step !== id; step = parent.get(step)!) path.push(step)
        return [id, ...path.reverse(), id]
      }
      for (const next of [...this.supersedesKept.get(at) ?? []].sort(compareStrings)) {
        if (!parent.has(next) && next !== id) {
          parent.set(next, at)
          queue.push(next)
        }
      }
    }
    return null
  }
}
