/** `bzzz-ctx search QUERY [--kind K] [--project P]`: where symbols and files of that name are, ranked. */
import { Command } from 'commander'
import { AgentQueries } from '../../agents/agent-queries.js'
import { isSearchKind, SEARCH_DEFAULT_LIMIT, SEARCH_KINDS } from '../../agents/search.js'
import { PAGE_LIMIT_MAX } from '../../agents/page.js'
import { DEFAULT_ANSWER_TOKENS } from '../../agents/tokens.js'
import { badUsage } from '../../errors.js'
import { parseWhole, type CliEnv } from '../cli-env.js'
import { emit, useColor } from '../io.js'
import { withPeer } from '../peer-session.js'
import { renderSearch } from '../render-agents.js'

export function searchCommand (env: CliEnv): Command {
  return new Command('search')
    .description('where symbols and files of a name are defined: exact, prefix, then substring matches, ranked')
    .argument('<query>', 'a name, the start of one, or part of one (with a slash, part of a path)')
    .option('--kind <kind>', `only this kind: ${SEARCH_KINDS.join(', ')}`)
    .option('--project <project>', 'search this project (default: the configured one)')
    .option('--role <role>', 'search as this role (default: this peer\'s role)')
    .option('--limit <n>', `at most this many results (default ${SEARCH_DEFAULT_LIMIT})`, parseWhole('--limit', 1, PAGE_LIMIT_MAX))
    .option('--cursor <cursor>', 'the next page: the cursor a previous answer gave')
    .addHelpText('after', '\nExamples:\n  bzzz-ctx search Database\n  bzzz-ctx search log --kind function --json')
    .action(env.action<{ kind?: string, project?: string, role?: string, limit?: number, cursor?: string }>(async (ctx, options, [query]) => {
      if (options.kind !== undefined && !isSearchKind(options.kind)) throw badUsage(`--kind must be one of ${SEARCH_KINDS.join(', ')}, not "${options.kind.slice(0, 24)}"`)
      const kind = options.kind
      const answer = await withPeer(ctx, async peer => {
        const project = options.project ?? peer.config.project
        if (project === undefined) throw badUsage('this peer has no configured project: name one with --project')
        return await new AgentQueries(peer).search(project, options.role ?? peer.config.role, query!, {
          budgetTokens: DEFAULT_ANSWER_TOKENS, ...(kind !== undefined && isSearchKind(kind) ? { kind } : {}),
          ...(options.limit !== undefined ? { limit: options.limit } : {}), ...(options.cursor !== undefined ? { cursor: options.cursor } : {})
        })
      }, { readOnly: true })
      emit(ctx, answer, () => renderSearch(answer, useColor(ctx)))
    }))
}
