// Reading a stopped peer's writer log (and the payloads core its records point into) straight from its store, and opening an entry with one home's key files: what a
// peer that kept its keys could do with blocks copied to it.
import Corestore from 'corestore'
import type { Keyring } from '../../src/crypto/keyring.js'
import { needsKeyset } from '../../src/crypto/envelope-codec.js'
import { decodeSealed } from '../../src/node/section-crypto.js'
import { decodeEntry, splitBlock, splitPayloadBlock, type ContextEntry } from '../../src/storage/log-entry.js'
import { associatedData } from '../../src/storage/sealing.js'
import { payloadsKeyOf } from '../../src/storage/store-logs.js'

/** A context entry, and for one sealed with its write's keys without carrying them, the envelope of the write's first. */
export type LoggedEntry = ContextEntry & { keyset?: Buffer }

/** Every context entry of `address` in the writer log of the store at `dir` (the daemon stopped). */
export async function entriesOf (dir: string, address: string): Promise<LoggedEntry[]> {
  const store = new Corestore(dir)
  const log = store.get({ name: 'log' })
  await log.ready()
  const found: LoggedEntry[] = []
  for (let seq = 0; seq < log.length; seq++) {
    const block = await log.get(seq)
    if (block === null) continue
    for (const bytes of splitBlock(block)) {
      const entry: LoggedEntry = decodeEntry(bytes) as LoggedEntry
      if (entry.type !== 'context' || entry.address !== address) continue
      // An envelope in the writer's payloads core, whose key is derived from the log's.
      if (entry.payload !== undefined) {
        const payloads = store.get({ key: payloadsKeyOf(log.manifest!.signers[0]!.publicKey) })
        await payloads.ready()
        const data = await payloads.get(entry.payload.block)
        if (data !== null) entry.envelope = splitPayloadBlock(data)[entry.payload.index]!
      }
      if (needsKeyset(entry.envelope) && entry.batch !== undefined) {
        const first = await log.get(entry.batch)
        if (first !== null) entry.keyset = (decodeEntry(splitBlock(first)[0]!) as ContextEntry).envelope
      }
      found.push(entry)
    }
  }
  await store.close()
  return found
}

/** The sections of the entry that `keyring` opens as `role`: none when it holds no key the entry was sealed to. */
export function opened (entry: LoggedEntry, keyring: Keyring, role: string): number {
  try {
    return decodeSealed(entry.envelope, entry.keyset, keyring.lookup, associatedData(entry.address, entry.version)).open(role).size
  } catch {
    return 0
  }
}
