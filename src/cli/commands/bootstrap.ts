/** `bzzz-ctx bootstrap [--host H] [--port P] [--nodes N]`: run a private HyperDHT bootstrap until SIGINT or SIGTERM. */
import { Command } from 'commander'
import type { CliEnv } from '../cli-env.js'
import { parseWhole } from '../cli-env.js'
import { emit, note } from '../io.js'
import { untilSignal } from '../signals.js'
import { settledWithin } from '../../settle.js'
import { DEFAULT_BOOTSTRAP_HOST, DEFAULT_BOOTSTRAP_NODES, DEFAULT_DHT_PORT, MAX_BOOTSTRAP_NODES, MIN_BOOTSTRAP_NODES } from '../../net/dht-options.js'

/** How long closing the nodes may take after a signal before the command returns anyway. */
export const BOOTSTRAP_CLOSE_TIMEOUT_MS = 5_000

export interface BootstrapCommandHooks {
  /** Resolves with the name of what stopped the bootstrap; by default the first SIGINT or SIGTERM. */
  untilStopped?: () => Promise<string>
}


export function bootstrapCommand (env: CliEnv, hooks: BootstrapCommandHooks = {}): Command {
  return new Command('bootstrap')
    .description('run a private HyperDHT bootstrap (several DHT nodes) for peers that do not use the public DHT')
    .option('--host <address>', `the IPv4 address to bind and advertise (default ${DEFAULT_BOOTSTRAP_HOST})`)
    .option('--port <port>', `the first node's UDP port, the others take the next ones; 0 for any free ports (default ${DEFAULT_DHT_PORT})`, parseWhole('--port', 0, 65535))
    .option('--nodes <n>', `how many DHT nodes, from ${MIN_BOOTSTRAP_NODES} to ${MAX_BOOTSTRAP_NODES} (default ${DEFAULT_BOOTSTRAP_NODES}; one alone does not work)`, parseWhole('--nodes', MIN_BOOTSTRAP_NODES, MAX_BOOTSTRAP_NODES))
    .addHelpText('after', '\nExamples:\n  bzzz-ctx bootstrap                          # 127.0.0.1:49737-49739\n  bzzz-ctx bootstrap --host 192.168.1.10      # for peers on the local network\n  bzzz-ctx node start --bootstrap 127.0.0.1:49737,127.0.0.1:49738,127.0.0.1:49739')
    .action(env.action<{ host?: string, port?: number, nodes?: number }>(async (ctx, options) => {
      const { startBootstrap } = await import('../../net/bootstrap.js')
      const running = await startBootstrap({ host: options.host, port: options.port, nodes: options.nodes })
      const stopped = (hooks.untilStopped ?? untilSignal)()
      try {
        emit(ctx, { nodes: running.nodes, bootstrap: running.bootstrap }, () => [...running.nodes, `bootstrap: ${running.bootstrap}`].join('\n'))
        note(ctx, `Peers join with: bzzz-ctx node start --bootstrap ${running.bootstrap}`)
        note(ctx, 'Running; stop with Ctrl-C.')
        const by = await stopped
        note(ctx, `${by}: closing ${running.nodes.length} DHT nodes`)
      } finally {
        await settledWithin(running.close(), BOOTSTRAP_CLOSE_TIMEOUT_MS)
      }
    }))
}
