/**
 * The simulator's virtual clock: time moves only when the simulator advances it, and timers fire in time order (ties in
 * the order they were set), so one seed and one schedule give one order of events.
 */
import type { Clock, TimerHandle } from '../src/clock.js'

interface Timer {
  id: number
  at: number
  /** May return a promise (the network's step): the clock waits for it before the next timer. */
  fn: () => void | Promise<void>
  every: number | null
}

/** A binary min-heap of (at, id): the next timer to fire on top. Cleared timers are dropped when they surface. */
class TimerHeap {
  private readonly items: Array<{ at: number, id: number }> = []

  get size (): number { return this.items.length }

  peek (): { at: number, id: number } | undefined { return this.items[0] }

  push (item: { at: number, id: number }): void {
    const a = this.items
    a.push(item)
    let i = a.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!less(a[i]!, a[parent]!)) break
      ;[a[i], a[parent]] = [a[parent]!, a[i]!]
      i = parent
    }
  }

  pop (): { at: number, id: number } | undefined {
    const a = this.items
    const top = a[0]
    const last = a.pop()
    if (a.length > 0 && last !== undefined) {
      a[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && less(a[l]!, a[m]!)) m = l
        if (r < a.length && less(a[r]!, a[m]!)) m = r
        if (m === i) break
        ;[a[i], a[m]] = [a[m]!, a[i]!]
        i = m
      }
    }
    return top
  }
}

function less (x: { at: number, id: number }, y: { at: number, id: number }): boolean {
  return x.at < y.at || (x.at === y.at && x.id < y.id)
}

export class VirtualClock implements Clock {
  private time = 0
  private nextId = 1
  private readonly timers = new Map<number, Timer>()
  private readonly heap = new TimerHeap()

  now = (): number => this.time

  setTimeout = (fn: () => void | Promise<void>, ms: number): TimerHandle => this.add(fn, ms, null)

  setInterval = (fn: () => void, ms: number): TimerHandle => this.add(fn, ms, Math.max(1, ms))

  clearTimeout = (handle: TimerHandle): void => { this.timers.delete(handle as number) }

  clearInterval = (handle: TimerHandle): void => { this.timers.delete(handle as number) }

  sleep = async (ms: number): Promise<void> => { await new Promise<void>(resolve => { this.setTimeout(resolve, ms) }) }

  private add (fn: () => void | Promise<void>, ms: number, every: number | null): number {
    const id = this.nextId++
    const timer = { id, at: this.time + Math.max(0, Number.isFinite(ms) ? ms : 0), fn, every }
    this.timers.set(id, timer)
    this.heap.push({ at: timer.at, id })
    return id
  }

  /** Timers set and not yet fired or cleared. */
  get pending (): number {
    return this.timers.size
  }

  /**
   * Moves time to `target`, firing every timer due by then in order; a timer set while firing runs too if due. After
   * each timer, `settle` lets the real work it started end before the next fires, so the order of what follows is the
   * timers' order, not the machine's.
   */
  async advanceTo (target: number, settle: () => Promise<void> = async () => {}): Promise<void> {
    for (;;) {
      const top = this.heap.peek()
      if (top === undefined || top.at > target) break
      this.heap.pop()
      const timer = this.timers.get(top.id)
      if (timer === undefined || timer.at !== top.at) continue
      this.time = Math.max(this.time, timer.at)
      if (timer.every === null) this.timers.delete(timer.id)
      else {
        timer.at += timer.every
        this.heap.push({ at: timer.at, id: timer.id })
      }
      try {
        await timer.fn()
      } catch {
        // A timer's failure is the node's own business; the clock keeps going.
      }
      await settle()
    }
    this.time = Math.max(this.time, target)
  }
}
