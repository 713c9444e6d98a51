// The MCP server as an agent meets it: start-up to a listed tool set, retrieve on a kept-open server, and what answers cost.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { estimateTokens } from '../../src/agents/tokens.js'
import { runCli } from '../../src/cli/program.js'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { percentile, round } from './stats.js'
import { copyEvalPackages, EVAL_PROJECT, evalQuestions, runEval } from './stdlib-eval.js'

const BIN = join(PACKAGE_ROOT, 'bin', 'bzzz-ctx')
const FIXTURE = join(PACKAGE_ROOT, 'fixtures', 'repos', 'mixed')
export const MCP_STARTS = 5
export const MCP_RETRIEVES = 1_000
/** The questions the issue names: where is X defined, what uses Y, what does Z depend on, what is this file for. */
const QUESTIONS: Array<[string, Record<string, unknown>]> = [
  ['search', { query: 'Database' }],
  ['references', { address: 'src/server/db.py' }],
  ['references', { address: 'src/server/app.py' }],
  ['retrieve', { address: 'src/server/app.py', max_tokens: 600 }],
  ['overview', { max_tokens: 1500 }]
]

async function quietCli (args: string[]): Promise<void> {
  let stderr = ''
  const io = { stdout: { write: () => true }, stderr: { write: (s: string) => { stderr += s; return true } }, env: process.env }
  const code = await runCli(['node', 'bzzz-ctx', ...args], io)
  if (code !== 0) throw new Error(`bzzz-ctx ${args.join(' ')}: ${stderr}`)
}

async function connect (home: string): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1' })
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, '--home', home, 'mcp'], stderr: 'ignore' }))
  return client
}

/**
 * The answer-quality eval (test/bench/stdlib-eval.ts) on the standard library's json, email and http: the share of
 * exact answers, their mean tokens, and the mean tokens of reading the files that hold each answer (one estimator).
 */
async function benchEval (dir: string): Promise<Record<string, number | string>> {
  const corpus = copyEvalPackages(join(dir, 'stdlib'))
  if ('skipped' in corpus) {
    process.stderr.write(`mcp eval skipped: ${corpus.skipped}\n`)
    return { mcp_eval_skipped: corpus.skipped }
  }
  const home = join(dir, 'eval-home')
  await quietCli(['--home', home, 'init', '--cluster', 'bench', '--role', 'developer', '--project', EVAL_PROJECT, '-q'])
  await quietCli(['--home', home, 'generate', corpus.root, '--root', corpus.root, '-q'])
  const client = await connect(home)
  try {
    const result = await runEval(client, corpus, evalQuestions(corpus))
    return {
      mcp_answer_accuracy: round(result.accuracy),
      mcp_tokens_per_answer: result.tokensPerAnswer,
      mcp_tokens_reading_files: result.tokensReadingFiles,
      mcp_tokens_answer_vs_reading: round(result.tokensPerAnswer / result.tokensReadingFiles, 4)
    }
  } finally {
    await client.close()
  }
}

export async function benchMcp (): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'bzzz-bench-mcp-'))
  try {
    const home = join(dir, 'home')
    await quietCli(['--home', home, 'init', '--cluster', 'bench', '--role', 'developer', '--project', 'shop', '-q'])
    await quietCli(['--home', home, 'generate', FIXTURE, '--root', FIXTURE, '-q'])
    const starts: number[] = []
    for (let i = 0; i < MCP_STARTS; i++) {
      const began = performance.now()
      const client = await connect(home)
      await client.listTools()
      starts.push(performance.now() - began)
      await client.close()
    }
    const client = await connect(home)
    try {
      const files = ['src/server/app.py', 'src/server/db.py', 'src/web/api.ts', 'src/server/handlers/auth.py', 'billing/lib/invoice.rb']
      for (const address of files) await client.callTool({ name: 'retrieve', arguments: { address } })
      const times: number[] = []
      for (let i = 0; i < MCP_RETRIEVES; i++) {
        const began = performance.now()
        await client.callTool({ name: 'retrieve', arguments: { address: files[i % files.length] } })
        times.push(performance.now() - began)
      }
      const tokens: number[] = []
      for (const [name, args] of QUESTIONS) {
        const result = await client.callTool({ name, arguments: args }) as { content: Array<{ text?: string }> }
        tokens.push(estimateTokens(result.content.map(c => c.text ?? '').join('')))
      }
      const { tools } = await client.listTools()
      starts.sort((a, b) => a - b)
      times.sort((a, b) => a - b)
      return {
        mcp_start_ms: round(percentile(starts, 50), 0),
        mcp_retrieve_p50_ms: round(percentile(times, 50)),
        mcp_retrieve_p99_ms: round(percentile(times, 99)),
        mcp_tokens_per_fixture_answer: Math.round(tokens.reduce((a, b) => a + b, 0) / tokens.length),
        mcp_tool_list_tokens: estimateTokens({ tools }),
        ...await benchEval(dir)
      }
    } finally {
      await client.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
