/** Where a command writes, and how: injected so tests run commands in-process and read both outputs. */

export interface Io {
  stdout: { write: (text: string) => unknown, isTTY?: boolean }
  stderr: { write: (text: string) => unknown, isTTY?: boolean }
  env: NodeJS.ProcessEnv
}

export const processIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr, env: process.env })

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
  const text = human()
  if (text !== '') ctx.io.stdout.write(text.endsWith('\n') ? text : text + '\n')
}

/** A progress or status line for people, on stderr; nothing with --json or -q. */
export function note (ctx: CommandContext, text: string): void {
  if (ctx.global.json || ctx.global.quiet) return
  ctx.io.stderr.write(text + '\n')
}
