/** The `bzzz-ctx` program: global options and its commands, wired; nothing heavy is imported here. */
import { Command, CommanderError, type Option } from 'commander'
import { VERSION } from '../paths.js'
import { BzzzError } from '../errors.js'
import { createCliEnv } from './cli-env.js'
import { handleError } from './handle-error.js'
import { EXIT } from './exit-codes.js'
import type { Io } from './io.js'
import { demoCommand } from './commands/demo.js'
import { distributeCommand } from './commands/distribute.js'
import { generateCommand } from './commands/generate.js'
import { initCommand } from './commands/init.js'
import { inviteCommand } from './commands/invite.js'
import { retrieveCommand } from './commands/retrieve.js'
import { statusCommand } from './commands/status.js'
import { nodeCommand } from './commands/node.js'
import { syncCommand } from './commands/sync.js'
import { peersCommand } from './commands/peers.js'
import { bootstrapCommand } from './commands/bootstrap.js'
import { electCommand } from './commands/elect.js'
import { queueCommand } from './commands/queue.js'
import { simCommand } from './commands/sim.js'
import { decideCommand } from './commands/decide.js'
import { historyCommand } from './commands/history.js'
import { hopsCommand } from './commands/hops.js'
import { mcpCommand } from './commands/mcp.js'
import { searchCommand } from './commands/search.js'
import { overviewCommand } from './commands/overview.js'
import { referencesCommand } from './commands/references.js'
import { keysCommand } from './commands/keys.js'
import { policyCommand } from './commands/policy.js'
import { auditCommand } from './commands/audit.js'
import { configCommand } from './commands/config.js'
import { tuiCommand } from './commands/tui.js'

export function buildProgram (io: Io): Command {
  const env = createCliEnv(io)
  const program = new Command('bzzz-ctx')
    .description('Shared, role-scoped, encrypted codebase context for AI agents, over a peer-to-peer cluster.')
    .version(VERSION, '-V, --version')
    .option('--home <dir>', 'this peer\'s home (default: $BZZZ_HOME or ~/.bzzz-ctx)')
    .option('--json', 'print JSON for programs instead of tables')
    .option('--no-color', 'no colours in output')
    .option('-q, --quiet', 'print nothing but errors (and --json output)')
    .showHelpAfterError(false)
    .addHelpText('after', `
Exit codes: 0 ok, 1 failure, 2 bad usage or input, 3 access denied, 4 not found, 5 unavailable (no home, no daemon, no leader, timed out).
Start with: bzzz-ctx demo      More: man bzzz-ctx, or bzzz-ctx help <command>`)
  program
    .addCommand(initCommand(env))
    .addCommand(inviteCommand(env))
    .addCommand(keysCommand(env))
    .addCommand(policyCommand(env))
    .addCommand(auditCommand(env))
    .addCommand(generateCommand(env))
    .addCommand(distributeCommand(env))
    .addCommand(retrieveCommand(env))
    .addCommand(searchCommand(env))
    .addCommand(overviewCommand(env))
    .addCommand(referencesCommand(env))
    .addCommand(statusCommand(env))
    .addCommand(nodeCommand(env))
    .addCommand(configCommand(env))
    .addCommand(bootstrapCommand(env))
    .addCommand(syncCommand(env))
    .addCommand(peersCommand(env))
    .addCommand(electCommand(env))
    .addCommand(queueCommand(env))
    .addCommand(decideCommand(env))
    .addCommand(historyCommand(env))
    .addCommand(hopsCommand(env))
    .addCommand(mcpCommand(env))
    .addCommand(simCommand(env))
    .addCommand(tuiCommand(env))
    .addCommand(demoCommand(env))
  const silence = (command: Command): void => {
    command.exitOverride().configureOutput({
      writeOut: text => io.stdout.write(text),
      writeErr: text => io.stderr.write(text),
      outputError: () => {}
    })
    for (const sub of command.commands) silence(sub)
  }
  silence(program)
  return program
}

const QUIET_EXITS = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help'])

/**
 * `elect bogus`: commander hands `bogus` to the default subcommand (`elect status`), which then says it got too many
 * arguments. Said here as what it is.
 */
/** Where the command word is in the arguments (past the global options), or their length when there is none. */
function commandAt (args: readonly string[]): number {
  let at = 0
  while (at < args.length && args[at]!.startsWith('-')) at += args[at] === '--home' ? 2 : 1
  return at
}

/** `bzzz-ctx` alone (or with global options only): one line and the way on, not the whole help on stderr. */
function missingCommand (argv: readonly string[]): string | null {
  const args = argv.slice(2)
  if (commandAt(args) < args.length || args.some(a => ['-h', '--help', '-V', '--version'].includes(a))) return null
  return 'no command given: try `bzzz-ctx demo`, or see bzzz-ctx --help for the commands'
}

/** The first word that is neither an option nor an option's value (`invite --role qa` has none; `invite ls` has ls). */
function firstOperand (args: readonly string[], options: readonly Option[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (!arg.startsWith('-')) return arg
    const option = options.find(o => o.long === arg || o.short === arg)
    if (option !== undefined && (option.required || option.optional)) i++
  }
  return undefined
}

function unknownSubcommand (program: Command, argv: readonly string[]): string | null {
  const args = argv.slice(2)
  const at = commandAt(args)
  const command = program.commands.find(c => c.name() === args[at])
  if (command === undefined || command.commands.length === 0) return null
  const next = firstOperand(args.slice(at + 1), [...command.options, ...program.options])
  if (next === undefined || next === 'help' || command.commands.some(c => c.name() === next || c.aliases().includes(next))) return null
  return `unknown ${command.name()} command '${next}': use one of ${command.commands.map(c => c.name()).join(', ')} (see bzzz-ctx ${command.name()} --help)`
}

/** Runs the CLI on argv (as process.argv: node, script, ...args) and returns the exit code. */
export async function runCli (argv: readonly string[], io: Io): Promise<number> {
  const program = buildProgram(io)
  const json = argv.includes('--json')
  const unknown = missingCommand(argv) ?? unknownSubcommand(program, argv)
  if (unknown !== null) return handleError(new BzzzError('BAD_USAGE', unknown), io, json)
  try {
    await program.parseAsync([...argv])
    return 0
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help shown because a command was missing (`bzzz-ctx node`) is bad usage, like any other.
      if (err.code === 'commander.help' && err.exitCode !== 0) return EXIT.badInput
      if (QUIET_EXITS.has(err.code)) return err.exitCode
      const message = err.message.replace(/^error: /, '')
      return handleError(new BzzzError('BAD_USAGE', `${message} (see bzzz-ctx --help)`), io, json)
    }
    return handleError(err, io, json)
  }
}
