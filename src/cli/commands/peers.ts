/** `bzzz-ctx peers`: the connected members, their roles, and how far each lags on each log. */
import { Command } from 'commander'
import type { CliEnv } from '../cli-env.js'
import { emit, useColor } from '../io.js'
import { withDaemon } from '../peer-session.js'
import { renderPeerLogs, table } from '../render.js'

export function peersCommand (env: CliEnv): Command {
  return new Command('peers')
    .description('the members this peer is connected to: id, role, whether it votes, log lengths and lag')
    .action(env.action(async ctx => {
      const peers = await withDaemon(ctx, daemon => daemon.peers())
      emit(ctx, { peers }, () => peers.length === 0
        ? 'No peer connected.'
        : table(['peer', 'role', 'voter', 'connected', 'logs (length, lag)'], peers.map(p => [
          p.id.slice(0, 16), p.role, p.voter === true ? 'yes' : 'no', p.since === null ? 'no' : `${Math.round((Date.now() - p.since) / 1000)} s`,
          renderPeerLogs(p.logs)
        ]), useColor(ctx)))
    }))
}
