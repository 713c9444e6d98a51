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
