/** Validation of hand-written context records (`distribute --file`): every problem, each with its field path. */
import { ACCESS_LEVELS, isAccessLevel } from '../crypto/levels.js'
import { badInput } from '../errors.js'
import { addressProblem } from '../ucxl/address.js'
import { SECTION_FIELDS, type ContextRecord } from './record.js'

const SYMBOL_KINDS = new Set(['function', 'method', 'class', 'interface', 'type', 'enum', 'struct', 'trait', 'module', 'namespace', 'variable', 'constant', 'export', 'selector', 'section'])
const RECORD_KINDS = ['file', 'directory', 'project']
const KNOWN_FIELDS = new Set(['address', 'kind', 'summary', 'purpose', 'language', 'languages', 'technologies', 'tags', 'symbols', 'imports', 'insights', 'inherits', 'levels'])
const MAX_TEXT = 16_384
const MAX_ITEMS = 10_000

type Problems = string[]

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function text (value: unknown, path: string, problems: Problems, required = false): void {
  if (value === undefined) { if (required) problems.push(`${path} is missing`); return }
  if (typeof value !== 'string') problems.push(`${path} must be a string`)
  else if (required && value.trim() === '') problems.push(`${path} must not be empty`)
  else if (value.length > MAX_TEXT) problems.push(`${path} is longer than ${MAX_TEXT} characters`)
}

function strings (value: unknown, path: string, problems: Problems): void {
  if (value === undefined) return
  if (!Array.isArray(value)) { problems.push(`${path} must be an array of strings`); return }
  if (value.length > MAX_ITEMS) problems.push(`${path} has more than ${MAX_ITEMS} items`)
  value.forEach((item, i) => { text(item, `${path}[${i}]`, problems, true) })
}

function unknownKeys (value: Record<string, unknown>, known: Set<string>, path: string, problems: Problems): void {
  for (const key of Object.keys(value)) if (!known.has(key)) problems.push(`${path}${path === '' ? '' : '.'}${key} is not a known field`)
}

/**
 * The problems of a candidate record, each as `field.path: what is wrong`; empty when it is valid. With `roles` (the cluster's), an insight's
 * role must be one of them: a misspelt role would otherwise fall back to the default level, `internal`, and a
 * security note meant for `security` would be readable by every developer.
 */
export function recordProblems (value: unknown, roles?: readonly string[]): string[] {
  const problems: Problems = []
  if (!isObject(value)) return ['the file must hold one JSON object (a context record)']
  unknownKeys(value, KNOWN_FIELDS, '', problems)
  if (value.address === undefined) problems.push('address is missing')
  else if (typeof value.address !== 'string') problems.push('address must be a string')
  else {
    const problem = addressProblem(value.address)
    if (problem !== null) problems.push(`address: ${problem}`)
  }
  if (value.kind === undefined) problems.push(`kind is missing (one of ${RECORD_KINDS.join(', ')})`)
  else if (typeof value.kind !== 'string' || !RECORD_KINDS.includes(value.kind)) problems.push(`kind must be one of ${RECORD_KINDS.join(', ')}`)
  text(value.summary, 'summary', problems)
  text(value.purpose, 'purpose', problems)
  text(value.language, 'language', problems)
  strings(value.languages, 'languages', problems)
  strings(value.technologies, 'technologies', problems)
  strings(value.tags, 'tags', problems)
  strings(value.imports, 'imports', problems)
  if (value.symbols !== undefined) {
    if (!Array.isArray(value.symbols)) problems.push('symbols must be an array')
    else {
      if (value.symbols.length > MAX_ITEMS) problems.push(`symbols has more than ${MAX_ITEMS} items`)
      value.symbols.forEach((symbol: unknown, i) => {
        const path = `symbols[${i}]`
        if (!isObject(symbol)) { problems.push(`${path} must be an object`); return }
        unknownKeys(symbol, new Set(['name', 'kind', 'line', 'exported', 'parent', 'doc']), path, problems)
        text(symbol.name, `${path}.name`, problems, true)
        if (typeof symbol.kind !== 'string' || !SYMBOL_KINDS.has(symbol.kind)) problems.push(`${path}.kind must be one of ${[...SYMBOL_KINDS].join(', ')}`)
        if (!Number.isInteger(symbol.line) || (symbol.line as number) < 1) problems.push(`${path}.line must be a positive whole number`)
        if (symbol.exported !== undefined && typeof symbol.exported !== 'boolean') problems.push(`${path}.exported must be true or false`)
        text(symbol.parent, `${path}.parent`, problems)
        text(symbol.doc, `${path}.doc`, problems)
      })
    }
  }
  if (value.insights !== undefined) {
    if (!Array.isArray(value.insights)) problems.push('insights must be an array')
    else {
      value.insights.forEach((insight: unknown, i) => {
        const path = `insights[${i}]`
        if (!isObject(insight)) { problems.push(`${path} must be an object`); return }
        unknownKeys(insight, new Set(['role', 'level', 'kind', 'text']), path, problems)
        text(insight.text, `${path}.text`, problems, true)
        text(insight.role, `${path}.role`, problems)
        text(insight.kind, `${path}.kind`, problems)
        if (insight.level !== undefined && !isAccessLevel(insight.level)) problems.push(`${path}.level must be one of ${ACCESS_LEVELS.join(', ')}`)
        if (insight.role === undefined && insight.level === undefined) problems.push(`${path} needs a role or a level (who may read it)`)
        if (typeof insight.role === 'string' && roles !== undefined && !roles.includes(insight.role)) problems.push(`${path}.role "${insight.role}" is not a role of this cluster (${roles.join(', ')})`)
      })
    }
  }
  if (value.inherits !== undefined && typeof value.inherits !== 'boolean') problems.push('inherits must be true or false')
  if (value.levels !== undefined) {
    if (!isObject(value.levels)) problems.push('levels must be an object of field: level')
    else {
      for (const [field, level] of Object.entries(value.levels)) {
        if (!(SECTION_FIELDS as readonly string[]).includes(field)) problems.push(`levels.${field} is not a field with a level (${SECTION_FIELDS.join(', ')})`)
        else if (!isAccessLevel(level)) problems.push(`levels.${field} must be one of ${ACCESS_LEVELS.join(', ')}`)
      }
    }
  }
  if (problems.length === 0 && (value.kind === 'project') !== (typeof value.address === 'string' && value.address.endsWith('/'))) {
    problems.push(value.kind === 'project' ? 'kind: a project record belongs at the project root (ucxl://<project>/)' : 'kind: the project root holds only the project record')
  }
  return problems
}

/** The record, or a BAD_INPUT error listing every problem on one line. */
export function validateRecord (value: unknown, source = 'context record', roles?: readonly string[]): ContextRecord {
  const problems = recordProblems(value, roles)
  if (problems.length > 0) throw badInput(`${source} is not a valid context record: ${problems.join('; ')}`)
  return value as ContextRecord
}
