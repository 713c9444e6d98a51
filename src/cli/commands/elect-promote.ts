/** `bzzz-ctx elect promote --node ID`: the admin makes a member a voter (the next roster, one voter more). */
import { Command } from 'commander'
import type { CliEnv } from '../cli-env.js'
import { emit } from '../io.js'
import { homeOf } from '../peer-session.js'
import { renderVoterChange } from '../render.js'

export function electPromoteCommand (env: CliEnv): Command {
  return new Command('promote')
    .description('make a member a voter: the admin signs the next roster (admin only; one voter at a time)')
    .requiredOption('--node <id>', 'the member\'s node id (or a unique prefix of at least 8 hex digits)')
    .action(env.action<{ node: string }>(async (ctx, options) => {
      const { changeVoter } = await import('../../node/voters-admin.js')
      const report = await changeVoter(homeOf(ctx), options.node, 'promote')
      emit(ctx, report, () => renderVoterChange(report))
    }))
}
