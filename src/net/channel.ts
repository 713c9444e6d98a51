/**
 * One bzzz-ctx wire channel on one connection: a Protomux channel (protocol WIRE_PROTOCOL, id the cluster id) on
 * the connection's mux, which Corestore replication shares. Every frame received is decoded and validated by
 * decodeMessage; a peer's bad bytes close the channel and destroy the connection, are counted, and never throw.
 *
 * Framing: one Protomux message type carries parts of a frame, `[flag][bytes]`, flag 0 for the last part and 1
 * when more follow. A Hyperswarm connection (@hyperswarm/secret-stream) refuses writes over 16 MiB, and one big
 * write would hold up replication on the same connection, so frames (up to MAX_FRAME_BYTES) travel in parts.
 *
 * Order: the first message each way must be `hello`, and only the first. Sending out of order is a bug of ours
 * (BAD_INPUT thrown); receiving out of order is the peer's fault (an invalid frame). Until the peer's hello has
 * arrived, a frame may be no larger than a hello, so a stranger cannot make us buffer more than a few KiB.
 */
import Protomux from 'protomux'
import { BzzzError, badInput } from '../errors.js'
import { MAX_FRAME_BYTES, MAX_HELLO_FRAME_BYTES, WIRE_PROTOCOL, decodeMessage, encodeMessage, type CodecState, type WireMessage } from './messages.js'

/** The largest part of a frame on the connection (well under secret-stream's 16 MiB write limit, even batched). */
export const WIRE_PART_BYTES = 1024 * 1024
/** The most parts one frame may arrive in: bounds the bookkeeping a peer can cause with tiny parts. */
export const MAX_FRAME_PARTS = 1024
const LAST_PART = 0
const MORE_PARTS = 1

/** Counts of what wire channels did; a process-wide default (`wireStats`) or one injected per channel. */
export interface WireStats {
  channelsOpened: number
  channelsClosed: number
  framesSent: number
  framesReceived: number
  bytesSent: number
  bytesReceived: number
  /** Frames refused (malformed, unknown, oversized, out of order): each closed its channel and connection. */
  invalidFrames: number
  /** Our own onMessage handler threw or rejected: each closed its channel and connection. */
  handlerErrors: number
}

export function createWireStats (): WireStats {
  return { channelsOpened: 0, channelsClosed: 0, framesSent: 0, framesReceived: 0, bytesSent: 0, bytesReceived: 0, invalidFrames: 0, handlerErrors: 0 }
}

/**
 * Why a frame was refused, in a few fixed words (the reason text varies with the bytes, so it is no metric label):
 * framing (a part's flag or emptiness), oversized (too large or in too many parts), malformed (it did not decode or
 * validate), order (a message before hello, a second hello), failure (our own reading of it threw).
 */
export type InvalidFrameKind = 'framing' | 'oversized' | 'malformed' | 'order' | 'failure'

/** The process-wide counts, used by channels that are given no `stats` of their own. */
export const wireStats: WireStats = createWireStats()

/** What a WireChannel needs of its connection: a framed duplex stream, such as a Hyperswarm connection. */
export type WireStream = Protomux.FramedStream & { remotePublicKey?: Buffer | null }

export interface WireChannelOptions {
  /** The cluster id, 32 bytes: channels of other clusters never pair with this one. */
  clusterId: Buffer
  /** A valid message from the peer. Exceptions and rejections are caught, counted, and close the connection. */
  onMessage: (message: WireMessage, channel: WireChannel) => void | Promise<void>
  /** Called once, when the channel closes for any reason (never from inside the constructor). */
  onClose: (reason: string, channel: WireChannel) => void
  /** A frame from the peer was refused; the channel and connection are closing. Called before onClose. */
  onInvalid?: (reason: string, channel: WireChannel, kind: InvalidFrameKind) => void
  /** The peer opened the same channel: messages flow both ways. */
  onOpen?: (channel: WireChannel) => void
  stats?: WireStats
  /** The largest part written (tests shorten it); at most WIRE_PART_BYTES, raised when a frame would need more than MAX_FRAME_PARTS. */
  partBytes?: number
}

interface Part { flag: number, payload: Uint8Array }

/** The Protomux encoding of a part: written as flag and bytes, read back raw so the channel checks everything itself. */
const PART_ENCODING = {
  preencode (state: CodecState, part: Part): void { state.end += 1 + part.payload.byteLength },
  encode (state: CodecState, part: Part): void {
    const buffer = state.buffer as Uint8Array
    buffer[state.start++] = part.flag
    buffer.set(part.payload, state.start)
    state.start += part.payload.byteLength
  },
  decode (state: CodecState): Uint8Array {
    const bytes = (state.buffer as Uint8Array).subarray(state.start, state.end)
    state.start = state.end
    return bytes
  }
}

function reasonOf (err: unknown): string {
  if (err instanceof BzzzError) return err.message
  return err instanceof Error ? err.message : String(err)
}

function isThenable (value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
}

export class WireChannel {
  /** Resolves true once the peer has opened the same channel, false if it closed first (or never can open). */
  readonly opened: Promise<boolean>
  readonly stream: WireStream
  private readonly options: WireChannelOptions
  private readonly stats: WireStats
  private readonly partBytes: number
  private readonly channel: Protomux.Channel | null
  private readonly partMessage: Protomux.Message<Part> | null
  private state: 'new' | 'opening' | 'open' | 'closed' = 'new'
  private reason: string | null = null
  private localOpened = false
  private helloSent = false
  private helloReceived = false
  private pending: Buffer[] = []
  private pendingBytes = 0

  constructor (stream: WireStream, options: WireChannelOptions) {
    if (!Buffer.isBuffer(options.clusterId) || options.clusterId.byteLength !== 32) throw badInput('a wire channel\'s cluster id must be 32 bytes')
    const partBytes = options.partBytes ?? WIRE_PART_BYTES
    if (!Number.isSafeInteger(partBytes) || partBytes < 1 || partBytes > WIRE_PART_BYTES) throw badInput(`partBytes must be from 1 to ${WIRE_PART_BYTES}`)
    this.stream = stream
    this.options = options
    this.stats = options.stats ?? wireStats
    this.partBytes = partBytes
    const mux = Protomux.from(stream)
    this.channel = mux.createChannel({
      protocol: WIRE_PROTOCOL,
      id: options.clusterId,
      onopen: () => { this.onRemoteOpen() },
      onclose: (isRemote: boolean) => { this.onProtomuxClose(isRemote) }
    })
    if (this.channel === null) {
      this.partMessage = null
      this.opened = Promise.resolve(false)
      const why = stream.destroyed ? 'the connection is closed' : 'a wire channel of this cluster is already open on this connection (or the peer closed it)'
      queueMicrotask(() => { this.finish(why, false) })
      return
    }
    this.partMessage = this.channel.addMessage<Part>({ encoding: PART_ENCODING, onmessage: (part: Uint8Array) => { this.onPart(part) } })
    this.opened = this.channel.fullyOpened()
  }

  /** The peer's Noise public key (its node id), when the stream knows it. */
  get remotePublicKey (): Buffer | null {
    return this.stream.remotePublicKey ?? null
  }

  get isOpen (): boolean {
    return this.state === 'open'
  }

  get closed (): boolean {
    return this.state === 'closed'
  }

  /** Why the channel closed; null while it is not closed. */
  get closeReason (): string | null {
    return this.reason
  }

  /** False when the connection asks writers to wait for it to drain. */
  get drained (): boolean {
    return this.channel?.drained ?? false
  }

  /** Offers the channel to the peer; messages may be sent at once (the peer buffers them until it pairs). */
  open (): void {
    if (this.localOpened || this.state === 'closed' || this.channel === null) return
    this.localOpened = true
    if (this.state === 'new') this.state = 'opening'
    this.channel.open()
  }

  /**
   * Sends one message; false when the channel is closed, or when the connection wants the sender to wait for it
   * to drain. Throws BAD_INPUT for a message that is not valid or out of order, or before open().
   */
  send (message: WireMessage): boolean {
    const frame = encodeMessage(message)
    if (!this.localOpened && this.state !== 'closed') throw badInput('a wire channel sends nothing before open()')
    if (this.state === 'closed' || this.partMessage === null) return false
    if (!this.helloSent && message.type !== 'hello') throw badInput(`the first message on a wire channel is hello, not ${message.type}`)
    if (this.helloSent && message.type === 'hello') throw badInput('hello is sent once per wire channel')
    this.helloSent = true
    const partBytes = Math.max(this.partBytes, Math.ceil(frame.byteLength / MAX_FRAME_PARTS))
    let drained = true
    try {
      for (let at = 0; ; at += partBytes) {
        const end = Math.min(at + partBytes, frame.byteLength)
        drained = this.partMessage.send({ flag: end < frame.byteLength ? MORE_PARTS : LAST_PART, payload: frame.subarray(at, end) })
        if (end >= frame.byteLength) break
      }
    } catch {
      return false // the connection went away while writing: its close reports that
    }
    this.stats.framesSent++
    this.stats.bytesSent += frame.byteLength
    return drained
  }

  /** Closes this channel (the connection stays up for replication). */
  close (reason = 'closed by this peer'): void {
    this.finish(reason, false)
  }

  private onRemoteOpen (): void {
    if (this.state === 'closed') return
    this.state = 'open'
    this.stats.channelsOpened++
    this.call(() => this.options.onOpen?.(this))
  }

  private onProtomuxClose (isRemote: boolean): void {
    if (this.state === 'closed') return
    const reason = this.stream.destroyed
      ? 'the connection closed'
      : this.state === 'open'
        ? (isRemote ? 'the peer closed the channel' : 'closed')
        : 'the peer refused the channel (another cluster, or not a bzzz-ctx peer)'
    this.finish(reason, false)
  }

  /** One part from the peer. Nothing in here may throw into Protomux: a peer's bytes must never crash the process. */
  private onPart (part: Uint8Array): void {
    try {
      if (this.state === 'closed') return
      if (part.byteLength === 0) return this.refuse('framing', 'an empty part')
      const flag = part[0]
      if (flag !== LAST_PART && flag !== MORE_PARTS) return this.refuse('framing', `an unknown part flag ${String(flag)}`)
      const payload = part.subarray(1)
      const limit = this.helloReceived ? MAX_FRAME_BYTES : MAX_HELLO_FRAME_BYTES
      if (this.pendingBytes + payload.byteLength > limit) return this.refuse('oversized', this.helloReceived ? `a frame over ${limit} bytes` : `a first frame over ${limit} bytes (a hello is no larger)`)
      if (this.pending.length + 1 > MAX_FRAME_PARTS) return this.refuse('oversized', `a frame in more than ${MAX_FRAME_PARTS} parts`)
      if (flag === MORE_PARTS) {
        if (payload.byteLength === 0) return this.refuse('framing', 'an empty part before the last')
        this.pending.push(Buffer.from(payload)) // copied: the transport may reuse its buffer
        this.pendingBytes += payload.byteLength
        return
      }
      const frame = this.pending.length === 0 ? payload : Buffer.concat([...this.pending, payload])
      this.pending = []
      this.pendingBytes = 0
      let message: WireMessage
      try {
        message = decodeMessage(frame)
      } catch (err) {
        return this.refuse('malformed', reasonOf(err))
      }
      if (!this.helloReceived && message.type !== 'hello') return this.refuse('order', `a ${message.type} message before hello`)
      if (this.helloReceived && message.type === 'hello') return this.refuse('order', 'a second hello')
      this.helloReceived = true
      this.stats.framesReceived++
      this.stats.bytesReceived += frame.byteLength
      this.deliver(message)
    } catch (err) {
      this.refuse('failure', `an unexpected failure reading a frame: ${reasonOf(err)}`)
    }
  }

  private deliver (message: WireMessage): void {
    try {
      const result = this.options.onMessage(message, this)
      if (isThenable(result)) result.then(undefined, err => { this.handlerFailed(err) })
    } catch (err) {
      this.handlerFailed(err)
    }
  }

  private handlerFailed (err: unknown): void {
    this.stats.handlerErrors++
    this.finish(`our message handler failed: ${reasonOf(err)}`, true)
  }

  private refuse (kind: InvalidFrameKind, reason: string): void {
    if (this.state === 'closed') return
    this.stats.invalidFrames++
    this.pending = []
    this.pendingBytes = 0
    this.call(() => this.options.onInvalid?.(reason, this, kind))
    this.finish(`invalid frame: ${reason}`, true)
  }

  private finish (reason: string, destroyStream: boolean): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.reason = reason
    this.pending = []
    this.pendingBytes = 0
    this.stats.channelsClosed++
    try { this.channel?.close() } catch { /* the mux is already torn down */ }
    if (destroyStream) {
      try { this.stream.destroy() } catch { /* already destroyed */ }
    }
    this.call(() => { this.options.onClose(reason, this) })
  }

  /** Runs a user callback; its failure is counted, never thrown into Protomux. */
  private call (callback: () => unknown): void {
    try {
      const result = callback()
      if (isThenable(result)) result.then(undefined, () => { this.stats.handlerErrors++ })
    } catch {
      this.stats.handlerErrors++
    }
  }
}
