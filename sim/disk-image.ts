/**
 * What a killed process leaves on disk: every file of a peer's home as it is at one instant, read at once, and put
 * back in place later. A kill -9 loses what the process held in memory (an unflushed batch, a checkpoint not yet
 * written, a RocksDB memtable) but not what it had handed to the kernel, and the next open recovers from that (RocksDB
 * replays its write-ahead log). The simulator runs its peers in one process, whose store locks are the process's, so
 * the abandoned store must be closed before the home is opened again; closing writes, and this undoes it.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'

/**
 * Hypercore's storage marker (CORESTORE) records its own inode and creation time, and also is the store's lock: it is
 * never written by a close, and rewriting it would make it read as a moved store. RocksDB's LOCK file is empty.
 */
const UNTOUCHED = new Set(['CORESTORE', 'LOCK'])

/** Relative path to content and permissions, for every regular file under the home. */
export type DiskImage = ReadonlyMap<string, { content: Buffer, mode: number }>

function files (root: string): string[] {
  const found: string[] = []
  const pending = [root]
  while (pending.length > 0) {
    const dir = pending.pop()!
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) pending.push(path)
      else if (entry.isFile() && !UNTOUCHED.has(entry.name)) found.push(path)
    }
  }
  return found
}

/** The home's files now, read synchronously: nothing of this process runs in between, so it is one instant of it. */
export function takeDiskImage (home: string): DiskImage {
  const image = new Map<string, { content: Buffer, mode: number }>()
  for (const path of files(home)) {
    try {
      image.set(relative(home, path), { content: readFileSync(path), mode: statSync(path).mode & 0o777 })
    } catch (err) {
      // Removed between the listing and the read (RocksDB deletes obsolete files from its own threads): it was going.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
  }
  return image
}

/**
 * Puts the home back as the image has it: a file written since is written back, one made since is removed, one removed
 * since is made again. A file whose content is the same is not touched (its times stay, as its inode does).
 * Returns how many files it changed: what the release of the abandoned store wrote.
 */
export function restoreDiskImage (home: string, image: DiskImage): number {
  let changed = 0
  for (const path of files(home)) {
    if (!image.has(relative(home, path))) {
      rmSync(path, { force: true })
      changed++
    }
  }
  for (const [name, { content, mode }] of image) {
    const path = join(home, name)
    let now: Buffer | null = null
    try {
      if (lstatSync(path).isFile()) now = readFileSync(path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    if (now !== null && now.equals(content)) continue
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, content, { mode })
    changed++
  }
  return changed
}
