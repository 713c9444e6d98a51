/** `bzzz-ctx policy [show|set FILE]`: which roles may generate, distribute and decide, and up to which level (signed by the admin). */
import { Command } from 'commander'
import { badUsage } from '../../errors.js'
import type { CliEnv } from '../cli-env.js'
import { emit, useColor } from '../io.js'
import { readJson } from '../json-file.js'
import { homeOf, withPeer } from '../peer-session.js'
import { table } from '../render.js'

export function policyCommand (env: CliEnv): Command {
  const policy = new Command('policy').description('which roles may generate, distribute and decide, and up to which level (signed by the admin)')
  policy.command('show', { isDefault: true })
    .description('the policy in force on this peer: its version, who signed it, and each role\'s ops and highest level')
    .action(env.action(async ctx => {
      const { LocalPeer } = await import('../../node/local-peer.js')
      const { policyReport } = await import('../../node/policy-admin.js')
      const peer = await LocalPeer.open(homeOf(ctx), { readOnly: true })
      let report
      try {
        report = policyReport(peer)
      } finally {
        await peer.close()
      }
      emit(ctx, report, () => table(['role', 'clearance', 'may', 'writes up to'], report.roles.map(row =>
        [row.role, row.clearance, row.ops.length === 0 ? 'read only' : row.ops.join(', '), row.level ?? '-']), useColor(ctx)) + '\n' +
        (report.signedBy === null
          ? 'The built-in default (no policy signed yet): viewer reads only; every other role writes up to its clearance.'
          : `Policy version ${report.version}, signed by the admin ${report.signedBy.slice(0, 12)}.`))
    }))
  policy.command('set')
    .argument('<file>', 'the policy (JSON): {"version"?, "roles": {ROLE: {"ops": [...], "level": LEVEL}}}, or one the admin signed')
    .description('(admin) sign the policy FILE and have the leader write it, where every peer takes it up; any member may hand on a policy the admin signed')
    .addHelpText('after', '\nA role the file does not name only reads; no role writes above its clearance.\n\nExamples:\n  bzzz-ctx policy set policy.json\n\nA policy: {"version":2,"roles":{"developer":{"ops":["generate","decide"],"level":"internal"},"qa":{"ops":["generate","distribute","decide"],"level":"internal"}}}')
    .action(env.action<Record<string, never>>(async (ctx, _options, [file]) => {
      if (file === undefined) throw badUsage('name the policy file: bzzz-ctx policy set FILE')
      const value = readJson(file, 'policy')
      const { LocalPeer } = await import('../../node/local-peer.js')
      const { planPolicy } = await import('../../node/policy-admin.js')
      const home = await LocalPeer.open(homeOf(ctx), { readOnly: true })
      let signed
      try {
        signed = planPolicy({ config: home.config, policies: home.policies, identity: home.keyring.identity }, value, file)
      } finally {
        await home.close()
      }
      const published = await withPeer(ctx, async peer => await peer.publishPolicy(signed))
      emit(ctx, { ...published, version: signed.version, signedBy: signed.issuer }, () =>
        `Policy version ${signed.version} is written to the leader's log: every peer takes it up from the logs, and the leader refuses what it does not allow.`)
    }))
  return policy
}
