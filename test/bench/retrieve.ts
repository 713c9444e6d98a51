// Retrieval and storage-efficiency benchmarks over a real corpus's records, in a real store on disk.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { ContextStore } from '../../src/storage/context-store.js'
import { associatedData } from '../../src/storage/sealing.js'
import { contentOf, diffAgainstParent, mergeLayers, type Content } from '../../src/context/merge.js'
import type { ContextRecord } from '../../src/context/record.js'
import { splitSections } from '../../src/context/sections.js'
import { encodeEntry } from '../../src/storage/log-entry.js'
import { parentChain } from '../../src/ucxl/address.js'
import type { Version } from '../../src/distribution/version.js'
import { testKeys } from '../helpers/crypto-store.js'
import { percentile, round, seededRandom } from './stats.js'

const ALL_ROLES = ['viewer', 'developer', 'qa', 'architect', 'security', 'admin']
export const RETRIEVE_SAMPLES = 10_000

/** The size a record takes in the log: sealed for every role, encoded as an entry. */
function entryBytes (record: ContextRecord, seal: (r: ContextRecord, v: Version) => Buffer): number {
  const version: Version = { term: 1, hlc: { wall: Date.now(), logical: 0 }, writer: 'f'.repeat(64), vv: { ['f'.repeat(64)]: 1 } }
  return encodeEntry({ type: 'context', address: record.address, kind: record.kind, inherits: true, version, digest: '0'.repeat(32), envelope: seal(record, version) }).length
}

/**
 * storage_efficiency = 1 - (bytes stored with hierarchy / bytes if every file stored its fully resolved context).
 * Both sides are real sealed, encoded log entries for all six roles, each side one write (envelope version 3).
 */
export async function benchStorageEfficiency (records: readonly ContextRecord[]): Promise<Record<string, number>> {
  const keys = await testKeys()
  try {
    // As the store's writer seals them: each side is one write, its first record carrying the write's keys.
    const writeOf = (): (r: ContextRecord, v: Version) => Buffer => {
      const sealer = keys.crypto.writeKeys(ALL_ROLES)
      let first = true
      return (r, v) => {
        const sealed = sealer.seal(splitSections(r), associatedData(r.address, v), first)
        first = false
        return sealed
      }
    }
    let seal = writeOf()
    const sorted = [...records].sort((a, b) => (a.kind === 'project' ? -1 : a.address.split('/').length) - (b.kind === 'project' ? -1 : b.address.split('/').length))
    const resolved = new Map<string, Content>()
    let hierarchical = 0
    for (const record of sorted) {
      const parentAddress = parentChain(record.address).slice(1).find(a => resolved.has(a))
      const parent = parentAddress === undefined ? {} : resolved.get(parentAddress)!
      const stored = diffAgainstParent(record, parent)
      resolved.set(record.address, mergeLayers([{ address: record.address, content: contentOf(stored) }, { address: '', content: parent }]).content)
      hierarchical += entryBytes(stored, seal)
    }
    let flat = 0
    seal = writeOf()
    for (const record of records) {
      if (record.kind !== 'file') continue
      flat += entryBytes({ address: record.address, kind: 'file', ...resolved.get(record.address) }, seal)
    }
    return { storage_hierarchical_bytes: hierarchical, storage_flat_bytes: flat, storage_efficiency: round(1 - hierarchical / flat, 4) }
  } finally {
    rmSync(keys.dir, { recursive: true, force: true })
  }
}

/** Retrieve latency over random addresses of the corpus: cold (fresh store, nothing cached) and warm. */
export async function benchRetrieve (records: readonly ContextRecord[]): Promise<Record<string, number>> {
  const keys = await testKeys()
  const dir = join(mkdtempSync(join(tmpdir(), 'bzzz-bench-')), 'store')
  try {
    let store = await ContextStore.open(dir, keys.crypto)
    const writeStart = performance.now()
    await store.write(records, { term: 1, recipients: ALL_ROLES, nowMs: Date.now() })
    const writeMs = performance.now() - writeStart
    await store.close()

    const files = records.filter(r => r.kind === 'file').map(r => r.address)
    const random = seededRandom(42)
    const sample = Array.from({ length: RETRIEVE_SAMPLES }, () => files[Math.floor(random() * files.length)]!)

    store = await ContextStore.open(dir, keys.crypto)
    const cold: number[] = []
    const seen = new Set<string>()
    for (const address of sample) {
      if (seen.has(address)) continue
      seen.add(address)
      const t0 = performance.now()
      await store.retrieve(address, 'developer')
      cold.push((performance.now() - t0) * 1000)
    }
    const warm: number[] = []
    for (const address of sample) {
      const t0 = performance.now()
      await store.retrieve(address, 'developer')
      warm.push((performance.now() - t0) * 1000)
    }
    await store.close()
    cold.sort((a, b) => a - b)
    warm.sort((a, b) => a - b)
    return {
      retrieve_samples: sample.length,
      retrieve_addresses: files.length,
      retrieve_warm_p50_us: round(percentile(warm, 50)),
      retrieve_warm_p99_us: round(percentile(warm, 99)),
      retrieve_cold_p50_us: round(percentile(cold, 50)),
      retrieve_cold_p99_us: round(percentile(cold, 99)),
      write_records_per_s: round(records.length / (writeMs / 1000), 0)
    }
  } finally {
    rmSync(dirname(dir), { recursive: true, force: true })
    rmSync(keys.dir, { recursive: true, force: true })
  }
}
