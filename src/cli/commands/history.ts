/** `bzzz-ctx history ADDRESS`: the versions of an address, with their decisions and the conflicts the merge kept. */
import { Command } from 'commander'
import { addressArgument, type CliEnv } from '../cli-env.js'
import { emit, useColor } from '../io.js'
import { withPeer } from '../peer-session.js'
import { table } from '../render.js'

/** A version key (writer:count) as a person reads it: the writer's short id and the count. */
function shortVersion (key: string): string {
  const colon = key.lastIndexOf(':')
  return colon === -1 ? key.slice(0, 24) : `${key.slice(0, 12)}…:${key.slice(colon + 1)}`
}

export function historyCommand (env: CliEnv): Command {
  return new Command('history')
    .description('the versions of an address, oldest first, with the decisions behind them, as a role may see them')
    .argument('<address>', 'a UCXL address, or a path in the configured project')
    .option('--role <role>', 'the role to ask as (default: this peer\'s role)')
    .action(env.action<{ role?: string }>(async (ctx, options, [address]) => {
      const report = await withPeer(ctx, peer => peer.history(addressArgument(address!, peer.config.project), options.role ?? peer.config.role), { readOnly: true })
      emit(ctx, report, () => {
        const lines = [
          report.versions.length === 0 ? `No version of ${report.address} yet.` : table(['version', 'record', 'term', 'written', 'writer', 'asked by', 'decision', 'state'], report.versions.map(v => [
            shortVersion(v.version), v.origin, v.term, v.at, v.writer.slice(0, 12), v.requester === null ? '-' : `${v.requester.slice(0, 12)} (${v.requesterRole ?? '?'})`, v.decision === null ? '-' : `${v.decision} ${v.decisionTitle ?? ''}`.trim(),
            v.current ? (v.removed === true ? 'current: removed' : 'current') : v.conflict ? 'conflict (kept)' : 'superseded'
          ]), useColor(ctx))
        ]
        if (report.decisions.length > 0) {
          lines.push('', `Decisions on ${report.address}:`, table(['id', 'title', 'by', 'level', 'rationale'], report.decisions.map(d => [d.id, d.title, d.author, d.level, d.rationale ?? '(not readable here)']), useColor(ctx), true))
        }
        if (report.hidden > 0) lines.push(`${report.hidden} decision(s) on it are above ${report.role}'s clearance.`)
        return lines.join('\n')
      })
    }))
}
