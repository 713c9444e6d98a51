/**
 * `bzzz-ctx mcp`: an MCP server for agents, over stdio (one client, the process that started it) or Streamable HTTP.
 * It keeps its peer open for its whole life (see PeerLink) and answers as one role, this peer's own or one it holds.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { Readable, Writable } from 'node:stream'
import { AgentQueries } from '../agents/agent-queries.js'
import { BzzzError } from '../errors.js'
import { VERSION } from '../paths.js'
import { LineTransport } from './line-transport.js'
import { PeerLink } from './peer-link.js'
import { workTreeOf } from '../node/generate-target.js'
import { registerTools, toolError } from './tools.js'

export interface McpOptions {
  home: string
  /** Default: this peer's role. */
  role?: string
  maxTokens: number
  /** The working tree `status` checks freshness against (default: the git work tree holding the current directory). */
  workTree?: string | null
}

/** The server's parts for one home: the peer, the queries over it, and the role, checked. */
export interface McpRuntime {
  link: PeerLink
  queries: AgentQueries
  role: string
  maxTokens: number
  workTree: string | null
  close: () => Promise<void>
}

export async function openRuntime (options: McpOptions): Promise<McpRuntime> {
  const link = new PeerLink(options.home)
  const queries = new AgentQueries(link)
  const role = options.role ?? link.config.role
  try {
    // A role this peer holds no key for is refused before serving: its server could answer nothing.
    await queries.checkRole(role)
  } catch (err) {
    await link.close()
    throw err
  }
  // An agent's client starts the server in the repository it works on: that tree is the one to compare with.
  const workTree = options.workTree !== undefined ? options.workTree : workTreeOf(process.cwd())
  return { link, queries, role, maxTokens: options.maxTokens, workTree, close: async () => await link.close() }
}

/** A new MCP server over a runtime (one per HTTP session; one for stdio). */
export function mcpServer (runtime: McpRuntime): McpServer {
  const server = new McpServer({ name: 'bzzz-ctx', version: VERSION }, {
    instructions: `Code context for this repository as role "${runtime.role}" may know it. Addresses are ucxl://project/path or paths in the default project.`
  })
  registerTools(server, runtime)
  // The SDK answers arguments that fail their schema (and unknown tools) with a tool error of its own wording: said
  // here with the code every other failure carries.
  const wrapped = server as unknown as { createToolError: (message: string) => CallToolResult }
  wrapped.createToolError = (message: string) => toolError(new BzzzError('BAD_INPUT', message))
  return server
}

/** Serves MCP on a pair of streams until the input ends. */
export async function serveStdio (runtime: McpRuntime, input: Readable, output: Writable): Promise<void> {
  const server = mcpServer(runtime)
  const transport = new LineTransport(input, output)
  await server.connect(transport)
  // connect() chained the protocol's close onto the transport's: chained again, to know when the client is gone.
  const chained = transport.onclose
  await new Promise<void>(resolve => {
    transport.onclose = () => { chained?.(); resolve() }
  })
  await server.close().catch(() => {})
}
