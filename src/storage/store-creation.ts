/**
 * One process at a time makes a new store. Hypercore's storage writes its marker file (CORESTORE) in steps: create,
 * lock, then write the lines; a second process that opened the store in between read an empty marker, took it for a
 * store moved or copied (DEVICE_FILE), and every command on the fresh home failed with "a copy of another home's" (ten
 * `status` at once on a new home, under load: about 1 run in 25). While the marker is not whole, a process takes this
 * lock, beside the store's folder (not in it: the storage moves files it does not know into its database), and checks
 * again once it holds it. The lock is the kernel's (flock), so a process that dies lets it go.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname, join, basename } from 'node:path'
import { tryLock, unlock } from 'fs-native-extensions'
import { markerState } from './store-identity.js'

/** How often a process waiting for the lock tries again. */
const RETRY_MS = 20

/** The lock file of a store's folder. */
export function creationLockFile (dir: string): string {
  return join(dirname(dir), `.${basename(dir)}.create-lock`)
}

/**
 * Runs `work` while this process holds the store's creation lock if the store's marker is not whole yet; at once
 * otherwise. Gives up waiting at `deadline` (Date.now() ms) and runs `work` anyway: its own errors then say why.
 */
export async function whileMade<T> (dir: string, deadline: number, work: () => Promise<T>): Promise<T> {
  if (markerState(dir) === 'present') return await work()
  mkdirSync(dirname(dir), { recursive: true })
  const fd = openSync(creationLockFile(dir), 'a', 0o600)
  try {
    while (!tryLock(fd)) {
      if (Date.now() >= deadline) return await work()
      await new Promise(resolve => setTimeout(resolve, RETRY_MS))
    }
    try {
      return await work()
    } finally {
      unlock(fd)
    }
  } finally {
    closeSync(fd)
  }
}
