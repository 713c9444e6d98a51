// `npm run bench` (`-- --json` for one JSON object): analysis against ctags, re-analysis, retrieval, storage efficiency,
// ... and the partial mesh's rounds against log2(N) (`-- --only=mesh`).
import { benchAnalyze, analyzeStdlib } from './analyze.js'
import { benchRetrieve, benchStorageEfficiency } from './retrieve.js'
import { benchSharded } from './sharded.js'
import { benchCluster } from './cluster.js'
import { benchFailover } from './failover.js'
import { benchSim } from './sim.js'
import { benchHops } from './hops.js'
import { benchMcp } from './mcp.js'
import { benchAudit } from './audit.js'
import { benchKeys } from './keys.js'
import { benchMetrics } from './metrics.js'
import { benchGenerateCli } from './generate.js'
import { benchBigTree, BIG_TREE_FILES } from './big-tree.js'
import { benchGrowth, GROWTH_EDITS } from './growth.js'
import { benchMesh } from './mesh.js'

type Figures = Record<string, number | string>

const TARGETS: Record<string, string> = {
  analyze_vs_ctags: '>= 0.3 (goal 1.0)',
  reanalyze_ratio: '<= 0.1',
  generate_cli_vs_ctags: '>= 0.4 (the whole CLI against ctags -R of the same copy)',
  generate_cli_nochange_ratio: '<= 0.05 (or under 300 ms: generate_cli_nochange_goal_ms)',
  generate_cli_one_change_analysed: '= 1',
  big_tree_peak_rss_mb: '< 1024',
  retrieve_warm_p99_us: '<= 500',
  storage_efficiency: '>= 0.85',
  bytes_stored_per_source_byte: '<= 0.1 (the store folder after generate of the stdlib)',
  distribute_records_per_s: '>= 10,000',
  distribute_daemons_records_per_s: '>= 10,000',
  remote_retrieve_p99_ms: '<= 10',
  sharded_retrieve_not_held_p99_ms: '<= 10',
  catchup_10k_ms: '<= 1,000',
  failover_ms_p99: '< 600 (300 ms election timeout)',
  requests_lost: '= 0',
  sim_peers_per_process: '1,000 (goal, light workload)',
  hops_p99_ms: '<= 5',
  mcp_start_ms: '< 1,000',
  mcp_retrieve_p99_ms: '<= 2',
  mcp_tool_list_tokens: '< 3,000',
  mcp_answer_accuracy: '= 1 (share of exact answers)',
  mcp_tokens_answer_vs_reading: '< 1 (an answer against reading the files that hold it)',
  audit_overhead: '<= 0.05 (distribute throughput with auditing on against off)',
  metrics_scrape_idle_ms: '(one scrape of one peer, idle: what serving it costs the peer\'s thread)',
  metrics_on_vs_off_scrape_200ms_ci95: '(the median\'s 95% confidence interval: a goal inside it is neither met nor missed)',
  metrics_on_vs_off_scrape_200ms: '(harsh: every peer scraped every 200 ms, 75 times the deployed rate; the median of the pairs)',
  metrics_on_vs_off_scrape_15s_pooled_ci95: '(all on writes against all off: a 95% bootstrap interval over the pairs)',
  metrics_on_vs_off_ci95: '(the median\'s 95% confidence interval, less the scrapes\' share)',
  metrics_on_vs_off: '>= 0.97 (distribute throughput with metrics on against off, scraped every 15 s as deploy/ does: the median of the pairs less the scrapes\' share of the on-time)',
  mesh_n1000_crash10_rounds_per_log2n: '<= 1 (rounds for a new head to reach every live peer, against log2 N)',
  mesh_n1000_links_max: '<= 64 (Hyperswarm\'s default bound on connections)',
  rotate_reseal_ms: '(measured: a role with 10,000 current records)',
  revoke_to_refused_ms: '(measured: revocation to the node refused by every member)'
}

/** Analysis against ctags, then retrieval and storage over the records it made. */
async function benchAnalysisPart (log: (text: string) => void): Promise<Figures> {
  const figures: Figures = {}
  log('analysis: the Python standard library against ctags on the same files ...')
  Object.assign(figures, await benchAnalyze())
  if (!('skipped' in figures)) {
    log('retrieval and storage over the standard library\'s records ...')
    const analysis = await analyzeStdlib()
    if (!('records' in analysis)) figures.retrieve_skipped = analysis.skipped
    else {
      Object.assign(figures, await benchStorageEfficiency(analysis.records))
      Object.assign(figures, await benchRetrieve(analysis.records))
    }
  }
  return figures
}

async function main (): Promise<void> {
  const json = process.argv.includes('--json')
  const log = (text: string): void => { if (!json) process.stderr.write(text + '\n') }
  const figures: Figures = {}
  const only = process.argv.find(a => a.startsWith('--only='))?.slice('--only='.length)
  // One part alone (`--only=NAME`); `analysis` is the first part of the whole run, so it is run by the whole run's path.
  const parts: Record<string, () => Promise<Figures>> = {
    failover: benchFailover,
    hops: benchHops,
    cluster: benchCluster,
    sharded: benchSharded,
    audit: benchAudit,
    metrics: benchMetrics,
    keys: benchKeys,
    generate: benchGenerateCli,
    growth: async () => await benchGrowth(log),
    'big-tree': async () => await benchBigTree(log),
    mcp: benchMcp,
    sim: async () => await benchSim(log),
    mesh: async () => await benchMesh(log)
  }
  const part = only === undefined ? undefined : parts[only]
  if (only !== undefined && only !== 'analysis' && part === undefined) {
    process.stderr.write(`bench: --only takes one of analysis, ${Object.keys(parts).join(', ')}; not "${only}"\n`)
    process.exitCode = 2
    return
  }
  if (part !== undefined) {
    Object.assign(figures, await part())
    return print(figures, json)
  }
  Object.assign(figures, await benchAnalysisPart(log))
  if (only === 'analysis') return print(figures, json)
  log('generate through the CLI: the standard library first, with no change, after a one-file change ...')
  Object.assign(figures, await benchGenerateCli())
  log(`a ${BIG_TREE_FILES}-file tree: generate through the CLI, its peak RSS, retrieve afterwards ...`)
  Object.assign(figures, await benchBigTree(log))
  log(`growth: ${GROWTH_EDITS} one-file edits, each followed by a generate of the tree ...`)
  Object.assign(figures, await benchGrowth(log))
  log('cluster: three peers on a loopback DHT ...')
  Object.assign(figures, await benchCluster())
  log('sharded: three voters and a member, what the member holds, a retrieve of a record it does not hold ...')
  Object.assign(figures, await benchSharded())
  log('decision graph: hops within 3 on 100,000 decisions ...')
  Object.assign(figures, await benchHops())
  log('audit: distribute throughput with the audit log on against off ...')
  Object.assign(figures, await benchAudit())
  log('metrics: distribute throughput with metrics on against off ...')
  Object.assign(figures, await benchMetrics())
  log('keys: rotation and reseal of 10,000 records, revocation to refused ...')
  Object.assign(figures, await benchKeys())
  log('mcp: server start-up, retrieve on a kept-open server, tokens per answer ...')
  Object.assign(figures, await benchMcp())
  log('simulator: peers per process, simulated against real time, gossip rounds to converge ...')
  Object.assign(figures, await benchSim(log))
  log('mesh: rounds for a new head to reach every live peer of a partial mesh, against log2 N ...')
  Object.assign(figures, await benchMesh(log))
  log(`failover: three daemons, the leader killed ${process.env.BZZZ_BENCH_KILLS ?? 20} times ...`)
  Object.assign(figures, await benchFailover())
  print(figures, json)
}

function print (figures: Figures, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(figures, null, 2) + '\n')
    return
  }
  const width = Math.max(...Object.keys(figures).map(k => k.length))
  for (const [key, value] of Object.entries(figures)) {
    process.stdout.write(`${key.padEnd(width)}  ${String(value).padStart(12)}${TARGETS[key] !== undefined ? `   target ${TARGETS[key]}` : ''}\n`)
  }
}

await main()
