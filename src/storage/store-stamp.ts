/**
 * The view hash a store was closed with, known without opening it: a small record beside the store, written when a
 * writer closes it with its view caught up (every block it holds applied, the checkpoint written), with a digest of its
 * files' stat data (as git's index knows a file unchanged: size, mtime, ctime, inode). While every file of the store
 * still has the stamps it had then, the store holds what it held, and opening it would give that view hash again. A
 * writer's open removes the record first; any write (a block, a checkpoint, a database file) changes a file's stamps.
 *
 * What it saves: a `generate` with nothing changed answers from the analysis cache alone, without loading the store's
 * code and opening its database (src/node/held-generation.ts).
 */
import { lstatSync, readdirSync, readFileSync, rmSync, writeFileSync, type BigIntStats } from 'node:fs'
import { createHash } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import { isInfoLog } from './info-logs.js'

const STAMP_FORMAT = 1

/** Beside the store, not in it: Hypercore's storage moves unknown files in its folder into its database. */
export function stampFile (storeDir: string): string {
  return join(dirname(storeDir), `${basename(storeDir)}.closed`)
}

/**
 * A digest of the stat data of every file under the store's folder, by path, but RocksDB's information log: text for
 * a person, never read back by RocksDB (info-logs.ts), so whatever happens to it says nothing of what is stored.
 */
export function storeFilesDigest (storeDir: string): string {
  const hash = createHash('sha256')
  const visit = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (isInfoLog(name)) continue
      const path = join(dir, name)
      const stat: BigIntStats = lstatSync(path, { bigint: true })
      if (stat.isDirectory()) { visit(path, `${prefix}${name}/`); continue }
      hash.update(`${prefix}${name}\0${stat.size}\0${stat.mtimeNs}\0${stat.ctimeNs}\0${stat.ino}\0${stat.mode}\n`)
    }
  }
  visit(storeDir, '')
  return hash.digest('hex')
}

/**
 * Records that the store at `storeDir`, closed, holds a view with this hash. Neither synced nor renamed into place: a
 * record cut short does not parse, and one lost costs only the next shortcut. So is a failure to write it.
 */
export function writeStoreStamp (storeDir: string, viewHash: string): void {
  try {
    const digest = storeFilesDigest(storeDir)
    writeFileSync(stampFile(storeDir), JSON.stringify({ format: STAMP_FORMAT, viewHash, files: digest }) + '\n', { mode: 0o600 })
  } catch {
    forgetStoreStamp(storeDir)
  }
}

/** Removes the record: a writer opens the store. */
export function forgetStoreStamp (storeDir: string): void {
  try {
    rmSync(stampFile(storeDir), { force: true })
  } catch {
    // A record that could not be removed no longer matches the files once the writer changes one.
  }
}

/**
 * The view hash of the closed store at `storeDir`, when its record is whole and every file has the stamps it had at
 * its close; null otherwise (never stamped, opened for writing since, changed, or a record out of shape).
 */
export function stampedViewHash (storeDir: string): string | null {
  let value: { format?: unknown, viewHash?: unknown, files?: unknown }
  try {
    value = JSON.parse(readFileSync(stampFile(storeDir), 'utf8'))
  } catch {
    return null
  }
  if (value?.format !== STAMP_FORMAT || typeof value.viewHash !== 'string' || typeof value.files !== 'string') return null
  try {
    return storeFilesDigest(storeDir) === value.files ? value.viewHash : null
  } catch {
    return null
  }
}
