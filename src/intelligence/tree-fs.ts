/**
 * The file system a tree is read from: the disk, or a request's files held in memory on the leader. The walk, the
 * analysis, the project's context and the generation's target read through it, so the same files give the same records
 * either way. A request's files are never written to the leader's disk: no folder to make, walk and remove for each
 * request (it was a fifth of the leader's work on a small request), and no plaintext source left in its home.
 */
import { lstatSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs'
import { relative, resolve, sep } from 'node:path'

/** What a stat says of a path (the fields of node's Stats the tree reads). */
export interface TreeStats {
  isDirectory: () => boolean
  isFile: () => boolean
  isSymbolicLink: () => boolean
  size: number
  mtimeMs: number
  ctimeMs: number
  ino: number
}

/** One entry of a directory listing (node's Dirent, as the walk reads it). */
export interface TreeEntry {
  name: string
  isDirectory: () => boolean
  isFile: () => boolean
  isSymbolicLink: () => boolean
}

export interface TreeFs {
  /** False for files held in memory: they have no stat data that would tell a later run they are unchanged. */
  readonly onDisk: boolean
  /** Throws (with `code` ENOENT) when nothing is there. */
  stat: (path: string) => TreeStats
  statIfExists: (path: string) => TreeStats | undefined
  lstatIfExists: (path: string) => TreeStats | undefined
  realpath: (path: string) => string
  readdir: (path: string) => TreeEntry[]
  readFile: (path: string) => Buffer
}

export const diskFs: TreeFs = {
  onDisk: true,
  stat: path => statSync(path),
  statIfExists: path => statSync(path, { throwIfNoEntry: false }),
  lstatIfExists: path => lstatSync(path, { throwIfNoEntry: false }),
  realpath: path => realpathSync(path),
  readdir: path => readdirSync(path, { withFileTypes: true }),
  readFile: path => readFileSync(path)
}

function missing (op: string, path: string, code = 'ENOENT'): Error {
  return Object.assign(new Error(`${code}: ${code === 'ENOENT' ? 'no such file or directory' : 'illegal operation on a directory'}, ${op} '${path}'`), { code })
}

const NO = (): boolean => false
const YES = (): boolean => true

function fileStats (size: number): TreeStats {
  return { isDirectory: NO, isFile: YES, isSymbolicLink: NO, size, mtimeMs: 0, ctimeMs: 0, ino: 0 }
}
const DIRECTORY_STATS: TreeStats = { isDirectory: YES, isFile: NO, isSymbolicLink: NO, size: 0, mtimeMs: 0, ctimeMs: 0, ino: 0 }

/**
 * Files in memory under a root that is only a name: `files` by their path relative to it (POSIX, no `.` or `..`
 * segments). Its folders are those the paths imply; it holds no links.
 */
export class MemoryFs implements TreeFs {
  readonly onDisk = false
  readonly root: string
  /** Each folder's entries (relative path, '' for the root), names sorted. */
  private readonly folders = new Map<string, TreeEntry[]>()

  constructor (root: string, private readonly files: ReadonlyMap<string, Buffer>) {
    this.root = resolve(root)
    this.folders.set('', [])
    for (const path of [...files.keys()].sort()) {
      const segments = path.split('/')
      for (let depth = 0; depth < segments.length; depth++) {
        const parent = segments.slice(0, depth).join('/')
        const name = segments[depth]!
        const isFolder = depth < segments.length - 1
        const own = segments.slice(0, depth + 1).join('/')
        if (isFolder && this.folders.has(own)) continue
        if (isFolder) this.folders.set(own, [])
        this.folders.get(parent)!.push({ name, isDirectory: isFolder ? YES : NO, isFile: isFolder ? NO : YES, isSymbolicLink: NO })
      }
    }
  }

  /** `path` relative to the root, POSIX; null when it is outside it. */
  private relativeOf (path: string): string | null {
    const rel = relative(this.root, resolve(path))
    if (rel === '') return ''
    if (rel === '..' || rel.startsWith('..' + sep) || resolve(this.root, rel) !== resolve(path)) return null
    return sep === '/' ? rel : rel.split(sep).join('/')
  }

  statIfExists (path: string): TreeStats | undefined {
    const rel = this.relativeOf(path)
    if (rel === null) return undefined
    if (this.folders.has(rel)) return DIRECTORY_STATS
    const bytes = this.files.get(rel)
    return bytes === undefined ? undefined : fileStats(bytes.length)
  }

  lstatIfExists (path: string): TreeStats | undefined {
    return this.statIfExists(path)
  }

  stat (path: string): TreeStats {
    const stats = this.statIfExists(path)
    if (stats === undefined) throw missing('stat', path)
    return stats
  }

  realpath (path: string): string {
    if (this.statIfExists(path) === undefined) throw missing('realpath', path)
    return resolve(path)
  }

  readdir (path: string): TreeEntry[] {
    const rel = this.relativeOf(path)
    const entries = rel === null ? undefined : this.folders.get(rel)
    if (entries === undefined) throw missing('scandir', path)
    return [...entries]
  }

  readFile (path: string): Buffer {
    const rel = this.relativeOf(path)
    const bytes = rel === null ? undefined : this.files.get(rel)
    if (bytes === undefined) throw missing('open', path, rel !== null && this.folders.has(rel) ? 'EISDIR' : 'ENOENT')
    return bytes
  }
}
