/** What the extractor needs to know about one language: its query and the few rules a query cannot say. */
import type { Node } from '@vscode/tree-sitter-wasm'

/**
 * Capture names used by every query:
 * - a symbol kind (`function`, `method`, `class`, `interface`, `type`, `enum`, `struct`, `trait`,
 *   `module`, `namespace`, `constant`, `variable`, `selector`, `section`, `export`) on the name node;
 * - `def` on the definition node (default: the name's parent);
 * - `doc` on a docstring inside the definition (Python);
 * - `import` on a module specifier; with `callee`, only when the callee is one of `importCallees`;
 * - `cjs.target` (must read `module.exports` or `exports`) and `exports.object` (its keys are exports);
 * - any other name (`_attr`) serves a predicate of the pattern only (`(#any-of? @_attr "attr_reader" ...)`).
 */
export interface LanguageSpec {
  /** The one query of the language, compiled once per worker. */
  query: string
  /** Patterns start no deeper than this (bounds the query's cost on long function bodies). */
  maxStartDepth: number
  /** Node types that hold methods, mapped to the field that names them (or the type of the child that does). */
  containers: Readonly<Record<string, string>>
  /** Function-like node types: a definition inside one is local and not reported. */
  functions: ReadonlySet<string>
  /** Comment node types (for doc comments). */
  comments: ReadonlySet<string>
  /** Nodes that may sit between a doc comment and its definition (attributes, decorators). */
  docSkip?: ReadonlySet<string>
  /** Wrappers whose preceding comment documents the definition they start with, after any `docSkip` nodes (`@Component() export class X`). */
  wrappers?: ReadonlySet<string>
  /** Statements that may follow a file's leading comment without making it a symbol's doc. */
  preamble?: ReadonlySet<string>
  /** Node types at the top of a file that come before its doc (shebang, `<?php`). */
  fileHeader?: ReadonlySet<string>
  /**
   * A cheaper text to parse with the same declarations (Python's skeleton), the source line each of its lines stands
   * for, and the imports and top-level symbols of the lines it leaves out, read from their text; the source itself is
   * parsed when the skeleton does not parse cleanly. (Only symbol lines are mapped back: a language whose docs are
   * comments found by line adjacency has none.)
   */
  skeleton?: (source: string) => {
    text: string
    /** The 0-based source line of each line of `text`. */
    rows: readonly number[]
    imports: string[]
    strings?: ReadonlyMap<number, string>
    symbols?: ReadonlyArray<{ name: string, kind: string, line: number }>
  }
  /**
   * The source as the grammar should read it, with what it misreads blanked (C++ export macros): the same length and
   * lines, so that positions and names read from it are those of the file. Runs before `skeleton`.
   */
  prepare?: (source: string) => string
  /** The file doc is a docstring: the first statement, a string (Python). */
  moduleDocstring?: boolean
  /** Callees whose string argument is an import (`require`, `source`, `Import-Module`). */
  importCallees?: ReadonlySet<string>
  /** A symbol's name from the text of its name node (default: the text). */
  symbolName?: (text: string) => string
  /** The kind of a symbol a pattern captured as `kind`, by its name (undefined: no symbol); default: `kind`. */
  symbolKind?: (kind: string, name: string) => string | undefined
  /** Whether a definition (the root for a symbol the skeleton read) is visible outside its module, where the language has that notion. */
  exported?: (def: Node, name: string, parent: string | undefined, source: string) => boolean | undefined
  /** The owner of a method that is not nested in its container (Go receivers, C++ `A::f`). */
  methodParent?: (def: Node, source: string) => string | undefined
  /** The specifiers an import node stands for (default: its text without quotes). */
  importSpecifiers?: (node: Node, def: Node | undefined, source: string) => string[]
}

export function nodeText (node: Node, source: string): string {
  return source.slice(node.startIndex, node.endIndex)
}

/** True when one of the node's direct children has a type in `types` and (optionally) reads `word`. */
export function hasChild (node: Node, types: ReadonlySet<string>, source: string, word?: RegExp): boolean {
  const count = node.childCount
  for (let i = 0; i < count; i++) {
    const child = node.child(i)
    if (child !== null && types.has(child.type) && (word === undefined || word.test(nodeText(child, source)))) return true
  }
  return false
}

/** Strips quotes and angle brackets from a specifier as written (`"./x"`, `<vector>`). */
export function unquote (text: string): string {
  const trimmed = text.trim()
  const first = trimmed[0]
  const last = trimmed[trimmed.length - 1]
  if (trimmed.length >= 2 && ((first === '"' && last === '"') || (first === "'" && last === "'") || (first === '`' && last === '`') || (first === '<' && last === '>'))) {
    return trimmed.slice(1, -1)
  }
  return trimmed
}

export const set = (...items: string[]): ReadonlySet<string> => new Set(items)
