/** Where a command writes, and how: injected so tests run commands in-process and read both outputs. */
import { forTerminal } from '../text.js'

export interface Io {
  stdout: { write: (text: string) => unknown, isTTY?: boolean }
  stderr: { write: (text: string) => unknown, isTTY?: boolean }
  env: NodeJS.ProcessEnv
}

type Output = Io['stdout']

/**
 * One of this process's output streams, as a command writes to it. A reader that goes away
 * (`bzzz-ctx retrieve ... | head -1`) is not an error of the command: once the pipe is broken
 * (EPIPE), what is still written is dropped and the command runs to its end, so a write to the
 * store is never cut short by it. Any other failure to write (a full disk behind `> file`) is said
 * once on stderr and makes the exit code 1.
 */
function processOutput (stream: NodeJS.WriteStream, name: string): Output {
  let broken = false
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (broken) return
    broken = true
    if (err.code === 'EPIPE') return
    process.exitCode = 1
    if (stream !== process.stderr) process.stderr.write(`bzzz-ctx: cannot write to ${name}: ${err.message}\n`)
  })
  return {
    write: (text: string) => broken ? false : stream.write(text),
    get isTTY () { return stream.isTTY }
  }
}

export const processIo = (): Io => ({ stdout: processOutput(process.stdout, 'stdout'), stderr: processOutput(process.stderr, 'stderr'), env: process.env })

export interface GlobalOptions {
  home?: string
  json: boolean
  color: boolean
  quiet: boolean
}

/** What every command receives: the global options and the streams. */
export interface CommandContext {
  io: Io
  global: GlobalOptions
}

export function useColor (ctx: CommandContext): boolean {
  return ctx.global.color && !ctx.global.json && ctx.io.stdout.isTTY === true && ctx.io.env.NO_COLOR === undefined
}

/** Prints data as JSON (`--json`) or as the human rendering; `-q` silences the human rendering only. */
export function emit (ctx: CommandContext, data: unknown, human: () => string): void {
  if (ctx.global.json) {
    ctx.io.stdout.write(JSON.stringify(data, null, 2) + '\n')
    return
  }
  if (ctx.global.quiet) return
  // What people read holds other members' words (titles, summaries, names): shown, never obeyed by the terminal.
  const text = forTerminal(human(), useColor(ctx))
  if (text !== '') ctx.io.stdout.write(text.endsWith('\n') ? text : text + '\n')
}

/** A progress or status line for people, on stderr; nothing with --json or -q. */
export function note (ctx: CommandContext, text: string): void {
  if (ctx.global.json || ctx.global.quiet) return
  ctx.io.stderr.write(forTerminal(text) + '\n')
}
