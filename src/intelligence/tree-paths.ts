/** Relative POSIX paths of a tree: parents, containment, shortening. ('' is the root.) */

export function parentDirectory (path: string): string {
  const slash = path.lastIndexOf('/')
  return slash === -1 ? '' : path.slice(0, slash)
}

export function isUnder (path: string, directory: string): boolean {
  // No `directory + '/'`: this runs for every import edge of every directory, and the strings added up in the GC.
  return directory === '' || path === directory || (path.charCodeAt(directory.length) === 47 && path.startsWith(directory))
}

/** A path relative to a directory, for short lists (`handlers/auth.py`). */
export function relativeTo (directory: string, path: string): string {
  if (directory === '') return path === '' ? '.' : path
  return path === directory ? '.' : path.slice(directory.length + 1)
}
