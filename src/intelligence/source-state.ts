/**
 * What records are generated from, and whether a working tree still matches: the git commit checked out (read from
 * `.git` without running git) and a content hash per record (a file's bytes; a folder's files and their hashes).
 */
import { createHash } from 'node:crypto'
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import { contentHash } from './cache.js'
import { BINARY_SNIFF_BYTES, DEFAULT_MAX_FILE_BYTES, looksBinary, walkTree } from './walk.js'

const COMMIT_PATTERN = /^[0-9a-f]{40}([0-9a-f]{24})?$/
/** How many `ref:` links HEAD may go through (a symbolic ref to a symbolic ref) before it is taken as unknown. */
const REF_HOPS_MAX = 8

function readText (path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}

/** The git directory of a work tree: `.git` itself, or where a `.git` file (a linked work tree, a submodule) points. */
function gitDirectory (root: string): string | null {
  const dotGit = join(root, '.git')
  const stat = statSync(dotGit, { throwIfNoEntry: false })
  if (stat === undefined) return null
  if (stat.isDirectory()) return dotGit
  const pointer = /^gitdir: (.+)$/m.exec(readText(dotGit) ?? '')?.[1]?.trim()
  if (pointer === undefined) return null
  return isAbsolute(pointer) ? pointer : join(root, pointer)
}

/** A ref's commit: its loose file, else its line in packed-refs (both in the common directory for linked work trees). */
function refCommit (gitDir: string, commonDir: string, ref: string): string | null {
  for (const dir of [gitDir, commonDir]) {
    const loose = readText(join(dir, ref))?.trim()
    if (loose !== undefined) return loose
  }
  for (const line of (readText(join(commonDir, 'packed-refs')) ?? '').split('\n')) {
    const [commit, name] = line.trim().split(' ')
    if (name === ref && commit !== undefined) return commit
  }
  return null
}

/** The commit checked out in the git work tree at `root`, or null (no repository, an unborn branch, unreadable). */
export function readGitCommit (root: string): string | null {
  const gitDir = gitDirectory(root)
  if (gitDir === null) return null
  const common = readText(join(gitDir, 'commondir'))?.trim()
  const commonDir = common === undefined ? gitDir : isAbsolute(common) ? common : join(gitDir, common)
  let head = readText(join(gitDir, 'HEAD'))?.trim() ?? ''
  for (let hop = 0; hop < REF_HOPS_MAX && head.startsWith('ref: '); hop++) {
    head = refCommit(gitDir, commonDir, head.slice(5).trim()) ?? ''
  }
  return COMMIT_PATTERN.test(head) ? head : null
}

/** The hash of a folder: of its files' paths and content hashes, so a file changed, added or removed below changes it. */
function folderHash (entries: ReadonlyArray<[string, string]>): string {
  const hash = createHash('sha256')
  for (const [path, content] of entries) hash.update(`${path}\u0000${content}\n`)
  return hash.digest('hex')
}

/**
 * The entries of `sorted` (by path) whose path starts with `prefix`: one run of the sorted list, found by a binary search
 * for its start. (A filter over every file for every folder made this quadratic: 69 of the 129 s of a 16,000-file
 * generate.)
 */
function under (sorted: ReadonlyArray<[string, string]>, prefix: string): ReadonlyArray<[string, string]> {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (sorted[mid]![0] < prefix) low = mid + 1
    else high = mid
  }
  let end = low
  while (end < sorted.length && sorted[end]![0].startsWith(prefix)) end++
  return sorted.slice(low, end)
}

/**
 * The content hash of each record of a run, by address: a file's is its bytes' sha256, a folder's (and the project's)
 * covers the files of the run below it. `files` maps analysed paths to content hashes.
 */
export function recordHashes (project: string, files: ReadonlyMap<string, string>, addresses: Iterable<string>): Map<string, string> {
  const sorted = [...files].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  const prefix = `ucxl://${project}/`
  const hashes = new Map<string, string>()
  for (const address of addresses) {
    const path = address.slice(prefix.length)
    const own = files.get(path)
    if (own !== undefined) { hashes.set(address, own); continue }
    hashes.set(address, folderHash(path === '' ? sorted : under(sorted, path + '/')))
  }
  return hashes
}

/** Whether a generate would analyse the file: text, and not over the size it skips (a picture is never "new"). */
function analysable (path: string, size: number): boolean {
  if (size > DEFAULT_MAX_FILE_BYTES) return false
  let fd: number | null = null
  try {
    fd = openSync(path, 'r')
    const head = Buffer.alloc(Math.min(size, BINARY_SNIFF_BYTES))
    readSync(fd, head, 0, head.length, 0)
    return !looksBinary(head)
  } catch {
    return false
  } finally {
    if (fd !== null) closeSync(fd)
  }
}

/** A generated record as the freshness check reads it. */
export interface GeneratedSource {
  address: string
  kind: 'file' | 'directory' | 'project'
  /** The content hash it was generated from (absent on records written before sources were kept). */
  hash?: string
}

export type StaleReason = 'changed' | 'removed' | 'new' | 'unknown'

export interface Staleness {
  /** Addresses whose record no longer matches the tree (most are files; a folder with a new file is `new`). */
  stale: Array<{ address: string, reason: StaleReason }>
  /** Records compared. */
  checked: number
}

/**
 * Compares generated records with the working tree at `root`: a file record whose file changed or is gone, a folder
 * whose walk finds a file that has no record (a file added since), and records that say nothing of their source.
 */
export async function staleAgainst (root: string, project: string, records: readonly GeneratedSource[]): Promise<Staleness> {
  const prefix = `ucxl://${project}/`
  const stale: Staleness['stale'] = []
  const files = new Set<string>()
  const folders = new Set<string>()
  for (const record of records) {
    const path = record.address.slice(prefix.length)
    if (record.kind !== 'file') { folders.add(path); continue }
    files.add(path)
    if (record.hash === undefined) { stale.push({ address: record.address, reason: 'unknown' }); continue }
    let bytes: Buffer
    try {
      bytes = readFileSync(join(root, path))
    } catch {
      stale.push({ address: record.address, reason: 'removed' })
      continue
    }
    if (contentHash(bytes) !== record.hash) stale.push({ address: record.address, reason: 'changed' })
  }
  // The project record covers the root's files only when the root itself was generated (it then has files of its own).
  if (![...files].some(path => !path.includes('/'))) folders.delete('')
  // A new file shows only in a walk: the nearest folder with a record is what no longer covers its tree.
  const walk = await walkTree({ root, target: root })
  const newIn = new Set<string>()
  for (const file of walk.files) {
    if (files.has(file.path) || !analysable(file.absolutePath, file.size)) continue
    const parts = file.path.split('/')
    for (let depth = parts.length - 1; depth >= 0; depth--) {
      const folder = parts.slice(0, depth).join('/')
      if (folders.has(folder)) { newIn.add(folder); break }
    }
  }
  for (const folder of [...newIn].sort()) stale.push({ address: prefix + folder, reason: 'new' })
  return { stale, checked: records.length }
}
