// An MCP client (the SDK's own) on `bzzz-ctx mcp` run as a real process, and a home generated from the fixture repo.
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { BIN, cli } from './cli.js'
import { scratchDir } from './scratch.js'

export const FIXTURE = join(PACKAGE_ROOT, 'fixtures', 'repos', 'mixed')

/** A home of project `shop` (its creator: it holds every role's key), the fixture generated at its root. */
export async function generatedHome (): Promise<string> {
  const home = join(scratchDir('bzzz-mcp-'), 'home')
  const init = await cli(['--home', home, 'init', '--cluster', 'acme', '--role', 'developer', '--project', 'shop', '-q'])
  if (init.code !== 0) throw new Error(init.stderr)
  const generate = await cli(['--home', home, 'generate', FIXTURE, '--root', FIXTURE, '-q'])
  if (generate.code !== 0) throw new Error(generate.stderr)
  return home
}

export interface McpProcess {
  client: Client
  stderr: () => string
  close: () => Promise<void>
}

/** `bzzz-ctx --home HOME mcp ...args` with the SDK's client connected over its stdio. */
export async function mcpClient (home: string, args: string[] = []): Promise<McpProcess> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, '--home', home, 'mcp', ...args], stderr: 'pipe' })
  let stderr = ''
  transport.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
  const client = new Client({ name: 'bzzz-ctx-test', version: '1' })
  await client.connect(transport)
  return { client, stderr: () => stderr, close: async () => await client.close() }
}

/** A tool's answer: its JSON, and whether it is a tool error. */
export async function call (client: Client, name: string, args: Record<string, unknown> = {}): Promise<{ isError: boolean, json: any, text: string }> {
  const result = await client.callTool({ name, arguments: args }) as { isError?: boolean, content: Array<{ type: string, text?: string }> }
  const text = result.content.map(c => c.text ?? '').join('')
  let json: unknown
  try { json = JSON.parse(text) } catch { json = undefined }
  return { isError: result.isError === true, json, text }
}
