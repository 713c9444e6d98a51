/** `bzzz-ctx keys [ls|rotate]`: the cluster's role keys, their epochs and who holds them; the admin rotates them. */
import { Command } from 'commander'
import { parseList, type CliEnv } from '../cli-env.js'
import { emit, note, useColor } from '../io.js'
import { homeOf, withPeer } from '../peer-session.js'
import { table } from '../render.js'
import { badUsage } from '../../errors.js'

const short = (node: string): string => node.slice(0, 12)

export function keysCommand (env: CliEnv): Command {
  const keys = new Command('keys').description('the cluster\'s role keys: each role\'s epochs, who holds each, and this peer\'s own; the admin rotates them')
  keys.command('ls', { isDefault: true })
    .description('each role: its current epoch, the members given each epoch, and the epochs this peer holds')
    .action(env.action(async ctx => {
      const { LocalPeer } = await import('../../node/local-peer.js')
      const { keysReport } = await import('../../node/keys-admin.js')
      const peer = await LocalPeer.open(homeOf(ctx), { readOnly: true })
      let report
      try {
        report = await keysReport(peer)
      } finally {
        await peer.close()
      }
      emit(ctx, report, () => table(['role', 'clearance', 'epoch', 'held here', 'holders of the current epoch'], report.roles.map(row => {
        const current = row.epochs.at(-1)!
        const held = row.epochs.filter(e => e.held).map(e => e.epoch)
        return [row.role, row.clearance, row.epoch, held.length === 0 ? '-' : held.join(', '), current.holders.length === 0 ? '-' : current.holders.map(short).join(', ')]
      }), useColor(ctx)) + `\nRoles version ${report.rolesVersion}, signed by the admin. This peer is ${short(report.node)}.`)
    }))
  keys.command('rotate')
    .description('(admin) start a new epoch of roles: new records are sealed to it, and each member of the role is given its key through the logs')
    .requiredOption('--role <roles>', 'the roles to rotate (comma-separated)', parseList('--role'))
    .addHelpText('after', '\nOld records stay readable to whoever held the old epoch; a member the admin never met (its role unknown) is given nothing and is listed.\n\nExamples:\n  bzzz-ctx keys rotate --role developer\n  bzzz-ctx keys rotate --role developer,qa --json')
    .action(env.action<{ role: string[] }>(async (ctx, options) => {
      if (options.role.length === 0) throw badUsage('name the roles to rotate with --role')
      const { openKeysHome, planRotation } = await import('../../node/keys-admin.js')
      const { bundle, report } = planRotation(await openKeysHome(homeOf(ctx)), options.role, { op: 'rotate', roles: options.role })
      const published = await withPeer(ctx, peer => peer.publishKeys(bundle))
      const result = { ...report, ...published }
      emit(ctx, result, () => [
        table(['role', 'new epoch', 'given to'], report.roles.map(r => [r.role, r.epoch, r.granted.map(short).join(', ')]), useColor(ctx)),
        `Roles version ${report.rolesVersion}: new records are sealed to the new epochs; each member takes its key up from the logs.`
      ].join('\n'))
      if (report.unknownRole.length > 0) note(ctx, `given nothing (their role was never learnt here: start this peer's daemon so it meets them, then rotate again): ${report.unknownRole.map(short).join(', ')}`)
    }))
  keys.command('revoke')
    .description('(admin) take a member off: a roster without it (it is refused from then on) and a new epoch of every role it held')
    .requiredOption('--node <id>', 'the member\'s node id (see `bzzz-ctx elect status` or `bzzz-ctx invite ls`)')
    .addHelpText('after', '\nWhat the node kept opens only what was written before: records written from now on are sealed to epochs it was never given.\n\nExamples:\n  bzzz-ctx keys revoke --node 3f2a...\n  bzzz-ctx keys revoke --node 3f2a... --json')
    .action(env.action<{ node: string }>(async (ctx, options) => {
      const { openKeysHome, planRevocation } = await import('../../node/keys-admin.js')
      const { bundle, report } = await planRevocation(await openKeysHome(homeOf(ctx)), options.node.trim().toLowerCase())
      let published
      try {
        published = await withPeer(ctx, peer => peer.publishKeys(bundle))
      } catch (err) {
        // The roster without the node is signed and saved: it is refused already. Only the new epochs are missing.
        if (err instanceof Error) err.message = `node ${short(report.node)} is off the roster (version ${report.roster.version}), but its roles were not rotated: ${err.message}; then run \`bzzz-ctx keys rotate --role ${report.roles.map(r => r.role).join(',')}\``
        throw err
      }
      emit(ctx, { ...report, ...published }, () => [
        `Revoked ${short(report.node)} (${report.role ?? 'role unknown here'}): roster version ${report.roster.version}, ${report.roster.voters} voters, a majority of ${report.roster.majority}.`,
        table(['role', 'new epoch', 'given to'], report.roles.map(r => [r.role, r.epoch, r.granted.map(short).join(', ')]), useColor(ctx)),
        'Members refuse its certificate from now on; what is written from now on is sealed to epochs it was never given.'
      ].join('\n'))
      if (report.unknownRole.length > 0) note(ctx, `given nothing (their role was never learnt here): ${report.unknownRole.map(short).join(', ')}`)
    }))
  return keys
}
