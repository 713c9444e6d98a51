/**
 * The members this peer has met (node id and role), remembered in the home: a restart dials them at once, and
 * `elect status` shows the role of one not connected now.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from '../crypto/atomic-file.js'
import { ROLE_NAME_PATTERN } from '../crypto/levels.js'
import { KEY_HEX_PATTERN } from '../crypto/key-text.js'

export const KNOWN_MEMBERS_FILE = 'members.json'
export const MAX_KNOWN_MEMBERS = 1_000

export class KnownMembers {
  private known: Map<string, string | null> | null = null
  private saving: Promise<void> = Promise.resolve()
  /** A member was added (or its role changed) since the list was last saved. */
  private changed = false

  constructor (private readonly home: string, private readonly onSaveError: (err: unknown) => void) {}

  /** The node ids met, read from the home once. */
  ids (): string[] {
    return [...this.load().keys()]
  }

  /** The role a member had when last met; null when it was not recorded. */
  role (node: string): string | null | undefined {
    return this.load().get(node)
  }

  /** Adds a member (or its role, when that changed); the list is saved at the next `save`. */
  remember (node: string, role: string): void {
    const known = this.load()
    if (known.get(node) === role) return
    known.set(node, role)
    this.changed = true
  }

  /**
   * Saves the whole list if it changed since it was last saved, one save after another (no lost update). The node
   * calls it on each gossip tick and at close: one write a tick however many members connect (a voter of a thousand
   * members wrote the list a thousand times as they connected, each up to 80 KB, each on its disk).
   */
  save (): void {
    if (!this.changed) return
    this.changed = false
    const known = this.load()
    const file = join(this.home, KNOWN_MEMBERS_FILE)
    this.saving = this.saving
      .then(async () => { await writeFileAtomic(file, JSON.stringify([...known].slice(-MAX_KNOWN_MEMBERS)), 0o600) })
      .catch(this.onSaveError)
  }

  /** Saves what changed, and resolves once every save asked for has ended. */
  async flushed (): Promise<void> {
    this.save()
    await this.saving
  }

  private load (): Map<string, string | null> {
    if (this.known !== null) return this.known
    this.known = new Map()
    try {
      const saved = JSON.parse(readFileSync(join(this.home, KNOWN_MEMBERS_FILE), 'utf8')) as unknown
      // Each is [id, role]; a bare id is from a version that did not keep roles.
      if (Array.isArray(saved)) {
        for (const m of saved) {
          const [node, role] = Array.isArray(m) ? m as unknown[] : [m, null]
          if (typeof node === 'string' && KEY_HEX_PATTERN.test(node)) this.known.set(node, typeof role === 'string' && ROLE_NAME_PATTERN.test(role) ? role : null)
        }
      }
    } catch {
      // none yet, or unreadable: it is only a dialling hint
    }
    return this.known
  }
}
