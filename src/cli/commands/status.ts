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
      const status = await withPeer(ctx, peer => peer.status(), { readOnly: true })
      emit(ctx, status, () => keyValues([
        ['node', `${status.node.id.slice(0, 16)}… (${status.node.role})`],
        ['cluster', status.cluster],
        ['mode', status.mode === 'daemon' ? 'daemon' : status.members > 1 ? 'local: no daemon, so no view of the cluster' : 'local: no daemon, this peer is its own leader'],
        ['leader', status.leader === null
          ? (status.mode === 'local' ? 'unknown: start this peer\'s daemon (bzzz-ctx node start)' : 'none')
          : status.leader === status.node.id ? 'this peer' : status.leader.slice(0, 16)],
        ['term', status.leader === null && status.mode === 'local' ? '-' : status.term],
        ['members', status.members],
        ['peers', status.peers],
        ['records', status.records],
        ['log', `${status.log.length} entries, ${formatBytes(status.log.bytes)}`],
        ['keys held', status.roles.filter(r => r.held).map(r => `${r.name} (${r.clearance}, epoch ${r.epoch})`).join(', ')],
        ...(status.halted !== undefined ? [['halted', status.halted] as [string, string]] : []),
        ['view hash', status.viewHash.slice(0, 16)],
        ['home', status.home]
      ], useColor(ctx)))
    }))
}
