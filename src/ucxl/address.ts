/** UCXL addresses: `ucxl://<project>/<path>`, parsed, validated, formatted, and walked up to the project root. */
import { badInput } from '../errors.js'

export const SCHEME = 'ucxl://'
export const MAX_ADDRESS_LENGTH = 1024
const PROJECT_PATTERN = /^[a-z0-9._-]+$/
import { hasControlCharacter, printable } from '../text.js'

export { hasControlCharacter }

export interface Address {
  project: string
  /** Path segments below the project root; empty for the root. */
  segments: readonly string[]
}

/** Why a string is not a valid address, or null when it is. */
export function addressProblem (text: string): string | null {
  if (typeof text !== 'string') return 'an address must be a string'
  if (text.length > MAX_ADDRESS_LENGTH) return `it is ${text.length} characters long; the limit is ${MAX_ADDRESS_LENGTH}`
  if (!text.startsWith(SCHEME)) return `it must start with ${SCHEME}`
  if (hasControlCharacter(text)) return 'it contains a control character'
  const rest = text.slice(SCHEME.length)
  const slash = rest.indexOf('/')
  const project = slash === -1 ? rest : rest.slice(0, slash)
  if (project === '') return 'the project name is empty'
  if (project !== project.toLowerCase()) return `the project name "${project}" must be lower-case`
  if (!PROJECT_PATTERN.test(project)) return `the project name "${project}" may hold only a-z, 0-9, ".", "_" and "-"`
  if (project === '.' || project === '..') return `the project name "${project}" is not allowed`
  if (slash === -1) return `the project root is written with a trailing slash: ${SCHEME}${project}/`
  const path = rest.slice(slash + 1)
  if (path === '') return null
  if (path.startsWith('/')) return 'the path must be relative (it starts with "/")'
  const segments = path.split('/')
  for (const [i, segment] of segments.entries()) {
    if (segment === '') return i === segments.length - 1 ? 'the path ends with "/" (only the project root does)' : 'the path has an empty segment ("//")'
    if (segment === '.' || segment === '..') return `the path has a "${segment}" segment`
    if (segment.includes('\\')) return 'the path has a backslash; use "/"'
  }
  return null
}

export function isAddress (text: string): boolean {
  return addressProblem(text) === null
}

export function parseAddress (text: string): Address {
  const problem = addressProblem(text)
  if (problem !== null) throw badInput(`bad address "${printable(text)}": ${problem}`)
  const rest = text.slice(SCHEME.length)
  const slash = rest.indexOf('/')
  const project = rest.slice(0, slash)
  const path = rest.slice(slash + 1)
  return { project, segments: path === '' ? [] : path.split('/') }
}

export function formatAddress (address: Address): string {
  return SCHEME + address.project + '/' + address.segments.join('/')
}

export function rootAddress (project: string): string {
  return formatAddress({ project, segments: [] })
}

export function isRoot (address: Address): boolean {
  return address.segments.length === 0
}

/** The parent address, or null for the project root. */
export function parentOf (text: string): string | null {
  const address = parseAddress(text)
  if (isRoot(address)) return null
  return formatAddress({ project: address.project, segments: address.segments.slice(0, -1) })
}

/** The address followed by its ancestors, most specific first, ending at the project root. */
export function parentChain (text: string): string[] {
  const address = parseAddress(text)
  const chain: string[] = []
  for (let n = address.segments.length; n >= 0; n--) {
    chain.push(formatAddress({ project: address.project, segments: address.segments.slice(0, n) }))
  }
  return chain
}

/** The address of a path relative to a project root (`src/a.go`, or `` / `.` for the root). */
export function addressFor (project: string, relativePosixPath: string): string {
  const trimmed = relativePosixPath === '.' ? '' : relativePosixPath.replace(/^\.\//, '')
  const text = SCHEME + project + '/' + trimmed
  parseAddress(text)
  return text
}

/** True when `ancestor` is `address` or one of its ancestors. */
export function isWithin (address: string, ancestor: string): boolean {
  if (address === ancestor) return true
  const prefix = ancestor.endsWith('/') ? ancestor : ancestor + '/'
  return address.startsWith(prefix)
}

export function projectOf (text: string): string {
  return parseAddress(text).project
}

/** Turns a directory name into a valid project name (`My App` -> `my-app`). */
export function projectNameFrom (name: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '')
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'project' : cleaned.slice(0, 64)
}


/**
 * An address as commands and agents give it: a whole UCXL address, or a bare path read in the configured project
 * (`src/auth.py` is `ucxl://shop/src/auth.py`; `src/server/`, as a shell completes a folder, is `ucxl://shop/src/server`).
 * Anything with another scheme, or a bad address, is refused (BAD_INPUT).
 */
export function addressOrPath (given: string, project: string | undefined): string {
  return !given.startsWith(SCHEME) && project !== undefined && !/^[a-z][a-z0-9+.-]*:\/\//i.test(given)
    ? addressFor(project, given.replace(/(?<=[^/])\/+$/, ''))
    : formatAddress(parseAddress(given))
}
