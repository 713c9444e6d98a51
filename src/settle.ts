/** Waiting on a promise for a bounded time. */

/**
 * Whether `promise` settles (resolves or rejects) within `ms`. The timer does not keep the process alive, and is
 * cleared when the promise settles first. For closing things that may wait on a network nobody answers.
 */
export async function settledWithin (promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise.then(() => true, () => true),
      new Promise<false>(resolve => { timer = setTimeout(() => resolve(false), ms); timer.unref() })
    ])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Runs `attempt` until it succeeds, fails with an error `retryable` refuses, or `ms` have passed since the first run
 * (then its last error is thrown). The pause between runs doubles from `firstPauseMs` to `maxPauseMs`, with jitter, so
 * processes that failed together do not all come back at one moment. For a resource another process holds briefly.
 */
export async function retriedWithin<T> (attempt: () => Promise<T>, retryable: (err: unknown) => boolean, ms: number, firstPauseMs = 20, maxPauseMs = 400): Promise<T> {
  const deadline = performance.now() + ms
  for (let pause = firstPauseMs; ; pause = Math.min(maxPauseMs, pause * 2)) {
    try {
      return await attempt()
    } catch (err) {
      const left = deadline - performance.now()
      if (left <= 0 || !retryable(err)) throw err
      await new Promise(resolve => setTimeout(resolve, Math.min(left, pause * (0.5 + Math.random()))))
    }
  }
}
