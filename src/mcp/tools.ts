/**
 * The MCP tools: few, short to list, each answer within a token budget and paged where a list can be long, each saying
 * what it withheld from the role. The role is the server's, fixed at start: no argument can raise it.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { AgentQueries } from '../agents/agent-queries.js'
import { PAGE_LIMIT_MAX, withPagedList } from '../agents/page.js'
import { SEARCH_KINDS, SEARCH_QUERY_MAX_CHARS } from '../agents/search.js'
import { estimateTokens, MIN_ANSWER_TOKENS } from '../agents/tokens.js'
import { DEFAULT_RESOLVE_DEPTH, MAX_RESOLVE_DEPTH } from '../context/resolve.js'
import { ACCESS_LEVELS } from '../crypto/levels.js'
import { BzzzError, isBzzzError } from '../errors.js'
import { MAX_HOPS } from '../temporal/graph.js'
import { DECISION_ID } from '../storage/vocabulary.js'
import { addressOrPath, MAX_ADDRESS_LENGTH, rootAddress } from '../ucxl/address.js'
import type { PeerLink } from './peer-link.js'

export interface ToolContext {
  link: PeerLink
  queries: AgentQueries
  role: string
  /** The most any answer may cost, in tokens (`--max-tokens`); a call may ask for less. */
  maxTokens: number
  /** The working tree freshness is checked against (the git work tree the server started in), or null. */
  workTree: string | null
}

/** A decision's title and rationale, and a list of addresses or ids, are bounded as the log's reader bounds them. */
const TEXT_MAX = 16_384
const LIST_MAX = 256

const address = z.string().max(MAX_ADDRESS_LENGTH).describe('ucxl://project/path, or a path in the default project')
const maxTokens = z.number().int().min(MIN_ANSWER_TOKENS).optional().describe('answer budget in tokens')
const cursor = z.string().max(16).optional().describe('from a previous answer\'s next')
const limit = z.number().int().min(1).max(PAGE_LIMIT_MAX).optional()

/** The answer as the client reads it: compact JSON (its cost is what the budgets count). */
function answer (value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }] }
}

/** A BzzzError (or any failure) as an MCP tool error with its code, the same `{ error: { code, message } }` as `--json`. */
export function toolError (err: unknown): CallToolResult {
  const error = isBzzzError(err) ? { code: err.code, message: err.message } : { code: 'FAILURE', message: (err as Error)?.message ?? String(err) }
  return { isError: true, content: [{ type: 'text', text: JSON.stringify({ error }) }] }
}

export function registerTools (server: McpServer, ctx: ToolContext): void {
  const budget = (asked: number | undefined): number => Math.min(asked ?? ctx.maxTokens, ctx.maxTokens)
  const where = (given: string): string => addressOrPath(given, ctx.link.config.project)
  const run = (work: () => Promise<unknown>) => async (): Promise<CallToolResult> => {
    try {
      return answer(await work())
    } catch (err) {
      return toolError(err)
    }
  }
  const readOnly = { readOnlyHint: true, openWorldHint: false }

  server.registerTool('retrieve', {
    description: 'What a file or folder is for: its context resolved up its folders, as this role may read it. `withheld` lists hidden sections by level; `cut` what the budget left out.',
    inputSchema: { address, depth: z.number().int().min(0).max(MAX_RESOLVE_DEPTH).optional(), max_tokens: maxTokens },
    annotations: readOnly
  }, async args => await run(async () => await ctx.queries.retrieve(where(args.address), ctx.role, args.depth ?? DEFAULT_RESOLVE_DEPTH, budget(args.max_tokens)))())

  server.registerTool('search', {
    description: 'Where a name is defined: symbols and files by exact name, prefix or substring, ranked, with address and line. `ambiguous` when several match exactly.',
    inputSchema: { query: z.string().min(1).max(SEARCH_QUERY_MAX_CHARS), kind: z.enum(SEARCH_KINDS).optional(), project: z.string().max(128).optional(), limit, cursor, max_tokens: maxTokens },
    annotations: readOnly
  }, async args => await run(async () => {
    const project = args.project ?? ctx.link.config.project
    if (project === undefined) throw new BzzzError('BAD_INPUT', 'this peer has no default project: name one with project')
    return await ctx.queries.search(project, ctx.role, args.query, {
      budgetTokens: budget(args.max_tokens), ...(args.kind !== undefined ? { kind: args.kind } : {}),
      ...(args.limit !== undefined ? { limit: args.limit } : {}), ...(args.cursor !== undefined ? { cursor: args.cursor } : {})
    })
  })())

  server.registerTool('overview', {
    description: 'A map of a project or folder: its files ranked by importance over the import graph, each with its summary and main definitions.',
    inputSchema: { address: address.optional(), limit, cursor, max_tokens: maxTokens },
    annotations: readOnly
  }, async args => await run(async () => {
    const target = args.address !== undefined ? where(args.address) : ctx.link.config.project !== undefined ? rootAddress(ctx.link.config.project) : undefined
    if (target === undefined) throw new BzzzError('BAD_INPUT', 'this peer has no default project: give an address')
    return await ctx.queries.overview(target, ctx.role, {
      budgetTokens: budget(args.max_tokens), ...(args.limit !== undefined ? { limit: args.limit } : {}), ...(args.cursor !== undefined ? { cursor: args.cursor } : {})
    })
  })())

  server.registerTool('references', {
    description: 'Which files import a module (file or folder), and what it imports, in the project and outside it.',
    inputSchema: { address, limit, cursor, max_tokens: maxTokens },
    annotations: readOnly
  }, async args => await run(async () => await ctx.queries.references(where(args.address), ctx.role, {
    budgetTokens: budget(args.max_tokens), ...(args.limit !== undefined ? { limit: args.limit } : {}), ...(args.cursor !== undefined ? { cursor: args.cursor } : {})
  }))())

  server.registerTool('hops', {
    description: 'Decisions and addresses within N decision hops of an address or decision id; `hidden` counts those above this role.',
    inputSchema: { target: z.string().max(MAX_ADDRESS_LENGTH).describe('address, path or decision id (d-...)'), max: z.number().int().min(1).max(MAX_HOPS).optional(), limit, cursor, max_tokens: maxTokens },
    annotations: readOnly
  }, async args => await run(async () => {
    const target = DECISION_ID.test(args.target) ? args.target : where(args.target)
    const report = await ctx.link.hops(target, ctx.role, args.max)
    return withPagedList(report, 'hits', args.cursor, args.limit ?? PAGE_LIMIT_MAX, budget(args.max_tokens))
  })())

  server.registerTool('history', {
    description: 'The versions of an address (oldest first) and the decisions behind them.',
    inputSchema: { address, limit, cursor, max_tokens: maxTokens },
    annotations: readOnly
  }, async args => await run(async () => {
    const report = await ctx.link.history(where(args.address), ctx.role)
    return withPagedList(report, 'versions', args.cursor, args.limit ?? PAGE_LIMIT_MAX, budget(args.max_tokens))
  })())

  server.registerTool('decide', {
    description: 'Record a decision affecting addresses, authored by this peer\'s role, through the cluster\'s leader. Returns its id.',
    inputSchema: {
      affects: z.array(address).min(1).max(LIST_MAX), title: z.string().min(1).max(TEXT_MAX), rationale: z.string().min(1).max(TEXT_MAX),
      influenced_by: z.array(z.string().max(64)).max(LIST_MAX).optional(), supersedes: z.array(z.string().max(64)).max(LIST_MAX).optional(),
      level: z.enum(ACCESS_LEVELS).optional()
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false }
  }, async args => await run(async () => await ctx.link.decide({
    affects: args.affects.map(where), title: args.title, rationale: args.rationale, level: args.level ?? 'internal',
    ...(args.influenced_by !== undefined ? { influencedBy: args.influenced_by } : {}), ...(args.supersedes !== undefined ? { supersedes: args.supersedes } : {})
  }))())

  server.registerTool('status', {
    description: 'This peer and its cluster: role, leader, term, records, view hash, daemon or not; freshness: when the project was generated and which addresses are stale against the working tree.',
    inputSchema: {},
    annotations: readOnly
  }, async () => await run(async () => {
    const s = await ctx.link.status()
    const project = ctx.link.config.project
    const freshness = project === undefined || ctx.workTree === null ? null : await ctx.link.freshness(ctx.workTree, project)
    return {
      role: ctx.role, node: s.node.id, cluster: s.cluster, project: project ?? null, mode: s.mode, leader: s.leader, term: s.term,
      members: s.members, peers: s.peers, records: s.records, viewHash: s.viewHash, maxTokens: ctx.maxTokens, ...(s.halted !== undefined ? { halted: s.halted } : {}),
      freshness
    }
  })())
}

/** The tokens an answer costs, as the budgets count them (for tests and the benchmark). */
export function answerTokens (result: CallToolResult): number {
  return estimateTokens(result.content.map(c => c.type === 'text' ? c.text : '').join(''))
}
