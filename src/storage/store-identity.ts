/**
 * Whether a store is its home's own or a copy of another. A copy would append to the same log as its original and fork
 * it. Hypercore's storage marks its folder with a file (CORESTORE: the file's inode, and an extended attribute), but a
 * user can delete that file, and a store without one is taken for new. So the store also keeps, inside its database
 * where no file can be deleted without losing the log, the inode of its own folder: a copy (`cp -a`, a restore from a
 * backup, a move to another file system) has a new folder, so its inode differs; `mv` within a file system keeps it.
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Corestore from 'corestore'
import CoreStorage from 'hypercore-storage'
import type Hypercore from 'hypercore'
import { corrupt, type BzzzError } from '../errors.js'
import { readHolder, storeInUse } from './store-holder.js'

/** Hypercore storage's marker file in the store's folder. */
export const MARKER_FILE = 'CORESTORE'
/** The key of the binding in the log's local user data (never replicated). */
const BINDING_KEY = 'bzzz-ctx/store-folder-inode'

/** Whether the store has a database: one that holds a log, not a folder about to be created. */
export function storeExists (dir: string): boolean {
  return existsSync(join(dir, 'db', 'CURRENT'))
}

/**
 * The marker as hypercore's storage wrote it (`device/inode=N` among its lines), missing, or something else: a file
 * changed by hand or cut short, which is damage, not evidence of a copy.
 */
export function markerState (dir: string): 'present' | 'missing' | 'damaged' {
  let text: string
  try {
    text = readFileSync(join(dir, MARKER_FILE), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing'
    throw err
  }
  return /^device\/inode=\d+$/m.test(text) && /^device\/created=\d+$/m.test(text) ? 'present' : 'damaged'
}

function folderInode (dir: string): string {
  return String(statSync(dir, { bigint: true }).ino)
}

/** `own`: bound to this folder; `copy`: bound to another; `unbound`: made before stores were bound (or never opened). */
export type Binding = 'own' | 'copy' | 'unbound'

export async function bindingOf (log: Hypercore, dir: string): Promise<Binding> {
  const stored = await log.getUserData(BINDING_KEY)
  if (stored === null || stored === undefined) return 'unbound'
  return stored.toString('utf8') === folderInode(dir) ? 'own' : 'copy'
}

/** Binds the store to its folder (once, when it is created or first opened by this version). */
export async function bind (log: Hypercore, dir: string): Promise<void> {
  await log.setUserData(BINDING_KEY, Buffer.from(folderInode(dir)))
}

/** The binding of a store read without taking its lock or touching its marker (a read-only open). */
export async function probeBinding (dir: string): Promise<Binding> {
  const corestore = new Corestore(new CoreStorage(dir, { readOnly: true }), { readOnly: true })
  try {
    const log = corestore.get({ name: 'log' })
    await log.ready()
    return await bindingOf(log, dir)
  } finally {
    await corestore.close().catch(() => {})
  }
}

/** Said of a copy, whatever gave it away. */
export function copiedStore (dir: string, cause?: unknown): BzzzError {
  return corrupt(`the store at ${dir} is a copy of another home's: it was copied, restored from a backup, or moved to another file system, and a copy would fork its original's log. Within one file system a home can be moved (mv); otherwise init a new home and join the cluster with an invite`, cause)
}

/** Said of a marker that is there but not as hypercore's storage wrote it, in a store that is its home's own. */
export function damagedMarker (dir: string, cause?: unknown): BzzzError {
  return corrupt(`the store at ${dir} is this home's own, but its marker file ${join(dir, MARKER_FILE)} is damaged (changed or cut short): when no bzzz-ctx command runs on this home, delete that file and run this again (it is made anew; nothing stored is lost)`, cause)
}

/**
 * Refuses, before the store is opened for writing (which would make a new marker), a store with a log whose marker is
 * missing or damaged, unless the binding shows it is this folder's own. A missing marker of its own store is let be
 * made anew. Hypercore's storage first moves every file it does not know in the folder into its database: the view's
 * checkpoint goes now instead (the view is rebuilt from the log).
 */
export async function refuseUnprovenStore (dir: string): Promise<void> {
  if (!storeExists(dir)) return
  const marker = markerState(dir)
  if (marker === 'present') return
  // The marker is also the lock: one deleted under a running command must not let a second writer in beside it.
  const holder = readHolder(dir)
  if (holder !== null && holder.pid !== process.pid) throw storeInUse(dir, holder)
  const binding = await probeBinding(dir)
  if (binding === 'copy') throw copiedStore(dir)
  if (marker === 'damaged') throw damagedMarker(dir)
  if (binding === 'unbound') {
    throw corrupt(`the store at ${dir} has lost its marker file ${MARKER_FILE}, and it was made before stores were bound to their folder, so whether it is a copy of another home cannot be told: init a new home and join the cluster with an invite (or restore the whole home from where it was made)`)
  }
  rmSync(join(dir, 'view.checkpoint'), { force: true })
}
