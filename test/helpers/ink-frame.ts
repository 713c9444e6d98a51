// The three things every ink-testing-library test of the TUI does with a rendered app: read its last frame, send keys
// (waiting for a redraw after each), and check that the frame fits the terminal it was given. After a key, the test
// waits until the frame changes (bounded by CHANGE_MS, for the keys that change nothing) and holds still, then for
// `settle`: a fixed pause alone was too short on a loaded 2-core CI machine (a key was read after the assertion).
import type { Test } from 'tap'

interface Rendered { lastFrame: () => string | undefined, stdin: { write: (data: string) => void } }

/** How long a key may take to change the frame (the keys that change nothing wait this long). */
const CHANGE_MS = 1_000
/** How long a redrawn frame must hold still before the next key. */
const QUIET_MS = 50

export const pause = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

export function inkFrame (t: Test, app: Rendered, size: { columns: number, rows: number }, settle: (ms?: number) => Promise<void>, keyMs?: number) {
  const frame = (): string => app.lastFrame() ?? ''
  const keys = async (...inputs: string[]): Promise<string> => {
    for (const input of inputs) {
      const before = frame()
      app.stdin.write(input)
      for (let waited = 0; waited < CHANGE_MS && frame() === before; waited += 5) await pause(5)
      // Then until it holds still for QUIET_MS: a panel may draw twice (its frame, then what its backend answers).
      let last = frame()
      for (let quiet = 0, waited = 0; quiet < QUIET_MS && waited < CHANGE_MS; waited += 5) {
        await pause(5)
        const now = frame()
        quiet = now === last ? quiet + 5 : 0
        last = now
      }
      await settle(keyMs)
    }
    await settle()
    return frame()
  }
  const fits = (what: string): void => {
    const lines = frame().split('\n')
    t.ok(lines.length <= size.rows, `${what}: ${lines.length} lines within ${size.rows} rows`)
    t.ok(lines.every(l => l.length <= size.columns), `${what}: no line wider than ${size.columns} columns`)
  }
  return { frame, keys, fits }
}
