// A 30,000-file tree (issue 23 item 5), built at bench time from what this machine has: the Python standard library,
// the project's node_modules and the system's C headers, copied into one tree. `generate` runs through the whole CLI
// in a process of its own (a fresh home, nothing cached), its peak RSS read by the process itself at exit (worker
// threads included: they share the process); then `retrieve` is timed in process on the generated home, over random
// addresses of every kind, and a no-change `generate` shows what a second pass over such a tree costs.
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { detectLanguage, isCodeLanguage } from '../../src/intelligence/languages.js'
import { LocalPeer } from '../../src/node/local-peer.js'
import { findStdlibCorpus } from './analyze.js'
import { percentile, round, seededRandom } from './stats.js'

const BIN = join(PACKAGE_ROOT, 'bin', 'bzzz-ctx')
/** Files in the tree: the issue's 30,000 unless told otherwise (a smaller tree to try the bench quickly). */
export const BIG_TREE_FILES = Number(process.env.BZZZ_BENCH_BIG_TREE_FILES ?? 30_000)
/** Files larger than this are left out, as a repository's vendored blobs would be (the walker skips them anyway). */
const MAX_FILE_BYTES = 512 * 1024
const RETRIEVES = 2_000

/** Up to `limit` source files under `root` (a code language the analyser knows by name), sorted, relative to `root`. */
function sourceFiles (root: string, limit: number): string[] {
  const found: string[] = []
  const visit = (dir: string): void => {
    let entries
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    } catch {
      return
    }
    for (const entry of entries) {
      if (found.length >= limit) return
      const path = join(dir, entry.name)
      if (entry.isDirectory()) visit(path)
      else if (entry.isFile() && isCodeLanguage(detectLanguage(entry.name)) && statSync(path).size <= MAX_FILE_BYTES) found.push(relative(root, path))
    }
  }
  visit(root)
  return found
}

/** The tree: each source folder under a name of its own, filled in turn until `files` are copied. */
export async function buildTree (into: string, files: number): Promise<{ files: number, bytes: number, parts: Record<string, number> }> {
  const stdlib = await findStdlibCorpus()
  const sources: Array<[string, string]> = [
    ...('skipped' in stdlib ? [] : [['python', stdlib.root] as [string, string]]),
    ['include', '/usr/include'],
    // Not named node_modules: the walker leaves folders of that name out, as a repository's dependencies.
    ['npm', join(PACKAGE_ROOT, 'node_modules')]
  ]
  const parts: Record<string, number> = {}
  let copied = 0
  let bytes = 0
  for (const [name, root] of sources) {
    if (!existsSync(root) || copied >= files) continue
    const paths = sourceFiles(root, files - copied)
    for (const path of paths) {
      const target = join(into, name, path)
      mkdirSync(dirname(target), { recursive: true })
      copyFileSync(join(root, path), target)
      bytes += statSync(target).size
    }
    parts[name] = paths.length
    copied += paths.length
  }
  return { files: copied, bytes, parts }
}

interface CliGenerate { files: number, cached: number, records: number, written: number, bytes: number, skipped: unknown[] }

/** One `generate --json` in its own process: its wall time, its report and its peak RSS (MB). */
function generate (home: string, root: string, rssFile: string, preload: string): { wallMs: number, report: CliGenerate, peakRssMb: number } {
  const started = performance.now()
  const run = spawnSync(process.execPath, ['--import', preload, BIN, '--home', home, 'generate', root, '--root', root, '--json'], {
    encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, BZZZ_BENCH_RSS_FILE: rssFile }
  })
  const wallMs = performance.now() - started
  if (run.status !== 0) throw new Error(`bzzz-ctx generate exited ${String(run.status)}: ${run.stderr}`)
  return { wallMs, report: JSON.parse(run.stdout) as CliGenerate, peakRssMb: Number(readFileSync(rssFile, 'utf8')) / 1024 }
}

export async function benchBigTree (log: (line: string) => void): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'bzzz-bench-big-tree-'))
  try {
    const root = join(dir, 'tree')
    const tree = await buildTree(root, BIG_TREE_FILES)
    if (tree.files < BIG_TREE_FILES) log(`big tree: this machine has ${tree.files} source files to copy, not ${BIG_TREE_FILES}`)
    log(`big tree: ${tree.files} files (${Object.entries(tree.parts).map(([k, v]) => `${k} ${v}`).join(', ')}), ${round(tree.bytes / 1e6, 1)} MB; generating ...`)
    // The peak RSS of the whole process, workers included, as the process itself sees it when it exits.
    const preload = join(dir, 'rss.mjs')
    writeFileSync(preload, "import { writeFileSync } from 'node:fs'\nprocess.on('exit', () => writeFileSync(process.env.BZZZ_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)))\n")
    const home = join(dir, 'home')
    const init = spawnSync(process.execPath, [BIN, '--home', home, 'init', '--cluster', 'bench', '--role', 'admin', '--project', 'big', '-q'], { encoding: 'utf8' })
    if (init.status !== 0) throw new Error(`bzzz-ctx init: ${init.stderr}`)
    const first = generate(home, root, join(dir, 'rss-first'), pathToFileURL(preload).href)
    const nochange = generate(home, root, join(dir, 'rss-nochange'), pathToFileURL(preload).href)
    log('big tree: retrieving ...')
    const peer = await LocalPeer.open(home)
    let retrieveMs: number[] = []
    let addresses = 0
    try {
      const all = await peer.addresses()
      addresses = all.length
      const random = seededRandom(23)
      const sample = Array.from({ length: RETRIEVES }, () => all[Math.floor(random() * all.length)]!.address)
      for (const address of sample.slice(0, 100)) await peer.retrieve(address, 'developer')
      retrieveMs = []
      for (const address of sample) {
        const started = performance.now()
        await peer.retrieve(address, 'developer')
        retrieveMs.push(performance.now() - started)
      }
    } finally {
      await peer.close()
    }
    retrieveMs.sort((a, b) => a - b)
    return {
      big_tree_files: tree.files,
      big_tree_source_mb: round(tree.bytes / 1e6, 1),
      big_tree_analysed: first.report.files,
      big_tree_skipped: first.report.skipped.length,
      big_tree_records: first.report.records,
      big_tree_generate_ms: round(first.wallMs, 0),
      big_tree_files_per_s: round(first.report.files / (first.wallMs / 1000), 0),
      big_tree_peak_rss_mb: round(first.peakRssMb, 0),
      big_tree_nochange_ms: round(nochange.wallMs, 0),
      big_tree_nochange_ratio: round(nochange.wallMs / first.wallMs, 3),
      big_tree_nochange_peak_rss_mb: round(nochange.peakRssMb, 0),
      big_tree_addresses: addresses,
      big_tree_retrieve_p50_ms: round(percentile(retrieveMs, 50), 2),
      big_tree_retrieve_p99_ms: round(percentile(retrieveMs, 99), 2)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
