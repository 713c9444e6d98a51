/** `bzzz-ctx status`: this peer, its cluster, the leader, and what its store holds. */
import { Command } from 'commander'
import type { CliEnv } from '../cli-env.js'
import { emit, useColor } from '../io.js'
import { withPeer } from '../peer-session.js'
import { formatBytes, keyValues } from '../render.js'

export function statusCommand (env: CliEnv): Command {
  return new Command('status')
    .description('this peer, the cluster, the leader, and what the store holds')
    .action(env.action(async ctx => {
      const status = await withPeer(ctx, peer => peer.status())
      emit(ctx, status, () => keyValues([
        ['node', `${status.node.id.slice(0, 16)}… (${status.node.role})`],
        ['cluster', status.cluster],
        ['mode', status.mode === 'local' ? 'local: no daemon, this peer is its own leader' : 'daemon'],
        ['leader', status.leader === null ? 'none' : status.leader === status.node.id ? 'this peer' : status.leader.slice(0, 16)],
        ['term', status.term],
        ['peers', status.peers],
        ['records', status.records],
        ['log', `${status.log.length} entries, ${formatBytes(status.log.bytes)}`],
        ['keys held', status.roles.filter(r => r.held).map(r => `${r.name} (${r.clearance}, epoch ${r.epoch})`).join(', ')],
        ['view hash', status.viewHash.slice(0, 16)],
        ['home', status.home]
      ], useColor(ctx)))
    }))
}
