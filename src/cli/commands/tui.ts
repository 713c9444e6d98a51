/** `bzzz-ctx tui [--write]`: the interactive view of the cluster, its queue, its context and its decisions. */
import { Command } from 'commander'
import { badUsage } from '../../errors.js'
import { readConfig } from '../../node/home.js'
import type { CliEnv } from '../cli-env.js'
import { homeOf } from '../peer-session.js'
import { loadTui } from '../../tui/load.js'

export function tuiCommand (env: CliEnv): Command {
  return new Command('tui')
    .description('the interactive view: the cluster, the queue, context as a role reads it, decisions and live events')
    .option('--write', 'allow the commands that change the cluster (:elect resign, behind a confirmation)')
    .addHelpText('after', '\nKeys: 1-5 or tab panels, j/k or arrows move, enter open, esc back, / filter, : command, ? help, q quit.\nSee man bzzz-ctx-tui.')
    .action(env.action<{ write?: boolean }>(async (ctx, options) => {
      if (ctx.global.json) throw badUsage('tui draws a screen for people: --json is for the other commands (status, peers, queue ls)')
      if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) throw badUsage('tui needs a terminal on stdin and stdout: for scripts use status, peers, elect status or queue ls --json')
      const home = homeOf(ctx)
      readConfig(home)
      // Ink and React are loaded here only: every other command starts without them.
      const { runTui } = await loadTui()
      await runTui({ home, write: options.write === true, color: ctx.global.color && ctx.io.env.NO_COLOR === undefined })
    }))
}
