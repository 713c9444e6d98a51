/** `bzzz-ctx decide ADDRESS... --title T --rationale R`: record a decision that affects addresses. */
import { Command } from 'commander'
import { badUsage } from '../../errors.js'
import { addressArgument, parseList, type CliEnv } from '../cli-env.js'
import { emit } from '../io.js'
import { withPeer } from '../peer-session.js'

export function decideCommand (env: CliEnv): Command {
  return new Command('decide')
    .description('record a decision that affects one or more addresses, authored by this peer\'s role')
    .argument('[address...]', 'the UCXL addresses it affects (ucxl://project/path, or paths in the configured project)')
    .option('--affects <address>', 'another address it affects (repeat the flag for more)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--title <title>', 'what was decided, in a line')
    .option('--rationale <text>', 'why: sealed at --level, so only roles cleared for it read it')
    .option('--influenced-by <ids>', 'earlier decisions that led to this one (comma-separated ids)', parseList('--influenced-by'))
    .option('--supersedes <ids>', 'earlier decisions this one replaces (comma-separated ids)', parseList('--supersedes'))
    .option('--level <level>', 'the access level of the decision (public, internal, confidential, secret, top-secret)', 'internal')
    .addHelpText('after', '\nExamples:\n  bzzz-ctx decide ucxl://shop/src/auth.py --title "Sessions in Redis" --rationale "Horizontal scaling"\n  bzzz-ctx decide ucxl://shop/src/auth.py ucxl://shop/src/db --title "Drop MySQL" --rationale "..." --supersedes d-AbC123xyz --json')
    .action(env.action<{ title?: string, rationale?: string, influencedBy?: string[], supersedes?: string[], level: string, affects?: string[] }>(async (ctx, options, args) => {
      const addresses = [...args, ...(options.affects ?? [])]
      if (addresses.length === 0) throw badUsage('name the address the decision affects (ADDRESS, or --affects ADDRESS)')
      if (options.title === undefined) throw badUsage('missing --title: say what was decided')
      if (options.rationale === undefined) throw badUsage('missing --rationale: say why')
      const decision = await withPeer(ctx, peer => peer.decide({
        affects: addresses.map(address => addressArgument(address, peer.config.project)), title: options.title!, rationale: options.rationale!, level: options.level,
        ...(options.influencedBy !== undefined ? { influencedBy: options.influencedBy } : {}),
        ...(options.supersedes !== undefined ? { supersedes: options.supersedes } : {})
      }))
      emit(ctx, decision, () => `Decision ${decision.id} recorded (${decision.level}): ${decision.title}\nIt affects ${decision.affects.join(', ')}. Ask what it shaped with: bzzz-ctx hops ${decision.id}`)
    }))
}
