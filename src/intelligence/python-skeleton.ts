/**
 * The declarations of a Python module with everything else blanked out, line for line, so the
 * parser reads a fraction of the text and every line number stays true.
 *
 * Kept: decorators, imports, compound statement headers (`if`, `try`, `with`, ...), `def` and
 * `class` headers cut to `def name():` and `class Name:` (parameters, bases and annotations name no
 * symbol, and cost the parser much of its time), module-level statements with a `;` whole
 * (`A = 1; B = 2`), and each docstring as an empty literal `""` whose text (its first paragraph, the
 * only part a record keeps) is handed over beside the skeleton, by line. Blanked: every other
 * statement. A module-level assignment to a name (`NAME = ...`, `NAME: T = ...`) is blanked too, its
 * name handed over beside the skeleton as a symbol: as `NAME = 0` lines they cost the parse and the
 * query of the standard library 7% and 10% more. A block left empty gets a `pass`. The result gives
 * the same symbols, imports and docs as the source; when it does not parse cleanly the extractor
 * falls back to the source itself.
 */

const SPACE = 32
const TAB = 9
const HASH = 35
const BACKSLASH = 92
const QUOTE = 34
const APOSTROPHE = 39
const COLON = 58
const CR = 13
const AT = 64
/** r, u, b, f in either case: the prefixes a string literal may carry. */
const STRING_PREFIX: ReadonlySet<number> = new Set([...'rRuUbBfF'].map((char) => char.charCodeAt(0)))

/** Statements kept whole: the ones that declare, import, or open a block that may hold declarations (and decorators). */
const STRUCTURAL = /(?:def|class|async|import|from|if|elif|else|try|except|finally|with|for|while|match|case)\b/y

interface LogicalLine {
  /** Physical lines [first, last] it spans. */
  first: number
  last: number
  /** Leading whitespace of its first line, in characters. */
  indent: number
  /** It ends with `:` (outside comments): a block follows on the next lines. */
  opensBlock: boolean
  /** It starts with a string literal: a docstring when it is a block's first statement. */
  startsWithString: boolean
  structural: boolean
  /** `def` or `async def`: its block is a function body. */
  isFunction: boolean
  /** A `;` outside strings and comments: more than one statement (`A = 1; B = 2`). */
  compound: boolean
}

/** Character classes for the scanner: most characters are 0 and cost one table lookup. */
const OPEN = 1
const CLOSE = 2
const STRING = 3
const COMMENT = 4
const NEWLINE = 5
const SEMICOLON = 6
const CLASSES = new Uint8Array(128)
for (const char of '([{') CLASSES[char.charCodeAt(0)] = OPEN
for (const char of ')]}') CLASSES[char.charCodeAt(0)] = CLOSE
CLASSES[QUOTE] = STRING
CLASSES[APOSTROPHE] = STRING
CLASSES[HASH] = COMMENT
CLASSES[10] = NEWLINE
CLASSES[59] = SEMICOLON

/**
 * Splits the source into physical lines (their start offsets go to `starts`) and groups them into
 * logical lines, in one pass that tracks strings, brackets, comments, backslash continuations and semicolons.
 * (One loop with local state: closures over the state would make every character cost more.)
 */
function logicalLines (source: string, starts: number[]): LogicalLine[] {
  const lines: LogicalLine[] = []
  const length = source.length
  let depth = 0
  let quote = 0
  let triple = false
  let current: LogicalLine | null = null
  let lineIndex = -1
  let i = 0
  for (;;) {
    // A physical line starts at i.
    const lineStart = i
    lineIndex++
    starts.push(lineStart)
    if (current !== null) {
      current.last = lineIndex
    } else {
      while (i < length && (source.charCodeAt(i) === SPACE || source.charCodeAt(i) === TAB)) i++
      // Every read stays inside the string: one read past its end costs the optimised code (a deopt and a recompile).
      const first = i < length ? source.charCodeAt(i) : 10
      if (first !== 10 && first !== HASH && first !== CR) {
        let prefixEnd = i
        while (prefixEnd < i + 2 && prefixEnd < length && STRING_PREFIX.has(source.charCodeAt(prefixEnd))) prefixEnd++
        const quoteChar = prefixEnd < length ? source.charCodeAt(prefixEnd) : 0
        current = {
          first: lineIndex,
          last: lineIndex,
          indent: i - lineStart,
          opensBlock: false,
          startsWithString: quoteChar === QUOTE || quoteChar === APOSTROPHE,
          structural: false,
          isFunction: false,
          compound: false
        }
        if (first === AT) {
          current.structural = true
        } else if (first >= 97 && first <= 119) {
          // Sticky, at the line's first character: no slice and no match array per line.
          STRUCTURAL.lastIndex = i
          current.structural = STRUCTURAL.test(source)
          current.isFunction = current.structural && (first === 100 /* d */ || first === 97 /* a */)
        }
      }
    }
    // Scan to the end of the physical line.
    let codeEnd = -1
    let lineEnd = length
    while (i < length) {
      const c = source.charCodeAt(i)
      if (quote !== 0) {
        if (c === BACKSLASH) {
          if (i + 1 < length && source.charCodeAt(i + 1) === 10) { lineEnd = i + 1; break }
          i += 2
          continue
        }
        if (c === 10) { lineEnd = i; break }
        if (c === quote) {
          if (!triple) quote = 0
          else if (i + 2 < length && source.charCodeAt(i + 1) === quote && source.charCodeAt(i + 2) === quote) { quote = 0; i += 2 }
        }
        i++
        continue
      }
      const kind = c < 128 ? CLASSES[c] : 0
      if (kind === 0) { i++; continue }
      if (kind === NEWLINE) { lineEnd = i; break }
      if (kind === COMMENT) {
        codeEnd = i
        const newline = source.indexOf('\n', i)
        i = newline === -1 ? length : newline
        continue
      }
      if (kind === STRING) {
        if (i + 2 < length && source.charCodeAt(i + 1) === c && source.charCodeAt(i + 2) === c) { triple = true; i += 3 } else { triple = false; i++ }
        quote = c
        continue
      }
      if (kind === SEMICOLON) {
        if (current !== null) current.compound = true
        i++
        continue
      }
      if (kind === OPEN) depth++
      else if (depth > 0) depth--
      i++
    }
    // The physical line ends at lineEnd: close the logical line if it is complete.
    if (current !== null) {
      let last = lineEnd - 1
      if (last >= lineStart && source.charCodeAt(last) === CR) last--
      const continued = codeEnd === -1 && last >= lineStart && source.charCodeAt(last) === BACKSLASH
      // A one-quote string cannot span lines (unless escaped): an unclosed one ends with its line.
      if (quote !== 0 && !triple && !continued) quote = 0
      if (quote === 0 && depth === 0 && !continued) {
        if (codeEnd !== -1) last = codeEnd - 1
        while (last >= lineStart) {
          const c = source.charCodeAt(last)
          if (c !== SPACE && c !== TAB && c !== CR) break
          last--
        }
        current.opensBlock = last >= lineStart && source.charCodeAt(last) === COLON
        lines.push(current)
        current = null
      }
    }
    if (lineEnd >= length) break
    i = lineEnd + 1
  }
  if (current !== null) lines.push(current)
  return lines
}

interface Block {
  /** A function body: only its docstring is kept (its imports are read from the text). */
  isFunction: boolean
  headerIndent: number
  bodyIndent: number
  /** First physical line of its body, where a `pass` goes if nothing in it is kept. */
  firstBodyLine: number
  kept: number
}

const KEEP = 1
const PASS = 2
const DOCSTRING = 3
const HEADER = 4

export interface Skeleton {
  /** The lines kept, without the blanked ones: `rows` says where each came from. */
  text: string
  /**
   * The 0-based line of the source each line of `text` stands for. A blank line is not free to parse (the grammar's
   * scanner reads each one for indentation): a skeleton line for line with the source parsed 13% slower.
   */
  rows: number[]
  /** Imports inside function bodies, which the skeleton leaves out: read from their lines. */
  imports: string[]
  /** The text of each docstring that the skeleton shows as `""`, by its 0-based line in `text`: the literal cut after its first paragraph. */
  strings: Map<number, string>
  /** Module-level assignments to a name, which the skeleton blanks: `variable` symbols (1-based lines of the source). */
  symbols: Array<{ name: string, kind: string, line: number }>
}

/** A `def` or `class` header up to its name, when `(` (a def) or `(`/`:` (a class) follows. */
const HEADER_HEAD = /[ \t]*(?:(?:async[ \t]+)?def[ \t]+[A-Za-z_][A-Za-z0-9_]*(?=[ \t]*\()|class[ \t]+[A-Za-z_][A-Za-z0-9_]*(?=[ \t]*[(:]))/y

/** The name an assignment or annotation starts with: `NAME = ...`, `NAME: T = ...`, `NAME: T` (not `NAME == x`, `NAME += 1`, `a.b = 1`, `a, b = t`). */
const ASSIGNED_NAME = /[A-Za-z_]\w*(?=[ \t]*(?::|=(?!=)))/y

/**
 * `import a.b as c, d` → a.b, d; `from .x import y` → .x, .x.y; `from . import a, B` → ., .a (see fromImportSpecifiers).
 */
function importSpecifiers (statement: string): string[] {
  const text = statement.replace(/#[^\n]*/g, '').replace(/\\?\r?\n/g, ' ').replace(/[()]/g, ' ')
  const from = /^from\s+(\.*)\s*([\w.]*)\s+import\s+(.+)$/s.exec(text)
  if (from !== null) {
    const names = (from[3] as string).split(',').map((name) => name.trim().split(/\s+/)[0] ?? '')
    return fromImportSpecifiers((from[1] as string) + (from[2] as string), names)
  }
  const plain = /^import\s+(.+)$/s.exec(text)
  if (plain === null) return []
  return (plain[1] as string).split(',').map((name) => name.trim().split(/\s+/)[0] ?? '').filter((name) => /^[\w.]+$/.test(name))
}

/**
 * A `from M import n, ...` statement: M itself, then `M.n` for each name that could be a submodule (modules are lower
 * case by convention, classes and constants are not): `from email import utils` uses email/utils.py, which M alone
 * does not say. The module graph drops an `M.n` that is no module (a function of M).
 */
export function fromImportSpecifiers (module: string, names: readonly string[]): string[] {
  const qualified = names.filter((name) => MODULE_NAME.test(name)).map((name) => /^\.*$/.test(module) ? module + name : `${module}.${name}`)
  return [module, ...qualified]
}

const MODULE_NAME = /^[a-z_][a-z0-9_]*$/

/** The skeleton of a Python module (see the module comment). */
export function pythonSkeleton (source: string): Skeleton {
  const starts: number[] = []
  const lines = logicalLines(source, starts)
  const physicalCount = starts.length
  const marks = new Uint8Array(physicalCount)
  const passIndent = new Map<number, number>()
  /** First physical line of a docstring → its last. */
  const docstrings = new Map<number, number>()
  /** First physical line of a cut header → its text (`def name():`, `class Name:`). */
  const headers = new Map<number, string>()
  const imports: string[] = []
  const symbols: Skeleton['symbols'] = []
  const stack: Block[] = [{ isFunction: false, headerIndent: -1, bodyIndent: -1, firstBodyLine: -1, kept: 0 }]
  const close = (block: Block): void => {
    if (block.kept === 0 && block.firstBodyLine >= 0) {
      marks[block.firstBodyLine] = PASS
      passIndent.set(block.firstBodyLine, block.bodyIndent)
    }
  }
  for (const line of lines) {
    while (stack.length > 1 && line.indent <= (stack[stack.length - 1] as Block).headerIndent) close(stack.pop() as Block)
    const block = stack[stack.length - 1] as Block
    const isFirst = block.bodyIndent < 0
    if (isFirst) {
      block.bodyIndent = line.indent
      block.firstBodyLine = line.first
    }
    if (block.isFunction) {
      // In a function body only the docstring stays; nested blocks are never opened.
      if (isFirst && line.startsWithString) {
        block.kept++
        docstrings.set(line.first, line.last)
        marks[line.first] = DOCSTRING
      } else if (line.structural && (source.startsWith('import', starts[line.first] as number + line.indent) || source.startsWith('from', starts[line.first] as number + line.indent))) {
        const end = line.last + 1 < physicalCount ? (starts[line.last + 1] as number) - 1 : source.length
        imports.push(...importSpecifiers(source.slice((starts[line.first] as number) + line.indent, end)))
      }
      continue
    }
    let keep = line.structural
    if (!keep && isFirst && line.startsWithString) {
      keep = true
      docstrings.set(line.first, line.last)
    }
    if (!keep) {
      if (stack.length === 1) {
        // A statement of the module: an assignment to a name names a symbol.
        const start = starts[line.first] as number
        if (line.compound) {
          // `A = 1; B = 2`: kept whole, so every statement of the line is seen.
          for (let physical = line.first; physical <= line.last; physical++) marks[physical] = KEEP
        } else if (ASSIGNED_NAME.lastIndex = start, ASSIGNED_NAME.test(source)) {
          symbols.push({ name: source.slice(start, ASSIGNED_NAME.lastIndex), kind: 'variable', line: line.first + 1 })
        }
      }
      continue
    }
    block.kept++
    if (docstrings.has(line.first)) {
      marks[line.first] = DOCSTRING
    } else if (line.opensBlock && (line.isFunction || source.startsWith('class', (starts[line.first] as number) + line.indent)) && (HEADER_HEAD.lastIndex = starts[line.first] as number, HEADER_HEAD.test(source))) {
      // `def name(...) -> T:` over any number of lines becomes `def name():` on its first.
      marks[line.first] = HEADER
      headers.set(line.first, source.slice(starts[line.first] as number, HEADER_HEAD.lastIndex) + (line.isFunction ? '():' : ':'))
    } else {
      for (let physical = line.first; physical <= line.last; physical++) if (marks[physical] === 0) marks[physical] = KEEP
    }
    if (line.opensBlock) stack.push({ isFunction: line.isFunction, headerIndent: line.indent, bodyIndent: -1, firstBodyLine: -1, kept: 0 })
  }
  while (stack.length > 1) close(stack.pop() as Block)

  // The lines kept, each with the source line it stands for; a blanked line is left out (a kept line that is empty, in
  // brackets or a string, stays: it is part of its statement).
  const out: string[] = []
  const rows: number[] = []
  const strings = new Map<number, string>()
  const emit = (text: string, row: number): void => {
    out.push(text)
    rows.push(row)
  }
  for (let physical = 0; physical < physicalCount; physical++) {
    const start = starts[physical] as number
    const mark = marks[physical]
    if (mark === 0) continue
    if (mark === PASS) {
      const indent = passIndent.get(physical) ?? 0
      emit(source.slice(start, start + indent) + 'pass', physical)
    } else if (mark === HEADER) {
      const header = headers.get(physical) as string
      const body = header.endsWith('():') ? inlineBody(physical) : null
      if (body === null) {
        emit(header, physical)
      } else {
        // A function's body in the skeleton is one statement (its docstring, or a pass): on the header's line, the
        // parser reads no line end, indent and dedent for it (8% of the parse of the standard library).
        if (body.text !== undefined) strings.set(out.length, body.text)
        emit(`${header} ${body.text === undefined ? 'pass' : '""'}`, physical)
        physical = body.last
      }
    } else if (mark === DOCSTRING) {
      const last = docstrings.get(physical) ?? physical
      const text = docstringText(source, starts, physical, last)
      if (text === null) {
        // Not one plain literal (`"a" "b"`, `"""x""" + y`): kept whole, so it parses as in the source (as no docstring).
        for (let line = physical; line <= last; line++) emit(lineText(source, starts, line), line)
      } else {
        strings.set(out.length, text)
        emit(source.slice(start, lineIndent(source, start)) + '""', physical)
      }
      physical = last
    } else {
      emit(lineText(source, starts, physical), physical)
    }
  }
  return { text: out.join('\n'), rows, imports, strings, symbols }

  /**
   * The body of the function whose cut header is on line `header`, when it is one placeholder: a pass, or a docstring
   * that is one plain literal (with its text). Null otherwise. Its last line is where the output goes on from.
   */
  function inlineBody (header: number): { text?: string, last: number } | null {
    let line = header + 1
    while (line < physicalCount && marks[line] === 0) line++
    if (line >= physicalCount) return null
    if (marks[line] === PASS) return { last: line }
    if (marks[line] !== DOCSTRING) return null
    const last = docstrings.get(line) ?? line
    const text = docstringText(source, starts, line, last)
    return text === null ? null : { text, last }
  }
}

/** Where the indentation of the line starting at `start` ends. */
function lineIndent (source: string, start: number): number {
  let at = start
  while (at < source.length && (source.charCodeAt(at) === SPACE || source.charCodeAt(at) === TAB)) at++
  return at
}

/** After a literal: blanks, a comment and line ends only, up to `end`. */
const NOTHING_AFTER = /(?:[ \t\r\n]|#[^\n]*)*/y

/**
 * The text of the docstring on physical lines [first, last] when they hold one string literal and
 * nothing after it but a comment: the literal cut after its first paragraph (the only part a record
 * keeps) and closed with its own quotes. Null otherwise (`"a" "b"`, `"""x""" + y`).
 */
function docstringText (source: string, starts: readonly number[], first: number, last: number): string | null {
  const start = lineIndent(source, starts[first] as number)
  const end = last + 1 < starts.length ? (starts[last + 1] as number) - 1 : source.length
  let at = start
  while (at < end && STRING_PREFIX.has(source.charCodeAt(at))) at++
  const quote = at < end ? source.charCodeAt(at) : 0
  if (quote !== QUOTE && quote !== APOSTROPHE) return null
  const triple = at + 2 < end && source.charCodeAt(at + 1) === quote && source.charCodeAt(at + 2) === quote
  const delimiter = source.slice(at, at + (triple ? 3 : 1))
  const bodyStart = at + delimiter.length
  // The closing delimiter: the first one not escaped by an odd run of backslashes.
  let close = bodyStart
  for (;;) {
    close = source.indexOf(delimiter, close)
    if (close === -1 || close >= end) return null
    let slashes = 0
    while (source.charCodeAt(close - 1 - slashes) === BACKSLASH) slashes++
    if (slashes % 2 === 0) break
    close++
  }
  NOTHING_AFTER.lastIndex = close + delimiter.length
  NOTHING_AFTER.test(source)
  if (NOTHING_AFTER.lastIndex < end) return null
  // Cut at the first blank line after some text: docstringParagraph reads no further.
  let cut = close
  let sawText = false
  for (let lineStart = bodyStart; lineStart < close;) {
    const newline = source.indexOf('\n', lineStart)
    const lineEnd = newline === -1 || newline > close ? close : newline
    let blank = true
    for (let i = lineStart; i < lineEnd; i++) {
      const c = source.charCodeAt(i)
      if (c !== SPACE && c !== TAB && c !== CR) { blank = false; break }
    }
    if (blank && sawText) { cut = lineStart; break }
    if (!blank) sawText = true
    lineStart = lineEnd + 1
  }
  return source.slice(start, cut) + delimiter
}

/** Physical line `physical` of the source, without its line end. */
function lineText (source: string, starts: readonly number[], physical: number): string {
  const start = starts[physical] as number
  const end = physical + 1 < starts.length ? (starts[physical + 1] as number) - 1 : source.length
  return source.slice(start, end)
}

/**
 * A module that takes every branch of the scanner: strings with escapes and escaped line ends, comments,
 * brackets over lines, backslash continuations, CRLF and LF line ends, docstrings, decorators, nested blocks,
 * module-level assignments (one handed over, two on a line kept).
 */
const PRIMER = [
  '# c',
  '@d',
  'class A(B):',
  '    """Doc.',
  '',
  '    more"""',
  '    x = "a\\tb\\\nb"  # an escape, then an escaped line end, in a string',
  '    def f(self, a=(1,',
  '            2)):',
  "        's' \\\n  + \"t\"",
  '        import os',
  '        return [i for i in y]',
  'if x:',
  '    from . import (a,',
  '        b)',
  'else:',
  '    y = {1: 2}',
  'T: int = (1,',
  '    2)',
  'u = 1; v = 2',
  'def g(): pass',
  ''
].join('\r\n')

/**
 * Runs the skeleton over PRIMER, with both line ends, enough times for V8 to collect type feedback from
 * every branch. A worker calls it once at its start. Otherwise V8 optimises the scanner on feedback from
 * the first files alone, and the first file with a branch they lacked (an escape in a string, a CRLF line
 * end) throws the optimised code away: on the Python standard library each worker compiled the scanner
 * three times (30 to 40 ms each) instead of once, and a cold analysis took 5% more CPU.
 */
export function primeSkeleton (): void {
  const lf = PRIMER.replace(/\r/g, '')
  for (let round = 0; round < 20; round++) {
    pythonSkeleton(PRIMER)
    pythonSkeleton(lf)
  }
}
