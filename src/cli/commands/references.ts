/** `bzzz-ctx references ADDRESS`: which files import a module, and what it imports. */
import { Command } from 'commander'
import { AgentQueries } from '../../agents/agent-queries.js'
import { PAGE_LIMIT_MAX } from '../../agents/page.js'
import { DEFAULT_ANSWER_TOKENS } from '../../agents/tokens.js'
import { addressArgument, parseWhole, type CliEnv } from '../cli-env.js'
import { emit, useColor } from '../io.js'
import { withPeer } from '../peer-session.js'
import { renderReferences } from '../render-agents.js'

export function referencesCommand (env: CliEnv): Command {
  return new Command('references')
    .description('which files import a file or folder, and what it imports, in the project and outside it')
    .argument('<address>', 'a UCXL address, or a path in the configured project')
    .option('--role <role>', 'as this role (default: this peer\'s role); the graph is made of the imports it may read')
    .option('--limit <n>', 'at most this many importers', parseWhole('--limit', 1, PAGE_LIMIT_MAX))
    .option('--cursor <cursor>', 'the next page of importers: the cursor a previous answer gave')
    .addHelpText('after', '\nExamples:\n  bzzz-ctx references src/server/db.py\n  bzzz-ctx references ucxl://shop/src/server --json')
    .action(env.action<{ role?: string, limit?: number, cursor?: string }>(async (ctx, options, [given]) => {
      const answer = await withPeer(ctx, async peer => await new AgentQueries(peer).references(addressArgument(given!, peer.config.project), options.role ?? peer.config.role, {
        budgetTokens: DEFAULT_ANSWER_TOKENS, ...(options.limit !== undefined ? { limit: options.limit } : {}), ...(options.cursor !== undefined ? { cursor: options.cursor } : {})
      }), { readOnly: true })
      emit(ctx, answer, () => renderReferences(answer, useColor(ctx)))
    }))
}
