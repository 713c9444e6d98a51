/** `bzzz-ctx status`: this peer, its cluster, the leader, what its store holds, and how fresh it is against a tree. */
import { Command } from 'commander'
import type { CliEnv } from '../cli-env.js'
import { emit, useColor } from '../io.js'
import { withPeer } from '../peer-session.js'
import { formatBytes, keyValues } from '../render.js'
import { workTreeOf } from '../../node/generate-target.js'
import type { FreshnessReport } from '../../node/freshness.js'
import type { StatusReport } from '../../node/peer/types.js'

/** The freshness rows of the table: when the project was generated, and what is stale now. */
function freshnessRows (f: FreshnessReport): Array<[string, string | number]> {
  const generated = f.lastGenerated === null
    ? 'never'
    : `${new Date(f.lastGenerated.at).toISOString()}${f.lastGenerated.commit === null ? '' : ` at commit ${f.lastGenerated.commit.slice(0, 12)}`}`
  const shown = f.stale.map(s => `${s.reason}: ${s.address}`)
  if (f.staleTotal > f.stale.length) shown.push(`and ${f.staleTotal - f.stale.length} more (--json lists ${f.stale.length})`)
  return [
    ['project', f.project],
    ['last generated', generated],
    ['working tree', `${f.root}${f.commit === null ? '' : ` at commit ${f.commit.slice(0, 12)}`}`],
    ['stale', f.staleTotal === 0 ? `none of ${f.checked} records` : `${f.staleTotal} of ${f.checked} records (bzzz-ctx generate brings them up to date)\n${shown.join('\n')}`]
  ]
}

export function statusCommand (env: CliEnv): Command {
  return new Command('status')
    .description('this peer, the cluster, the leader, what the store holds, and which addresses are stale')
    .option('--root <dir>', 'compare the project\'s records with this working tree (default: the git work tree holding the current directory, if any)')
    .option('--project <name>', 'the project to check (default: the configured one)')
    .action(env.action<{ root?: string, project?: string }>(async (ctx, options) => {
      const status = await withPeer(ctx, async peer => {
        const report = await peer.status()
        const project = options.project ?? peer.config.project
        if (project === undefined) return report
        const root = options.root ?? workTreeOf(process.cwd())
        return root === null ? report : { ...report, freshness: await peer.freshness(root, project) }
      }, { readOnly: true })
      const freshness = (status as { freshness?: FreshnessReport }).freshness
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
        ...(status.mesh !== undefined ? [['mesh', meshLine(status.mesh)] as [string, string]] : []),
        ['records', status.records],
        ['log', `${status.log.length} entries, ${formatBytes(status.log.bytes)}`],
        ['replication', `${status.replication.mode}: ${status.replication.payloadBlocks.held} of the ${status.replication.payloadBlocks.of} payloads blocks of other writers held here`],
        ['keys held', status.roles.filter(r => r.held).map(r => `${r.name} (${r.clearance}, epoch ${r.epoch})`).join(', ')],
        ...(status.halted !== undefined ? [['halted', status.halted] as [string, string]] : []),
        ['view hash', status.viewHash.slice(0, 16)],
        ['home', status.home],
        ...(freshness !== undefined ? freshnessRows(freshness) : [])
      ], useColor(ctx)))
    }))
}

/** How this peer links, in words: the full mesh, or which tier of the two (src/distribution/links.ts). */
function meshLine (mesh: NonNullable<StatusReport['mesh']>): string {
  const connected = `${mesh.dialsConnected} of the ${mesh.dials} it dials connected`
  if (mesh.kind === 'full') return `full: every member votes, ${connected}`
  return mesh.hub
    ? `two-tier, a voter: dials the other voters, and every member dials it; ${connected}`
    : `two-tier, a member: dials the voters and a few members; ${connected}`
}
