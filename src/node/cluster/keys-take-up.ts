/**
 * The cluster's keys changes as they reach this peer: each `keys` entry of the logs (those held already, since this peer
 * may have been down when they came, then each as it is applied) is taken up after the one before it, since each may
 * rewrite the home's config and keys. Any writer's entry is taken: the bundle in it is the admin's, checked on the way.
 */
import type { ContextStore } from '../../storage/context-store.js'
import type { QueueEvent } from '../../storage/view-items.js'
import { parseKeysBundle, type KeysBundle } from '../keys-bundle.js'
import type { Logger } from '../logger.js'

/** What taking up keys changes needs of the node. */
export interface KeysTakeUpHost {
  store: Pick<ContextStore, 'subscribe' | 'queueEvents' | 'envelopeOf'>
  trust: { cluster: string, adminKey: string }
  /** Takes up one change (see LocalPeer.adoptKeys). */
  adopt: (bundle: KeysBundle) => Promise<{ adopted: boolean, granted: Array<{ role: string, epoch: number }> }>
  logger: Logger
}

export class KeysTakeUp {
  #taken: Promise<void> = Promise.resolve()

  constructor (private readonly host: KeysTakeUpHost) {}

  /** Takes up the changes the logs hold already, then each as the view applies it. */
  start (): void {
    const { store } = this.host
    store.subscribe(event => { if (!Array.isArray(event) && event.entry.type === 'keys') this.queue(event) })
    for (const event of store.queueEvents()) if (event.entry.type === 'keys') this.queue(event)
  }

  /** Once every change queued so far is taken up (or failed, which is logged). */
  async taken (): Promise<void> {
    await this.#taken
  }

  private queue (event: QueueEvent): void {
    this.#taken = this.#taken.then(async () => await this.takeUp(event))
  }

  /** Takes up a `keys` entry of the log (from any writer: the bundle is the admin's, whoever wrote it). */
  private async takeUp (event: QueueEvent): Promise<void> {
    const { logger } = this.host
    try {
      const bundle = parseKeysBundle((await this.host.store.envelopeOf(event)).toString('utf8'), this.host.trust)
      const { adopted, granted } = await this.host.adopt(bundle)
      if (adopted || granted.length > 0) logger.info({ rolesVersion: bundle.rolesSignature.version, granted }, 'took up a change of the cluster\'s keys')
    } catch (err) {
      logger.warn({ writer: event.writer.slice(0, 12), seq: event.seq, err: String(err) }, 'could not take up a keys entry')
    }
  }
}
