// The three things every ink-testing-library test of the TUI does with a rendered app: read its last frame, send keys
// (waiting for a redraw after each), and check that the frame fits the terminal it was given.
import type { Test } from 'tap'

interface Rendered { lastFrame: () => string | undefined, stdin: { write: (data: string) => void } }

export const pause = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

export function inkFrame (t: Test, app: Rendered, size: { columns: number, rows: number }, settle: (ms?: number) => Promise<void>, keyMs?: number) {
  const frame = (): string => app.lastFrame() ?? ''
  const keys = async (...inputs: string[]): Promise<string> => {
    for (const input of inputs) { app.stdin.write(input); await settle(keyMs) }
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
