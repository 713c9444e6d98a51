// Minimal declarations for the Holepunch stats packages (they ship no types): what src/node/metrics.ts uses.

declare module 'hypercore-stats' {
  class HypercoreStats {
    /** Watches every core the Corestore opens (passive-core-watcher), until the store closes. */
    static fromCorestore (store: unknown): HypercoreStats
    /** Registers its gauges through `promClient.Gauge` (so on whatever registry that class is given). */
    registerPrometheusMetrics (promClient: unknown): void
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
