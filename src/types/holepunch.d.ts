// Minimal declarations for the Holepunch packages bzzz-ctx uses (they ship no types).

declare module 'hypercore' {
  import { EventEmitter } from 'node:events'
  namespace Hypercore {
    interface GetOptions { wait?: boolean, timeout?: number, valueEncoding?: unknown }
    /** Who signs a core: its key is the hash of this. */
    interface Manifest { version: number, signers: Array<{ publicKey: Buffer, namespace?: Buffer }> }
  }
  class Hypercore extends EventEmitter {
    /** The key of the core `manifest` describes. */
    static key (manifest: Hypercore.Manifest): Buffer
    readonly key: Buffer | null
    /** The key pair that signs it (a writable core's), null for a replica. */
    readonly keyPair: { publicKey: Buffer, secretKey: Buffer | null } | null
    readonly discoveryKey: Buffer | null
    readonly length: number
    readonly contiguousLength: number
    readonly byteLength: number
    readonly writable: boolean
    readonly readable: boolean
    readonly closed: boolean
    readonly opened: boolean
    /** How many blocks the stored signature covers, and how many times the core was truncated. */
    readonly signedLength: number
    readonly fork: number
    /** Who signs the core (one Ed25519 signer for a core made by a Corestore). */
    readonly manifest: { version: number, signers: Array<{ publicKey: Buffer }> } | null
    /** The Merkle tree hash of the first `length` blocks. */
    treeHash (length?: number): Promise<Buffer>
    /** The bytes a signature of the tree at `length` and `fork` signs. */
    signable (length?: number, fork?: number): Promise<Buffer>
    truncate (newLength: number): Promise<void>
    /** Frees blocks `start` to `end` (exclusive) held here; the Merkle tree stays. */
    clear (start: number, end?: number): Promise<unknown>
    ready (): Promise<void>
    append (blocks: Buffer | Buffer[]): Promise<{ length: number, byteLength: number }>
    get (index: number, options?: Hypercore.GetOptions): Promise<Buffer | null>
    has (index: number): Promise<boolean>
    download (range?: { start?: number, end?: number, linear?: boolean, blocks?: number[] }): { done: () => Promise<void>, destroy: () => void }
    update (options?: { wait?: boolean }): Promise<boolean>
    info (options?: { storage?: boolean }): Promise<Record<string, unknown>>
    /** Local data kept beside the core in its storage, never replicated. */
    setUserData (key: string, value: Buffer): Promise<void>
    getUserData (key: string): Promise<Buffer | null>
    close (): Promise<void>
    replicate (isInitiator: boolean | NodeJS.ReadWriteStream, options?: Record<string, unknown>): NodeJS.ReadWriteStream
  }
  export = Hypercore
}

declare module 'hypercore-storage' {
  /** Hypercore's RocksDB storage; options go to RocksDB (`writeBufferSize`, ...). */
  class CoreStorage {
    constructor (directory: string, options?: { writeBufferSize?: number } & Record<string, unknown>)
    ready (): Promise<void>
    close (): Promise<void>
    /** Whether the database holds the core of this discovery key (nothing is written). */
    hasCore (discoveryKey: Buffer): Promise<boolean>
  }
  export = CoreStorage
}

declare module 'corestore' {
  import Hypercore from 'hypercore'
  import CoreStorage from 'hypercore-storage'
  class Corestore {
    constructor (storage: string | CoreStorage, options?: Record<string, unknown>)
    ready (): Promise<void>
    get (options: { name: string, exclusive?: boolean } | { key: Buffer, exclusive?: boolean } | { keyPair: { publicKey: Buffer, secretKey: Buffer | null }, manifest: Hypercore.Manifest } | Buffer): Hypercore
    namespace (name: string): Corestore
    replicate (isInitiator: boolean | NodeJS.ReadWriteStream, options?: Record<string, unknown>): NodeJS.ReadWriteStream
    close (): Promise<void>
  }
  export = Corestore
}

declare module 'hyperbee' {
  import Hypercore from 'hypercore'
  namespace Hyperbee {
    interface Entry<V> { seq: number, key: string, value: V }
    interface RangeOptions { gt?: string, gte?: string, lt?: string, lte?: string, reverse?: boolean, limit?: number }
    interface Batch<V> {
      put (key: string, value: V): Promise<void>
      del (key: string): Promise<void>
      get (key: string): Promise<Entry<V> | null>
      flush (): Promise<void>
      close (): Promise<void>
    }
  }
  class Hyperbee<V = unknown> {
    constructor (core: Hypercore, options?: { keyEncoding?: string, valueEncoding?: string })
    readonly core: Hypercore
    readonly version: number
    ready (): Promise<void>
    get (key: string): Promise<Hyperbee.Entry<V> | null>
    put (key: string, value: V): Promise<void>
    del (key: string): Promise<void>
    batch (): Hyperbee.Batch<V>
    snapshot (): Hyperbee<V>
    createReadStream (range?: Hyperbee.RangeOptions): AsyncIterable<Hyperbee.Entry<V>>
    close (): Promise<void>
  }
  export = Hyperbee
}

declare module 'fs-native-extensions' {
  /** An advisory lock (flock-like) on the whole file: false when another process holds it. Let go when the fd closes. */
  export function tryLock (fd: number, offset?: number, length?: number, opts?: { shared?: boolean }): boolean
  export function unlock (fd: number, offset?: number, length?: number): void
}
