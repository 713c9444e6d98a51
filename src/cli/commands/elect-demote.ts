/** `bzzz-ctx elect demote --node ID`: the admin makes a voter a member that does not vote (the next roster). */
import { Command } from 'commander'
import type { CliEnv } from '../cli-env.js'
import { emit } from '../io.js'
import { homeOf } from '../peer-session.js'
import type { VoterChangeReport } from '../../node/voters-admin.js'

/** The line both commands print: what changed, and what a leader needs now. */
export function renderVoterChange (report: VoterChangeReport): string {
  const { roster } = report
  const what = report.change === 'promote' ? 'is a voter' : 'no longer votes'
  return `Node ${report.node.slice(0, 16)}… ${what}: roster v${roster.version} has ${roster.voters.length} voters of ${roster.members} members, and a leader needs ${roster.majority} of them running.\n` +
    'Members take it up from the admin\'s running daemon (`bzzz-ctx elect status` shows who votes).'
}

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
