/** What a generation is about: the path, the root its addresses are relative to, and the project; checked. */
import { existsSync, statSync } from 'node:fs'
import { basename, dirname, join, relative, resolve, sep } from 'node:path'
import { badInput, notFound } from '../errors.js'
import { specialKind } from '../file-kind.js'
import { isLeftOutOf } from '../intelligence/walk.js'
import { projectNameFrom } from '../ucxl/address.js'
import { diskFs, type TreeFs } from '../intelligence/tree-fs.js'

/** How many folders up the search for a git work tree goes. */
const ROOT_SEARCH_DEPTH_MAX = 64

/**
 * The root that addresses are relative to: the git work tree holding PATH, else PATH if a directory,
 * else its directory. A work tree whose .gitignore leaves PATH out (`versions/` in a pyenv checkout, a
 * `node_modules` package) does not hold it: such a PATH is a tree of its own.
 */
export function findRoot (path: string): string {
  const start = statSync(path).isDirectory() ? path : dirname(path)
  let dir = start
  for (let i = 0; i < ROOT_SEARCH_DEPTH_MAX; i++) {
    if (existsSync(join(dir, '.git'))) return isLeftOutOf(dir, path) ? start : dir
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  return start
}

/** The git work tree holding `path` (a folder), or null when none does: where freshness is checked by default. */
export function workTreeOf (path: string): string | null {
  const root = findRoot(path)
  return existsSync(join(root, '.git')) ? root : null
}

function isInside (path: string, root: string): boolean {
  const rel = relative(root, path)
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !rel.startsWith(sep))
}

/**
 * The target of a generation, checked: `path` must be a file or a directory inside the root (`root`, or found from
 * the path), and the project (`project`, the home's, or the root's folder name) a valid project name. A tree held in
 * memory (`fs`) names its root.
 */
export function generateTarget (options: { path: string, root?: string, project?: string }, homeProject?: string, fs: TreeFs = diskFs): { path: string, root: string, project: string } {
  const path = resolve(options.path)
  const stat = fs.statIfExists(path)
  if (stat === undefined) throw notFound(`no such file or directory: ${options.path}`)
  if (!stat.isFile() && !stat.isDirectory()) throw badInput(`${options.path} is ${specialKind(statSync(path))}, not a file or a directory: nothing to analyse`)
  if (options.root === undefined && !fs.onDisk) throw badInput('a tree held in memory names its root')
  const root = options.root === undefined ? findRoot(path) : resolve(options.root)
  if (options.root !== undefined && fs.statIfExists(root)?.isDirectory() !== true) throw badInput(`--root ${options.root} is not a directory`)
  if (!isInside(path, root)) throw badInput(`${options.path} is not inside the root ${root}: pass --root, or a path under it`)
  const project = options.project ?? homeProject ?? projectNameFrom(basename(root))
  if (project !== projectNameFrom(project)) throw badInput(`bad project name "${project}": use lower-case letters, digits, ".", "_" or "-"`)
  return { path, root, project }
}
