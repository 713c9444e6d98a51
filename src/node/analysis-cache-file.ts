/**
 * The analysis cache on disk, sealed with the node's local secret: an index (the files' stat data, where each analysis
 * lies, and the runs whose records the store holds), sealed as one small value, and the analyses in an entries file,
 * each sealed on its own and bound to its key. A run opens only the analyses it needs (none, when nothing changed);
 * an entry that does not open (damaged, moved, of another format) is a miss, which costs that one file's analysis.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { ensurePrivateDir, PRIVATE_FILE_MODE, writeFileAtomic } from '../crypto/atomic-file.js'
import type { LocalSecret } from '../crypto/local-secret.js'
import { AnalysisCache, ANALYZER_VERSION, type StoredAnalyses } from '../intelligence/cache.js'

/** 1 was the whole cache sealed as one value (`analysis.bin`); 2 is this index with entries apart. */
const INDEX_FORMAT = 2
const INDEX_CONTEXT = 'analysis-index/2'
const ENTRY_CONTEXT = 'analysis-entry/2'
const LEGACY_FILE = 'analysis.bin'
/** The entries file is written anew, without the entries no file uses, once these outweigh the live ones and this. */
export const COMPACT_DEAD_BYTES_MIN = 4 * 1024 * 1024
/** Runs whose records are remembered as held by the store; the oldest go first. */
export const HELD_RUNS_MAX = 64

/** A run whose records the store held, unchanged, when its view had this hash. */
export interface HeldRun {
  fingerprint: string
  viewHash: string
  records: number
  stale: number
}

interface EntryLocation { offset: number, length: number }

function isHeldRun (value: unknown): value is HeldRun {
  const v = value as Record<string, unknown> | null
  return typeof v === 'object' && v !== null && typeof v.fingerprint === 'string' && typeof v.viewHash === 'string' &&
    typeof v.records === 'number' && typeof v.stale === 'number'
}

export class AnalysisCacheFile implements StoredAnalyses {
  private entries = new Map<string, EntryLocation>()
  /** The entries file in use: its name carries a generation, so an index never points into a file written after it. */
  private generation = 0
  private readonly runs = new Map<string, HeldRun>()
  /** A run was remembered or forgotten since the index was read or written. */
  private runsChanged = false

  constructor (private readonly dir: string, private readonly local: LocalSecret) {}

  private get indexFile (): string { return join(this.dir, 'analysis-index.bin') }
  private entriesFile (generation = this.generation): string { return join(this.dir, `analysis-entries.${generation}.bin`) }

  /** The cache as last saved (its analyses left on disk); an index that is missing, damaged or of another format gives an empty one. */
  read (): AnalysisCache {
    this.entries.clear()
    this.runs.clear()
    if (!existsSync(this.indexFile)) return new AnalysisCache({ stored: this })
    try {
      const index = JSON.parse(this.local.openLocal(readFileSync(this.indexFile), INDEX_CONTEXT).toString('utf8')) as Record<string, unknown>
      if (index.format !== INDEX_FORMAT || index.analyzer !== ANALYZER_VERSION || typeof index.generation !== 'number' ||
        !Array.isArray(index.stats) || !Array.isArray(index.entries) || !Array.isArray(index.runs)) {
        return new AnalysisCache({ stored: this })
      }
      this.generation = index.generation
      for (const item of index.entries as unknown[]) {
        const [key, offset, length] = Array.isArray(item) ? item as unknown[] : []
        if (typeof key === 'string' && Number.isSafeInteger(offset) && Number.isSafeInteger(length)) this.entries.set(key, { offset: offset as number, length: length as number })
      }
      for (const item of index.runs as unknown[]) {
        const [key, run] = Array.isArray(item) ? item as unknown[] : []
        if (typeof key === 'string' && isHeldRun(run)) this.runs.set(key, run)
      }
      return AnalysisCache.fromStatLines(index.stats as unknown[], { stored: this })
    } catch {
      // The cache only saves work: a damaged one is dropped and rebuilt.
      this.entries.clear()
      this.runs.clear()
      return new AnalysisCache({ stored: this })
    }
  }

  has (key: string): boolean {
    return this.entries.has(key)
  }

  /** One analysis, read and opened on its own; undefined when it does not open. */
  load (key: string): unknown {
    const at = this.entries.get(key)
    if (at === undefined) return undefined
    try {
      const sealed = this.readRange(at)
      return JSON.parse(this.local.openLocal(sealed, `${ENTRY_CONTEXT}\u0000${key}`).toString('utf8'))
    } catch {
      this.entries.delete(key)
      return undefined
    }
  }

  heldRun (key: string): HeldRun | undefined {
    return this.runs.get(key)
  }

  holdRun (key: string, run: HeldRun): void {
    this.runs.delete(key)
    this.runs.set(key, run)
    while (this.runs.size > HELD_RUNS_MAX) this.runs.delete(this.runs.keys().next().value as string)
    this.runsChanged = true
  }

  /**
   * Appends the analyses the cache's files use that are not on disk yet, then writes the index (so it never names an
   * entry not written); the entries file is written anew when most of it is entries no file uses.
   */
  async save (cache: AnalysisCache): Promise<void> {
    if (!cache.changed && !this.runsChanged) return
    await ensurePrivateDir(this.dir)
    const used = cache.usedKeys()
    const fresh: Array<[string, Buffer]> = []
    for (const key of used) {
      if (this.entries.has(key)) continue
      const analysis = cache.peek(key)
      if (analysis !== undefined) fresh.push([key, this.local.sealLocal(Buffer.from(JSON.stringify(analysis)), `${ENTRY_CONTEXT}\u0000${key}`)])
    }
    const live = new Map<string, EntryLocation>()
    let liveBytes = 0
    for (const [key, at] of this.entries) if (used.has(key)) { live.set(key, at); liveBytes += at.length }
    const fileBytes = statSync(this.entriesFile(), { throwIfNoEntry: false })?.size ?? 0
    const dead = fileBytes - liveBytes
    if (dead > COMPACT_DEAD_BYTES_MIN && dead > liveBytes) this.compact(live)
    else this.entries = live
    this.append(fresh)
    const index = {
      format: INDEX_FORMAT, analyzer: ANALYZER_VERSION, generation: this.generation, stats: cache.statLines(),
      entries: [...this.entries].map(([key, at]) => [key, at.offset, at.length]), runs: [...this.runs]
    }
    await writeFileAtomic(this.indexFile, this.local.sealLocal(Buffer.from(JSON.stringify(index)), INDEX_CONTEXT))
    rmSync(join(this.dir, LEGACY_FILE), { force: true })
    if (this.generation > 0) rmSync(this.entriesFile(this.generation - 1), { force: true })
    cache.changed = false
    this.runsChanged = false
  }

  private readRange (at: EntryLocation): Buffer {
    const fd = openSync(this.entriesFile(), 'r')
    try {
      const bytes = Buffer.alloc(at.length)
      if (readSync(fd, bytes, 0, at.length, at.offset) !== at.length) throw new Error('short read')
      return bytes
    } finally {
      closeSync(fd)
    }
  }

  /** Appends sealed entries at the end of the entries file, recording where each lies. */
  private append (fresh: ReadonlyArray<[string, Buffer]>): void {
    if (fresh.length === 0) return
    const fd = openSync(this.entriesFile(), 'a', PRIVATE_FILE_MODE)
    try {
      let offset = fstatSync(fd).size
      for (const [key, sealed] of fresh) {
        writeSync(fd, sealed)
        this.entries.set(key, { offset, length: sealed.length })
        offset += sealed.length
      }
    } finally {
      closeSync(fd)
    }
  }

  /** Copies the live entries (still sealed: a seal is bound to its key, not its place) into the next generation's file. */
  private compact (live: ReadonlyMap<string, EntryLocation>): void {
    const moved = new Map<string, EntryLocation>()
    const next = this.entriesFile(this.generation + 1)
    rmSync(next, { force: true })
    const fd = openSync(next, 'a', PRIVATE_FILE_MODE)
    try {
      let offset = 0
      for (const [key, at] of live) {
        let sealed: Buffer
        try { sealed = this.readRange(at) } catch { continue }
        writeSync(fd, sealed)
        moved.set(key, { offset, length: sealed.length })
        offset += sealed.length
      }
    } finally {
      closeSync(fd)
    }
    this.generation++
    this.entries = moved
  }
}
