/**
 * RocksDB's information log (`db/LOG`): what the database did, for a person reading it, never read back by RocksDB.
 * Every writer's open of the database moves the last one aside as `LOG.old.<microseconds>` (a read-only open leaves
 * it alone), and RocksDB
 * keeps up to a thousand of them (`keep_log_file_num`, which rocksdb-native does not expose): a home that ran a few
 * hundred commands held 183 of them, 8.7 MB, growing with the commands run rather than with what was stored. A writer
 * that closes the store keeps the newest few.
 */
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'

/** The information logs a writer's close keeps besides the current one. */
export const INFO_LOGS_KEPT = 4

const OLD_INFO_LOG = /^LOG\.old\.(\d+)$/

/** True for RocksDB's information log and the old ones. */
export function isInfoLog (name: string): boolean {
  return name === 'LOG' || OLD_INFO_LOG.test(name)
}

/** Removes all but the newest `keep` old information logs in the database folder `dbDir`; a failure removes fewer. */
export function pruneInfoLogs (dbDir: string, keep = INFO_LOGS_KEPT): void {
  let names: string[]
  try {
    names = readdirSync(dbDir)
  } catch {
    return
  }
  const old = names.flatMap(name => {
    const stamp = OLD_INFO_LOG.exec(name)?.[1]
    return stamp === undefined ? [] : [{ name, stamp: BigInt(stamp) }]
  }).sort((a, b) => a.stamp < b.stamp ? 1 : a.stamp > b.stamp ? -1 : 0)
  for (const { name } of old.slice(keep)) {
    try {
      rmSync(join(dbDir, name), { force: true })
    } catch {
      // One that cannot be removed (its permissions) stays: it never fails the store's close.
    }
  }
}
