/**
 * The real work a step of the virtual clock starts, and the wait for it: storage reads and writes (RocksDB, on its own
 * threads), file writes, and analyses finish in real time, so the simulator lets all of them end (and whatever they
 * start in turn) before it fires the next timer or delivers the next message. Where work lands in virtual time then
 * depends on the seed, not on how fast the machine was.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** The I/O counter every RocksDB instance keeps (`refcounter`): busy while a read, write or iterator step runs. */
interface IoCounter { count: number, idle: () => Promise<void>, inc: () => void, dec: () => void }
interface RocksState { io: IoCounter }

/**
 * Real time a wait gives up after (a bound, never reached in a healthy run: see `stuck`). It is real time, not turns of
 * the loop: a bound of 100,000 turns was reached under tap beside other tests (the run's hash was right, but it said it
 * was not exact). After STUCK_MAX waits gave up, later ones give up after STUCK_BOUND_MS, so work that never ends (none
 * is known) slows a run, never stalls it.
 */
export const SETTLE_REAL_MS_MAX = 5_000
const STUCK_MAX = 3
const STUCK_BOUND_MS = 50
/** Turns of the loop a wait spins before it polls each millisecond (most waits end within a few turns). */
const SPIN_ROUNDS = 64
/** Idle rounds in a row that count as quiet: a callback of finished I/O may start more on the next turn. */
const QUIET_ROUNDS = 2

/**
 * The counters busy now. Kept as they turn busy and idle, so that a wait asks one set, not every instance: a wait runs
 * several times a delivery, and scanning a thousand peers' instances each time was a fifth of a 400-peer run's CPU.
 */
const busy = new Set<IoCounter>()
let watching = false

/** Has `io` join `busy` while its count is above zero (RocksDB closes an instance only once it is idle). */
function track (io: IoCounter): void {
  const { inc, dec } = io
  io.inc = () => { inc.call(io); if (io.count === 1) busy.add(io) }
  io.dec = () => { dec.call(io); if (io.count === 0) busy.delete(io) }
}

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
      track(value)
      Object.defineProperty(this, 'io', { value, writable: true, configurable: true, enumerable: true })
    }
  })
}

/** A promise that ends when some storage I/O in flight ends; null when none is. */
function storageBusy (): Promise<void> | null {
  for (const io of busy) return io.idle()
  return null
}

/**
 * Node's own file-system requests in flight (the vote file, checkpoints, config writes), and a reply awaited from
 * another thread on a MessagePort. The second is how a module loads when loader hooks are registered (`--import` or
 * `--loader`, which tap's NODE_OPTIONS adds to every process a test spawns, even one given its own environment): each
 * `import()` a peer makes on first use (the walk, the git state) is a round trip to the hooks thread, invisible
 * otherwise, so a generate's request was sent a step or 50 later under tap than from a shell.
 */
function requestsInFlight (): boolean {
  return process.getActiveResourcesInfo().some(name => name.startsWith('FSReq') || name.endsWith('CloseReq') || name === 'MessagePort')
}

const nextTurn = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }
const aMillisecond = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 1)) }

export interface Settler {
  /** Waits until no storage, file or other real work is in flight. */
  settle: () => Promise<void>
  /** Waits that hit SETTLE_REAL_MS_MAX: each may have let real timing into the run (named in the report). */
  stuck: number
}

/** A settler that also waits for `work()` (analyses running on real CPUs). */
export function settler (work: () => ReadonlyArray<Promise<unknown>>): Settler {
  const self: Settler = {
    stuck: 0,
    settle: async () => {
      let quiet = 0
      const deadline = performance.now() + (self.stuck >= STUCK_MAX ? STUCK_BOUND_MS : SETTLE_REAL_MS_MAX)
      // Turns spent on a request in flight (one that no promise here ends): polled each millisecond after SPIN_ROUNDS.
      let spins = 0
      for (;;) {
        await (spins < SPIN_ROUNDS ? nextTurn() : aMillisecond())
        const storage = storageBusy()
        const running = work()
        if (storage !== null) { quiet = 0; spins = 0; await storage; continue }
        if (running.length > 0) { quiet = 0; spins = 0; await Promise.allSettled(running); continue }
        if (requestsInFlight()) {
          quiet = 0
          if (++spins > SPIN_ROUNDS && performance.now() > deadline) break
          continue
        }
        spins = 0
        if (++quiet >= QUIET_ROUNDS) return
      }
      self.stuck++
    }
  }
  return self
}
