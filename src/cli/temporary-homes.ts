/** The temporary directory a command keeps its peers' homes in (demo, sim): gone when the command ends, however it ends. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { removeTree } from '../crypto/atomic-file.js'
import type { CommandContext } from './io.js'

export interface TemporaryHomes {
  dir: string
  /** Removes the directory (unless kept) and stops watching for signals. */
  dispose: () => void
}

/**
 * A new private directory under the system's temporary directory. Interrupted (Ctrl-C, SIGTERM), the command still
 * removes it before it exits 130 or 143: each open store preallocates tens of MB, and a run of many peers left
 * behind holds gigabytes. Its peers' stores may still be writing then (removeTree tries again until they stop).
 */
export function temporaryHomes (ctx: CommandContext, prefix: string, keep: boolean): TemporaryHomes {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const remove = (): void => {
    if (keep) return
    const failed = removeTree(dir)
    if (failed !== null) ctx.io.stderr.write(`bzzz-ctx: could not remove the temporary homes in ${dir} (${failed}): remove them by hand\n`)
  }
  const interrupted = (signal: NodeJS.Signals): void => {
    remove()
    process.exit(signal === 'SIGINT' ? 130 : 143)
  }
  process.once('SIGINT', interrupted)
  process.once('SIGTERM', interrupted)
  return {
    dir,
    dispose: () => {
      process.off('SIGINT', interrupted)
      process.off('SIGTERM', interrupted)
      remove()
    }
  }
}
