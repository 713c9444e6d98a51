/**
 * The daemon's control socket: newline-delimited JSON requests `{ id, op, args }` and answers
 * `{ id, ok, result }` or `{ id, ok: false, error: { code, message } }`, on a Unix socket of mode 0600.
 */
import { chmodSync, existsSync, unlinkSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { BzzzError, badInput, isBzzzError, unavailable, type ErrorCode } from '../errors.js'

export const MAX_CONTROL_LINE_BYTES = 64 * 1024 * 1024
export const CONNECT_TIMEOUT_MS = 1_000

export type ControlHandler = (op: string, args: Record<string, unknown>) => Promise<unknown>

function lines (socket: Socket, onLine: (line: string) => void, onTooLong: () => void): void {
  let buffer = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    buffer += chunk
    if (buffer.length > MAX_CONTROL_LINE_BYTES) { onTooLong(); return }
    let index: number
    while ((index = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, index)
      buffer = buffer.slice(index + 1)
      if (line.trim() !== '') onLine(line)
    }
  })
}

export async function startControlServer (path: string, handler: ControlHandler): Promise<Server> {
  if (existsSync(path)) unlinkSync(path)
  const server = createServer(socket => {
    socket.on('error', () => {})
    lines(socket, line => {
      let request: { id?: unknown, op?: unknown, args?: unknown }
      try {
        request = JSON.parse(line) as typeof request
      } catch {
        socket.write(JSON.stringify({ id: null, ok: false, error: { code: 'BAD_INPUT', message: 'the control request is not JSON' } }) + '\n')
        return
      }
      const id = request.id ?? null
      const op = typeof request.op === 'string' ? request.op : ''
      const args = typeof request.args === 'object' && request.args !== null ? request.args as Record<string, unknown> : {}
      handler(op, args).then(
        result => { if (!socket.destroyed) socket.write(JSON.stringify({ id, ok: true, result }) + '\n') },
        (err: unknown) => {
          const error = isBzzzError(err) ? { code: err.code, message: err.message } : { code: 'FAILURE', message: String((err as Error)?.message ?? err) }
          if (!socket.destroyed) socket.write(JSON.stringify({ id, ok: false, error }) + '\n')
        })
    }, () => socket.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => { server.off('error', reject); resolve() })
  })
  chmodSync(path, 0o600)
  return server
}

/** A connection to a running daemon. */
export class ControlClient {
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()

  private constructor (private readonly socket: Socket) {
    lines(socket, line => {
      let answer: { id: number, ok: boolean, result?: unknown, error?: { code: ErrorCode, message: string } }
      try { answer = JSON.parse(line) as typeof answer } catch { return }
      const pending = this.pending.get(answer.id)
      if (pending === undefined) return
      this.pending.delete(answer.id)
      if (answer.ok) pending.resolve(answer.result)
      else pending.reject(new BzzzError(answer.error?.code ?? 'FAILURE', answer.error?.message ?? 'the daemon failed'))
    }, () => socket.destroy())
    socket.on('close', () => {
      for (const pending of this.pending.values()) pending.reject(unavailable('the daemon closed the connection'))
      this.pending.clear()
    })
    socket.on('error', () => {})
  }

  /** Connects, or null when no daemon listens there. */
  static async connect (path: string): Promise<ControlClient | null> {
    if (!existsSync(path)) return null
    return await new Promise(resolve => {
      const socket = createConnection(path)
      const timer = setTimeout(() => { socket.destroy(); resolve(null) }, CONNECT_TIMEOUT_MS)
      socket.once('connect', () => { clearTimeout(timer); resolve(new ControlClient(socket)) })
      socket.once('error', () => { clearTimeout(timer); resolve(null) })
    })
  }

  async call<T> (op: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.socket.destroyed) throw unavailable('the daemon connection is closed')
    const id = this.nextId++
    return await new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.socket.write(JSON.stringify({ id, op, args }) + '\n')
    })
  }

  close (): void {
    this.socket.end()
  }
}

export function requireString (args: Record<string, unknown>, name: string): string {
  const value = args[name]
  if (typeof value !== 'string') throw badInput(`the control request lacks ${name}`)
  return value
}
