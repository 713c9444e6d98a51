/**
 * Time and chance, injected: every part of a node that reads time, sets a timer or draws random ids takes a Clock and a
 * RandomBytes, so the daemon runs on the wall clock and the system's randomness and the simulator on its virtual clock
 * and its seed. This file is the one place that reads the wall clock and the system's randomness for them.
 */
import { randomBytes } from 'node:crypto'

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

/** `size` random bytes: ids of requests and process instances (never keys that guard anything). */
export type RandomBytes = (size: number) => Buffer

export const systemRandomBytes: RandomBytes = size => randomBytes(size)
