// Minimal declarations for the Holepunch networking packages bzzz-ctx uses (they ship no types).
// compact-encoding ships its own index.d.ts, so it is not declared here.

declare module 'hyperdht' {
  import { EventEmitter } from 'node:events'
  import type { Duplex } from 'node:stream'

  namespace HyperDHT {
    interface KeyPair { publicKey: Buffer, secretKey: Buffer }
    interface HostPort { host: string, port: number }
    interface Options {
      /** `host:port` strings or objects; `[]` for the first node of a private network. */
      bootstrap?: Array<string | HostPort>
      keyPair?: KeyPair
      /** The interface the UDP sockets bind to (default 0.0.0.0). */
      host?: string
      /** A port, or a `[from, to)` range; a number `p` tries p..p+4. 0 is read as 49737 by HyperDHT. */
      port?: number | [number, number]
      /** false: fail when the port is taken, instead of falling back to a random port. */
      anyPort?: boolean
      ephemeral?: boolean
      firewalled?: boolean
      connectionKeepAlive?: number | false
      [option: string]: unknown
    }
    /** A @hyperswarm/secret-stream NoiseSecretStream: an encrypted, framed duplex. */
    interface NoiseSecretStream extends Duplex {
      readonly publicKey: Buffer
      readonly remotePublicKey: Buffer
      readonly isInitiator: boolean
      readonly handshakeHash: Buffer | null
      readonly rawBytesRead: number
      readonly rawBytesWritten: number
      userData: unknown
      opened: Promise<boolean>
      sendKeepAlive (): void
      setKeepAlive (ms: number): void
    }
    interface ServerOptions {
      /** Return true to refuse a connection from this key. */
      firewall?: (remotePublicKey: Buffer, remoteHandshakePayload: unknown) => boolean
    }
    interface Server extends EventEmitter {
      listen (keyPair?: KeyPair): Promise<void>
      close (): Promise<void>
      address (): { host: string, port: number, publicKey: Buffer } | null
      readonly publicKey: Buffer | null
    }
    interface Query extends AsyncIterable<{ peers: Array<{ publicKey: Buffer }> }> {
      finished (): Promise<void>
      destroy (): void
    }
  }

  class HyperDHT extends EventEmitter {
    constructor (options?: HyperDHT.Options)
    static keyPair (seed?: Buffer): HyperDHT.KeyPair
    static hash (data: Buffer): Buffer
    static bootstrapper (port: number, host: string, options?: HyperDHT.Options): HyperDHT
    readonly defaultKeyPair: HyperDHT.KeyPair
    readonly listening: Set<HyperDHT.Server>
    readonly bootstrapped: boolean
    readonly ephemeral: boolean
    readonly firewalled: boolean
    readonly destroyed: boolean
    readonly host: string | null
    readonly port: number
    fullyBootstrapped (): Promise<void>
    ready (): Promise<void>
    bind (): Promise<void>
    address (): { host: string, family: number, port: number }
    /** The routing table's nodes. */
    toArray (): HyperDHT.HostPort[]
    addNode (node: HyperDHT.HostPort): void
    connect (remotePublicKey: Buffer, options?: { keyPair?: HyperDHT.KeyPair }): HyperDHT.NoiseSecretStream
    createServer (options?: HyperDHT.ServerOptions | ((socket: HyperDHT.NoiseSecretStream) => void), onconnection?: (socket: HyperDHT.NoiseSecretStream) => void): HyperDHT.Server
    lookup (topic: Buffer): HyperDHT.Query
    destroy (options?: { force?: boolean }): Promise<void>
  }
  export = HyperDHT
}

declare module 'hyperdht/testnet.js' {
  import HyperDHT from 'hyperdht'
  namespace createTestnet {
    interface Testnet extends Iterable<HyperDHT> {
      readonly nodes: HyperDHT[]
      readonly bootstrap: HyperDHT.HostPort[]
      /** An ephemeral node bound to 127.0.0.1 that bootstraps from the testnet. */
      createNode (options?: HyperDHT.Options): HyperDHT
      destroy (): Promise<void>
    }
  }
  function createTestnet (size?: number, options?: { host?: string, port?: number, bootstrap?: HyperDHT.HostPort[], teardown?: unknown }): Promise<createTestnet.Testnet>
  export = createTestnet
}

declare module 'hyperswarm' {
  import { EventEmitter } from 'node:events'
  import HyperDHT from 'hyperdht'

  namespace Hyperswarm {
    type Connection = HyperDHT.NoiseSecretStream
    interface Options {
      keyPair?: HyperDHT.KeyPair
      seed?: Buffer
      /** A DHT of your own (bind it to 127.0.0.1 on one machine); otherwise one is made from `bootstrap`. */
      dht?: HyperDHT
      bootstrap?: Array<string | HyperDHT.HostPort>
      maxPeers?: number
      maxParallel?: number
      /** Return true to refuse a peer (client and server side). */
      firewall?: (remotePublicKey: Buffer, payload: unknown) => boolean
      backoffs?: number[]
      jitter?: number
    }
    interface PeerInfo {
      readonly publicKey: Buffer
      readonly topics: Buffer[]
      readonly client: boolean
      readonly explicit: boolean
      readonly banned: boolean
      ban (banned?: boolean): void
    }
    interface PeerDiscoverySession {
      readonly topic: Buffer
      readonly isClient: boolean
      readonly isServer: boolean
      /** Resolves once the first announce (server) has been flushed to the DHT. */
      flushed (): Promise<boolean>
      /** Looks the topic up (and re-announces) again now. */
      refresh (options?: { client?: boolean, server?: boolean }): Promise<boolean>
      destroy (): Promise<void>
    }
  }

  class Hyperswarm extends EventEmitter {
    constructor (options?: Hyperswarm.Options)
    readonly keyPair: HyperDHT.KeyPair
    readonly dht: HyperDHT
    readonly connections: Set<Hyperswarm.Connection>
    readonly peers: Map<string, Hyperswarm.PeerInfo>
    readonly connecting: number
    readonly destroyed: boolean
    join (topic: Buffer, options?: { server?: boolean, client?: boolean, limit?: number }): Hyperswarm.PeerDiscoverySession
    leave (topic: Buffer): Promise<void>
    joinPeer (publicKey: Buffer): void
    leavePeer (publicKey: Buffer): void
    status (topic: Buffer): Hyperswarm.PeerDiscoverySession | null
    listen (): Promise<void>
    flush (): Promise<boolean>
    destroy (options?: { force?: boolean }): Promise<void>
    on (event: 'connection', listener: (connection: Hyperswarm.Connection, peerInfo: Hyperswarm.PeerInfo) => void): this
    on (event: 'update', listener: () => void): this
    on (event: string | symbol, listener: (...args: any[]) => void): this
  }
  export = Hyperswarm
}

declare module 'protomux' {
  namespace Protomux {
    /** A compact-encoding codec (compact-encoding does not export its own Encoder type). */
    interface Encoder<I = any, O = I> {
      preencode (state: { start: number, end: number, buffer: Uint8Array | null }, value: I): void
      encode (state: { start: number, end: number, buffer: Uint8Array | null }, value: I): void
      decode (state: { start: number, end: number, buffer: Uint8Array | null }): O
    }
    interface MessageOptions<T> {
      encoding?: Encoder<T, any>
      onmessage?: (message: any, channel: Channel) => unknown
      autoBatch?: boolean
    }
    interface Message<T = any> {
      readonly type: number
      readonly encoding: Encoder<T, any>
      onmessage: (message: any, channel: Channel) => unknown
      /** Returns false when the stream asks the writer to wait for 'drain' (or the channel is closed). */
      send (message: T, channel?: Channel): boolean
    }
    interface ChannelOptions {
      protocol: string
      id?: Buffer | null
      aliases?: string[]
      unique?: boolean
      userData?: unknown
      handshake?: Encoder<any, any> | null
      messages?: Array<MessageOptions<any> | null>
      onopen?: (handshake: unknown, channel: Channel) => unknown
      onclose?: (isRemote: boolean, channel: Channel) => unknown
      ondestroy?: (channel: Channel) => unknown
      ondrain?: (channel: Channel) => unknown
    }
    interface Channel {
      readonly protocol: string
      readonly id: Buffer | null
      readonly opened: boolean
      readonly closed: boolean
      readonly destroyed: boolean
      readonly drained: boolean
      readonly messages: Message[]
      userData: unknown
      open (handshake?: unknown): void
      close (): void
      addMessage<T = any> (options?: MessageOptions<T> | null): Message<T>
      /** Resolves true once the remote has opened the same protocol and id, false if it closed first. */
      fullyOpened (): Promise<boolean>
      fullyClosed (): Promise<void>
      cork (): void
      uncork (): void
    }
    /** A framed duplex stream such as a Hyperswarm connection. */
    interface FramedStream {
      write (data: Uint8Array): boolean
      destroy (err?: Error): void
      readonly destroyed: boolean
      on (event: string, listener: (...args: any[]) => void): unknown
      userData?: unknown
    }
  }

  class Protomux implements Iterable<Protomux.Channel> {
    constructor (stream: Protomux.FramedStream, options?: { alloc?: (size: number) => Buffer })
    static from (streamOrMux: Protomux.FramedStream | Protomux, options?: { alloc?: (size: number) => Buffer }): Protomux
    static isProtomux (value: unknown): value is Protomux
    readonly isProtomux: true
    readonly stream: Protomux.FramedStream
    readonly drained: boolean
    /** null when the stream is destroyed, or (unique) when the same protocol and id is already open. */
    createChannel (options: Protomux.ChannelOptions): Protomux.Channel | null
    opened (key: { protocol: string, id?: Buffer | null }): boolean
    pair (key: { protocol: string, id?: Buffer | null }, notify: (id: Buffer | null) => unknown): void
    unpair (key: { protocol: string, id?: Buffer | null }): void
    isIdle (): boolean
    cork (): void
    uncork (): void
    destroy (err?: Error): void
    [Symbol.iterator] (): Iterator<Protomux.Channel>
  }
  export = Protomux
}

declare module 'hypercore-crypto' {
  interface KeyPair { publicKey: Buffer, secretKey: Buffer }
  const crypto: {
    keyPair (seed?: Buffer): KeyPair
    validateKeyPair (keyPair: KeyPair): boolean
    sign (message: Buffer, secretKey: Buffer): Buffer
    verify (message: Buffer, signature: Buffer, publicKey: Buffer): boolean
    randomBytes (n: number): Buffer
    discoveryKey (publicKey: Buffer): Buffer
    hash (data: Buffer | Buffer[]): Buffer
    data (data: Buffer): Buffer
  }
  export = crypto
}

declare module '@hyperswarm/secret-stream' {
  import type { Duplex } from 'node:stream'
  /** A Noise-encrypted duplex; with no raw stream it makes one (`rawStream`) to pipe to its peer's. */
  class NoiseSecretStream extends Duplex {
    constructor (isInitiator: boolean, rawStream?: Duplex | null, options?: { keyPair?: { publicKey: Buffer, secretKey: Buffer }, remotePublicKey?: Buffer, [option: string]: unknown })
    readonly publicKey: Buffer
    readonly remotePublicKey: Buffer
    readonly isInitiator: boolean
    readonly rawStream: Duplex
    /** Resolves true once the handshake is done, false if the stream closed first. */
    readonly opened: Promise<boolean>
  }
  export default NoiseSecretStream
}
