/** `bzzz-ctx mcp [--role R] [--max-tokens N] [--http HOST:PORT]`: the MCP server for agents, on stdio or HTTP. */
import { resolve } from 'node:path'
import { Command } from 'commander'
import { DEFAULT_ANSWER_TOKENS, MAX_ANSWER_TOKENS, MIN_ANSWER_TOKENS } from '../../agents/tokens.js'
import { readConfig } from '../../node/home.js'
import { parseWhole, type CliEnv } from '../cli-env.js'
import { note } from '../io.js'
import { homeOf } from '../peer-session.js'

export function mcpCommand (env: CliEnv): Command {
  return new Command('mcp')
    .description('serve this peer\'s context to AI agents over the Model Context Protocol (stdio, or Streamable HTTP)')
    .option('--role <role>', 'answer as this role, one this peer holds (default: this peer\'s role)')
    .option('--max-tokens <n>', `the most any answer may cost (default ${DEFAULT_ANSWER_TOKENS}); a call may ask for less`,
      parseWhole('--max-tokens', MIN_ANSWER_TOKENS, MAX_ANSWER_TOKENS), DEFAULT_ANSWER_TOKENS)
    .option('--root <dir>', 'the working tree the status tool checks freshness against (default: the git work tree holding the current directory)')
    .option('--http <host:port>', 'serve Streamable HTTP on HOST:PORT (or PORT, on 127.0.0.1) instead of stdio; requests need the home\'s bearer token (mcp.token)')
    .addHelpText('after', '\nAn agent starts it; in .mcp.json:\n  { "mcpServers": { "bzzz-ctx": { "command": "bzzz-ctx", "args": ["mcp"] } } }\nOver HTTP: bzzz-ctx mcp --http 127.0.0.1:8765\nSee man bzzz-ctx-mcp.')
    .action(env.action<{ role?: string, maxTokens: number, http?: string, root?: string }>(async (ctx, options) => {
      const home = homeOf(ctx)
      readConfig(home)
      // The SDK and the store are loaded here only: every other command starts without them.
      const { runMcpServer } = await import('../../mcp/run.js')
      // With stdio, stdout is the protocol's: nothing else is written there while the server runs.
      await runMcpServer({
        home, maxTokens: options.maxTokens, input: process.stdin, output: process.stdout,
        ...(options.role !== undefined ? { role: options.role } : {}), ...(options.http !== undefined ? { http: options.http } : {}),
        ...(options.root !== undefined ? { workTree: resolve(options.root) } : {}),
        onListening: (url, role, tokenFile) => note(ctx, `MCP over HTTP at ${url} as role ${role}; send the bearer token in ${tokenFile}`)
      })
    }))
}
