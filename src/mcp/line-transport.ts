/**
 * MCP over stdio, one JSON-RPC message a line, that no input stops: a line that is not JSON, or not JSON-RPC, is
 * answered with the JSON-RPC error for it (id null) and the next line is read; a line over MAX_FRAME_BYTES is answered
 * once and skipped to its end, never buffered. (The SDK's own stdio transport closes itself when more than 10 MiB is
 * buffered, which ends the server.)
 */
import type { Readable, Writable } from 'node:stream'
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'

/** The longest message line read: far above any tool call (the largest argument, a decision's text, is 16 KiB). */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024

/** JSON-RPC's codes for a line that is not JSON, and for JSON that is not a request. */
const PARSE_ERROR = -32700
const INVALID_REQUEST = -32600

export class LineTransport implements Transport {
  onclose?: () => void
  onerror?: (error: Error) => void
  onmessage?: <T extends JSONRPCMessage>(message: T) => void
  private parts: Buffer[] = []
  private held = 0
  /** Past the limit: bytes are dropped until the line ends. */
  private skipping = false
  private closed = false

  constructor (private readonly input: Readable, private readonly output: Writable) {}

  async start (): Promise<void> {
    this.input.on('data', this.onData)
    this.input.on('end', this.onEnd)
    this.input.on('error', this.onEnd)
  }

  private readonly onEnd = (): void => { void this.close() }

  private readonly onData = (chunk: Buffer): void => {
    let from = 0
    for (let newline = chunk.indexOf(10, from); ; newline = chunk.indexOf(10, from)) {
      const end = newline === -1 ? chunk.length : newline
      if (!this.skipping) {
        if (this.held + end - from > MAX_FRAME_BYTES) {
          this.skipping = true
          this.parts = []
          this.held = 0
          this.reply(INVALID_REQUEST, `a message line is longer than ${MAX_FRAME_BYTES} bytes: it was skipped`)
        } else if (end > from) {
          this.parts.push(chunk.subarray(from, end))
          this.held += end - from
        }
      }
      if (newline === -1) return
      if (!this.skipping) this.line(Buffer.concat(this.parts).toString('utf8').replace(/\r$/, ''))
      this.skipping = false
      this.parts = []
      this.held = 0
      from = newline + 1
    }
  }

  private line (text: string): void {
    if (text.trim() === '') return
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err) {
      this.reply(PARSE_ERROR, `not JSON: ${(err as Error).message.slice(0, 120)}`)
      return
    }
    const parsed = JSONRPCMessageSchema.safeParse(value)
    if (!parsed.success) {
      this.reply(INVALID_REQUEST, 'not a JSON-RPC 2.0 message')
      return
    }
    this.onmessage?.(parsed.data)
  }

  private reply (code: number, message: string): void {
    this.onerror?.(new Error(message))
    this.write({ jsonrpc: '2.0', id: null, error: { code, message } })
  }

  private write (value: unknown): void {
    if (!this.closed) this.output.write(JSON.stringify(value) + '\n')
  }

  async send (message: JSONRPCMessage): Promise<void> {
    this.write(message)
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.input.off('data', this.onData)
    this.input.off('end', this.onEnd)
    this.onclose?.()
  }
}
