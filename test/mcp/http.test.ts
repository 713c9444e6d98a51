// MCP over Streamable HTTP: the SDK's own client with the home's bearer token; without it, refused.
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { BIN, cliProcess } from '../helpers/cli.js'
import { generatedHome } from '../helpers/mcp.js'

const home = await generatedHome()

/** `bzzz-ctx mcp --http 127.0.0.1:0` and the URL it says it serves on. */
async function startHttp (t: Test): Promise<string> {
  const child = spawn(process.execPath, [BIN, '--home', home, 'mcp', '--http', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { child.kill('SIGTERM') })
  let stderr = ''
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 20 s: ${stderr}`)), 20_000)
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
      const url = /at (http:\/\/127\.0\.0\.1:\d+\/mcp) as role developer/.exec(stderr)?.[1]
      if (url !== undefined) { clearTimeout(timer); resolve(url) }
    })
    child.on('close', code => { clearTimeout(timer); reject(new Error(`exited ${code}: ${stderr}`)) })
  })
}

t.test('with the token: list tools and call one; without it, or with another: 401', async t => {
  const url = await startHttp(t)
  const tokenFile = join(home, 'mcp.token')
  const token = readFileSync(tokenFile, 'utf8').trim()
  t.match(token, /^[0-9a-f]{64}$/, 'made on first use')
  t.equal(statSync(tokenFile).mode & 0o777, 0o600, 'readable by its owner only')

  const client = new Client({ name: 'http-test', version: '1' })
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }))
  t.teardown(async () => await client.close())
  const { tools } = await client.listTools()
  t.equal(tools.length, 8)
  const result = await client.callTool({ name: 'search', arguments: { query: 'Database' } }) as { content: Array<{ text: string }> }
  t.match(JSON.parse(result.content[0]!.text).results[0], { name: 'Database', address: 'ucxl://shop/src/server/db.py', line: 5 })

  const initialize = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } })
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
  for (const authorization of [undefined, 'Bearer ' + '0'.repeat(64), `Basic ${token}`, `Bearer ${token}x`]) {
    const response = await fetch(url, { method: 'POST', body: initialize, headers: { ...headers, ...(authorization !== undefined ? { authorization } : {}) } })
    t.equal(response.status, 401, `refused: ${authorization?.slice(0, 12) ?? 'no token'}`)
    t.equal(response.headers.get('www-authenticate'), 'Bearer')
  }
  const ok = await fetch(url, { method: 'POST', body: initialize, headers: { ...headers, authorization: `Bearer ${token}` } })
  t.equal(ok.status, 200, 'the same request with the token')
  const garbage = await fetch(url, { method: 'POST', body: '{not json', headers: { ...headers, authorization: `Bearer ${token}` } })
  t.equal(garbage.status, 400, 'a body that is not JSON')
  const again = await client.callTool({ name: 'status', arguments: {} }) as { content: Array<{ text: string }> }
  t.match(JSON.parse(again.content[0]!.text), { role: 'developer' }, 'and the server still serves')
})

t.test('a bad --http is bad usage before anything opens', async t => {
  const run = await cliProcess(['--home', home, 'mcp', '--http', 'nowhere:port'], {}, 30_000)
  t.equal(run.code, 2)
  t.match(run.stderr, /^bzzz-ctx: --http takes HOST:PORT/)
})
