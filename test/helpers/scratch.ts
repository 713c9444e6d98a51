// Temporary directories for tests, all removed when the test process exits (tap runs each file in its own process),
// so a failed or interrupted test leaves nothing behind in the system's temporary directory either way.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { removeTree } from '../../src/crypto/atomic-file.js'

const made: string[] = []

/**
 * Removes every directory made. A daemon stopped at teardown may still be writing to its store: one `rm -rf` pass then
 * fails with ENOTEMPTY and left the tree (a 224 MB cluster folder was found in /tmp after a CI run), so removeTree
 * runs it again until the tree is gone (about 1.5 s at most; a tree it cannot remove is left, as nothing more can be
 * done at exit).
 */
function removeAll (): void {
  for (const dir of made.splice(0)) removeTree(dir)
}

/** A new directory under the system's temporary directory (`prefix` then random characters), removed at exit. */
export function scratchDir (prefix: string): string {
  if (made.length === 0) process.once('exit', removeAll)
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}
