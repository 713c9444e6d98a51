/** `bzzz-ctx invite --role ROLE [--out FILE] [--expires DURATION]`, `invite ls`, `invite cancel ID`: invites. */
import { Command } from 'commander'
import { accessSync, constants, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { writeFileAtomic } from '../../crypto/atomic-file.js'
import { badUsage } from '../../errors.js'
import { printable } from '../../text.js'
import type { CliEnv } from '../cli-env.js'
import { emit } from '../io.js'
import { homeOf, recordAdmin } from '../peer-session.js'
import { inviteCancelCommand } from './invite-cancel.js'
import { inviteLsCommand } from './invite-ls.js'

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }
const MIN_EXPIRY_MS = UNIT_MS.m!
const MAX_EXPIRY_MS = 365 * UNIT_MS.d!

/** `--expires 2h`, `30m`, `7d`, `2w`; a bare number is hours, as the option took before it took units. */
export function parseExpiry (value: string): number {
  const match = /^(\d{1,7})([mhdw]?)$/.exec(value)
  const ms = match === null ? NaN : Number(match[1]) * UNIT_MS[match[2] === '' ? 'h' : match[2]!]!
  if (!(ms >= MIN_EXPIRY_MS && ms <= MAX_EXPIRY_MS)) {
    throw badUsage(`--expires must be a duration from 1m to 365d, such as 2h, 7d or 2w (a bare number is hours), not "${printable(value, 24)}"`)
  }
  return ms
}

/** `--capacity 2`: a whole number as given; whether it is in range is the roster's check (one message for both paths). */
function parseCapacity (value: string): number {
  if (!/^[0-9]{1,7}$/.test(value)) throw badUsage(`--capacity takes a whole number (1, 2, ...), not "${printable(value, 24)}"`)
  return Number(value)
}

function isDirectory (path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

function isWritable (path: string): boolean {
  try {
    accessSync(path, constants.W_OK)
    return true
  } catch {
    return false
  }
}

/** Refuses an --out the invite could not be written to: checked before the roster grows (a voter nobody can become). */
function checkOut (out: string): void {
  const file = resolve(out)
  if (!isDirectory(dirname(file))) throw badUsage(`--out ${out}: its directory does not exist`)
  if (isDirectory(file)) throw badUsage(`--out ${out} is a directory: give a file name, such as ${join(out, 'member.invite')}`)
  if (!isWritable(dirname(file))) throw badUsage(`--out ${out}: its directory is not writable`)
}

export function inviteCommand (env: CliEnv): Command {
  return new Command('invite')
    .description('make an invite for a new peer with a role (admin only; the invite is a secret); list or cancel invites')
    .option('--role <role>', 'the new member\'s role')
    .option('--out <file>', 'write the invite to this file (mode 0600) instead of printing it')
    .option('--capacity <n>', 'the new member\'s capacity, relative to the others\' (a whole number, default 1): with sharded replication it holds shards in proportion', parseCapacity)
    .option('--expires <duration>', 'how long it may be redeemed: 30m, 2h, 7d, 2w (default 7d; a bare number is hours)', parseExpiry)
    .addCommand(inviteLsCommand(env))
    .addCommand(inviteCancelCommand(env))
    .addHelpText('after', '\nExample:\n  bzzz-ctx invite --role developer --out dev.invite   # then, on the new peer:\n  bzzz-ctx init --join dev.invite\n  bzzz-ctx invite ls\n  bzzz-ctx invite cancel ID                           # one not redeemed yet')
    .action(env.action<{ role?: string, out?: string, expires?: number, capacity?: number }>(async (ctx, options, args) => {
      if (args.length > 0) throw badUsage(`invite has no verb "${printable(args[0]!, 24)}": use \`invite --role ROLE\`, \`invite ls\` or \`invite cancel ID\``)
      if (options.role === undefined) throw badUsage('missing --role ROLE')
      // The roster grows when the invite is made: an --out that cannot be written must fail before that.
      if (options.out !== undefined) checkOut(options.out)
      const { createInvite } = await import('../../node/invite.js')
      const report = await createInvite(homeOf(ctx), options.role, { ...(options.expires !== undefined ? { ttlMs: options.expires } : {}), ...(options.capacity !== undefined ? { capacity: options.capacity } : {}) })
      if (options.out !== undefined) await writeFileAtomic(options.out, report.invite + '\n', 0o600)
      await recordAdmin(ctx, { kind: 'invite', id: report.id, node: report.node, role: report.role, expiresAt: Date.parse(report.expiresAt), rosterVersion: report.rosterVersion })
      // The invite is the result, not chatter: with -q it is printed alone, never dropped.
      if (ctx.global.quiet && !ctx.global.json && options.out === undefined) {
        ctx.io.stdout.write(report.invite + '\n')
        return
      }
      const shown = options.out === undefined ? report : { ...report, invite: null, file: options.out }
      // An invite that fills the voting set is a voter from now on, redeemed or not: say what that means for electing a leader.
      const quorum = report.voter
        ? `The roster now has ${report.voters} voters, this invite's peer among them whether or not it joins: a leader needs ${report.majority} of them running.\n` +
          `Its id is ${report.id}: \`bzzz-ctx invite cancel ${report.id}\` takes its vote back while it is not redeemed.`
        : `The voting set is full (${report.voters} voters; a leader needs ${report.majority} of them running): this peer joins as a member that does not vote (\`bzzz-ctx elect promote --node ID\` makes it one).\n` +
          `Its id is ${report.id}: \`bzzz-ctx invite cancel ${report.id}\` takes it off the roster while it is not redeemed.`
      const capacity = report.capacity === 1 ? '' : `\nIts capacity is ${report.capacity}: with sharded replication it holds about ${report.capacity} times the shards of a member of capacity 1.`
      emit(ctx, shown, () => options.out === undefined
        ? `${report.invite}\n\nAn invite for a new ${report.role} (node ${report.node.slice(0, 16)}…), to redeem before ${report.expiresAt}.\nIt is a secret (it holds the new member's keys): pass it privately. On the new peer: bzzz-ctx init --join <invite>\n${quorum}${capacity}`
        : `Wrote an invite for a new ${report.role} (node ${report.node.slice(0, 16)}…) to ${options.out}, to redeem before ${report.expiresAt}.\nIt is a secret (it holds the new member's keys): pass it privately. On the new peer: bzzz-ctx init --join ${options.out}\n${quorum}${capacity}`)
    }))
}
