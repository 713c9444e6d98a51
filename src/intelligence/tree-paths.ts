/** Relative POSIX paths of a tree: parents, containment, shortening. ('' is the root.) */

export function parentDirectory (path: string): string {
  const slash = path.lastIndexOf('/')
  return slash === -1 ? '' : path.slice(0, slash)
}

export function isUnder (path: string, directory: string): boolean {
  return directory === '' || path === directory || path.startsWith(directory + '/')
}

/** A path relative to a directory, for short lists (`handlers/auth.py`). */
export function relativeTo (directory: string, path: string): string {
  if (directory === '') return path === '' ? '.' : path
  return path === directory ? '.' : path.slice(directory.length + 1)
}
