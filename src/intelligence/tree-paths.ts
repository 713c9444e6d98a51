/** Relative POSIX paths of a tree: parents, containment, shortening. ('' is the root.) */

export function parentDirectory (path: string): string {
  const slash = path.lastIndexOf('/')
  return slash === -1 ? '' : path.slice(0, slash)
}

/**
 * The directories above a path, nearest first, up to and including `upTo` (a directory above it), or up
 * to the root ('') when `upTo` is not on the way. The path itself is not one of them.
 */
export function directoriesAbove (path: string, upTo = ''): string[] {
  const directories: string[] = []
  if (path === '') return directories
  for (let directory = parentDirectory(path); ; directory = parentDirectory(directory)) {
    directories.push(directory)
    if (directory === upTo || directory === '') return directories
  }
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
