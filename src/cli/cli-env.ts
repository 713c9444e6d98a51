/** What a command file gets to build its commander command: a wrapper that turns its handler into an action. */
import type { Command } from 'commander'
import { badUsage } from '../errors.js'
import { printable } from '../text.js'
import type { CommandContext, GlobalOptions, Io } from './io.js'

export interface CliEnv {
  io: Io
  /** Wraps a handler: builds the context from the global options and records failures for the exit code. */
  action: <O extends Record<string, unknown>> (handler: (ctx: CommandContext, options: O, args: string[]) => Promise<void>) => (...commanderArgs: unknown[]) => Promise<void>
}

export function globalOptionsOf (command: Command): GlobalOptions {
  const all = command.optsWithGlobals<Record<string, unknown>>()
  const options: GlobalOptions = { json: all.json === true, color: all.color !== false, quiet: all.quiet === true }
  if (typeof all.home === 'string') {
    // `--home "$DIR"` with DIR unset would otherwise fall back to $BZZZ_HOME or ~/.bzzz-ctx: another peer's home.
    if (all.home.trim() === '') throw badUsage('--home is empty: pass the directory of this peer\'s home, or leave --home out for $BZZZ_HOME or ~/.bzzz-ctx')
    options.home = all.home
  }
  return options
}

export function createCliEnv (io: Io): CliEnv {
  return {
    io,
    action: handler => async (...commanderArgs: unknown[]) => {
      const command = commanderArgs[commanderArgs.length - 1] as Command
      const options = commanderArgs[commanderArgs.length - 2] as Record<string, unknown>
      const args = commanderArgs.slice(0, -2).flat().filter((a): a is string => typeof a === 'string')
      // An empty argument is a mistake (an unset variable: `generate "$DIR"`), never "here" or "the root".
      const names = command.registeredArguments.map(argument => argument.name())
      const empty = args.findIndex(a => a.trim() === '')
      if (empty !== -1) throw badUsage(`the ${names[Math.min(empty, names.length - 1)]?.toUpperCase() ?? 'argument'} argument is empty`)
      await handler({ io, global: globalOptionsOf(command) }, options as never, args)
    }
  }
}

/** Parses a whole-number option, refusing anything else with a clear message; `overMax` says why more is refused. */
export function parseWhole (name: string, min: number, max: number, overMax?: string) {
  return (value: string): number => {
    // A negative whole number is out of range, not "not a whole number".
    if (!/^-?\d+$/.test(value)) throw badUsage(`${name} must be a whole number, not "${printable(value, 24)}"`)
    const n = Number(value)
    if (n < min || n > max) throw badUsage(`${name} must be from ${min} to ${max}, not ${value.length > 24 ? value.slice(0, 24) + '…' : value}${n > max && overMax !== undefined ? `: ${overMax}` : ''}`)
    return n
  }
}

/** Parses a comma-separated list option (`a,b,c`), refusing empty items. */
export function parseList (name: string) {
  return (value: string): string[] => {
    const items = value.split(',').map(s => s.trim())
    if (items.some(s => s === '')) throw badUsage(`${name} has an empty item in "${value}"`)
    return items
  }
}

export { addressOrPath as addressArgument } from '../ucxl/address.js'
