/** `bzzz-ctx hops ADDRESS|DECISION [--max N]`: what lies within N decision hops; `--rank`: the most influential decisions. */
import { Command } from 'commander'
import { badUsage } from '../../errors.js'
import { addressArgument, parseWhole, type CliEnv } from '../cli-env.js'
import { DECISION_ID } from '../../storage/vocabulary.js'
import { emit, useColor } from '../io.js'
import { withPeer } from '../peer-session.js'
import { table } from '../render.js'

export function hopsCommand (env: CliEnv): Command {
  return new Command('hops')
    .description('decisions and addresses within N decision hops of an address or a decision, with one path each')
    .argument('[target]', 'a UCXL address (or a path in the configured project), or a decision id (d-...)')
    .option('--max <n>', 'at most this many hops (1 to 32)', parseWhole('--max', 1, 32), 2)
    .option('--role <role>', 'the role to ask as (default: this peer\'s role); decisions above its clearance are only counted')
    .option('--rank', 'instead: the decisions that reach the most addresses within --max hops')
    .option('--limit <n>', 'with --rank: how many (1 to 1000, default 10)', parseWhole('--limit', 1, 1000))
    .addHelpText('after', '\nExamples:\n  bzzz-ctx hops ucxl://shop/src/auth.py --max 2\n  bzzz-ctx hops d-AbC123xyz --json\n  bzzz-ctx hops --rank --max 3')
    .action(env.action<{ max: number, role?: string, rank?: boolean, limit?: number }>(async (ctx, options, [target]) => {
      if (options.limit !== undefined && options.rank !== true) throw badUsage('--limit goes with --rank')
      if (options.rank === true) {
        if (target !== undefined) throw badUsage('--rank ranks every decision: give no target')
        const ranking = await withPeer(ctx, peer => peer.influence(options.role ?? peer.config.role, options.max, options.limit ?? 10), { readOnly: true })
        emit(ctx, { max: options.max, ranking }, () => ranking.length === 0 ? 'No decision yet.' : table(['decision', 'title', `addresses within ${options.max}`], ranking.map(r => [r.id, r.title, r.addresses]), useColor(ctx)))
        return
      }
      if (target === undefined) throw badUsage('give an address or a decision id (or --rank)')
      const report = await withPeer(ctx, peer => peer.hops(DECISION_ID.test(target) ? target : addressArgument(target, peer.config.project), options.role ?? peer.config.role, options.max), { readOnly: true })
      emit(ctx, report, () => [
        report.hits.length === 0 ? `Nothing within ${report.max} hops of ${report.start}.` : table(['hops', 'decision or address', 'title', 'path'], report.hits.map(h => [
          h.hops, h.id ?? h.address ?? '', h.title ?? '', h.path.join(' > ')
        ]), useColor(ctx), true),
        ...(report.hidden > 0 ? [`${report.hidden} decision(s) within reach are above ${report.role}'s clearance.`] : [])
      ].join('\n'))
    }))
}
