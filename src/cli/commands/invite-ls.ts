/** `bzzz-ctx invite ls`: the admin's invites and the state of each (pending, redeemed, expired, cancelled). */
import { Command } from 'commander'
import type { CliEnv } from '../cli-env.js'
import { emit, useColor } from '../io.js'
import { homeOf } from '../peer-session.js'
import { table } from '../render.js'

export function inviteLsCommand (env: CliEnv): Command {
  return new Command('ls')
    .description('the invites this admin made: id, role, node, created, expires, state (redeemed: its peer was seen connected)')
    .action(env.action(async ctx => {
      const { listInvites } = await import('../../node/invite.js')
      const invites = listInvites(homeOf(ctx))
      // An expired invite nobody redeemed still holds a vote: say how to give it back, since nothing does it alone.
      const stale = invites.filter(i => i.state === 'expired' && i.voter)
      emit(ctx, { invites }, () => invites.length === 0
        ? 'No invites yet: make one with `bzzz-ctx invite --role ROLE`.'
        : [
            table(['id', 'role', 'node', 'created', 'expires', 'state'], invites.map(i => [
              i.id, i.role, i.node.slice(0, 16), i.createdAt.slice(0, 16).replace('T', ' '), i.expiresAt.slice(0, 16).replace('T', ' '),
              i.state + (i.cancelledAt !== undefined ? ` ${i.cancelledAt.slice(0, 16).replace('T', ' ')}` : '')
            ]), useColor(ctx)),
            ...(stale.length > 0 ? [`${stale.length} expired invite(s) still count as voters until cancelled: bzzz-ctx invite cancel ${stale[0]!.id}`] : [])
          ].join('\n'))
    }))
}
