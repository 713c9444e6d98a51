/**
 * The daemon's side of the control socket (a Unix socket of mode 0600): newline-delimited JSON requests
 * `{ id, op, args }`, each checked by its op's validator, answered `{ id, ok: true, result }` or
 * `{ id, ok: false, error: { code, message } }`. Nothing a client sends stops the daemon: each line is framed within a
 * bound, parsed, validated and handled inside its own catch, and a client that does not read its answers is read no
 * further (then closed) instead of growing the daemon.
 */
import { chmodSync, existsSync, unlinkSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { isBzzzError, type ErrorCode } from '../errors.js'
import { MAX_CONTROL_REQUEST_BYTES } from './control.js'
import { LineSplitter, isBlankLine } from './control-lines.js'
import { parseControlRequest, requestIdOf, type ControlRequest, type RequestId } from './control-requests.js'

/** Requests of one connection being handled at once; past it the connection is read no further until one ends. */
export const MAX_REQUESTS_IN_FLIGHT = 32
/** Answers written but not yet taken by the client: past either bound, the connection is read no further. */
export const PAUSE_REPLY_BYTES = 1024 * 1024
export const PAUSE_REPLIES = 256
/** Past either bound a client is not reading at all: it is closed (100,000 unread answers grew a daemon by 128 MB). */
export const MAX_REPLY_BYTES_QUEUED = 16 * 1024 * 1024
export const MAX_REPLIES_QUEUED = 1024
/** Connections at once: each can hold a request of up to MAX_CONTROL_REQUEST_BYTES while it arrives. */
export const MAX_CONTROL_CONNECTIONS = 64

export interface ControlLimits {
  maxRequestBytes: number
  maxRequestsInFlight: number
  pauseReplyBytes: number
  pauseReplies: number
  maxReplyBytesQueued: number
  maxRepliesQueued: number
  maxConnections: number
}

export const DEFAULT_CONTROL_LIMITS: Readonly<ControlLimits> = {
  maxRequestBytes: MAX_CONTROL_REQUEST_BYTES,
  maxRequestsInFlight: MAX_REQUESTS_IN_FLIGHT,
  pauseReplyBytes: PAUSE_REPLY_BYTES,
  pauseReplies: PAUSE_REPLIES,
  maxReplyBytesQueued: MAX_REPLY_BYTES_QUEUED,
  maxRepliesQueued: MAX_REPLIES_QUEUED,
  maxConnections: MAX_CONTROL_CONNECTIONS
}

/** `tell` sends an event under the request's id before its answer (a generate's parts, as each is accepted). */
export type ControlHandler = (request: ControlRequest, tell: (event: unknown) => void) => Promise<unknown>

/**
 * An answer that goes on (`watch`): `open` is called once the request is answered, gives the result and starts sending
 * events, each written as `{ id, event }` under the request's id, until the connection closes (then `close` is
 * called). Events are not answers: they never pause the reading of requests, and while the client has more than
 * `pauseReplyBytes` unread they are dropped and counted, then told as one `{ kind: 'lost', count }` event once it
 * reads again, so a slow watcher loses events (and knows it) instead of growing the daemon or being cut off.
 */
export class ControlStream {
  constructor (readonly open: (send: (event: unknown) => void) => { result: unknown, close: () => void }) {}
}

export interface ControlServerOptions {
  limits?: Partial<ControlLimits>
  /** Told of a request that failed with something other than a BzzzError: a fault of the daemon, for its log. */
  onFault?: (op: string, err: unknown) => void
  /** Told when a connection is closed for what its client did (a line too long, answers not read). */
  onClientClosed?: (reason: string) => void
}

function limitText (bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MiB` : `${bytes} bytes`
}

interface ErrorBody { code: ErrorCode, message: string }

function errorBody (op: string | null, err: unknown, onFault?: (op: string, err: unknown) => void): ErrorBody {
  if (isBzzzError(err)) return { code: err.code, message: err.message }
  onFault?.(op ?? 'request', err)
  const detail = err instanceof Error ? err.message : String(err)
  return { code: 'FAILURE', message: `the daemon failed on the request${op === null ? '' : ` "${op}"`}: ${detail.slice(0, 500)}` }
}

/** One client's connection: its framing, its requests in flight and its queue of answers. */
class ControlConnection {
  private readonly splitter: LineSplitter
  /** Lines framed and not yet handled, from `next` on: at most one chunk's worth, as reading stops while they wait. */
  private waiting: Buffer[] = []
  private next = 0
  private inFlight = 0
  /** Answers handed to the socket whose bytes have not reached the kernel yet. */
  private queued = 0
  private closed = false
  /** The client has sent all it will (`nc -U` after its last line): the connection ends once every answer is out. */
  private inputEnded = false
  /** The stream this connection watches (one at most), and the events it dropped since the client last kept up. */
  private stream: { id: RequestId, close: () => void } | null = null
  private lostEvents = 0

  constructor (
    private readonly socket: Socket,
    private readonly handler: ControlHandler,
    private readonly limits: ControlLimits,
    private readonly options: ControlServerOptions
  ) {
    this.splitter = new LineSplitter(limits.maxRequestBytes)
    socket.on('error', () => {})
    socket.on('close', () => {
      this.closed = true
      this.stream?.close()
    })
    socket.on('drain', () => {
      this.tellLost()
      this.pump()
    })
    socket.on('data', (chunk: Buffer) => { this.receive(chunk) })
    socket.on('end', () => {
      this.inputEnded = true
      this.pump()
    })
  }

  private receive (chunk: Buffer): void {
    try {
      const { lines, tooLong } = this.splitter.push(chunk)
      if (tooLong) {
        this.refuse(`a control request is over ${limitText(this.limits.maxRequestBytes)} (or has no newline): the connection is closed`)
        return
      }
      if (this.next === this.waiting.length) { this.waiting = lines; this.next = 0 } else for (const line of lines) this.waiting.push(line)
      this.pump()
    } catch (err) {
      this.options.onFault?.('read', err)
      this.socket.destroy()
    }
  }

  private blocked (): boolean {
    return this.inFlight >= this.limits.maxRequestsInFlight || this.queued >= this.limits.pauseReplies ||
      this.socket.writableLength >= this.limits.pauseReplyBytes
  }

  /** Handles the waiting lines while the client keeps up, and reads from it only then. */
  private pump (): void {
    if (this.closed) return
    while (this.next < this.waiting.length && !this.blocked() && !this.closed) {
      const line = this.waiting[this.next++]!
      this.dispatch(line)
    }
    if (this.next === this.waiting.length) { this.waiting = []; this.next = 0 }
    if (this.closed) return
    if (this.inputEnded) {
      if (this.waiting.length === 0 && this.inFlight === 0 && !this.socket.writableEnded) this.socket.end()
      return
    }
    if (this.blocked() || this.next < this.waiting.length) this.socket.pause()
    else this.socket.resume()
  }

  private dispatch (line: Buffer): void {
    if (isBlankLine(line)) return
    let id: RequestId = null
    let request: ControlRequest
    try {
      const value: unknown = JSON.parse(line.toString('utf8'))
      id = requestIdOf(value)
      request = parseControlRequest(value)
    } catch (err) {
      const body = err instanceof SyntaxError ? { code: 'BAD_INPUT' as const, message: 'a control request is not JSON' } : errorBody(null, err, this.options.onFault)
      this.answer(id, { ok: false, error: body })
      return
    }
    this.inFlight++
    let answered: Promise<unknown>
    try {
      answered = Promise.resolve(this.handler(request, event => { this.event(id, event) }))
    } catch (err) {
      answered = Promise.reject(err)
    }
    answered.then(
      result => {
        if (result instanceof ControlStream) this.startStream(id, result)
        else this.answer(id, { ok: true, result })
      },
      (err: unknown) => { this.answer(id, { ok: false, error: errorBody(request.op, err, this.options.onFault) }) }
    ).finally(() => {
      this.inFlight--
      this.pump()
    }).catch(() => {})
  }

  private answer (id: RequestId, body: { ok: true, result: unknown } | { ok: false, error: ErrorBody }): void {
    if (this.closed || this.socket.writableEnded) return
    let text: string
    try {
      text = JSON.stringify({ id, ...body }) + '\n'
    } catch (err) {
      // A result JSON cannot hold (too deep, a cycle): the client still gets one answer.
      text = JSON.stringify({ id, ok: false, error: errorBody(null, err, this.options.onFault) }) + '\n'
    }
    this.queued++
    this.socket.write(text, () => {
      this.queued--
      if (this.socket.isPaused() || this.next < this.waiting.length) this.pump()
    })
    if (this.queued > this.limits.maxRepliesQueued || this.socket.writableLength > this.limits.maxReplyBytesQueued) {
      this.options.onClientClosed?.(`a control client read none of its last ${this.queued} answers (${this.socket.writableLength} bytes)`)
      this.closed = true
      this.socket.destroy()
    }
  }

  private startStream (id: RequestId, stream: ControlStream): void {
    if (this.stream !== null) {
      this.answer(id, { ok: false, error: { code: 'BAD_INPUT', message: 'this connection already watches: open another one' } })
      return
    }
    if (this.closed) return
    const opened = stream.open(event => { this.event(id, event) })
    this.stream = { id, close: opened.close }
    this.answer(id, { ok: true, result: opened.result })
  }

  private event (id: RequestId, event: unknown): void {
    if (this.closed || this.socket.writableEnded) return
    if (this.socket.writableLength >= this.limits.pauseReplyBytes) {
      this.lostEvents++
      return
    }
    this.tellLost()
    this.socket.write(JSON.stringify({ id, event }) + '\n')
  }

  private tellLost (): void {
    if (this.lostEvents === 0 || this.stream === null || this.closed || this.socket.writableEnded) return
    const count = this.lostEvents
    this.lostEvents = 0
    this.socket.write(JSON.stringify({ id: this.stream.id, event: { kind: 'lost', count } }) + '\n')
  }

  /** One error answer, then the connection closes: its stream is out of step. */
  private refuse (message: string): void {
    this.options.onClientClosed?.(message)
    this.closed = true
    this.waiting = []
    this.socket.pause()
    const text = JSON.stringify({ id: null, ok: false, error: { code: 'BAD_INPUT', message } }) + '\n'
    if (this.socket.writableNeedDrain) this.socket.destroy()
    else this.socket.end(text, () => { this.socket.destroy() })
  }
}

export async function startControlServer (path: string, handler: ControlHandler, options: ControlServerOptions = {}): Promise<Server> {
  const limits = { ...DEFAULT_CONTROL_LIMITS, ...options.limits }
  if (existsSync(path)) unlinkSync(path)
  const server = createServer({ allowHalfOpen: true }, socket => {
    try {
      // eslint-disable-next-line no-new
      new ControlConnection(socket, handler, limits, options)
    } catch (err) {
      options.onFault?.('connect', err)
      socket.destroy()
    }
  })
  server.maxConnections = limits.maxConnections
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => { server.off('error', reject); resolve() })
  })
  server.on('error', err => { options.onFault?.('listen', err) })
  chmodSync(path, 0o600)
  return server
}
