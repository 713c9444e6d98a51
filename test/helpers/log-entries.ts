// Reading a stopped peer's writer log straight from its store, and opening an entry with one home's key files: what a
// peer that kept its keys could do with blocks copied to it.
import Corestore from 'corestore'
import type { Keyring } from '../../src/crypto/keyring.js'
import { decodeEnvelope } from '../../src/crypto/envelope-codec.js'
import { openSections } from '../../src/crypto/envelope.js'
import { decodeEntry, splitBlock, type ContextEntry } from '../../src/storage/log-entry.js'
import { associatedData } from '../../src/storage/sealing.js'

/** Every context entry of `address` in the writer log of the store at `dir` (the daemon stopped). */
export async function entriesOf (dir: string, address: string): Promise<ContextEntry[]> {
  const store = new Corestore(dir)
  const log = store.get({ name: 'log' })
  await log.ready()
  const found: ContextEntry[] = []
  for (let seq = 0; seq < log.length; seq++) {
    const block = await log.get(seq)
    if (block === null) continue
    for (const bytes of splitBlock(block)) {
      const entry = decodeEntry(bytes)
      if (entry.type === 'context' && entry.address === address) found.push(entry)
    }
  }
  await store.close()
  return found
}

/** The sections of the entry that `keyring` opens as `role`: none when it holds no key the entry was sealed to. */
export function opened (entry: ContextEntry, keyring: Keyring, role: string): number {
  try {
    return openSections(decodeEnvelope(entry.envelope), role, keyring.lookup, associatedData(entry.address, entry.version)).size
  } catch {
    return 0
  }
}
