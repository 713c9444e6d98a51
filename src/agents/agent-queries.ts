/**
 * The questions an agent asks of a peer (where is X, what uses Y, what is this folder, what is this file), answered
 * within a token budget as one role may know them. One core for two edges: the CLI's commands and the MCP server.
 * The catalogs it builds are kept while the peer's view stays the same (its hash), so a server kept open answers
 * from memory, and a new generate or sync is seen on the next question.
 */
import { DEFAULT_RESOLVE_DEPTH } from '../context/resolve.js'
import { accessDenied } from '../errors.js'
import type { StatusReport } from '../node/local-peer.js'
import { parseAddress, rootAddress } from '../ucxl/address.js'
import { RoleCatalog, type CatalogSource, type ProjectCatalog } from './catalog.js'
import { overviewOf, type OverviewAnswer, type OverviewOptions } from './overview.js'
import { referencesOf, type ReferencesAnswer, type ReferencesOptions } from './references.js'
import { retrievedWithin, type BudgetedRetrieved } from './retrieve-budget.js'
import { searchCatalog, type SearchAnswer, type SearchOptions } from './search.js'

/** What the queries need of a peer (LocalPeer, or DaemonClient when a daemon runs). */
export interface AgentSource extends CatalogSource {
  status: () => Promise<StatusReport>
}

export class AgentQueries {
  private viewHash: string | null = null
  private readonly catalogs = new Map<string, RoleCatalog>()

  constructor (private readonly source: AgentSource) {}

  /** Refuses a role this peer holds no key for (3): what it asks would be answered as if it could read. */
  async checkRole (role: string): Promise<StatusReport> {
    const status = await this.source.status()
    const entry = status.roles.find(r => r.name === role)
    if (entry === undefined || !entry.held) {
      const held = status.roles.filter(r => r.held).map(r => r.name)
      throw accessDenied(`this peer holds no key for role "${role}": ask as a role it holds (${held.join(', ') || 'none'})`)
    }
    return status
  }

  private async catalog (role: string, project: string): Promise<ProjectCatalog> {
    const status = await this.checkRole(role)
    if (status.viewHash !== this.viewHash) {
      this.catalogs.clear()
      this.viewHash = status.viewHash
    }
    let catalog = this.catalogs.get(role)
    if (catalog === undefined) this.catalogs.set(role, catalog = new RoleCatalog(this.source, role, DEFAULT_RESOLVE_DEPTH))
    return await catalog.project(project)
  }

  async retrieve (address: string, role: string, depth: number, budgetTokens: number): Promise<BudgetedRetrieved> {
    return retrievedWithin(await this.source.retrieve(address, role, depth), budgetTokens)
  }

  async search (project: string, role: string, query: string, options: SearchOptions): Promise<SearchAnswer> {
    return searchCatalog(await this.catalog(role, project), query, options)
  }

  async overview (address: string, role: string, options: OverviewOptions): Promise<OverviewAnswer> {
    const { project, segments } = parseAddress(address)
    return overviewOf(await this.catalog(role, project), segments.join('/'), segments.length === 0 ? rootAddress(project) : address, options)
  }

  async references (address: string, role: string, options: ReferencesOptions): Promise<ReferencesAnswer> {
    const { project, segments } = parseAddress(address)
    return referencesOf(await this.catalog(role, project), segments.join('/'), address, options)
  }
}
