/** `bzzz-ctx queue [ls|status]`: the leader's generation queue, as rebuilt from the logs on this peer. */
import { Command } from 'commander'
import type { CliEnv } from '../cli-env.js'
import { emit, useColor } from '../io.js'
import { withDaemon } from '../peer-session.js'
import { table } from '../render.js'

function age (ms: number): string {
  if (ms < 1_000) return `${ms} ms`
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`
  return `${Math.round(ms / 3_600_000)} h`
}

export function queueCommand (env: CliEnv): Command {
  const queue = new Command('queue').description('the leader\'s generation queue: every peer rebuilds it from the logs (needs the daemon)')
  queue.command('ls', { isDefault: true })
    .description('requests: id, address, priority, age, requester, state')
    .option('--all', 'also list finished requests (default: the 50 newest of them)')
    .action(env.action<{ all?: boolean }>(async (ctx, options) => {
      const rows = await withDaemon(ctx, daemon => daemon.queueList())
      const open = rows.filter(r => r.state === 'queued' || r.state === 'active')
      const done = rows.filter(r => r.state !== 'queued' && r.state !== 'active')
      const shown = options.all === true ? rows : [...open, ...done.slice(0, 50)]
      emit(ctx, { requests: shown }, () => shown.length === 0
        ? 'The queue is empty: no generation request was accepted yet.'
        : table(['id', 'address', 'priority', 'age', 'requester', 'state'], shown.map(r => [
          r.id, r.address, r.priority, age(r.ageMs), r.requester.slice(0, 12),
          r.state + (r.waitingFor !== undefined ? ` (waiting for a leader holding role ${r.waitingFor.join(' or ')})` : '') + (r.supersededBy !== undefined ? ` by ${r.supersededBy}` : '') + (r.error !== undefined ? `: ${r.error.slice(0, 60)}` : '')
        ]), useColor(ctx)) + (shown.length < rows.length ? `\n${rows.length - shown.length} older finished request(s) not shown (--all).` : ''))
    }))
  queue.command('status')
    .description('how many requests are queued, active, completed and failed, and the rate')
    .action(env.action(async ctx => {
      const status = await withDaemon(ctx, daemon => daemon.queueStatus())
      emit(ctx, status, () => [
        table(['queued', 'active', 'completed', 'failed', 'superseded', 'per second'], [[status.queued, status.active, status.completed, status.failed, status.superseded, status.ratePerSecond.toFixed(2)]], useColor(ctx)),
        `Leader ${status.leader?.slice(0, 16) ?? 'none'} in term ${status.term}${status.isLeader ? ' (this peer)' : ''}.`,
        ...(status.waiting > 0 ? [`${status.waiting} queued request(s) wait for a leader that may open their files (bzzz-ctx queue ls says which roles).`] : [])
      ].join('\n'))
    }))
  return queue
}
