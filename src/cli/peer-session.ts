/** Opens this peer for one command and closes it after, whatever happens. */
import { resolveHomeDir } from '../node/home.js'
import type { LocalPeer } from '../node/local-peer.js'
import type { CommandContext } from './io.js'

export function homeOf (ctx: CommandContext): string {
  return resolveHomeDir(ctx.global.home, ctx.io.env)
}

export async function withPeer<T> (ctx: CommandContext, work: (peer: LocalPeer) => Promise<T>): Promise<T> {
  const { LocalPeer } = await import('../node/local-peer.js')
  const peer = await LocalPeer.open(homeOf(ctx))
  try {
    return await work(peer)
  } finally {
    await peer.close()
  }
}
