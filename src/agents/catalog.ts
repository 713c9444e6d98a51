/**
 * What a role may know of a project's files, gathered once per role and view: each file's symbols, imports, language
 * and summary as that role reads them, and the import graph over them. Search, overview and references answer from
 * it, so a question costs a lookup, not a walk over the store.
 */
import type { RecordKind, SymbolInfo } from '../context/record.js'
import type { AccessLevel } from '../crypto/levels.js'
import { isBzzzError } from '../errors.js'
import { ModuleGraph } from '../intelligence/module-graph.js'
import type { Retrieved } from '../storage/context-store.js'
import { parseAddress } from '../ucxl/address.js'

/** What the catalog reads from a peer: its live addresses and its retrieve (local, or through the daemon). */
export interface CatalogSource {
  addresses: (under?: string) => Promise<Array<{ address: string, kind: RecordKind }>>
  retrieve: (address: string, role: string, depth: number) => Promise<Retrieved>
}

export interface CatalogEntry {
  address: string
  project: string
  /** The path inside the project ('' for the project's root). */
  path: string
  kind: RecordKind
  language?: string
  summary?: string
  symbols: readonly SymbolInfo[]
  imports: readonly string[]
  /** The levels of this address's own sections the role may not open (all of them when it may read none). */
  withheld: readonly AccessLevel[]
  /** The role may read nothing of this address. */
  denied?: true
}

/**
 * What an answer withheld from the role: per level, how many records it drew on hide sections of that level, and how
 * many records the role may read nothing of. Hidden is not empty: an agent can ask someone cleared for it.
 */
export interface WithheldCount {
  levels: Array<{ level: AccessLevel, records: number }>
  unreadable: number
}

const LEVEL_ORDER: readonly AccessLevel[] = ['public', 'internal', 'confidential', 'secret', 'top-secret']

/** Counts, by level, the entries that withhold sections of it. */
export function countWithheld (entries: Iterable<CatalogEntry>): WithheldCount {
  const counts = new Map<AccessLevel, number>()
  let unreadable = 0
  for (const entry of entries) {
    if (entry.denied === true) unreadable++
    for (const level of entry.withheld) counts.set(level, (counts.get(level) ?? 0) + 1)
  }
  return { levels: LEVEL_ORDER.filter(level => counts.has(level)).map(level => ({ level, records: counts.get(level)! })), unreadable }
}

/** PageRank's damping and rounds: Aider ranks its repository map the same way; 30 rounds settle a few thousand files. */
const DAMPING = 0.85
const RANK_ROUNDS = 30

/** One project as a role reads it. */
export class ProjectCatalog {
  readonly byPath = new Map<string, CatalogEntry>()
  readonly graph: ModuleGraph
  /** Importance of each file over the import graph (PageRank, summing to 1 over the files). */
  readonly rank = new Map<string, number>()

  constructor (readonly project: string, readonly entries: readonly CatalogEntry[]) {
    for (const entry of entries) this.byPath.set(entry.path, entry)
    const files = entries.filter(e => e.kind === 'file')
    this.graph = new ModuleGraph(files.map(f => f.path), files.map(f => ({ path: f.path, language: f.language ?? null, imports: f.imports })))
    this.computeRank(files.map(f => f.path))
  }

  /** The files a graph edge points at: the file itself, or every file of a directory (Go packages, wildcard imports). */
  targetFiles (target: string): string[] {
    if (this.byPath.get(target)?.kind === 'file') return [target]
    const prefix = target === '' ? '' : target + '/'
    return this.entries.filter(e => e.kind === 'file' && e.path.startsWith(prefix) && !e.path.slice(prefix.length).includes('/')).map(e => e.path)
  }

  private computeRank (files: readonly string[]): void {
    const n = files.length
    if (n === 0) return
    const out = new Map<string, string[]>()
    for (const file of files) out.set(file, [...(this.graph.edges.get(file) ?? [])].flatMap(t => this.targetFiles(t)).filter(t => t !== file))
    let rank = new Map(files.map(f => [f, 1 / n]))
    for (let round = 0; round < RANK_ROUNDS; round++) {
      const next = new Map(files.map(f => [f, (1 - DAMPING) / n]))
      let dangling = 0
      for (const file of files) {
        const targets = out.get(file)!
        const share = rank.get(file)!
        if (targets.length === 0) dangling += share
        else for (const target of targets) next.set(target, next.get(target)! + DAMPING * share / targets.length)
      }
      for (const file of files) next.set(file, next.get(file)! + DAMPING * dangling / n)
      rank = next
    }
    for (const [file, value] of rank) this.rank.set(file, value)
  }
}

/** The catalogs of one role, per project, built on first use. */
export class RoleCatalog {
  private readonly projects = new Map<string, Promise<ProjectCatalog>>()
  constructor (private readonly source: CatalogSource, readonly role: string, private readonly depth: number) {}

  async project (project: string): Promise<ProjectCatalog> {
    let catalog = this.projects.get(project)
    if (catalog === undefined) {
      catalog = this.build(project)
      this.projects.set(project, catalog)
      catalog.catch(() => this.projects.delete(project))
    }
    return await catalog
  }

  private async build (project: string): Promise<ProjectCatalog> {
    const root = `ucxl://${project}/`
    const listed = await this.source.addresses(root)
    const entries: CatalogEntry[] = []
    for (const { address, kind } of listed) entries.push(await this.entryOf(address, kind))
    return new ProjectCatalog(project, entries)
  }

  private async entryOf (address: string, kind: RecordKind): Promise<CatalogEntry> {
    const { project, segments } = parseAddress(address)
    const base = { address, project, path: segments.join('/'), kind }
    try {
      const r = await this.source.retrieve(address, this.role, this.depth)
      const c = r.context
      const entry: CatalogEntry = {
        ...base, symbols: c.symbols ?? [], imports: c.imports ?? [], withheld: r.withheld.find(w => w.address === address)?.levels ?? []
      }
      if (c.language !== undefined) entry.language = c.language
      if (c.summary !== undefined) entry.summary = c.summary
      return entry
    } catch (err) {
      if (!isBzzzError(err) || err.code !== 'ACCESS_DENIED') throw err
      return { ...base, symbols: [], imports: [], withheld: [], denied: true }
    }
  }
}
