/** `bzzz-ctx distribute --file CONTEXT.json --roles R,...`: distribute a hand-written context record. */
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { Command } from 'commander'
import { badInput, badUsage, isBzzzError, notFound } from '../../errors.js'
import { specialKind } from '../../file-kind.js'
import type { CliEnv } from '../cli-env.js'
import { parseList } from '../cli-env.js'
import { emit } from '../io.js'
import { withPeer } from '../peer-session.js'
import { formatBytes } from '../render.js'

export const MAX_CONTEXT_FILE_BYTES = 4 * 1024 * 1024

/** The file's bytes, at most MAX_CONTEXT_FILE_BYTES: read in pieces and stopped past the limit (a file still growing). */
function readBounded (file: string): Buffer {
  const fd = openSync(file, 'r')
  try {
    const buffer = Buffer.allocUnsafe(MAX_CONTEXT_FILE_BYTES + 1)
    let length = 0
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null)
      if (n === 0) break
      length += n
    }
    if (length > MAX_CONTEXT_FILE_BYTES) throw badInput(`${file} is over ${MAX_CONTEXT_FILE_BYTES / 1024 / 1024} MiB`)
    return buffer.subarray(0, length)
  } finally {
    closeSync(fd)
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

function readJson (file: string): unknown {
  let bytes: Buffer
  try {
    // A named pipe nobody writes to would hold the read forever, a device without end until the limit: only a file.
    const stat = statSync(file)
    if (!stat.isFile() && !stat.isDirectory()) throw badInput(`${file} is ${specialKind(stat)}, not a file: save the record in a file and pass that`)
    bytes = readBounded(file)
  } catch (err) {
    if (isBzzzError(err)) throw err
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw notFound(`no such file: ${file}`)
    if (code === 'EISDIR') throw badInput(`${file} is a directory, not a context JSON file`)
    throw badInput(`cannot read ${file}: ${(err as Error).message}`)
  }
  let text: string
  try {
    // A byte-order mark, as some editors write, is dropped; bytes that are not UTF-8 are refused, not stored as U+FFFD.
    text = UTF8.decode(bytes)
  } catch {
    throw badInput(`${file} is not UTF-8 text: save it as UTF-8`)
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    throw badInput(`${file} is not valid JSON: ${(err as Error).message}`)
  }
}

export function distributeCommand (env: CliEnv): Command {
  return new Command('distribute')
    .description('distribute a hand-written context record to roles')
    .option('--file <file>', 'the context record (JSON): address, kind, and any of summary, purpose, language, technologies, tags, symbols, imports, insights')
    .option('--roles <roles>', 'the roles that may read it (comma-separated; default: every role)', parseList('--roles'))
    .option('--decision <id>', 'the decision this version is written because of (see bzzz-ctx decide)')
    .addHelpText('after', '\nThe record is the address\'s hand-written one: retrieve lays it over the record generate wrote there, and generate never replaces it.\n\nExample:\n  bzzz-ctx distribute --file api.json --roles developer,architect\n\nA record: {"address":"ucxl://shop/src/api","kind":"directory","summary":"HTTP API","insights":[{"role":"security","text":"rate limits missing"}]}')
    .action(env.action<{ file?: string, roles?: string[], decision?: string }>(async (ctx, options) => {
      if (options.file === undefined) throw badUsage('missing --file CONTEXT.json')
      const value = readJson(options.file)
      const report = await withPeer(ctx, peer => peer.distribute(value, options.roles, options.file!, undefined, options.decision))
      emit(ctx, report, () => report.written === 0
        ? `${report.address} is unchanged: nothing written.`
        : `Distributed ${report.address} to ${report.roles.join(', ')} (${formatBytes(report.bytes)}), as its hand-written record: read over what generate wrote there, never replaced by it.`)
    }))
}
