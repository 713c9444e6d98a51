/**
 * The real work a step of the virtual clock starts, and the wait for it: storage reads and writes (RocksDB, on its own
 * threads), file writes, and analyses finish in real time, so the simulator lets all of them end (and whatever they
 * start in turn) before it fires the next timer or delivers the next message. Where work lands in virtual time then
 * depends on the seed, not on how fast the machine was.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** The I/O counter every RocksDB instance keeps (`refcounter`): busy while a read, write or iterator step runs. */
interface IoCounter { isIdle: () => boolean, idle: () => Promise<void> }
interface RocksState { closed: boolean, io: IoCounter }

/** Rounds of the event loop a wait gives up after (a bound, never reached in a healthy run: see `stuck`). */
export const SETTLE_ROUNDS_MAX = 100_000
/** Idle rounds in a row that count as quiet: a callback of finished I/O may start more on the next turn. */
const QUIET_ROUNDS = 2

const states = new Set<RocksState>()
let watching = false

/**
 * Sees every RocksDB instance this process opens from now on. RocksDB's native calls are invisible to Node's own
 * accounting (`process.getActiveResourcesInfo()` shows none), so its per-instance I/O counter is caught as it is set.
 */
export function watchStorage (): void {
  if (watching) return
  watching = true
  const require = createRequire(import.meta.url)
  const State = require(join(dirname(require.resolve('rocksdb-native')), 'lib', 'state.js'))
  Object.defineProperty(State.prototype, 'io', {
    configurable: true,
    set (this: RocksState, value: IoCounter) {
      Object.defineProperty(this, 'io', { value, writable: true, configurable: true, enumerable: true })
      states.add(this)
    }
  })
}

/** A promise that ends when some storage I/O in flight ends; null when none is. */
function storageBusy (): Promise<void> | null {
  for (const state of states) {
    if (state.closed) { states.delete(state); continue }
    if (!state.io.isIdle()) return state.io.idle()
  }
  return null
}

/** Node's own file-system requests in flight (the vote file, checkpoints, config writes). */
function filesBusy (): boolean {
  return process.getActiveResourcesInfo().some(name => name.startsWith('FSReq') || name.endsWith('CloseReq'))
}

const nextTurn = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

export interface Settler {
  /** Waits until no storage, file or other real work is in flight. */
  settle: () => Promise<void>
  /** Waits that hit SETTLE_ROUNDS_MAX: each may have let real timing into the run (named in the report). */
  stuck: number
}

/** A settler that also waits for `work()` (analyses running on real CPUs). */
export function settler (work: () => ReadonlyArray<Promise<unknown>>): Settler {
  const self: Settler = {
    stuck: 0,
    settle: async () => {
      let quiet = 0
      for (let round = 0; round < SETTLE_ROUNDS_MAX; round++) {
        await nextTurn()
        const storage = storageBusy()
        const running = work()
        if (storage !== null) { quiet = 0; await storage; continue }
        if (running.length > 0) { quiet = 0; await Promise.allSettled(running); continue }
        if (filesBusy()) { quiet = 0; continue }
        if (++quiet >= QUIET_ROUNDS) return
      }
      self.stuck++
    }
  }
  return self
}
