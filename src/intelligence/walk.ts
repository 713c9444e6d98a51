/** The file walk: every file under a target that git would track, with the files it skips and why. */
import { readFile } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import ignore, { type Ignore } from 'ignore'
import { badInput } from '../errors.js'
import type { SkippedFile, SkipReason } from './types.js'
import { diskFs, type TreeEntry, type TreeFs, type TreeStats } from './tree-fs.js'

/** Directories that hold build output, dependencies or tool state, never source worth describing. */
export const DEFAULT_EXCLUDED_DIRECTORIES: readonly string[] = [
  '.git', 'node_modules', 'dist', 'build', 'out', 'target', '__pycache__', '.venv', 'venv', '.tox',
  '.mypy_cache', 'coverage', '.next', '.hg', '.svn', '.pytest_cache', '.ruff_cache', '.gradle', '.idea'
]

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024
/** How much of a file is looked at for a NUL byte (as git does) to call it binary. */
export const BINARY_SNIFF_BYTES = 8 * 1024

export interface WalkOptions {
  /** The tree's root: addresses and .gitignore rules are relative to it. */
  root: string
  /** A file or directory under root to restrict the walk to (default: root). */
  target?: string
  /** Files larger than this are skipped as `too-large` (default 1 MiB). */
  maxFileBytes?: number
  /** Directory names never entered (default DEFAULT_EXCLUDED_DIRECTORIES). */
  excludedDirectories?: readonly string[]
  /** Where the tree is read from (default the disk; a request's files in memory on the leader). */
  fs?: TreeFs
}

export interface WalkedFile {
  /** Relative to the root, POSIX separators. */
  path: string
  absolutePath: string
  size: number
  mtimeMs: number
  /** With mtime, size and the inode, what tells an unchanged file without reading it (git's index keeps the same). */
  ctimeMs: number
  ino: number
}

export interface WalkResult {
  /** The root and target, resolved to absolute paths. */
  root: string
  target: string
  /** Target relative to root, POSIX ('' for the root itself). */
  targetPath: string
  targetIsDirectory: boolean
  /** Files found, sorted by path. */
  files: WalkedFile[]
  skipped: SkippedFile[]
}

/** The .gitignore rules that apply in one directory: its own and its ancestors' (root first). */
interface IgnoreLevel {
  /** The directory the rules belong to, relative to root, POSIX ('' for the root). */
  base: string
  rules: Ignore
}

function toPosix (path: string): string {
  return sep === '/' ? path : path.split(sep).join('/')
}

function joinPosix (dir: string, name: string): string {
  return dir === '' ? name : dir + '/' + name
}

function isInside (parent: string, child: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep)
}

/** Git semantics: the deepest .gitignore that has an opinion about a path decides. */
function isIgnored (levels: readonly IgnoreLevel[], path: string, isDirectory: boolean): boolean {
  let ignored = false
  for (const level of levels) {
    const local = level.base === '' ? path : path.slice(level.base.length + 1)
    const result = level.rules.test(isDirectory ? local + '/' : local)
    if (result.ignored) ignored = true
    else if (result.unignored) ignored = false
  }
  return ignored
}

function loadIgnoreLevel (fs: TreeFs, absoluteDir: string, base: string): IgnoreLevel | null {
  let text: string
  try {
    text = fs.readFile(join(absoluteDir, '.gitignore')).toString('utf8')
  } catch {
    return null
  }
  return { base, rules: ignore().add(text) }
}

async function mapLimited<T, R> (items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  async function lane (): Promise<void> {
    while (next < items.length) {
      const index = next++
      results[index] = await fn(items[index] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
  return results
}

/**
 * The .gitignore rules from the root down to `targetPath` (relative to the root, POSIX), and the first
 * path on the way (the target or one of its directories) that those rules or the excluded directory
 * names leave out, or null when none does.
 */
function rulesDownTo (fs: TreeFs, root: string, targetPath: string, targetIsDirectory: boolean, excluded: ReadonlySet<string>): { levels: IgnoreLevel[], excludedBy: string | null } {
  let levels: IgnoreLevel[] = []
  const segments = targetPath === '' ? [] : targetPath.split('/')
  let prefix = ''
  for (let i = 0; i < segments.length; i++) {
    const level = loadIgnoreLevel(fs, join(root, prefix), prefix)
    if (level !== null) levels = [...levels, level]
    const segment = segments[i] as string
    prefix = joinPosix(prefix, segment)
    const isDirectory = i < segments.length - 1 || targetIsDirectory
    if ((isDirectory && excluded.has(segment)) || isIgnored(levels, prefix, isDirectory)) return { levels, excludedBy: prefix }
  }
  return { levels, excludedBy: null }
}

/**
 * Whether git would leave `path` out of the work tree at `root`: the path or a directory above it is
 * ignored by a .gitignore on the way, or is one of the excluded directories (`node_modules`, ...).
 */
export function isLeftOutOf (root: string, path: string, excludedDirectories: readonly string[] = DEFAULT_EXCLUDED_DIRECTORIES): boolean {
  const targetPath = toPosix(relative(root, path))
  if (targetPath === '' || targetPath.startsWith('..')) return false
  let isDirectory = false
  try {
    isDirectory = diskFs.stat(path).isDirectory()
  } catch {
    return false
  }
  return rulesDownTo(diskFs, root, targetPath, isDirectory, new Set(excludedDirectories)).excludedBy !== null
}

/** A directory waiting to be read: where it is, what it is called, and the rules that apply in it. */
interface PendingDirectory {
  absolutePath: string
  path: string
  levels: readonly IgnoreLevel[]
  /** Its real path: how a directory reached twice (through symlinks) is recognised. */
  real: string
}

/**
 * Walks the files under `target` (default root), honouring .gitignore files from the root down,
 * the default excluded directories, the size limit and symlinks (never followed out of the root;
 * a symlinked directory inside the root is walked once). Binary detection needs the bytes: see
 * `readTextFile` and `walkTextFiles`.
 */
export async function walkTree (options: WalkOptions): Promise<WalkResult> {
  const root = resolve(options.root)
  const target = resolve(root, options.target ?? root)
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES
  const excluded = new Set(options.excludedDirectories ?? DEFAULT_EXCLUDED_DIRECTORIES)
  const fs = options.fs ?? diskFs

  let rootReal: string
  try {
    rootReal = fs.realpath(root)
    if (!fs.stat(rootReal).isDirectory()) throw badInput(`${root} is not a directory: give the root of a source tree`)
  } catch (err) {
    if ((err as { code?: string }).code === 'BAD_INPUT') throw err
    throw badInput(`cannot read the root ${root}: ${(err as Error).message}`)
  }
  if (!isInside(root, target)) throw badInput(`${target} is not under the root ${root}: give a path inside it`)
  const targetPath = toPosix(relative(root, target))

  const files: WalkedFile[] = []
  const skipped: SkippedFile[] = []
  const walkedRealDirectories = new Set<string>()
  const deferredLinks: PendingDirectory[] = []

  // The rules of every directory from the root down to the target apply inside the target.
  let targetStats: TreeStats
  try {
    targetStats = fs.stat(target)
  } catch (err) {
    throw badInput(`cannot read ${target}: ${(err as Error).message}`)
  }
  // The rules of every directory from the root down to the target apply inside the target,
  // and a target inside an ignored or excluded directory holds nothing to walk: it is reported as skipped.
  const { levels, excludedBy } = rulesDownTo(fs, root, targetPath, targetStats.isDirectory(), excluded)
  if (excludedBy !== null) {
    skipped.push({ path: targetPath, reason: 'ignored' })
    return { root, target, targetPath, targetIsDirectory: targetStats.isDirectory(), files, skipped }
  }
  if (!targetStats.isDirectory()) {
    classifyEntry(null, target, targetPath, levels, false, rootReal)
    return { root, target, targetPath, targetIsDirectory: targetStats.isDirectory(), files, skipped }
  }

  /** Classifies one entry; returns the directory to walk next, if it is one. */
  function classifyEntry (entry: TreeEntry | null, absolutePath: string, path: string, dirLevels: readonly IgnoreLevel[], checkIgnore: boolean, parentReal: string): PendingDirectory | null {
    let isDirectory = entry?.isDirectory() ?? false
    let isFile = entry?.isFile() ?? false
    let real = join(parentReal, path.slice(path.lastIndexOf('/') + 1))
    let info: TreeStats | null = null
    const isLink = entry === null ? fs.lstatIfExists(absolutePath)?.isSymbolicLink() ?? false : entry.isSymbolicLink()
    if (isLink) {
      try {
        real = fs.realpath(absolutePath)
        info = fs.stat(real)
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        skipped.push({ path, reason: code === 'ELOOP' ? 'symlink-loop' : code === 'ENOENT' ? 'broken-symlink' : 'unreadable' })
        return null
      }
      if (!isInside(rootReal, real)) {
        skipped.push({ path, reason: 'symlink-outside-root' })
        return null
      }
      isDirectory = info.isDirectory()
      isFile = info.isFile()
    } else if (entry === null || (!isDirectory && !isFile)) {
      // No type from the directory listing (a bare target, or a file system that does not say): ask.
      try {
        info = fs.stat(absolutePath)
      } catch {
        skipped.push({ path, reason: 'unreadable' })
        return null
      }
      isDirectory = info.isDirectory()
      isFile = info.isFile()
    }
    if (isDirectory) {
      const name = path.slice(path.lastIndexOf('/') + 1)
      if (excluded.has(name)) return null
      if (checkIgnore && isIgnored(dirLevels, path, true)) return null
      const pending = { absolutePath, path, levels: dirLevels, real }
      if (isLink) {
        deferredLinks.push(pending)
        return null
      }
      return pending
    }
    if (checkIgnore && isIgnored(dirLevels, path, false)) return null
    if (!isFile) {
      skipped.push({ path, reason: 'not-a-file' })
      return null
    }
    if (info === null) {
      try {
        info = fs.stat(absolutePath)
      } catch {
        skipped.push({ path, reason: 'unreadable' })
        return null
      }
    }
    if (info.size > maxFileBytes) {
      skipped.push({ path, reason: 'too-large' })
      return null
    }
    files.push({ path, absolutePath, size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino })
    return null
  }

  /** Reads one directory: its files are recorded, its subdirectories returned. */
  function readDirectory (dir: PendingDirectory): PendingDirectory[] {
    // A directory reached twice (through a symlink, or a symlink loop) is walked once.
    if (walkedRealDirectories.has(dir.real)) return []
    walkedRealDirectories.add(dir.real)
    let entries: TreeEntry[]
    try {
      entries = fs.readdir(dir.absolutePath)
    } catch {
      skipped.push({ path: dir.path, reason: 'unreadable' })
      return []
    }
    let dirLevels = dir.levels
    if (entries.some((entry) => entry.name === '.gitignore') && dirLevels.every((level) => level.base !== dir.path)) {
      const level = loadIgnoreLevel(fs, dir.absolutePath, dir.path)
      if (level !== null) dirLevels = [...dirLevels, level]
    }
    const children: PendingDirectory[] = []
    for (const entry of entries) {
      // A name that is not UTF-8 comes back with U+FFFD in it: no address can name it, nor can it be opened by it.
      if (entry.name.includes('\uFFFD')) {
        skipped.push({ path: joinPosix(dir.path, entry.name), reason: 'bad-name' })
        continue
      }
      const child = classifyEntry(entry, join(dir.absolutePath, entry.name), joinPosix(dir.path, entry.name), dirLevels, true, dir.real)
      if (child !== null) children.push(child)
    }
    return children
  }

  /**
   * Breadth first, with synchronous calls: on a local disk with a warm cache a stat costs a few µs
   * synchronously and tens of µs through the thread pool, so the walk is six times faster this way.
   */
  function walkFrom (start: PendingDirectory): void {
    let frontier = [start]
    while (frontier.length > 0) frontier = frontier.flatMap(readDirectory)
  }

  let targetReal: string
  try {
    targetReal = targetPath === '' ? rootReal : fs.realpath(target)
  } catch {
    targetReal = join(rootReal, targetPath)
  }
  walkFrom({ absolutePath: target, path: targetPath, levels, real: targetReal })
  // Symlinked directories last, so a directory reachable both ways is reported under its real path.
  while (deferredLinks.length > 0) {
    const link = deferredLinks.shift() as PendingDirectory
    // A link to the target or one of its ancestors is a loop back into what is being walked.
    if (isInside(link.real, targetReal)) {
      skipped.push({ path: link.path, reason: 'symlink-loop' })
      continue
    }
    walkFrom(link)
  }

  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return { root, target, targetPath, targetIsDirectory: targetStats.isDirectory(), files, skipped }
}

/** True when the first 8 KiB hold a NUL byte: how git tells binary from text. */
export function looksBinary (bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, BINARY_SNIFF_BYTES)
  return bytes.subarray(0, end).includes(0)
}

/** A file's bytes, or why it is skipped (`binary`, `unreadable`). */
export async function readTextFile (absolutePath: string): Promise<Buffer | SkipReason> {
  let bytes: Buffer
  try {
    bytes = await readFile(absolutePath)
  } catch {
    return 'unreadable'
  }
  return looksBinary(bytes) ? 'binary' : bytes
}

/**
 * The same, synchronously: for the analysis run, which reads one file at a time between messages. A
 * synchronous read costs a fifth of the CPU of `fs/promises` (open, stat, read and close each a trip
 * through the thread pool), and on two cores that CPU is taken from the analysis workers.
 */
export function readTextFileSync (absolutePath: string, fs: TreeFs = diskFs): Buffer | SkipReason {
  let bytes: Buffer
  try {
    bytes = fs.readFile(absolutePath)
  } catch {
    return 'unreadable'
  }
  return looksBinary(bytes) ? 'binary' : bytes
}

export interface TextFile extends WalkedFile {
  content: Buffer
}

export interface TextWalkResult extends Omit<WalkResult, 'files'> {
  files: TextFile[]
}

/** The walk with the bytes of every text file; binary and unreadable files are added to `skipped`. */
export async function walkTextFiles (options: WalkOptions): Promise<TextWalkResult> {
  const walk = await walkTree(options)
  const texts: TextFile[] = []
  const skipped = [...walk.skipped]
  const contents = await mapLimited(walk.files, 16, (file) => readTextFile(file.absolutePath))
  walk.files.forEach((file, index) => {
    const content = contents[index] as Buffer | SkipReason
    if (typeof content === 'string') skipped.push({ path: file.path, reason: content })
    else texts.push({ ...file, content })
  })
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return { ...walk, files: texts, skipped }
}
