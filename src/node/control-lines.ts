/**
 * The framing of the control socket: newline-delimited lines of at most a bounded number of bytes. Each byte that
 * arrives is scanned once for its newline and a line that spans chunks is copied into one growing buffer (appending
 * every chunk to one string and searching it again from the start cost a 60 MiB line 100 s).
 */

/** What `push` found in a chunk: the complete lines in it, and whether the line being read went over the limit. */
export interface SplitLines {
  lines: Buffer[]
  tooLong: boolean
}

export class LineSplitter {
  /**
   * The line not yet ended by a newline, copied into one buffer that doubles as it fills: the copies add up to at most
   * twice the line, and a client that sends a byte at a time holds one buffer, not a list of a million pieces.
   */
  private pending: Buffer | null = null
  private pendingBytes = 0
  private overLimit = false

  constructor (readonly maxLineBytes: number) {}

  /**
   * Takes the next chunk. Once a line has passed `maxLineBytes` (newline excluded) the splitter stays in that state:
   * the stream is out of step and its owner closes it, so nothing after it is framed.
   */
  push (chunk: Buffer): SplitLines {
    const lines: Buffer[] = []
    if (this.overLimit) return { lines, tooLong: true }
    let start = 0
    while (start < chunk.length) {
      const end = chunk.indexOf(0x0a, start)
      const stop = end === -1 ? chunk.length : end
      if (this.pendingBytes + (stop - start) > this.maxLineBytes) {
        this.overLimit = true
        this.pending = null
        this.pendingBytes = 0
        return { lines, tooLong: true }
      }
      if (end === -1) {
        this.keep(chunk.subarray(start))
        break
      }
      if (this.pending === null) lines.push(chunk.subarray(start, end))
      else {
        this.keep(chunk.subarray(start, end))
        lines.push(this.pending.subarray(0, this.pendingBytes))
        this.pending = null
        this.pendingBytes = 0
      }
      start = end + 1
    }
    return { lines, tooLong: false }
  }

  /** Bytes held for a line not yet ended: what an idle connection costs. */
  get heldBytes (): number {
    return this.pendingBytes
  }

  private keep (piece: Buffer): void {
    const needed = this.pendingBytes + piece.length
    if (this.pending === null || needed > this.pending.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.maxLineBytes, Math.max(needed, 2 * (this.pending?.length ?? 0), 4096)))
      this.pending?.copy(grown, 0, 0, this.pendingBytes)
      this.pending = grown
    }
    piece.copy(this.pending, this.pendingBytes)
    this.pendingBytes = needed
  }
}

/** Whether a line holds only spaces, tabs and carriage returns (skipped, as a keep-alive or a stray CRLF). */
export function isBlankLine (line: Buffer): boolean {
  for (const byte of line) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false
  return true
}
