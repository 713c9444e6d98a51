/** `bzzz-ctx overview [ADDRESS] [--max-tokens N]`: a project's or folder's files, ranked by importance, cut to a budget. */
import { Command } from 'commander'
import { AgentQueries } from '../../agents/agent-queries.js'
import { PAGE_LIMIT_MAX } from '../../agents/page.js'
import { DEFAULT_ANSWER_TOKENS, MAX_ANSWER_TOKENS, MIN_ANSWER_TOKENS } from '../../agents/tokens.js'
import { badUsage } from '../../errors.js'
import { rootAddress } from '../../ucxl/address.js'
import { addressArgument, parseWhole, type CliEnv } from '../cli-env.js'
import { emit, useColor } from '../io.js'
import { withPeer } from '../peer-session.js'
import { renderOverview } from '../render-agents.js'

export function overviewCommand (env: CliEnv): Command {
  return new Command('overview')
    .description('a map of a project or folder: its files ranked by importance over the import graph, cut to a token budget')
    .argument('[address]', 'a project root or folder (default: the configured project\'s root)')
    .option('--role <role>', 'as this role (default: this peer\'s role)')
    .option('--max-tokens <n>', `the most the map may cost (default ${DEFAULT_ANSWER_TOKENS})`, parseWhole('--max-tokens', MIN_ANSWER_TOKENS, MAX_ANSWER_TOKENS))
    .option('--limit <n>', 'at most this many files', parseWhole('--limit', 1, PAGE_LIMIT_MAX))
    .option('--cursor <cursor>', 'the next page: the cursor a previous answer gave')
    .addHelpText('after', '\nExamples:\n  bzzz-ctx overview\n  bzzz-ctx overview ucxl://shop/src --max-tokens 1000 --json')
    .action(env.action<{ role?: string, maxTokens?: number, limit?: number, cursor?: string }>(async (ctx, options, [given]) => {
      const answer = await withPeer(ctx, async peer => {
        const project = peer.config.project
        if (given === undefined && project === undefined) throw badUsage('this peer has no configured project: give an ADDRESS')
        const address = given !== undefined ? addressArgument(given, project) : rootAddress(project!)
        return await new AgentQueries(peer).overview(address, options.role ?? peer.config.role, {
          budgetTokens: options.maxTokens ?? DEFAULT_ANSWER_TOKENS,
          ...(options.limit !== undefined ? { limit: options.limit } : {}), ...(options.cursor !== undefined ? { cursor: options.cursor } : {})
        })
      }, { readOnly: true })
      emit(ctx, answer, () => renderOverview(answer, useColor(ctx)))
    }))
}
