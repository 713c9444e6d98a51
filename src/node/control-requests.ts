/**
 * The schema of the control socket's requests: one validator per op, which reads each argument it knows, checks its
 * type and range, and refuses what is missing, mistyped or unknown with one BAD_INPUT line that names the field. The
 * daemon only ever sees requests that passed, typed (a request of `null`, or `generate {}`, reached the node and
 * killed the daemon or answered with a Node internal message).
 */
import { isAbsolute } from 'node:path'
import { badInput } from '../errors.js'
import { MAX_RESOLVE_DEPTH } from '../context/resolve.js'
import { INFLUENCE_ORDERS, MAX_HOPS, type InfluenceOrder } from '../temporal/graph.js'
import { PRIORITIES, isPriority, type Priority } from '../storage/vocabulary.js'
import type { DecideInput } from '../temporal/decisions.js'
import type { KeysBundle } from './keys-bundle.js'
import type { AdminAuditEvent } from '../audit/audit-event.js'

/** The bounds the CLI's own options have (`sync --timeout`, `hops --rank --limit`): the socket takes no more. */
export const SYNC_TIMEOUT_MAX_SECONDS = 3600
export const INFLUENCE_LIMIT_MAX = 1000
/** A request's id: a number the client counts up, or a short string. Anything else is answered with id null. */
export const MAX_REQUEST_ID_CHARS = 128

export type RequestId = number | string | null

/** The arguments of one request, read field by field; `finish` refuses the fields no validator asked for. */
class Args {
  private readonly read = new Set<string>()
  constructor (private readonly op: string, private readonly values: Record<string, unknown>) {}

  private problem (name: string, what: string): Error {
    return badInput(`the control request "${this.op}": ${name} ${what}`)
  }

  private take (name: string): unknown {
    this.read.add(name)
    return Object.hasOwn(this.values, name) ? this.values[name] : undefined
  }

  optionalString (name: string): string | undefined {
    const value = this.take(name)
    if (value === undefined) return undefined
    if (typeof value !== 'string') throw this.problem(name, `must be a string, not ${kindOf(value)}`)
    return value
  }

  string (name: string): string {
    const value = this.optionalString(name)
    if (value === undefined) throw this.problem(name, 'is missing')
    return value
  }

  /** A path the daemon opens: absolute, since the daemon's working directory is not the client's. */
  optionalAbsolutePath (name: string): string | undefined {
    const value = this.optionalString(name)
    if (value !== undefined && (value === '' || !isAbsolute(value) || value.includes('\0'))) throw this.problem(name, 'must be an absolute path')
    return value
  }

  absolutePath (name: string): string {
    const value = this.optionalAbsolutePath(name)
    if (value === undefined) throw this.problem(name, 'is missing')
    return value
  }

  optionalStrings (name: string): string[] | undefined {
    const value = this.take(name)
    if (value === undefined) return undefined
    if (!Array.isArray(value) || !value.every(item => typeof item === 'string')) throw this.problem(name, 'must be a list of strings')
    return value as string[]
  }

  strings (name: string): string[] {
    const value = this.optionalStrings(name)
    if (value === undefined) throw this.problem(name, 'is missing')
    return value
  }

  optionalInteger (name: string, min: number, max: number): number | undefined {
    const value = this.take(name)
    if (value === undefined) return undefined
    if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) throw this.problem(name, `must be a whole number from ${min} to ${max}`)
    return value as number
  }

  optionalBoolean (name: string): boolean | undefined {
    const value = this.take(name)
    if (value === undefined) return undefined
    if (typeof value !== 'boolean') throw this.problem(name, `must be true or false, not ${kindOf(value)}`)
    return value
  }

  optionalOrder (name: string): InfluenceOrder | undefined {
    const value = this.take(name)
    if (value === undefined) return undefined
    if (!INFLUENCE_ORDERS.includes(value as InfluenceOrder)) throw this.problem(name, `must be one of ${INFLUENCE_ORDERS.join(', ')}`)
    return value as InfluenceOrder
  }

  optionalPriority (name: string): Priority | undefined {
    const value = this.take(name)
    if (value === undefined) return undefined
    if (!isPriority(value)) throw this.problem(name, `must be one of ${PRIORITIES.join(', ')}`)
    return value
  }

  /** Any JSON value, which the node validates itself (a context record). */
  present (name: string): unknown {
    const value = this.take(name)
    if (value === undefined) throw this.problem(name, 'is missing')
    return value
  }

  object (name: string): Args {
    const value = this.take(name)
    if (value === undefined) throw this.problem(name, 'is missing')
    if (!isPlainObject(value)) throw this.problem(name, `must be an object, not ${kindOf(value)}`)
    return new Args(`${this.op}.${name}`, value)
  }

  finish (): void {
    const unknown = Object.keys(this.values).find(name => !this.read.has(name))
    if (unknown !== undefined) throw this.problem(JSON.stringify(unknown).slice(0, 80), 'is not a field of this request')
  }
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function kindOf (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

function none (_args: Args): Record<string, never> { return {} }

function withoutUndefined<T extends Record<string, unknown>> (value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key]
  return value
}

function decideInput (args: Args): DecideInput {
  return withoutUndefined({
    id: args.optionalString('id'), affects: args.strings('affects'), title: args.string('title'), rationale: args.string('rationale'),
    influencedBy: args.optionalStrings('influencedBy'), supersedes: args.optionalStrings('supersedes'), level: args.optionalString('level')
  }) as DecideInput
}

/** An admin's audit event (`audit-admin`), field by field for its kind. */
function adminAuditEvent (args: Args): AdminAuditEvent {
  const kind = args.string('kind')
  const node = args.string('node')
  const version = (name: string): number => {
    const value = args.optionalInteger(name, 0, Number.MAX_SAFE_INTEGER)
    if (value === undefined) throw badInput(`the control request "audit-admin": ${name} is missing`)
    return value
  }
  switch (kind) {
    case 'invite': return { kind, id: args.string('id'), node, role: args.string('role'), expiresAt: version('expiresAt'), rosterVersion: version('rosterVersion') }
    case 'invite-cancelled': return { kind, id: args.string('id'), node, role: args.string('role'), rosterVersion: version('rosterVersion') }
    case 'revoke': return { kind, node, role: args.optionalString('role') ?? null, rosterVersion: version('rosterVersion'), rolesVersion: version('rolesVersion'), roles: args.strings('roles') }
    default: throw badInput(`the control request "audit-admin": kind must be invite, invite-cancelled or revoke, not ${JSON.stringify(kind).slice(0, 40)}`)
  }
}

function finished<T> (args: Args, value: T): T {
  args.finish()
  return value
}

/** One validator per op: the op's arguments, typed, or BAD_INPUT. */
const VALIDATORS = {
  ping: none,
  status: none,
  peers: none,
  stop: none,
  'elect-status': none,
  'elect-campaign': none,
  'elect-resign': none,
  'queue-status': none,
  'queue-ls': none,
  watch: none,
  sync: (a: Args) => ({ timeout: a.optionalInteger('timeout', 1, SYNC_TIMEOUT_MAX_SECONDS) }),
  addresses: (a: Args) => withoutUndefined({ under: a.optionalString('under') }),
  freshness: (a: Args) => withoutUndefined({ root: a.absolutePath('root'), project: a.optionalString('project') }),
  retrieve: (a: Args) => ({ address: a.string('address'), role: a.string('role'), depth: a.optionalInteger('depth', 0, MAX_RESOLVE_DEPTH) }),
  generate: (a: Args) => withoutUndefined({
    path: a.absolutePath('path'), root: a.optionalAbsolutePath('root'), project: a.optionalString('project'), roles: a.optionalStrings('roles'),
    priority: a.optionalPriority('priority'), prune: a.optionalBoolean('prune'), noWait: a.optionalBoolean('noWait')
  }),
  distribute: (a: Args) => ({ record: a.present('record'), roles: a.optionalStrings('roles'), source: a.string('source'), decision: a.optionalString('decision') }),
  decide: (a: Args) => {
    const input = a.object('input')
    return { input: finished(input, decideInput(input)) }
  },
  keys: (a: Args) => ({ bundle: a.present('bundle') as KeysBundle }),
  policy: (a: Args) => ({ policy: a.present('policy') }),
  reseal: (a: Args) => ({ roles: a.strings('roles') }),
  'audit-admin': (a: Args) => {
    const event = a.object('event')
    return { event: finished(event, adminAuditEvent(event)) }
  },
  history: (a: Args) => ({ address: a.string('address'), role: a.string('role') }),
  hops: (a: Args) => ({ target: a.string('target'), role: a.string('role'), max: a.optionalInteger('max', 1, MAX_HOPS) }),
  influence: (a: Args) => ({
    role: a.string('role'), max: a.optionalInteger('max', 1, MAX_HOPS), limit: a.optionalInteger('limit', 1, INFLUENCE_LIMIT_MAX), order: a.optionalOrder('order')
  })
} as const

export type ControlOp = keyof typeof VALIDATORS

/** A request that passed its op's validator: `op` narrows `args` to that op's fields. */
export type ControlRequest = { [Op in ControlOp]: { op: Op, args: ReturnType<typeof VALIDATORS[Op]> } }[ControlOp]

/** The request's id if it has a usable one, so even a refused request is answered under its id when it can be. */
export function requestIdOf (value: unknown): RequestId {
  if (!isPlainObject(value)) return null
  const id = value.id
  if (Number.isSafeInteger(id)) return id as number
  if (typeof id === 'string' && id.length <= MAX_REQUEST_ID_CHARS) return id
  return null
}

/** Checks one parsed line: `{ id, op, args }` with a known op and the arguments that op takes. */
export function parseControlRequest (value: unknown): ControlRequest {
  if (!isPlainObject(value)) throw badInput(`a control request must be a JSON object { "id", "op", "args" }, not ${kindOf(value)}`)
  const op = value.op
  if (op === undefined) throw badInput('a control request needs an op (a string)')
  if (typeof op !== 'string') throw badInput(`a control request's op must be a string, not ${kindOf(op)}`)
  if (!Object.hasOwn(VALIDATORS, op)) throw badInput(`unknown control request "${op.slice(0, 64)}"`)
  const rawArgs = value.args ?? {}
  if (!isPlainObject(rawArgs)) throw badInput(`the control request "${op}": args must be an object, not ${kindOf(rawArgs)}`)
  const unknownKey = Object.keys(value).find(key => key !== 'id' && key !== 'op' && key !== 'args')
  if (unknownKey !== undefined) throw badInput(`a control request has only id, op and args, not ${JSON.stringify(unknownKey).slice(0, 80)}`)
  if (value.id !== undefined && requestIdOf(value) === null) throw badInput(`a control request's id must be a whole number or a string of at most ${MAX_REQUEST_ID_CHARS} characters`)
  const args = new Args(op, rawArgs)
  const validated = VALIDATORS[op as ControlOp](args)
  args.finish()
  return { op, args: validated } as ControlRequest
}
