/**
 * Whether a project's generated context still describes a working tree: which addresses are stale against it, and
 * when the project was last generated (from which commit). Reads the records' sources and the tree's files.
 */
import { rootAddress } from '../ucxl/address.js'
import type { GeneratedRecordSource } from '../storage/context-store.js'

/** The most stale addresses a report lists; `staleTotal` counts them all. */
export const STALE_LISTED_MAX = 50

export interface FreshnessReport {
  project: string
  /** The working tree compared. */
  root: string
  /** The commit checked out there now (null: not a git work tree, or unreadable). */
  commit: string | null
  /** When a generated record of the project was last written (ms since the epoch), and the commit it came from. */
  lastGenerated: { at: number, commit: string | null } | null
  /** Generated records compared. */
  checked: number
  /** The stale addresses, at most STALE_LISTED_MAX: `changed`, `removed`, `new` (a folder with a file added since) or `unknown` (a record with no source). */
  stale: Array<{ address: string, reason: string }>
  staleTotal: number
}

/** What the report needs of a store; the tree is read by the intelligence engine's staleAgainst. */
export interface FreshnessSource {
  generatedSources: (under: string) => Promise<GeneratedRecordSource[]>
}

export async function freshnessOf (store: FreshnessSource, root: string, project: string): Promise<FreshnessReport> {
  const { readGitCommit, staleAgainst } = await import('../intelligence/source-state.js')
  const records = await store.generatedSources(rootAddress(project))
  let last: GeneratedRecordSource | undefined
  for (const record of records) if (last === undefined || record.writtenAt > last.writtenAt) last = record
  const { stale, checked } = await staleAgainst(root, project, records.map(r => ({ address: r.address, kind: r.kind, ...(r.source !== undefined ? { hash: r.source.hash } : {}) })))
  return {
    project,
    root,
    commit: readGitCommit(root),
    lastGenerated: last === undefined ? null : { at: last.writtenAt, commit: last.source?.commit ?? null },
    checked,
    stale: stale.slice(0, STALE_LISTED_MAX),
    staleTotal: stale.length
  }
}
