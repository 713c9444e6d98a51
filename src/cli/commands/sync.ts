/** `bzzz-ctx sync [--timeout S]`: pull from peers until every known head is local, or the timeout; report what moved. */
import { Command } from 'commander'
import { BzzzError } from '../../errors.js'
import type { CliEnv } from '../cli-env.js'
import { parseWhole } from '../cli-env.js'
import { emit, useColor } from '../io.js'
import { withDaemon } from '../peer-session.js'
import { table } from '../render.js'

export function syncCommand (env: CliEnv): Command {
  return new Command('sync')
    .description('pull from peers until every log they hold is here too, or the timeout')
    .option('--timeout <seconds>', 'give up after this long (default 10)', parseWhole('--timeout', 1, 3600))
    .action(env.action<{ timeout?: number }>(async (ctx, options) => {
      const report = await withDaemon(ctx, daemon => daemon.sync(options.timeout ?? 10))
      emit(ctx, report, () => [
        table(['log', 'before', 'after', 'moved'], report.logs.map(l => [l.writer.slice(0, 16), l.before, l.after, l.moved]), useColor(ctx)),
        report.caughtUp ? `In step with ${report.peers} peer(s) after ${report.ms} ms.` : `Not caught up after ${report.ms} ms (${report.peers} peer(s) connected).`
      ].join('\n'))
      // The report (printed above, or as the one JSON document) says what is behind: the error adds only the exit code and a line.
      const behind = (message: string): BzzzError => new BzzzError('UNAVAILABLE', message, { reported: true })
      if (!report.caughtUp && report.peers === 0) throw behind('no peer is connected, so there is nothing to sync with: start the other peers\' daemons, or check --bootstrap (see `bzzz-ctx peers`)')
      if (!report.caughtUp) throw behind(`sync timed out after ${options.timeout ?? 10} s: some logs are still behind (see above)`)
    }))
}
