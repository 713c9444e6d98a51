// The progress bar of long work: on a terminal it shows files/s and the ETA, then what follows the analysis; on a pipe, nothing.
import t from 'tap'
import { progressBar } from '../../src/cli/progress.js'
import type { CommandContext } from '../../src/cli/io.js'

function context (isTTY: boolean, json = false): { ctx: CommandContext, written: () => string } {
  let text = ''
  const stream = { write: (chunk: string) => { text += chunk; return true }, isTTY, columns: 120, on: () => stream, removeListener: () => stream, cursorTo: () => true, clearLine: () => true, moveCursor: () => true }
  const ctx: CommandContext = { io: { stdout: { write: () => true }, stderr: stream, env: {} }, global: { json, color: false, quiet: false } }
  return { ctx, written: () => text }
}

t.test('on a terminal: files, rate and ETA while analysing, then the stage after it', async t => {
  const { ctx, written } = context(true)
  const bar = await progressBar(ctx, 'Analysing', 'Building and storing records')
  bar.update({ done: 10, total: 40, filesPerSecond: 20, etaSeconds: 1.5 })
  t.match(written(), /Analysing \[.*\] 10\/40 files \| 20 files\/s \| ETA 2s/)
  bar.update({ done: 40, total: 40, filesPerSecond: 25, etaSeconds: 0 })
  // The bar redraws on its own timer (at most ten times a second), as it does while the records are written.
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.match(written(), /Building and storing records \[.*\] 40\/40 files \| 25 files\/s \| analysed/, 'a full bar says what it is doing now')
  bar.stop()
})

t.test('without a stage after, a full bar keeps its label; a pipe or --json shows nothing', async t => {
  const tty = context(true)
  const bar = await progressBar(tty.ctx, 'Analysing')
  bar.update({ done: 5, total: 5, filesPerSecond: 5, etaSeconds: 0 })
  t.match(tty.written(), /Analysing \[.*\] 5\/5 files \| 5 files\/s \| ETA 0s/)
  bar.stop()
  for (const [isTTY, json] of [[false, false], [true, true]] as const) {
    const quiet = context(isTTY, json)
    const silent = await progressBar(quiet.ctx, 'Analysing', 'Building')
    silent.update({ done: 1, total: 2, filesPerSecond: 1, etaSeconds: 1 })
    silent.stop()
    t.equal(quiet.written(), '', isTTY ? '--json: nothing' : 'a pipe: nothing')
  }
})
