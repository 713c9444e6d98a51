/** `bzzz-ctx retrieve ADDRESS --role ROLE`: the resolved context of an address as a role may read it. */
import { Command } from 'commander'
import { DEFAULT_RESOLVE_DEPTH, MAX_RESOLVE_DEPTH } from '../../context/resolve.js'
import type { CliEnv } from '../cli-env.js'
import { addressArgument, parseWhole } from '../cli-env.js'
import { emit, useColor } from '../io.js'
import { withPeer } from '../peer-session.js'
import { renderRetrieved } from '../render.js'
import { retrievedWithin } from '../../agents/retrieve-budget.js'
import { MAX_ANSWER_TOKENS, MIN_ANSWER_TOKENS } from '../../agents/tokens.js'

export function retrieveCommand (env: CliEnv): Command {
  return new Command('retrieve')
    .description('the context of an address, resolved up its directories, as a role may read it')
    .argument('<address>', 'a UCXL address (ucxl://project/path), or a path in the configured project')
    .option('--role <role>', 'read as this role (default: this peer\'s role)')
    .option('--depth <n>', `how many levels above the address to merge (default ${DEFAULT_RESOLVE_DEPTH})`, parseWhole('--depth', 0, MAX_RESOLVE_DEPTH))
    .option('--max-tokens <n>', 'cut the answer to about this many tokens, least useful parts first, and say what was cut', parseWhole('--max-tokens', MIN_ANSWER_TOKENS, MAX_ANSWER_TOKENS))
    .addHelpText('after', '\nExamples:\n  bzzz-ctx retrieve ucxl://shop/src/api/auth.py --role developer\n  bzzz-ctx retrieve ucxl://shop/src/api/auth.py --role security --json\n  bzzz-ctx retrieve src/api/auth.py --max-tokens 500 --json')
    .action(env.action<{ role?: string, depth?: number, maxTokens?: number }>(async (ctx, options, [given]) => {
      const whole = await withPeer(ctx, async peer => {
        return await peer.retrieve(addressArgument(given!, peer.config.project), options.role ?? peer.config.role, options.depth ?? DEFAULT_RESOLVE_DEPTH)
      }, { readOnly: true })
      const result = options.maxTokens === undefined ? whole : retrievedWithin(whole, options.maxTokens)
      emit(ctx, result, () => renderRetrieved(result, useColor(ctx)))
    }))
}
