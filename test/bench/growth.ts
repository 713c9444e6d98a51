// Growth over a project's life (issue 23 item 7): a copy of the Python standard library generated once, then one small
// edit to one file and a generate of the whole tree, again and again, in one process (a daemon's warm cache, as a
// developer's edit-and-generate loop would have). What matters is how the store and the view's checkpoint grow with
// what changed, not with the tree, per run: bytes per edit for the store folder, the log and the checkpoint; and, on a
// second home that clears superseded payloads after each run (a retention of 0), the payloads it still holds.
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { LocalPeer } from '../../src/node/local-peer.js'
import { findStdlibCorpus } from './analyze.js'
import { round } from './stats.js'

/** Edits: the 1,000 unless told otherwise. */
export const GROWTH_EDITS = Number(process.env.BZZZ_BENCH_GROWTH_EDITS ?? 1_000)
/** Edits after those, each a run of its own with nothing kept in memory (no daemon). */
const COLD_EDITS = 20
/** The files the edits go round, one per edit: modules of every Python, at three depths of the tree. */
const EDITED = ['json/decoder.py', 'email/utils.py', 'http/client.py', 'os.py', 'logging/handlers.py']

function folderBytes (dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => sum + (e.isDirectory() ? folderBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0)
}

/** What a home's store holds of its own writes: the log's bytes (headers) and the payloads blocks still held (not cleared). */
async function heldBytes (home: string): Promise<{ log: number, payloads: number }> {
  const peer = await LocalPeer.open(home, { readOnly: true })
  try {
    type Core = { byteLength: number, length: number, get: (block: number, options: { wait: boolean }) => Promise<Buffer | null> }
    const { own, ownPayloads } = (peer.store as unknown as { logs: { own: Core, ownPayloads: Core } }).logs
    let payloads = 0
    for (let block = 0; block < ownPayloads.length; block++) payloads += (await ownPayloads.get(block, { wait: false }))?.length ?? 0
    return { log: own.byteLength, payloads }
  } finally {
    await peer.close()
  }
}

export async function benchGrowth (log: (line: string) => void): Promise<Record<string, number | string>> {
  const corpus = await findStdlibCorpus()
  if ('skipped' in corpus) return { growth_skipped: corpus.skipped }
  const dir = mkdtempSync(join(tmpdir(), 'bzzz-bench-growth-'))
  try {
    const root = join(dir, 'stdlib')
    for (const path of corpus.files) {
      mkdirSync(dirname(join(root, path)), { recursive: true })
      cpSync(join(corpus.root, path), join(root, path))
    }
    const edited = EDITED.filter(path => corpus.files.includes(path))
    const home = join(dir, 'home')
    await LocalPeer.init(home, { cluster: 'bench', role: 'admin', project: 'stdlib' })
    const store = join(home, 'store')
    const sizes = (): { store: number, checkpoint: number } => ({ store: folderBytes(store), checkpoint: statSync(join(store, 'view.checkpoint')).size })
    // Sizes are read with the peer closed: closing writes the checkpoint and settles the store's files.
    let peer = await LocalPeer.open(home)
    const initial = await peer.generate({ path: root, root })
    await peer.close()
    const first = sizes()
    const firstHeld = await heldBytes(home)
    log(`growth: ${corpus.files.length} files, ${initial.records} records, then ${GROWTH_EDITS} edits ...`)
    // As a daemon runs it: the workers and the analysis cache kept in memory between runs (the warm cache's records are
    // built again only where their inputs changed).
    peer = await LocalPeer.open(home)
    peer.analysis.keepWorkers = true
    let written = 0
    let logBytes = 0
    let edits = 0
    const edit = async (): Promise<void> => {
      // A small edit: one function added at the end of one file (a different one each time, round the list).
      appendFileSync(join(root, edited[edits % edited.length]!), `\n\ndef bench_edit_${edits}():\n    return ${edits}\n`)
      edits++
      const report = await peer.generate({ path: root, root })
      written += report.written
      logBytes += report.bytes
    }
    const started = performance.now()
    try {
      for (let i = 0; i < GROWTH_EDITS; i++) {
        await edit()
        if ((i + 1) % 100 === 0) log(`growth: ${i + 1} edits`)
      }
    } finally {
      await peer.close()
    }
    const runMs = performance.now() - started
    const last = sizes()
    const lastHeld = await heldBytes(home)
    // As a `generate` without a daemon runs it: each run reads the analysis cache from the home and builds every record.
    peer = await LocalPeer.open(home)
    const coldStarted = performance.now()
    try {
      for (let i = 0; i < COLD_EDITS; i++) await edit()
    } finally {
      await peer.close()
    }
    const coldMs = performance.now() - coldStarted

    // The same edits again on a second home whose peer clears superseded payloads after each run (a retention of 0: the
    // setting's least is a minute, which these edits, milliseconds apart, would never pass).
    const retained = join(dir, 'home-retention')
    await LocalPeer.init(retained, { cluster: 'bench', role: 'admin', project: 'stdlib' })
    const retainedStore = join(retained, 'store')
    peer = await LocalPeer.open(retained)
    await peer.generate({ path: root, root })
    await peer.close()
    const retainedFirst = folderBytes(retainedStore)
    const retainedFirstHeld = await heldBytes(retained)
    peer = await LocalPeer.open(retained)
    peer.analysis.keepWorkers = true
    let cleared = 0
    try {
      for (let i = 0; i < GROWTH_EDITS; i++) {
        await edit()
        cleared += (await peer.store.clearPayloads(0, Date.now())).envelopes
      }
    } finally {
      await peer.close()
    }
    const retainedLast = folderBytes(retainedStore)
    const retainedLastHeld = await heldBytes(retained)
    return {
      growth_edits: GROWTH_EDITS,
      growth_files: corpus.files.length,
      growth_first_store_bytes: first.store,
      growth_first_checkpoint_bytes: first.checkpoint,
      growth_store_bytes_per_edit: round((last.store - first.store) / GROWTH_EDITS, 0),
      growth_log_bytes_per_edit: round((lastHeld.log - firstHeld.log) / GROWTH_EDITS, 0),
      growth_payload_bytes_held_per_edit: round((lastHeld.payloads - firstHeld.payloads) / GROWTH_EDITS, 0),
      growth_logged_bytes_per_edit: round(logBytes / edits, 0),
      growth_records_written_per_edit: round(written / edits, 2),
      growth_checkpoint_bytes: last.checkpoint,
      growth_checkpoint_bytes_per_edit: round((last.checkpoint - first.checkpoint) / GROWTH_EDITS, 0),
      growth_generate_ms_per_edit: round(runMs / GROWTH_EDITS, 1),
      growth_cold_generate_ms_per_edit: round(coldMs / COLD_EDITS, 1),
      growth_retention0_store_bytes_per_edit: round((retainedLast - retainedFirst) / GROWTH_EDITS, 0),
      growth_retention0_payload_bytes_held_per_edit: round((retainedLastHeld.payloads - retainedFirstHeld.payloads) / GROWTH_EDITS, 0),
      growth_retention0_envelopes_cleared_per_edit: round(cleared / GROWTH_EDITS, 2)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
