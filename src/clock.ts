/**
 * Time, injected: every part of a node that reads time or sets a timer takes a Clock, so the daemon runs on the wall
 * clock and the simulator on its virtual one. This file is the one place that reads the wall clock for them.
 */

/** A timer handle; opaque to its users. */
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
