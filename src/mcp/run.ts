/** Runs an MCP server for a home until its client goes (stdio) or the process is told to stop (HTTP: SIGINT, SIGTERM). */
import type { Readable, Writable } from 'node:stream'
import { openRuntime, serveStdio, type McpOptions } from './server.js'

export interface RunOptions extends McpOptions {
  /** HOST:PORT to serve Streamable HTTP on; stdio when absent. */
  http?: string
  input: Readable
  output: Writable
  /** Told where an HTTP server listens, and as which role. */
  onListening?: (url: string, role: string, tokenFile: string) => void
}

export async function runMcpServer (options: RunOptions): Promise<void> {
  const http = options.http === undefined ? undefined : await import('./http-server.js')
  // A bad --http is refused before the store is opened.
  const listen = http?.parseListen(options.http!)
  const runtime = await openRuntime(options)
  try {
    if (http === undefined || listen === undefined) {
      await serveStdio(runtime, options.input, options.output)
      return
    }
    const { server, url, tokenFile } = await http.serveHttp(runtime, listen, options.home)
    options.onListening?.(url, runtime.role, tokenFile)
    await new Promise<void>(resolve => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve) })
    await new Promise<void>(resolve => { server.close(() => resolve()); server.closeAllConnections() })
  } finally {
    await runtime.close()
  }
}
