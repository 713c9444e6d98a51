/** `bzzz-ctx mcp [--role R] [--max-tokens N]`: the MCP server for agents, on this process's stdin and stdout. */
import { Command } from 'commander'
import { DEFAULT_ANSWER_TOKENS, MAX_ANSWER_TOKENS, MIN_ANSWER_TOKENS } from '../../agents/tokens.js'
import { readConfig } from '../../node/home.js'
import { parseWhole, type CliEnv } from '../cli-env.js'
import { homeOf } from '../peer-session.js'

export function mcpCommand (env: CliEnv): Command {
  return new Command('mcp')
    .description('serve this peer\'s context to AI agents over the Model Context Protocol (stdio)')
    .option('--role <role>', 'answer as this role, one this peer holds (default: this peer\'s role)')
    .option('--max-tokens <n>', `the most any answer may cost (default ${DEFAULT_ANSWER_TOKENS}); a call may ask for less`,
      parseWhole('--max-tokens', MIN_ANSWER_TOKENS, MAX_ANSWER_TOKENS), DEFAULT_ANSWER_TOKENS)
    .addHelpText('after', '\nAn agent starts it; in .mcp.json:\n  { "mcpServers": { "bzzz-ctx": { "command": "bzzz-ctx", "args": ["mcp"] } } }\nSee man bzzz-ctx-mcp.')
    .action(env.action<{ role?: string, maxTokens: number }>(async (ctx, options) => {
      const home = homeOf(ctx)
      readConfig(home)
      // The SDK and the store are loaded here only: every other command starts without them.
      const { openRuntime, serveStdio } = await import('../../mcp/server.js')
      const runtime = await openRuntime({ home, maxTokens: options.maxTokens, ...(options.role !== undefined ? { role: options.role } : {}) })
      try {
        // stdout is the protocol's: nothing else is written there while the server runs.
        await serveStdio(runtime, process.stdin, process.stdout)
      } finally {
        await runtime.close()
      }
    }))
}
