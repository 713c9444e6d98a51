/** Reading a JSON file a command is given (`distribute --file`, `policy set FILE`): bounded, UTF-8, one line per problem. */
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { badInput, isBzzzError, notFound } from '../errors.js'
import { specialKind } from '../file-kind.js'

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

/** A JSON file a command takes (`what` names its kind in errors): a regular file of UTF-8 text, bounded. */
export function readJson (file: string, what: string): unknown {
  let bytes: Buffer
  try {
    // A named pipe nobody writes to would hold the read forever, a device without end until the limit: only a file.
    const stat = statSync(file)
    if (!stat.isFile() && !stat.isDirectory()) throw badInput(`${file} is ${specialKind(stat)}, not a file: save the ${what} in a file and pass that`)
    bytes = readBounded(file)
  } catch (err) {
    if (isBzzzError(err)) throw err
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw notFound(`no such file: ${file}`)
    if (code === 'EISDIR') throw badInput(`${file} is a directory, not a ${what} JSON file`)
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
