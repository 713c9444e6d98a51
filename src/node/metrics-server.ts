/**
 * The HTTP endpoint of `node start --metrics HOST:PORT`: `/metrics` (Prometheus text), `/healthz` (200 while the
 * process serves) and `/readyz` (200 when ready, 503 with a one-line reason otherwise). A port in use or an address not
 * on this machine is refused when it is bound, with BAD_USAGE.
 */
import { createServer, type Server } from 'node:http'
import { isIP } from 'node:net'
import { badUsage, unavailable } from '../errors.js'

/** The host `--metrics` binds when it names only a port: scrapes from elsewhere must be asked for. */
export const DEFAULT_METRICS_HOST = '127.0.0.1'

export interface MetricsAddress { host: string, port: number }

export interface MetricsSource {
  scrape: () => Promise<{ contentType: string, body: string }>
  readiness: () => { ready: boolean, reason: string }
}

export interface MetricsServer {
  address: MetricsAddress
  close: () => Promise<void>
}

/** Reads `HOST:PORT`, `[IPv6]:PORT` or `PORT` (then on 127.0.0.1); BAD_USAGE for anything else. */
export function parseMetricsAddress (text: string): MetricsAddress {
  const match = /^(?:\[([^\]]+)\]:|([^:]*):)?(\d{1,5})$/.exec(text.trim())
  const port = match === null ? NaN : Number(match[3])
  if (match === null || port < 1 || port > 65535) throw badUsage(`--metrics must be HOST:PORT (a port from 1 to 65535), not "${text}"`)
  const host = match[1] ?? (match[2] === undefined || match[2] === '' ? DEFAULT_METRICS_HOST : match[2])
  if (host !== 'localhost' && isIP(host) === 0) throw badUsage(`--metrics must name an IP address of this machine, not "${host}"`)
  return { host, port }
}

function bindError (address: MetricsAddress, err: unknown): Error {
  const { host, port } = address
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (code === 'EADDRINUSE') return badUsage(`--metrics ${host}:${port}: the port is in use: choose another`)
  if (code === 'EADDRNOTAVAIL') return badUsage(`--metrics ${host}:${port}: ${host} is not an address of this machine`)
  if (code === 'EACCES') return badUsage(`--metrics ${host}:${port}: no permission to bind the port (choose one above 1023)`)
  return unavailable(`--metrics ${host}:${port}: cannot listen: ${(err as Error)?.message ?? String(err)}`)
}

async function listen (server: Server, address: MetricsAddress): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', err => { reject(bindError(address, err)) })
    server.listen({ host: address.host, port: address.port, exclusive: true }, () => { resolve() })
  })
}

async function closeServer (server: Server): Promise<void> {
  await new Promise<void>(resolve => {
    server.close(() => { resolve() })
    // A scraper's keep-alive connection would hold the close (and the daemon's stop) until it times out.
    server.closeAllConnections()
  })
}

/** Binds and releases the address: a detached start refuses a bad one itself, before its daemon is spawned. */
export async function checkMetricsAddress (address: MetricsAddress): Promise<void> {
  const server = createServer()
  await listen(server, address)
  await closeServer(server)
}

/** Serves the three paths on the address; rejects with BAD_USAGE when it cannot be bound. */
export async function startMetricsServer (address: MetricsAddress, source: MetricsSource): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]
    const send = (status: number, body: string, contentType = 'text/plain; charset=utf-8'): void => {
      response.writeHead(status, { 'content-type': contentType })
      response.end(request.method === 'HEAD' ? undefined : body)
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') { send(405, 'only GET and HEAD\n'); return }
    if (path === '/healthz') { send(200, 'ok\n'); return }
    if (path === '/readyz') {
      const { ready, reason } = source.readiness()
      send(ready ? 200 : 503, `${ready ? 'ready' : 'not ready'}: ${reason}\n`)
      return
    }
    if (path !== '/metrics') { send(404, 'not found: /metrics, /healthz and /readyz are served\n'); return }
    source.scrape().then(({ contentType, body }) => { send(200, body, contentType) }, err => { send(500, `the scrape failed: ${String(err)}\n`) })
  })
  await listen(server, address)
  server.on('error', () => {})
  return { address, close: async () => { await closeServer(server) } }
}
