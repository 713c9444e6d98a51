/**
 * MCP over Streamable HTTP (`bzzz-ctx mcp --http HOST:PORT`): for an agent that cannot start a process, or several
 * agents on one peer. Every request must carry the home's bearer token (`mcp.token`, made on first use, mode 0600):
 * the server answers with what this peer's role may read, so the token is what stands for the role. Stateless: each
 * POST is served by a new server object on the one kept-open peer, so no session outlives its request.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { writeFileAtomic } from '../crypto/atomic-file.js'
import { badUsage, fileAccessError, unavailable } from '../errors.js'
import { MAX_FRAME_BYTES } from './line-transport.js'
import { mcpServer, type McpRuntime } from './server.js'

export const MCP_TOKEN_FILE = 'mcp.token'
export const DEFAULT_HTTP_HOST = '127.0.0.1'
/** The one path the server answers on, as the MCP examples use. */
export const MCP_HTTP_PATH = '/mcp'

/** `HOST:PORT`, `:PORT` or `PORT` (on 127.0.0.1); `[::1]:PORT` for IPv6. */
export function parseListen (given: string): { host: string, port: number } {
  const match = /^(?:(\[[0-9a-fA-F:]+\]|[^:\s]*):)?(\d{1,5})$/.exec(given.trim())
  const port = match === null ? NaN : Number(match[2])
  if (match === null || port > 65535) throw badUsage(`--http takes HOST:PORT (or PORT, on ${DEFAULT_HTTP_HOST}), not "${given.slice(0, 40)}"`)
  const host = match[1] === undefined || match[1] === '' ? DEFAULT_HTTP_HOST : match[1].replace(/^\[|\]$/g, '')
  return { host, port }
}

/** The home's bearer token for MCP over HTTP, made on first use. */
export async function mcpToken (home: string): Promise<string> {
  const file = join(home, MCP_TOKEN_FILE)
  try {
    const token = readFileSync(file, 'utf8').trim()
    if (/^[0-9a-f]{64}$/.test(token)) return token
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fileAccessError(err, file) ?? err
  }
  const token = randomBytes(32).toString('hex')
  await writeFileAtomic(file, token + '\n')
  return token
}

function authorized (req: IncomingMessage, token: Buffer): boolean {
  const header = req.headers.authorization ?? ''
  const given = Buffer.from(/^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? '')
  return given.length === token.length && timingSafeEqual(given, token)
}

function refuse (res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message } }))
}

/** The body of a POST, at most MAX_FRAME_BYTES; null past that (the request is refused, not buffered). */
async function bodyOf (req: IncomingMessage): Promise<string | null> {
  const parts: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_FRAME_BYTES) return null
    parts.push(chunk as Buffer)
  }
  return Buffer.concat(parts).toString('utf8')
}

async function handle (runtime: McpRuntime, token: Buffer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!authorized(req, token)) return refuse(res, 401, `a bearer token is needed: the one in the peer's home (${MCP_TOKEN_FILE})`, { 'www-authenticate': 'Bearer' })
  if ((req.url ?? '').split('?')[0] !== MCP_HTTP_PATH) return refuse(res, 404, `MCP is served on ${MCP_HTTP_PATH}`)
  if (req.method !== 'POST') return refuse(res, 405, 'this server is stateless: POST JSON-RPC messages', { allow: 'POST' })
  const body = await bodyOf(req)
  if (body === null) return refuse(res, 413, `a request body is at most ${MAX_FRAME_BYTES} bytes`)
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'not JSON' } }))
    return
  }
  const server = mcpServer(runtime)
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
  res.on('close', () => { void transport.close(); void server.close() })
  await server.connect(transport)
  await transport.handleRequest(req, res, parsed)
}

/** Starts serving; resolves once listening, with the address and how to stop. */
export async function serveHttp (runtime: McpRuntime, listen: { host: string, port: number }, home: string): Promise<{ server: Server, url: string, tokenFile: string }> {
  const token = Buffer.from(await mcpToken(home))
  const server = createServer((req, res) => {
    handle(runtime, token, req, res).catch(err => {
      if (!res.headersSent) refuse(res, 500, (err as Error).message)
      else res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', err => { reject(unavailable(`cannot serve MCP on ${listen.host}:${listen.port}: ${err.message}`)) })
    server.listen(listen.port, listen.host, () => { server.removeAllListeners('error'); resolve() })
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : listen.port
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host
  return { server, url: `http://${host}:${port}${MCP_HTTP_PATH}`, tokenFile: join(home, MCP_TOKEN_FILE) }
}
