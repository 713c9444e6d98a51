// Minimal declarations for the Holepunch stats packages (they ship no types): what src/node/metrics.ts uses.

declare module 'hypercore-stats' {
  class HypercoreStats {
    /** Watches every core the Corestore opens (passive-core-watcher), until the store closes; `new this()`, so subclasses work. */
    static fromCorestore<T extends HypercoreStats> (this: new () => T, store: unknown): T
    /** Registers its gauges through `promClient.Gauge` (so on whatever registry that class is given). */
    registerPrometheusMetrics (promClient: unknown): void
    /** Drops the snapshot of every core's figures it otherwise reuses for 5 s: the next read takes a new one. */
    bustCache (): void
    /** What the hypercore_filesystem_size_bytes and _avail_bytes gauges read, each with a statfs of its own. */
    getFilesystemSizeBytes (): Promise<number>
    getFilesystemAvailBytes (): Promise<number>
  }
  export = HypercoreStats
}

declare module 'hyperswarm-stats' {
  class HyperswarmStats {
    constructor (swarm: unknown)
    /** Registers its gauges (and hyperdht-stats' for the swarm's DHT) through `promClient.Gauge`. */
    registerPrometheusMetrics (promClient: unknown): void
  }
  export = HyperswarmStats
}
