/** `bzzz-ctx audit [ls|verify]`: the audit log of every peer this one holds, listed, and checked for tampering. */
import { Command } from 'commander'
import { addressArgument, type CliEnv } from '../cli-env.js'
import { emit, useColor, type CommandContext } from '../io.js'
import { homeOf } from '../peer-session.js'
import { table } from '../render.js'
import { BzzzError, badUsage } from '../../errors.js'
import type { LocalPeer } from '../../node/local-peer.js'

const short = (node: string): string => node.slice(0, 12)
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `--since`: an ISO date or time, or how long ago (`30m`, `2h`, `7d`). */
function parseSince (value: string): number {
  const ago = /^(\d{1,9})([smhd])$/.exec(value)
  if (ago !== null) return Date.now() - Number(ago[1]) * UNIT_MS[ago[2]!]!
  const at = Date.parse(value)
  if (Number.isNaN(at)) throw badUsage(`--since takes an ISO date or time (2026-05-01, 2026-05-01T12:00Z) or how long ago (30m, 2h, 7d), not "${value.slice(0, 40)}"`)
  return at
}

/** The fields of an event other than those every row shows, as `key=value` for people. */
function details (row: Record<string, unknown>): string {
  const shown = new Set(['node', 'index', 'kind', 'at', 'role', 'proof', 'signature'])
  return Object.entries(row).filter(([key]) => !shown.has(key)).map(([key, value]) => {
    const text = typeof value === 'string' ? (/^[0-9a-f]{64}$/.test(value) ? short(value) : value) : JSON.stringify(value)
    return `${key}=${text}`
  }).join(' ')
}

/** Opens the home read-only (beside a running daemon, which keeps writing) for the time of `work`. */
async function withHome<T> (ctx: CommandContext, work: (peer: LocalPeer) => Promise<T>): Promise<T> {
  const { LocalPeer } = await import('../../node/local-peer.js')
  const peer = await LocalPeer.open(homeOf(ctx), { readOnly: true })
  try {
    return await work(peer)
  } finally {
    await peer.close()
  }
}

export function auditCommand (env: CliEnv): Command {
  const audit = new Command('audit').description('the audit log: what each peer did and saw, signed, replicated and co-signed by the others')
  audit.command('ls', { isDefault: true })
    .description('the events of every audit core this peer holds, oldest first')
    .option('--node <id>', 'only events written by this node (its id, or its first 4 or more characters)')
    .option('--since <time>', 'only events at or after this time: an ISO date or time, or how long ago (30m, 2h, 7d)', parseSince)
    .option('--kind <kind>', 'only events of this kind (election-won, distribute, read, join, revoke, roster, checkpoint, ...)')
    .option('--address <address>', 'only events about this address: those naming it, and reads recorded with it hashed (auditHashReads)')
    .addHelpText('after', '\nExamples:\n  bzzz-ctx audit ls --since 1d\n  bzzz-ctx audit ls --kind distribute --json\n  bzzz-ctx audit ls --node 3fa9c2 --kind read\n  bzzz-ctx audit ls --kind read --address ucxl://shop/src/api/auth.py')
    .action(env.action<{ node?: string, since?: number, kind?: string, address?: string }>(async (ctx, options) => {
      const { auditRows, auditKind } = await import('../../audit/audit-query.js')
      const { hashAddress } = await import('../../audit/read-hash.js')
      const filter = { ...(options.node !== undefined ? { node: options.node.toLowerCase() } : {}), ...(options.since !== undefined ? { since: options.since } : {}), ...(options.kind !== undefined ? { kind: auditKind(options.kind) } : {}) }
      const events = await withHome(ctx, async peer => {
        if (options.address === undefined) return await auditRows(peer.audit, filter)
        // A member that may write holds the salt, and finds hashed reads of the address by hashing it the same way: with
        // every digest key it holds, since a revocation replaces the key and the reads before it keep their hashes.
        const text = addressArgument(options.address, peer.config.project)
        return await auditRows(peer.audit, { ...filter, address: { text, hashes: peer.readSalts().map(salt => hashAddress(salt, text)) } })
      })
      emit(ctx, { events }, () => events.length === 0
        ? 'No audit events match.'
        : table(['at', 'node', 'role', 'kind', 'detail'], events.map(e => [new Date(e.at).toISOString(), short(e.node), e.role, e.kind, details(e)]), useColor(ctx), true))
    }))
  audit.command('verify')
    .description('check every audit core this peer holds: its signature, that its entries are the ones signed, and the checkpoints its members co-signed')
    .addHelpText('after', '\nExits 1, naming the node, the core and the entries, on a changed entry, a truncated or forked core, or a checkpoint that does not verify.\n\nExamples:\n  bzzz-ctx audit verify\n  bzzz-ctx audit verify --json')
    .action(env.action(async ctx => {
      const { verifyAudit } = await import('../../audit/verify.js')
      const report = await withHome(ctx, async peer => await verifyAudit(peer.audit, peer.config.cluster.id))
      emit(ctx, report, () => [
        table(['node', 'core', 'entries', 'co-signed', 'here'], report.cores.map(c => [short(c.node), short(c.core), c.length, c.checkpoints, c.own ? 'own' : 'replica']), useColor(ctx)),
        ...report.problems.map(p => `${p.kind}: ${p.detail}`),
        report.ok ? `Every audit core verifies (${report.checkpoints} checkpoints).` : ''
      ].filter(line => line !== '').join('\n'))
      if (!report.ok) {
        const first = report.problems[0]!
        throw new BzzzError('FAILURE', `the audit log does not verify: ${first.detail}${report.problems.length > 1 ? ` (and ${report.problems.length - 1} more)` : ''}`, { reported: ctx.global.json })
      }
    }))
  return audit
}
