/** Writes a private file atomically: a temporary file with exactly the given mode, synced, then renamed over the target. */
import { randomBytes } from 'node:crypto'
import { BzzzError } from '../errors.js'
import { chmod, mkdir, open, rename, stat, unlink } from 'node:fs/promises'
import { rmSync } from 'node:fs'
import { dirname, join, basename, resolve } from 'node:path'

export const PRIVATE_FILE_MODE = 0o600
export const PRIVATE_DIR_MODE = 0o700

/**
 * Creates the directory (and its parents) if needed and sets it to exactly `mode`, whatever the umask
 * or a previous mode was.
 */
export async function ensurePrivateDir (dir: string, mode: number = PRIVATE_DIR_MODE): Promise<void> {
  try {
    await makeDirectories(resolve(dir), mode)
    await chmod(dir, mode)
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    if (reason === 'EEXIST' || reason === 'ENOTDIR') throw new BzzzError('BAD_USAGE', `cannot create the directory ${dir}: it, or a folder above it, is a file: choose another place, for a home with --home or $BZZZ_HOME`, { cause: err })
    throw new BzzzError('FAILURE', `cannot create the directory ${dir} (${reason}): choose a writable place, for a home with --home or $BZZZ_HOME`, { cause: err })
  }
}

/**
 * `rm -rf dir`, again and again while another thread still creates files in the tree (a store's background writer,
 * a file write under way): one pass then fails with ENOTEMPTY, and Node's own retries only retry the last rmdir,
 * never the files created since. Returns null, or why the tree is still there after about a second and a half.
 */
export function removeTree (dir: string): string | null {
  for (let attempt = 1; ; attempt++) {
    try {
      rmSync(dir, { recursive: true, force: true })
      return null
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (attempt >= 30 || (code !== 'ENOTEMPTY' && code !== 'EBUSY')) return code ?? (err as Error).message
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50)
    }
  }
}

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir never returns where the kernel answers ENOENT for a
 * directory that exists (under /proc it spins at full CPU): here such an error is simply thrown.
 */
async function makeDirectories (dir: string, mode: number): Promise<void> {
  try {
    await mkdir(dir, { mode })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST' && (await stat(dir)).isDirectory()) return
    const parent = dirname(dir)
    if (code !== 'ENOENT' || parent === dir) throw err
    await makeDirectories(parent, mode)
    try {
      await mkdir(dir, { mode })
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again
    }
  }
}

/**
 * Replaces `path` with `data` so that a reader sees either the old file or the new one, never a part.
 * The mode is set with fchmod after creation, since the umask may strip bits from the mode given to open.
 */
export async function writeFileAtomic (path: string, data: string | Uint8Array, mode: number = PRIVATE_FILE_MODE): Promise<void> {
  const dir = dirname(path)
  const temporary = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(temporary, 'wx', mode)
  try {
    try {
      await handle.chmod(mode)
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temporary, path)
  } catch (err) {
    await unlink(temporary).catch(() => {})
    throw err
  }
  await syncDir(dir)
}

/** Makes the rename durable; some platforms cannot open a directory for syncing, which is not an error here. */
async function syncDir (dir: string): Promise<void> {
  let handle
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch {
    // best effort
  } finally {
    await handle?.close()
  }
}
