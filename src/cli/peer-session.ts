/** Opens this peer for one command: through its running daemon when there is one, else the home itself. */
import { unavailable } from '../errors.js'
import { describeLeftFiles, leftDaemonFiles } from '../node/daemon-files.js'
import { homePaths, readConfig, resolveHomeDir } from '../node/home.js'
import type { DaemonClient } from '../node/daemon-client.js'
import type { OpenedHome } from '../node/held-generation.js'
import type { LocalPeer } from '../node/local-peer.js'
import { note, type CommandContext } from './io.js'
import type { AdminAuditEvent } from '../audit/audit-event.js'

export function homeOf (ctx: CommandContext): string {
  return resolveHomeDir(ctx.global.home, ctx.io.env)
}

export type PeerApi = Pick<LocalPeer, 'config' | 'generate' | 'distribute' | 'retrieve' | 'addresses' | 'freshness' | 'status' | 'close' | 'decide' | 'history' | 'hops' | 'influence' | 'publishKeys' | 'publishPolicy' | 'reseal' | 'recordAdmin'>

async function connectDaemon (home: string): Promise<DaemonClient | null> {
  const { DaemonClient } = await import('../node/daemon-client.js')
  return await DaemonClient.connect(home, homePaths(home).controlSocket)
}

/** When no daemon answered: what its files left in the home say (a daemon that died), or null when there are none. */
function leftBehind (home: string): string | null {
  const left = leftDaemonFiles(home)
  return left === null ? null : describeLeftFiles(left)
}

export interface PeerSessionOptions<T> {
  /**
   * For a command that only reads: without a daemon it opens the store without its lock, so readers run side by side,
   * and beside a writer.
   */
  readOnly?: boolean
  /**
   * Without a daemon, tried before the home's peer is opened: its answer is the command's (the peer is not opened at
   * all), or it hands on what it opened of the home (see generateWithoutStore).
   */
  beforeOpen?: (home: string) => Promise<{ answer: T } | OpenedHome>
}

export async function withPeer<T> (ctx: CommandContext, work: (peer: PeerApi) => Promise<T>, options: PeerSessionOptions<T> = {}): Promise<T> {
  const home = homeOf(ctx)
  const config = readConfig(home)
  const daemon = await connectDaemon(home)
  let peer: PeerApi
  if (daemon !== null) peer = daemon
  else {
    // Without this line a daemon that died would look like one never started: the answer would come from the home alone.
    const left = leftBehind(home)
    if (left !== null) ctx.io.stderr.write(`bzzz-ctx: ${left}; working on the home directly\n`)
    const before = await options.beforeOpen?.(home)
    if (before !== undefined && 'answer' in before) return before.answer
    const { LocalPeer } = await import('../node/local-peer.js')
    // A write here is this cluster-of-one's own: audited as its daemon would (a read-only store records nothing).
    const settings = options.readOnly === true ? undefined : await import('../node/settings.js')
    const audit = settings?.auditSettings(config, ctx.io.env)
    // And it clears what its writes superseded past the retention, at its end, as its daemon would.
    const retentionMs = settings?.retentionSetting(config, ctx.io.env)
    peer = await LocalPeer.open(home, { readOnly: options.readOnly === true, ...(before !== undefined ? { opened: before } : {}), ...(audit !== undefined ? { audit } : {}), ...(retentionMs !== undefined ? { retentionMs } : {}) })
  }
  try {
    return await work(peer)
  } finally {
    await peer.close()
  }
}

/** For the commands that need the cluster (sync, peers, node stop): the running daemon, or exit 5 with `wayOut`. */
export async function withDaemon<T> (ctx: CommandContext, work: (daemon: DaemonClient) => Promise<T>, wayOut = 'start one with `bzzz-ctx node start`'): Promise<T> {
  const home = homeOf(ctx)
  readConfig(home)
  const daemon = await connectDaemon(home)
  if (daemon === null) {
    const left = leftBehind(home)
    throw unavailable(`no daemon runs for ${home}${left === null ? '' : ` (${left})`}: ${wayOut}`)
  }
  try {
    return await work(daemon)
  } finally {
    await daemon.close()
  }
}

/**
 * Records what the admin just did (an invite made or cancelled, a member revoked) in its audit log, through its daemon
 * or its home (`peer`: the session the command has open already). What it records is done: a failure is said in a
 * note, not an error.
 */
export async function recordAdmin (ctx: CommandContext, event: AdminAuditEvent, peer?: PeerApi): Promise<void> {
  try {
    if (peer !== undefined) await peer.recordAdmin(event)
    else await withPeer(ctx, async opened => { await opened.recordAdmin(event) })
  } catch (err) {
    note(ctx, `the ${event.kind} was not recorded in the audit log: ${err instanceof Error ? err.message : String(err)}`)
  }
}
