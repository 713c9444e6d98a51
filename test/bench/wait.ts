// The benches' one bounded wait.

/** Polls `check` every `everyMs` until it holds, or throws after `timeoutMs` naming `what`. */
export async function waitUntil (check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, everyMs))
  }
}
