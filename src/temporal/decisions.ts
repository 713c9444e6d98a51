/**
 * The decision graph of one peer's store: fed every decision entry and context version the view applies, and asked
 * questions on behalf of a role, which sees only the decisions its clearance covers (the others are a count).
 */
import { randomBytes } from 'node:crypto'
import { ACCESS_LEVELS, covers, isAccessLevel, type AccessLevel } from '../crypto/levels.js'
import { badInput } from '../errors.js'
import type { ContextStore } from '../storage/context-store.js'
import type { DecisionEntry } from '../storage/log-entry.js'
import { originOf } from '../storage/view.js'
import type { QueueEvent, VersionLine } from '../storage/view-items.js'
import { addressProblem } from '../ucxl/address.js'
import { characterCount, hasControlCharacter, hasLayoutCharacter, printable } from '../text.js'
import { DecisionGraph, type Decision, type InfluenceOrder, type InfluenceRow, type NodeRef } from './graph.js'
import { DECISION_ID, MAX_DECISION_LINKS } from '../storage/vocabulary.js'

export const DEFAULT_DECISION_LEVEL: AccessLevel = 'internal'
export const DEFAULT_HOPS = 2
export const MAX_TITLE_CHARS = 200
export const MAX_RATIONALE_CHARS = 20_000

export interface DecideInput {
  /**
   * The decision's id, chosen by the requester so that a request resent to the next leader writes the same
   * decision (or finds it written), never a second one; a new random id when absent.
   */
  id?: string
  affects: readonly string[]
  title: string
  rationale: string
  influencedBy?: readonly string[]
  supersedes?: readonly string[]
  level?: string
}

export interface DecisionView {
  id: string
  title: string
  rationale?: string
  affects: string[]
  influencedBy: string[]
  supersedes: string[]
  author: string
  level: string
  term: number
  /** When it was written (ISO 8601), as every time in the JSON outputs. */
  at: string
}

export interface HopsHit {
  id?: string
  address?: string
  title?: string
  hops: number
  /** From the start to this hit, each a decision id or an address. */
  path: string[]
}

export interface HopsReport {
  start: string
  role: string
  max: number
  hits: HopsHit[]
  /** Decisions within reach this role may not read: counted, never shown. */
  hidden: number
}

export interface HistoryReport {
  address: string
  role: string
  /** `removed`: this version is a removal (the address's file or folder was gone when a generate ran). */
  /** Oldest first; `current` is per origin: an address has a current hand-written version and a current generated one. */
  versions: Array<{ version: string, term: number, at: string, writer: string, requester: string | null, requesterRole: string | null, origin: 'generated' | 'hand-written', decision: string | null, decisionTitle: string | null, current: boolean, conflict: boolean, removed?: true }>
  decisions: DecisionView[]
  hidden: number
}

function refText (ref: NodeRef): string {
  return ref.kind === 'decision' ? ref.id : ref.address
}

export function newDecisionId (): string {
  return `d-${randomBytes(9).toString('base64url')}`
}

/** A decision as the commands show it, without its rationale (sealed apart). */
function headerView (decision: Decision): DecisionView {
  return {
    id: decision.id, title: decision.title, affects: decision.affects, influencedBy: decision.influencedBy,
    supersedes: decision.supersedes, author: decision.author, level: decision.level, term: decision.term, at: new Date(decision.at).toISOString()
  }
}

export class DecisionIndex {
  readonly graph = new DecisionGraph()
  /** Where each decision's sealed rationale is. */
  private readonly events = new Map<string, QueueEvent>()
  private readonly unsubscribe: () => void

  constructor (private readonly store: ContextStore) {
    for (const event of store.queueEvents()) this.feed(event)
    for (const line of store.versions()) this.feed(line)
    this.unsubscribe = store.subscribe(event => { this.feed(event) })
  }

  close (): void {
    this.unsubscribe()
  }

  private feed (event: QueueEvent | VersionLine): void {
    if (Array.isArray(event)) {
      const [address, key, term, at, writer, decision, generated, requester, requesterRole] = event
      this.graph.addVersion({
        address, key, term, at, writer, current: false, conflict: false, ...(decision !== null ? { decision } : {}), ...(generated ? { generated } : {}),
        ...(requester !== null ? { requester } : {}), ...(requesterRole !== null ? { requesterRole } : {})
      })
      return
    }
    const entry = event.entry
    if (entry.type !== 'decision') return
    if (this.graph.add(decisionOf(entry))) this.events.set(entry.id, event)
  }

  /** A new decision, checked against the graph; the caller appends it. */
  prepare (input: DecideInput, author: string, term: number, nowMs: number): { decision: Decision, rationale: string } {
    const affects = [...new Set(input.affects)]
    if (affects.length === 0) throw badInput('a decision affects at least one address: name it')
    if (affects.length > MAX_DECISION_LINKS) throw badInput(`a decision affects at most ${MAX_DECISION_LINKS} addresses (${affects.length} given): affect their directory instead`)
    for (const address of affects) {
      const problem = addressProblem(address)
      if (problem !== null) throw badInput(`not a UCXL address: ${printable(address)} (${problem})`)
    }
    const title = input.title.trim()
    const titleLength = characterCount(title)
    if (titleLength === 0 || titleLength > MAX_TITLE_CHARS) throw badInput(`--title must be 1 to ${MAX_TITLE_CHARS} characters (${titleLength} given)`)
    if (hasControlCharacter(title) || hasLayoutCharacter(title)) throw badInput('--title must be one line, without control, line-separator or text-direction characters')
    if (input.rationale.trim() === '' || characterCount(input.rationale) > MAX_RATIONALE_CHARS) throw badInput(`--rationale must be 1 to ${MAX_RATIONALE_CHARS} characters`)
    const level = input.level ?? DEFAULT_DECISION_LEVEL
    if (!isAccessLevel(level)) throw badInput(`unknown level "${level}": use one of ${ACCESS_LEVELS.join(', ')}`)
    for (const [flag, ids] of [['--influenced-by', input.influencedBy ?? []], ['--supersedes', input.supersedes ?? []]] as const) {
      if (new Set(ids).size > MAX_DECISION_LINKS) throw badInput(`${flag} names at most ${MAX_DECISION_LINKS} decisions`)
      for (const id of ids) {
        if (!DECISION_ID.test(id)) throw badInput(`${flag}: "${printable(id)}" is not a decision id (decision ids look like d-XXXXXXXX)`)
        if (!this.graph.has(id)) throw badInput(`${flag}: no decision ${id} is known on this peer (see bzzz-ctx hops, or sync first)`)
      }
    }
    if (input.id !== undefined && !DECISION_ID.test(input.id)) throw badInput(`"${printable(input.id)}" is not a decision id`)
    const decision: Decision = {
      id: input.id ?? newDecisionId(), title, affects, influencedBy: [...new Set(input.influencedBy ?? [])],
      supersedes: [...new Set(input.supersedes ?? [])], author, term, at: nowMs, level
    }
    this.graph.check(decision)
    return { decision, rationale: input.rationale }
  }

  /** The predicate for what `role` (of clearance `clearance`) may see. */
  static visibleTo (clearance: AccessLevel): (d: Decision) => boolean {
    return d => isAccessLevel(d.level) && covers(clearance, d.level)
  }

  /**
   * A request to write decision `input.id` again (a retry, resent to the next leader during a failover) when the
   * graph holds that id already: the stored decision's structure, with the rationale the requester sent (its own
   * words), never the stored one (a requester may not be cleared for it). Throws BAD_INPUT when the id belongs to a
   * decision of another author, title, level, addresses or links: an id is not a way to read someone's decision.
   * Undefined when the graph has no decision with that id.
   */
  retryOf (input: DecideInput, author: string): DecisionView | undefined {
    if (input.id === undefined) return undefined
    const decision = this.graph.get(input.id)
    if (decision === undefined) return undefined
    const same = (a: readonly string[], b: readonly string[] | undefined): boolean => {
      const unique = [...new Set(b ?? [])]
      return a.length === unique.length && a.every((item, index) => item === unique[index])
    }
    const matches = decision.author === author && decision.title === input.title.trim() &&
      decision.level === (input.level ?? DEFAULT_DECISION_LEVEL) && same(decision.affects, input.affects) &&
      same(decision.influencedBy, input.influencedBy) && same(decision.supersedes, input.supersedes)
    if (!matches) throw badInput(`decision id ${input.id} is taken by another decision: leave the id out, and a new one is chosen`)
    return { ...headerView(decision), rationale: input.rationale }
  }

  async view (decision: Decision, role: string): Promise<DecisionView> {
    const view = headerView(decision)
    const event = this.events.get(decision.id)
    if (event !== undefined && isAccessLevel(decision.level)) {
      try {
        view.rationale = (JSON.parse((await this.store.sealedPayload(event, role, decision.level)).toString('utf8')) as { rationale: string }).rationale
      } catch {
        // Not opened (this peer lacks the block or the role's key for it): the rationale is left out.
      }
    }
    return view
  }

  hops (target: string, max: number, role: string, clearance: AccessLevel): HopsReport {
    const start: NodeRef = DECISION_ID.test(target) ? { kind: 'decision', id: target } : { kind: 'address', address: target }
    if (start.kind === 'address') {
      const problem = addressProblem(target)
      if (problem !== null) throw badInput(`neither a decision id nor a UCXL address: ${printable(target)} (${problem})`)
    }
    const result = this.graph.hops(start, max, DecisionIndex.visibleTo(clearance))
    return {
      start: target, role, max, hidden: result.hidden,
      hits: result.hits.map(hit => ({
        ...(hit.ref.kind === 'decision' ? { id: hit.ref.id, title: this.graph.get(hit.ref.id)?.title ?? '' } : { address: hit.ref.address }),
        hops: hit.hops,
        path: hit.path.map(refText)
      }))
    }
  }

  async history (address: string, role: string, clearance: AccessLevel): Promise<HistoryReport> {
    const problem = addressProblem(address)
    if (problem !== null) throw badInput(`not a UCXL address: ${printable(address)} (${problem})`)
    const canSee = DecisionIndex.visibleTo(clearance)
    const history = this.graph.history(address, canSee)
    const slots = this.store.slotsOf(address)
    return {
      address, role, hidden: history.hidden,
      versions: history.versions.map(v => {
        const origin = originOf(v)
        const slot = slots.find(s => s.origin === origin)
        return {
          version: v.key, term: v.term, at: new Date(v.at).toISOString(), writer: v.writer, requester: v.requester ?? null, requesterRole: v.requesterRole ?? null, origin,
          decision: v.decision ?? null, decisionTitle: v.decisionTitle ?? null, current: slot?.current === v.key, conflict: slot?.conflicts.includes(v.key) ?? false,
          ...(slot?.current === v.key && slot.removed ? { removed: true as const } : {})
        }
      }),
      decisions: await Promise.all(history.decisions.map(async d => {
        // A linked decision the role may not read is not named either (as in hops: counted, never shown).
        const view = await this.view(d, role)
        const visible = (id: string): boolean => { const linked = this.graph.get(id); return linked !== undefined && canSee(linked) }
        return { ...view, influencedBy: view.influencedBy.filter(visible), supersedes: view.supersedes.filter(visible) }
      }))
    }
  }

  influence (max: number, limit: number, clearance: AccessLevel, order?: InfluenceOrder): InfluenceRow[] {
    return this.graph.influence(max, limit, DecisionIndex.visibleTo(clearance), order)
  }
}

export function decisionOf (entry: Omit<DecisionEntry, 'envelope'>): Decision {
  return {
    id: entry.id, title: entry.title, affects: entry.affects, influencedBy: entry.influencedBy, supersedes: entry.supersedes,
    author: entry.author, term: entry.version.term, at: entry.at, level: entry.level
  }
}
