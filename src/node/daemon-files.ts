/**
 * The files a daemon keeps in its home while it runs (`daemon.pid`, `ctl.sock`), and what they mean once no daemon
 * answers on the socket: left by a process that died (kill -9, a crash, a full disk), which a start removes and a
 * command says it found, rather than act as if no daemon had ever run.
 */
import { existsSync, readFileSync, unlinkSync } from 'node:fs'
import { homePaths } from './home.js'

/**
 * Whether process `pid` still runs (signal 0 tests for it; EPERM means it runs under another user). A detached daemon
 * that has exited stays a zombie until the system's init reaps it, which some take a second or more to do: on Linux
 * its state in /proc tells.
 */
export function processAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return true
  }
}

/** The pid a pid file names, or null when the file is absent or does not hold one. */
export function readPidFile (file: string): number | null {
  let text: string
  try { text = readFileSync(file, 'utf8') } catch { return null }
  const pid = Number(text.trim())
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null
}

/** Daemon files found in a home whose socket does not answer. */
export interface LeftDaemonFiles {
  /** The pid the pid file names (null: no pid file, or a garbled one). */
  pid: number | null
  /** Whether that pid runs: another process that reused it, or a daemon that no longer serves its socket. */
  alive: boolean
  /** The files found, of `daemon.pid` and `ctl.sock`. */
  files: string[]
}

/** What a home holds of a daemon that is not answering; null when it holds neither file. Call it only after the socket refused a connection. */
export function leftDaemonFiles (home: string): LeftDaemonFiles | null {
  const paths = homePaths(home)
  const files = [paths.pidFile, paths.controlSocket].filter(file => existsSync(file))
  if (files.length === 0) return null
  const pid = readPidFile(paths.pidFile)
  return { pid, alive: pid !== null && processAlive(pid), files }
}

/** One clause for a line to the user: whose files these are. */
export function describeLeftFiles (left: LeftDaemonFiles): string {
  if (left.pid === null) return 'a daemon\'s files are left from a process that is gone'
  return left.alive
    ? `a daemon's files are left from pid ${left.pid}, which runs but does not answer on the control socket`
    : `a daemon's files are left from a process that is gone (pid ${left.pid})`
}

/** Removes them; a file already gone (another start removed it first) is not an error. */
export function removeLeftFiles (left: LeftDaemonFiles): void {
  for (const file of left.files) {
    try { unlinkSync(file) } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err }
  }
}
