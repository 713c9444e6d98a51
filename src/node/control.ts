/**
 * The client's side of the daemon's control socket (the daemon's side is control-server.ts): newline-delimited JSON
 * requests `{ id, op, args }` and answers `{ id, ok, result }` or `{ id, ok: false, error: { code, message } }`.
 */
import { existsSync } from 'node:fs'
import { createConnection, type Socket } from 'node:net'
import { BzzzError, badInput, unavailable, type ErrorCode } from '../errors.js'
import { LineSplitter } from './control-lines.js'

/**
 * The longest request line the daemon reads (newline excluded): twice the largest context file `distribute` takes
 * (4 MiB), for the escapes of its JSON. A longer line is answered with one error and its connection is closed.
 */
export const MAX_CONTROL_REQUEST_BYTES = 8 * 1024 * 1024
/** The longest answer the client reads: the daemon's own, and a retrieve or a history can be large. */
export const MAX_CONTROL_ANSWER_BYTES = 64 * 1024 * 1024
export const CONNECT_TIMEOUT_MS = 1_000

interface Answer { id: unknown, ok: boolean, result?: unknown, error?: { code: ErrorCode, message: string }, event?: unknown }

/** Who follows a `watch`: told of each event under its id, and once, of the end of the connection. */
interface Watcher { onEvent: (event: unknown) => void, onEnd: (err: BzzzError) => void }

function answerError (answer: Answer): BzzzError {
  return new BzzzError(answer.error?.code ?? 'FAILURE', answer.error?.message ?? 'the daemon failed')
}

/** A connection to a running daemon. */
export class ControlClient {
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()
  private readonly watchers = new Map<number, Watcher>()

  private constructor (private readonly socket: Socket) {
    const splitter = new LineSplitter(MAX_CONTROL_ANSWER_BYTES)
    socket.on('data', (chunk: Buffer) => {
      const { lines, tooLong } = splitter.push(chunk)
      for (const line of lines) this.receive(line)
      if (tooLong) this.failAll(unavailable(`the daemon sent an answer over ${MAX_CONTROL_ANSWER_BYTES / 1024 / 1024} MiB`))
    })
    socket.on('close', () => { this.failAll(unavailable('the daemon closed the connection')) })
    socket.on('error', () => {})
  }

  private receive (line: Buffer): void {
    let answer: Answer
    try { answer = JSON.parse(line.toString('utf8')) as Answer } catch { return }
    if (typeof answer !== 'object' || answer === null) return
    if (Object.hasOwn(answer, 'event')) {
      this.watchers.get(answer.id as number)?.onEvent(answer.event)
      return
    }
    // An error under no id is about the connection (a request the daemon could not frame): every request waits in vain.
    if (answer.id === null && answer.ok === false) {
      this.failAll(answerError(answer))
      return
    }
    const pending = this.pending.get(answer.id as number)
    if (pending === undefined) return
    this.pending.delete(answer.id as number)
    if (answer.ok) pending.resolve(answer.result)
    else pending.reject(answerError(answer))
  }

  private failAll (err: BzzzError): void {
    for (const pending of this.pending.values()) pending.reject(err)
    this.pending.clear()
    for (const watcher of this.watchers.values()) watcher.onEnd(err)
    this.watchers.clear()
    this.socket.destroy()
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
    const line = JSON.stringify({ id, op, args })
    if (Buffer.byteLength(line) > MAX_CONTROL_REQUEST_BYTES) throw badInput(`the request to the daemon is over ${MAX_CONTROL_REQUEST_BYTES / 1024 / 1024} MiB`)
    return await new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.socket.write(line + '\n')
    })
  }

  /** A request the daemon may tell events of (`{ id, event }` lines) before it answers: each goes to `onEvent`. */
  async callTelling<T> (op: string, args: Record<string, unknown>, onEvent: (event: unknown) => void): Promise<T> {
    const id = this.nextId
    this.watchers.set(id, { onEvent, onEnd: () => {} })
    try {
      return await this.call<T>(op, args)
    } finally {
      this.watchers.delete(id)
    }
  }

  /**
   * A request whose answer goes on (`watch`): resolves with its first answer, then `onEvent` is told of each event
   * the daemon sends under its id, and `onEnd` once, when the connection ends.
   */
  async watch<T> (op: string, args: Record<string, unknown>, onEvent: (event: unknown) => void, onEnd: (err: BzzzError) => void): Promise<T> {
    const id = this.nextId
    this.watchers.set(id, { onEvent, onEnd })
    try {
      return await this.call<T>(op, args)
    } catch (err) {
      this.watchers.delete(id)
      throw err
    }
  }

  close (): void {
    this.watchers.clear()
    this.socket.end()
  }
}
