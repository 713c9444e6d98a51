/** `bzzz-ctx invite cancel ID`: takes an unredeemed invite's node off the roster, so its credential no longer counts. */
import { Command } from 'commander'
import type { CliEnv } from '../cli-env.js'
import { emit } from '../io.js'
import { homeOf, recordAdmin } from '../peer-session.js'

export function inviteCancelCommand (env: CliEnv): Command {
  return new Command('cancel')
    .description('cancel an invite not yet seen redeemed: the roster is re-signed without its node (admin only)')
    .argument('<id>', 'the invite\'s id, as `invite ls` shows it')
    .action(env.action(async (ctx, _options, args) => {
      const { cancelInvite } = await import('../../node/invite.js')
      const report = await cancelInvite(homeOf(ctx), args[0]!)
      await recordAdmin(ctx, { kind: 'invite-cancelled', id: report.id, node: report.node, role: report.role, rosterVersion: report.roster.version })
      emit(ctx, report, () => `Cancelled invite ${report.id} (a ${report.role}, node ${report.node.slice(0, 16)}…): roster v${report.roster.version} has ${report.roster.voters} voters, and a leader needs ${report.roster.majority} of them running.\n` +
        'Members refuse its node once they hold this roster (a running admin daemon passes it on). The invite carried the role\'s current keys: if it may have leaked, rotate them.')
    }))
}
