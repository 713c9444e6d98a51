// Temporary directories for tests, all removed when the test process exits (tap runs each file in its own process),
// so a failed or interrupted test leaves nothing behind in the system's temporary directory either way.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const made: string[] = []

function removeAll (): void {
  for (const dir of made.splice(0)) {
    try { rmSync(dir, { recursive: true, force: true }) } catch { /* a daemon may still hold it: nothing more to do at exit */ }
  }
}

/** A new directory under the system's temporary directory (`prefix` then random characters), removed at exit. */
export function scratchDir (prefix: string): string {
  if (made.length === 0) process.once('exit', removeAll)
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}
