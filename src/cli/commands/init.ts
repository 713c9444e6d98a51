/** `bzzz-ctx init`: create this peer's home: identity, cluster, role keys, config. */
import { Command } from 'commander'
import { badUsage } from '../../errors.js'
import type { CliEnv } from '../cli-env.js'
import { emit } from '../io.js'
import { homeOf } from '../peer-session.js'
import { REPLICATIONS, type Replication } from '../../node/home.js'

/** A whole number as given; whether it is odd and in range is the home's check (one message for both paths). */
function parseMaxVoters (text: string): number {
  if (!/^[0-9]{1,3}$/.test(text)) throw badUsage(`--max-voters takes an odd whole number (1, 3, 5, ...), not "${text.slice(0, 20)}"`)
  return Number(text)
}

function parseReplication (text: string): Replication {
  if (!(REPLICATIONS as readonly string[]).includes(text)) throw badUsage(`--replication takes ${REPLICATIONS.join(' or ')}, not "${text.slice(0, 20)}"`)
  return text as Replication
}

export function initCommand (env: CliEnv): Command {
  return new Command('init')
    .description('create this peer\'s home: its identity, a new cluster and its role keys')
    .option('--cluster <name>', 'create a new cluster with this name (this peer becomes its admin)')
    .option('--role <role>', 'this peer\'s role: viewer, developer, qa, architect, security or admin')
    .option('--project <name>', 'the project that commands use when they name none')
    .option('--max-voters <n>', 'how many voters invites fill the voting set up to (odd, default 5); later members do not vote', parseMaxVoters)
    .option('--replication <mode>', 'how records\' payloads replicate: full (every peer holds all; default) or sharded (voters hold all, other members the shards placed on them)', parseReplication)
    .option('--join <invite>', 'join an existing cluster with an invite (the text, or a file holding it)')
    .addHelpText('after', '\nExample:\n  bzzz-ctx init --cluster acme --role developer --project shop')
    .action(env.action<{ cluster?: string, role?: string, project?: string, join?: string, maxVoters?: number, replication?: Replication }>(async (ctx, options) => {
      if (options.join !== undefined) {
        if (options.cluster !== undefined) throw badUsage('use either --cluster (create) or --join (join), not both')
        if (options.role !== undefined || options.project !== undefined || options.maxVoters !== undefined || options.replication !== undefined) {
          throw badUsage('--join takes its role, project, voting set and replication from the invite: leave out --role, --project, --max-voters and --replication')
        }
        const { readInviteArgument, redeemInvite } = await import('../../node/invite.js')
        const report = await redeemInvite(homeOf(ctx), readInviteArgument(options.join))
        emit(ctx, report, () => [
          `Joined cluster "${report.cluster}" as ${report.role} in ${report.home}`,
          `  node ${report.nodeId.slice(0, 16)}…, holding the keys of: ${report.rolesHeld.join(', ')}`,
          'Next: bzzz-ctx node start --bootstrap HOST:PORT   (or without --bootstrap on the public DHT)'
        ].join('\n'))
        return
      }
      if (options.cluster === undefined) throw badUsage('missing --cluster NAME (create a cluster) or --join INVITE (join one)')
      if (options.role === undefined) throw badUsage('missing --role ROLE (viewer, developer, qa, architect, security, admin)')
      const { LocalPeer } = await import('../../node/local-peer.js')
      const report = await LocalPeer.init(homeOf(ctx), {
        cluster: options.cluster, role: options.role, ...(options.project !== undefined ? { project: options.project } : {}),
        ...(options.maxVoters !== undefined ? { maxVoters: options.maxVoters } : {}),
        ...(options.replication !== undefined ? { replication: options.replication } : {})
      })
      emit(ctx, report, () => [
        `Created cluster "${report.cluster}" in ${report.home}`,
        `  node ${report.nodeId.slice(0, 16)}…, role ${report.role}${report.project !== null ? `, project ${report.project}` : ''}${report.replication === 'sharded' ? ', replication sharded' : ''}`,
        `  this peer is the cluster's admin and holds the keys of every role: ${report.roles.map(r => `${r.name} (${r.clearance})`).join(', ')}`,
        `Next: bzzz-ctx generate PATH   then   bzzz-ctx retrieve ucxl://${report.project ?? '<project>'}/<file> --role developer`
      ].join('\n'))
    }))
}
