/** `bzzz-ctx keys [ls|rotate|revoke|reseal]`: the cluster's role keys, their epochs and who holds them; the admin changes them. */
import { Command } from 'commander'
import { parseList, type CliEnv } from '../cli-env.js'
import { emit, note, useColor, type CommandContext } from '../io.js'
import { homeOf, recordAdmin, withPeer, type PeerApi } from '../peer-session.js'
import { table } from '../render.js'
import { accessDenied, badUsage } from '../../errors.js'
import type { ResealReport } from '../../node/local-peer.js'

const short = (node: string): string => node.slice(0, 12)

/** The leader's reseal after a keys change made here: if it fails, the change stands, and the error says how to run it again. */
async function resealAfter (peer: PeerApi, roles: readonly string[], rolesVersion: number): Promise<ResealReport> {
  try {
    return await peer.reseal(roles)
  } catch (err) {
    if (err instanceof Error) err.message = `the keys changed (roles version ${rolesVersion}), but the reseal did not finish: ${err.message}; run \`bzzz-ctx keys reseal --role ${roles.join(',')}\``
    throw err
  }
}

function resealText (report: ResealReport): string {
  return `Resealed ${report.resealed} of the ${report.stale} current records sealed to a past epoch of ${report.roles.join(', ')} (${report.records} looked at) in ${report.ms} ms` +
    (report.changed > 0 ? `; ${report.changed} were written again meanwhile, sealed to the new epochs` : '') + '.'
}

/** What the leader could not reseal, and the way out: a leader that holds those roles' keys (the admin holds them all). */
function noteLeft (ctx: CommandContext, report: ResealReport): void {
  if (report.unopened === 0) return
  const where = report.left.map(row => `${row.records} with a ${row.level} section for ${row.roles.join(',')}`).join('; ')
  note(ctx, `left ${report.unopened} records sealed to the past epochs: the leader holds no key that opens them (${where}); run \`bzzz-ctx keys reseal --role ${report.roles.join(',')}\` while a peer that holds those roles' keys leads (the admin holds every role's: \`bzzz-ctx elect campaign\` on it)`)
}

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
    .option('--reseal', 'then have the leader seal the current version of every record sealed to the old epochs again, to the new ones')
    .addHelpText('after', '\nOld records stay readable to whoever held the old epoch; a member the admin never met (its role unknown) is given nothing and is listed.\n\nExamples:\n  bzzz-ctx keys rotate --role developer\n  bzzz-ctx keys rotate --role developer,qa --reseal --json')
    .action(env.action<{ role: string[], reseal?: boolean }>(async (ctx, options) => {
      if (options.role.length === 0) throw badUsage('name the roles to rotate with --role')
      const { openKeysHome, planRotation } = await import('../../node/keys-admin.js')
      const { bundle, report } = planRotation(await openKeysHome(homeOf(ctx)), options.role, { op: 'rotate', roles: options.role })
      const { published, reseal } = await withPeer(ctx, async peer => {
        const published = await peer.publishKeys(bundle)
        return { published, reseal: options.reseal === true ? await resealAfter(peer, options.role, report.rolesVersion) : undefined }
      })
      const result = { ...report, ...published, ...(reseal !== undefined ? { reseal } : {}) }
      emit(ctx, result, () => [
        table(['role', 'new epoch', 'given to'], report.roles.map(r => [r.role, r.epoch, r.granted.map(short).join(', ')]), useColor(ctx)),
        `Roles version ${report.rolesVersion}: new records are sealed to the new epochs; each member takes its key up from the logs.`,
        ...(reseal !== undefined ? [resealText(reseal)] : [])
      ].join('\n'))
      if (report.unknownRole.length > 0) note(ctx, `given nothing (their role was never learnt here: start this peer's daemon so it meets them, then rotate again): ${report.unknownRole.map(short).join(', ')}`)
      if (reseal !== undefined) noteLeft(ctx, reseal)
    }))
  keys.command('revoke')
    .description('(admin) take a member off: a roster without it (it is refused from then on) and a new epoch of every role it held')
    .requiredOption('--node <id>', 'the member\'s node id (see `bzzz-ctx elect status` or `bzzz-ctx invite ls`)')
    .option('--reseal', 'then have the leader seal the current version of every record sealed to the old epochs again, so the keys the node kept open none of them')
    .addHelpText('after', '\nWhat the node kept opens only what was written before: records written from now on are sealed to epochs it was never given; with --reseal, the current versions of older records too.\n\nExamples:\n  bzzz-ctx keys revoke --node 3f2a...\n  bzzz-ctx keys revoke --node 3f2a... --reseal --json')
    .action(env.action<{ node: string, reseal?: boolean }>(async (ctx, options) => {
      const { openKeysHome, planRevocation } = await import('../../node/keys-admin.js')
      const { bundle, report } = await planRevocation(await openKeysHome(homeOf(ctx)), options.node.trim().toLowerCase())
      const roles = report.roles.map(r => r.role)
      const { published, reseal } = await withPeer(ctx, async peer => {
        let published
        try {
          published = await peer.publishKeys(bundle)
        } catch (err) {
          // The roster without the node is signed and saved: it is refused already. Only the new epochs are missing.
          if (err instanceof Error) err.message = `node ${short(report.node)} is off the roster (version ${report.roster.version}), but its roles were not rotated: ${err.message}; then run \`bzzz-ctx keys rotate --role ${roles.join(',')}${options.reseal === true ? ' --reseal' : ''}\``
          throw err
        }
        await recordAdmin(ctx, { kind: 'revoke', node: report.node, role: report.role, rosterVersion: report.roster.version, rolesVersion: report.rolesVersion, roles }, peer)
        return { published, reseal: options.reseal === true ? await resealAfter(peer, roles, report.rolesVersion) : undefined }
      })
      emit(ctx, { ...report, ...published, ...(reseal !== undefined ? { reseal } : {}) }, () => [
        `Revoked ${short(report.node)} (${report.role ?? 'role unknown here'}): roster version ${report.roster.version}, ${report.roster.voters} voters, a majority of ${report.roster.majority}.`,
        table(['role', 'new epoch', 'given to'], [...report.roles.map(r => [r.role, r.epoch, r.granted.map(short).join(', ')]),
          ...(report.digest !== undefined ? [['(digest key)', report.digest.id.slice(0, 8), report.digest.granted.map(short).join(', ')]] : [])], useColor(ctx)),
        'Members refuse its certificate from now on; what is written from now on is sealed to epochs it was never given, and digested with a key it was never given.',
        ...(reseal !== undefined ? [resealText(reseal)] : [])
      ].join('\n'))
      if (report.unknownRole.length > 0) note(ctx, `given nothing (their role was never learnt here): ${report.unknownRole.map(short).join(', ')}`)
      if (reseal !== undefined) noteLeft(ctx, reseal)
    }))
  keys.command('reseal')
    .description('(admin) have the leader seal the current version of every record sealed to a past epoch of roles again, to the current epochs')
    .requiredOption('--role <roles>', 'the roles whose past epochs to reseal from (comma-separated)', parseList('--role'))
    .addHelpText('after', '\nWhat `keys rotate --reseal` and `keys revoke --reseal` run after the change: run it again when the leader could not open some records (it says which).\n\nExamples:\n  bzzz-ctx keys reseal --role developer --json')
    .action(env.action<{ role: string[] }>(async (ctx, options) => {
      if (options.role.length === 0) throw badUsage('name the roles to reseal with --role')
      const { openKeysHome } = await import('../../node/keys-admin.js')
      const home = await openKeysHome(homeOf(ctx))
      if (home.config.nodeId !== home.config.cluster.adminKey) throw accessDenied('only the cluster\'s admin reseals its records: run `bzzz-ctx keys reseal` on that peer')
      const reseal = await withPeer(ctx, async peer => await peer.reseal(options.role))
      emit(ctx, reseal, () => resealText(reseal))
      noteLeft(ctx, reseal)
    }))
  return keys
}
