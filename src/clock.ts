/**
 * Time as the code above it sees it: an injected clock, so that the daemon runs on wall time and the simulator on a
 * virtual one. Node, storage and leader code read time and set timers only through a Clock.
 */

/** A timer handle; opaque to the caller. */
export type TimerHandle = unknown

export interface Clock {
  now: () => number
  setTimeout: (fn: () => void, ms: number) => TimerHandle
  clearTimeout: (handle: TimerHandle) => void
  setInterval: (fn: () => void, ms: number) => TimerHandle
  clearInterval: (handle: TimerHandle) => void
  /** Resolves after `ms` of this clock's time. */
  sleep: (ms: number) => Promise<void>
}

/** Wall-clock time; timers do not keep the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => { const t = setTimeout(fn, ms); t.unref(); return t },
  clearTimeout: handle => { clearTimeout(handle as NodeJS.Timeout) },
  setInterval: (fn, ms) => { const t = setInterval(fn, ms); t.unref(); return t },
  clearInterval: handle => { clearInterval(handle as NodeJS.Timeout) },
  sleep: async ms => { await new Promise(resolve => setTimeout(resolve, ms)) }
}
