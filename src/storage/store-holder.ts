/**
 * Which process holds a store open for writing: a small record beside the store, written once its lock is taken, so
 * a command that finds the store locked can say truthfully what holds it (a generate, a daemon, another command).
 */
import { readFileSync, rmSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { writeFileAtomic } from '../crypto/atomic-file.js'
import { unavailable, type BzzzError } from '../errors.js'

export interface StoreHolder {
  pid: number
  /** The holder's command line as a person typed it (options and their values left out: an invite is a secret). */
  command: string
}

/** Beside the store, not in it: Hypercore's storage moves unknown files in its folder into its database. */
export function holderFile (storeDir: string): string {
  return join(dirname(storeDir), `${basename(storeDir)}.holder`)
}

/** This process as a holder: `bzzz-ctx` and its command words (`generate src`, `node start`), at most 80 characters. */
export function thisProcess (argv: readonly string[] = process.argv): StoreHolder {
  const words: string[] = []
  for (let i = 2; i < argv.length && words.length < 3; i++) {
    const word = argv[i]!
    if (word === '--home') { i++; continue }
    if (word.startsWith('--home=')) continue
    if (word.startsWith('-')) break
    words.push(word)
  }
  const program = basename(argv[1] ?? 'node').replace(/\.[cm]?js$/, '')
  return { pid: process.pid, command: [program, ...words].join(' ').slice(0, 80) }
}

/** Records this process as the holder; only a courtesy to the next command, so a home it cannot write in is no failure. */
export async function recordHolder (storeDir: string): Promise<void> {
  await writeFileAtomic(holderFile(storeDir), JSON.stringify(thisProcess()) + '\n', 0o600).catch(() => {})
}

/** Removes the record if it is this process's (called before the lock is let go, so never another holder's). */
export function forgetHolder (storeDir: string): void {
  try {
    if (readHolder(storeDir)?.pid === process.pid) rmSync(holderFile(storeDir), { force: true })
  } catch {
    // A record left behind names a process that has exited: readHolder passes over it.
  }
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The recorded holder, if the record is whole and its process still runs (a record left by a crash is not one). */
export function readHolder (storeDir: string): StoreHolder | null {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(holderFile(storeDir), 'utf8'))
  } catch {
    return null
  }
  const holder = value as Partial<StoreHolder> | null
  if (typeof holder?.pid !== 'number' || !Number.isInteger(holder.pid) || holder.pid <= 0 || typeof holder.command !== 'string') return null
  return isAlive(holder.pid) ? { pid: holder.pid, command: holder.command.slice(0, 80) } : null
}

/** What holds the store, as a message says it. */
export function holderText (holder: StoreHolder | null): string {
  if (holder === null) return 'another process (it left no record of itself: it may be starting, or an older bzzz-ctx)'
  if (holder.pid === process.pid) return 'this process already'
  const daemon = / node start$/.test(holder.command) ? ', this home\'s daemon while it starts or stops' : ''
  return `process ${holder.pid} (\`${holder.command}\`${daemon})`
}

/** Said when another process holds the store's lock (after waiting a while for it). */
export function storeInUse (storeDir: string, holder: StoreHolder | null): BzzzError {
  return unavailable(`the store at ${storeDir} is in use by ${holderText(holder)}: without a daemon one command at a time writes to a home; run this again once it has finished`)
}
