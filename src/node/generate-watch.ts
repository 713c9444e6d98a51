/**
 * `generate --watch`: keeps a tree's context fresh from file-system events. Changes are debounced (a save, a checkout
 * or a formatter touches many files at once), one generate runs at a time, through the same path as any request (the
 * daemon's leader queue, or this peer alone), and changes that arrive while it runs start one more after it.
 */
import { watch, type FSWatcher } from 'node:fs'
import type { Clock, TimerHandle } from '../clock.js'
import { DEFAULT_EXCLUDED_DIRECTORIES } from '../intelligence/walk.js'

/** How long the tree must be quiet before a generate starts. */
export const WATCH_DEBOUNCE_MS = 300

/** Folders whose changes never change the context: git's own, and what a walk leaves out anyway. */
const IGNORED_TOP = new Set(['.git', ...DEFAULT_EXCLUDED_DIRECTORIES])

/** Whether a changed path (relative to the watched folder) can matter to the records. */
export function watchedChange (relativePath: string | null): boolean {
  if (relativePath === null) return true
  return !relativePath.split(/[\\/]/).some(segment => IGNORED_TOP.has(segment))
}

export interface WatchHooks<T> {
  /** One generate of the watched path. */
  generate: () => Promise<T>
  onReport: (report: T, changed: readonly string[]) => void
  onError: (err: unknown) => void
}

export interface TreeWatch {
  /** Stops watching, waits for a generate under way to finish, and resolves when nothing more will run. */
  stop: () => Promise<void>
}

/**
 * Watches `path` (recursively where the platform allows; else its top folder only) and runs `hooks.generate` once
 * the tree has been quiet for `debounceMs` after a change.
 */
export function watchTree<T> (path: string, clock: Clock, hooks: WatchHooks<T>, debounceMs = WATCH_DEBOUNCE_MS): TreeWatch {
  const pending = new Set<string>()
  let timer: TimerHandle | null = null
  let running: Promise<void> | null = null
  let stopped = false

  const runOnce = async (): Promise<void> => {
    while (!stopped && pending.size > 0) {
      const changed = [...pending].sort()
      pending.clear()
      try {
        hooks.onReport(await hooks.generate(), changed)
      } catch (err) {
        hooks.onError(err)
      }
    }
  }
  const fire = (): void => {
    timer = null
    if (stopped || running !== null) return
    running = runOnce().finally(() => { running = null })
  }
  const changedAt = (file: string | null): void => {
    if (stopped || !watchedChange(file)) return
    pending.add(file ?? '.')
    if (timer !== null) clock.clearTimeout(timer)
    timer = clock.setTimeout(fire, debounceMs)
  }
  let watcher: FSWatcher
  try {
    watcher = watch(path, { recursive: true }, (_event, file) => changedAt(file === null ? null : String(file)))
  } catch {
    watcher = watch(path, (_event, file) => changedAt(file === null ? null : String(file)))
  }
  watcher.on('error', err => hooks.onError(err))
  return {
    stop: async () => {
      stopped = true
      watcher.close()
      if (timer !== null) clock.clearTimeout(timer)
      await running
    }
  }
}
