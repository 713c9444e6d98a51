/** `bzzz-ctx elect demote --node ID`: the admin makes a voter a member that does not vote (the next roster). */
import { Command } from 'commander'
import type { CliEnv } from '../cli-env.js'
import { emit } from '../io.js'
import { homeOf } from '../peer-session.js'
import { renderVoterChange } from '../render.js'

export function electDemoteCommand (env: CliEnv): Command {
  return new Command('demote')
    .description('make a voter a member that does not vote (admin only; never leaves an even or empty voting set)')
    .requiredOption('--node <id>', 'the voter\'s node id (or a unique prefix of at least 8 hex digits)')
    .action(env.action<{ node: string }>(async (ctx, options) => {
      const { changeVoter } = await import('../../node/voters-admin.js')
      const report = await changeVoter(homeOf(ctx), options.node, 'demote')
      emit(ctx, report, () => renderVoterChange(report))
    }))
}
