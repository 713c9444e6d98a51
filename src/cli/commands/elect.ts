/** `bzzz-ctx elect [status|campaign|resign|promote|demote]`: the leader election as this peer's daemon sees it; start one; step down. */
import { Command } from 'commander'
import type { CliEnv } from '../cli-env.js'
import type { CommandContext } from '../io.js'
import { emit, useColor } from '../io.js'
import { withDaemon } from '../peer-session.js'
import { table } from '../render.js'
import type { ElectStatus } from '../../node/cluster/index.js'
import { majorityOf } from '../../election/election.js'
import { electPromoteCommand } from './elect-promote.js'
import { electDemoteCommand } from './elect-demote.js'

function short (id: string | null): string {
  return id === null ? 'none' : id.slice(0, 16)
}

function render (ctx: CommandContext, status: ElectStatus, headline: string): string {
  const lines = [
    headline,
    `Term ${status.term}, this peer is ${status.state}${status.phase === 'pre-candidate' ? ' (pre-vote)' : ''}; leader ${short(status.leader)}; voted for ${short(status.votedFor)}.`,
    `Roster ${status.roster.version === null ? '(unsigned: admin and this peer)' : `v${status.roster.version}`}, ${status.roster.voters} voters of ${status.roster.members} members, majority ${majorityOf(status.roster.voters)}; election timeout ${status.electionTimeoutMs} ms; this peer ${status.voter ? 'votes' : 'does not vote'} and ${status.canCampaign ? 'stands' : 'never stands'} for election.`
  ]
  if (status.peers.length > 0) {
    lines.push(table(['peer', 'role', 'connected', 'voter', 'last heard'], status.peers.map(p => [
      short(p.id) + (p.id === status.leader ? ' *' : ''), p.role ?? 'not met', p.connected ? 'yes' : 'no', p.voter ? 'yes' : 'no',
      p.lastContactMs === null ? 'never' : `${p.lastContactMs} ms ago`
    ]), useColor(ctx)))
  }
  return lines.filter(l => l !== '').join('\n')
}

export function electCommand (env: CliEnv): Command {
  const elect = new Command('elect').description('the leader election: its state, start one, or step down (needs the daemon)')
  elect.command('status', { isDefault: true })
    .description('term, state, leader, vote, and when each peer was last heard from')
    .action(env.action(async ctx => {
      const status = await withDaemon(ctx, daemon => daemon.electStatus())
      emit(ctx, status, () => render(ctx, status, ''))
    }))
  elect.command('campaign')
    .description('start an election now (it still needs a majority, and a healthy leader\'s followers refuse)')
    .action(env.action(async ctx => {
      const status = await withDaemon(ctx, daemon => daemon.campaign())
      emit(ctx, status, () => render(ctx, status, status.state === 'leader' ? 'This peer leads.' : `Not elected: ${status.leader === null ? 'no leader yet' : `${short(status.leader)} leads`}.`))
    }))
  elect.command('resign')
    .description('hand leadership to the follower that is most up to date, and step down')
    .action(env.action(async ctx => {
      const status = await withDaemon(ctx, daemon => daemon.resign())
      emit(ctx, status, () => render(ctx, status, `Stepped down; the leader is now ${short(status.leader)}.`))
    }))
  elect.addCommand(electPromoteCommand(env))
  elect.addCommand(electDemoteCommand(env))
  return elect
}
