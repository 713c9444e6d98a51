/** What a path that is neither a regular file nor a directory is, as a message says it. */
import type { Stats } from 'node:fs'

export function specialKind (stat: Stats): string {
  if (stat.isCharacterDevice()) return 'a character device'
  if (stat.isBlockDevice()) return 'a block device'
  if (stat.isFIFO()) return 'a named pipe'
  if (stat.isSocket()) return 'a socket'
  return 'something else'
}
