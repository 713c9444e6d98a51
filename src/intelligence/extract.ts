/** Symbols, imports and the file's doc from one parse and one query (the language's only query). */
import type { Node, QueryMatch } from '@vscode/tree-sitter-wasm'
import type { SymbolInfo, SymbolKind } from '../context/record.js'
import { commentParagraph, docstringParagraph, firstSentence } from './doc-text.js'
import { nodeText, unquote, type LanguageSpec } from './language-spec.js'
import type { Grammar } from './tree-sitter-runtime.js'

/** Bounds that keep one pathological file from bloating a record. */
export const MAX_SYMBOLS_PER_FILE = 1000
export const MAX_IMPORTS_PER_FILE = 300
const MAX_NAME_CHARS = 120
const MAX_SPECIFIER_CHARS = 300

const SYMBOL_KINDS: ReadonlySet<string> = new Set<SymbolKind>([
  'function', 'method', 'class', 'interface', 'type', 'enum', 'struct', 'trait',
  'module', 'namespace', 'variable', 'constant', 'export', 'selector', 'section'
])

/** Kinds a pattern gives any definition of its shape: a more specific kind for the same name wins (`export const f = () => 1` is a function). */
const GENERIC_KINDS: ReadonlySet<string> = new Set<SymbolKind>(['type', 'variable', 'constant'])

export interface Extraction {
  symbols: SymbolInfo[]
  imports: string[]
  /** The file's leading doc comment or module docstring, first paragraph. */
  doc?: string
  /** False when the parser gave up (timeout): the lists are then empty. */
  parsed: boolean
}

/** The captures of one match, by role. */
interface MatchParts {
  def?: Node
  name?: Node
  kind?: string
  doc?: Node
  callee?: Node
  cjsTarget?: Node
  exportsObject?: Node
  imports: Node[]
}

function splitMatch (match: QueryMatch): MatchParts {
  const parts: MatchParts = { imports: [] }
  for (const capture of match.captures) {
    switch (capture.name) {
      case 'def': parts.def = capture.node; break
      case 'doc': parts.doc = capture.node; break
      case 'import': parts.imports.push(capture.node); break
      case 'callee': parts.callee = capture.node; break
      case 'cjs.target': parts.cjsTarget = capture.node; break
      case 'exports.object': parts.exportsObject = capture.node; break
      default:
        if (SYMBOL_KINDS.has(capture.name)) {
          parts.kind = capture.name
          parts.name = capture.node
        }
    }
  }
  return parts
}

function cleanName (text: string): string {
  const name = text.includes('\n') || text.includes('  ') ? text.replace(/\s+/g, ' ') : text
  return name.length > MAX_NAME_CHARS ? name.slice(0, MAX_NAME_CHARS - 1) + '…' : name
}

function isShebang (node: Node, source: string): boolean {
  return source.startsWith('#!', node.startIndex)
}

interface Place { nested: boolean, parent?: string }

const TOP_LEVEL: Place = { nested: false }

/**
 * The container a definition sits in, or `nested` when it is local to a function. It depends only on
 * the definition's parent, which the definitions of one class body share: `places` keeps each answer by
 * the parent's id, so the walk up the tree (a call into the parser per step) is made once per body.
 */
function enclosing (def: Node, spec: LanguageSpec, source: string, places: Map<number, Place>): Place {
  const start = def.parent
  if (start === null) return TOP_LEVEL
  let place = places.get(start.id)
  if (place === undefined) {
    place = enclosingFrom(start, spec, source)
    places.set(start.id, place)
  }
  return place
}

function enclosingFrom (start: Node, spec: LanguageSpec, source: string): Place {
  for (let node: Node | null = start; node !== null; node = node.parent) {
    const type = node.type
    if (spec.functions.has(type)) return { nested: true }
    const nameField = spec.containers[type]
    if (nameField !== undefined) {
      // A type declared inside a function is local, and so are its methods.
      for (let above = node.parent; above !== null; above = above.parent) if (spec.functions.has(above.type)) return { nested: true }
      let nameNode = node.childForFieldName(nameField)
      if (nameNode === null) {
        for (const child of node.namedChildren) {
          if (child !== null && child.type === nameField) { nameNode = child; break }
        }
      }
      // `const X = class extends Y {...}`: the class is named by its binding; `typedef enum {...} color_t;` by its typedef.
      if (nameNode === null && node.parent?.type === 'variable_declarator') nameNode = node.parent.childForFieldName('name')
      else if (nameNode === null && node.parent?.type === 'type_definition') nameNode = node.parent.childForFieldName('declarator')
      // Ruby's `class << self` opens the enclosing class's singleton: its methods belong to that class.
      if (nameNode?.type === 'self') continue
      const parent = nameNode === null ? undefined : cleanName(nodeText(nameNode, source).replace(/<.*$/s, ''))
      return parent === undefined ? TOP_LEVEL : { nested: false, parent }
    }
  }
  return TOP_LEVEL
}

/** The comments just above a definition (or the wrapper it starts), first sentence. */
function leadingComment (def: Node, spec: LanguageSpec, source: string): string | undefined {
  let node = def
  for (;;) {
    const parent = node.parent
    if (parent === null || spec.wrappers?.has(parent.type) !== true) break
    let first = parent.firstNamedChild
    while (first !== null && first.id !== node.id && spec.docSkip?.has(first.type) === true) first = first.nextNamedSibling
    if (first?.id !== node.id) break
    node = parent
  }
  const parts: string[] = []
  let expectedRow = node.startPosition.row
  let previous = node.previousNamedSibling
  while (previous !== null) {
    if (spec.docSkip?.has(previous.type) === true) {
      expectedRow = previous.startPosition.row
    } else if (spec.comments.has(previous.type) && previous.endPosition.row >= expectedRow - 1 && !isShebang(previous, source)) {
      parts.push(nodeText(previous, source))
      expectedRow = previous.startPosition.row
    } else {
      break
    }
    previous = previous.previousNamedSibling
  }
  if (parts.length === 0) return undefined
  const paragraph = commentParagraph(parts.reverse().join('\n'))
  return paragraph === undefined ? undefined : firstSentence(paragraph)
}

/** Pragmas, not prose: `# frozen_string_literal: true`, `# -*- coding: utf-8 -*-`, `# typed: strict`, `// @ts-check`. */
const MAGIC_COMMENT = /^(?:#|\/\/)\s*(?:-\*-.*-\*-\s*$|(?:frozen_string_literal|encoding|coding|warn_indent|shareable_constant_value|typed)\s*:|@ts-(?:check|nocheck)\b|eslint-disable|rubocop:|shellcheck\s)/i
const LICENSE = /copyright|licen[cs]ed?\b|spdx-license/i
const FILE_DOC_MARKER = /^(?:\/\/!|\/\*!)|@(?:file|fileoverview|module|overview)\b/

/**
 * The text of a string literal: from the source, or for a placeholder of the skeleton (`""` standing
 * for a docstring) the text it stands for, by line.
 */
function literalText (node: Node, source: string, strings: ReadonlyMap<number, string> | undefined): string {
  return (strings === undefined ? undefined : strings.get(node.startPosition.row)) ?? nodeText(node, source)
}

/** The first comment block of a file (after shebang and the like), unless it documents the first definition. */
function fileDoc (root: Node, spec: LanguageSpec, source: string, strings: ReadonlyMap<number, string> | undefined): string | undefined {
  let child = root.firstNamedChild
  while (child !== null && (spec.fileHeader?.has(child.type) === true || (spec.comments.has(child.type) && (isShebang(child, source) || MAGIC_COMMENT.test(nodeText(child, source)))))) {
    child = child.nextNamedSibling
  }
  if (spec.moduleDocstring === true) {
    while (child !== null && spec.comments.has(child.type)) child = child.nextNamedSibling
    const string = child?.type === 'expression_statement' ? child.firstNamedChild : null
    return string?.type === 'string' ? docstringParagraph(literalText(string, source, strings)) : undefined
  }
  // A license header comes first in many files: look at the next block too.
  for (let block = 0; block < 2 && child !== null && spec.comments.has(child.type); block++) {
    const first = nodeText(child, source)
    const parts = [first]
    let last = child
    let next = child.nextNamedSibling
    while (next !== null && spec.comments.has(next.type) && next.startPosition.row <= last.endPosition.row + 1) {
      parts.push(nodeText(next, source))
      last = next
      next = next.nextNamedSibling
    }
    const paragraph = commentParagraph(parts.join('\n'))
    const attached = next !== null && next.startPosition.row <= last.endPosition.row + 1 && spec.preamble?.has(next.type) !== true
    if (paragraph !== undefined && !LICENSE.test(paragraph) && (!attached || FILE_DOC_MARKER.test(first))) return paragraph
    child = next
  }
  return undefined
}

/**
 * At most MAX_SYMBOLS_PER_FILE of a file's symbols, in their order: the top-level ones first, then members, so
 * that the members of a big file (a .d.ts's interfaces) do not push out its top-level declarations.
 */
function capSymbols (symbols: SymbolInfo[]): SymbolInfo[] {
  if (symbols.length <= MAX_SYMBOLS_PER_FILE) return symbols
  const topLevel = symbols.filter((symbol) => symbol.parent === undefined)
  if (topLevel.length >= MAX_SYMBOLS_PER_FILE) return topLevel.slice(0, MAX_SYMBOLS_PER_FILE)
  let room = MAX_SYMBOLS_PER_FILE - topLevel.length
  return symbols.filter((symbol) => symbol.parent === undefined || room-- > 0)
}

/** How long one file may take to parse, and then to query: a pathological file gives up, it never stalls a worker. */
export const DEFAULT_FILE_TIMEOUT_MS = 3000

export class SymbolExtractor {
  /** @param timeoutMs the parse and the query of one file each stop after this long (the file is then `parsed: false`). */
  constructor (private readonly grammar: Grammar, private readonly timeoutMs = DEFAULT_FILE_TIMEOUT_MS) {}

  extract (original: string): Extraction {
    const { parser, query, spec } = this.grammar
    const timeoutMicros = Math.max(1, Math.round(this.timeoutMs * 1000))
    parser.setTimeoutMicros(timeoutMicros)
    const fullSource = spec.prepare === undefined ? original : spec.prepare(original)
    const skeleton = spec.skeleton?.(fullSource)
    let source = skeleton?.text ?? fullSource
    let tree = parser.parse(source)
    let extraImports = skeleton?.imports ?? []
    let extraSymbols = skeleton?.symbols ?? []
    let strings = skeleton?.strings
    let rows = skeleton?.rows
    if (tree !== null && skeleton !== undefined && tree.rootNode.hasError) {
      // The skeleton lost something the grammar needs: read the whole file instead.
      tree.delete()
      source = fullSource
      extraImports = []
      extraSymbols = []
      strings = undefined
      rows = undefined
      tree = parser.parse(source)
    }
    /** The 1-based line of the file a row of the parsed text is on. */
    const lineAt = (row: number): number => (rows === undefined ? row : rows[row] ?? row) + 1
    if (tree === null) return { symbols: [], imports: [], parsed: false }
    try {
      const root = tree.rootNode
      const queryStarted = performance.now()
      const matches = query.matches(root, { maxStartDepth: spec.maxStartDepth, timeoutMicros })
      // Deeply nested input makes queries slow: a query that ran out of time saw only part of the file.
      if (performance.now() - queryStarted >= this.timeoutMs) return { symbols: [], imports: [], parsed: false }
      const symbols: SymbolInfo[] = []
      const byPlace = new Map<string, SymbolInfo>()
      const places = new Map<number, Place>()
      const imports = new Set<string>()
      const exportNames: Array<{ name: string, line: number }> = []
      let topLevelCount = 0
      let memberCount = 0

      for (const match of matches) {
        const parts = splitMatch(match)
        if (parts.callee !== undefined && spec.importCallees !== undefined) {
          const callee = nodeText(parts.callee, source)
          if (!spec.importCallees.has(callee) && !spec.importCallees.has(callee.toLowerCase())) continue
        }
        if (parts.cjsTarget !== undefined) {
          const target = nodeText(parts.cjsTarget, source)
          if (target !== 'module.exports' && target !== 'exports') continue
        }
        for (const node of parts.imports) {
          if (imports.size >= MAX_IMPORTS_PER_FILE) break
          const specifiers = spec.importSpecifiers !== undefined
            ? spec.importSpecifiers(node, parts.def, source)
            : [nodeText(node, source)]
          for (const specifier of specifiers) {
            const clean = unquote(specifier).replace(/\s+/g, ' ')
            if (clean !== '' && clean.length <= MAX_SPECIFIER_CHARS) imports.add(clean)
          }
        }
        if (parts.exportsObject !== undefined) {
          for (const property of parts.exportsObject.namedChildren) {
            if (property === null) continue
            const key = property.type === 'shorthand_property_identifier' ? property : property.childForFieldName('key') ?? property.childForFieldName('name')
            if (key !== null) exportNames.push({ name: unquote(nodeText(key, source)), line: lineAt(key.startPosition.row) })
          }
        }
        let nameNode = parts.name
        let kind = parts.kind
        if (nameNode === undefined || kind === undefined) continue
        // `a::b::f` (and `float f` misread as a scope when a macro precedes the type): the name is the last part.
        while (nameNode.type === 'qualified_identifier') {
          const inner = nameNode.childForFieldName('name')
          if (inner === null) break
          nameNode = inner
        }
        const line = lineAt(nameNode.startPosition.row)
        const text = nodeText(nameNode, source)
        const name = cleanName(spec.symbolName === undefined ? text : spec.symbolName(text))
        if (spec.symbolKind !== undefined) {
          kind = spec.symbolKind(kind, name)
          if (kind === undefined) continue
        }
        if (kind === 'export') {
          exportNames.push({ name, line })
          continue
        }
        const def = parts.def ?? nameNode.parent ?? nameNode
        const place = enclosing(def, spec, source, places)
        if (place.nested) continue
        let parent = place.parent
        if (kind === 'function' || kind === 'method') {
          if (parent === undefined && spec.methodParent !== undefined) parent = spec.methodParent(def, source)
          if (parent !== undefined) kind = 'method'
          else if (kind === 'method') continue // a method of an object literal, not of a type
        }
        const key = `${line}:${name}`
        const existing = byPlace.get(key)
        if (existing !== undefined) {
          // Two patterns matched one definition: a specific kind wins over a generic one.
          if (GENERIC_KINDS.has(existing.kind) && !GENERIC_KINDS.has(kind)) existing.kind = kind as SymbolKind
          continue
        }
        // No more of either than the cap: capSymbols keeps top-level symbols first, then members.
        if (parent === undefined ? topLevelCount >= MAX_SYMBOLS_PER_FILE : memberCount >= MAX_SYMBOLS_PER_FILE) continue
        if (parent === undefined) topLevelCount++
        else memberCount++
        const symbol: SymbolInfo = { name, kind: kind as SymbolKind, line }
        if (parent !== undefined) symbol.parent = parent
        const exported = spec.exported?.(def, name, parent, source)
        if (exported !== undefined) symbol.exported = exported
        const doc = parts.doc !== undefined
          ? docstringParagraph(literalText(parts.doc, source, strings))
          : spec.moduleDocstring === true ? undefined : leadingComment(def, spec, source)
        if (doc !== undefined) symbol.doc = firstSentence(doc)
        symbols.push(symbol)
        byPlace.set(key, symbol)
      }

      for (const specifier of extraImports) if (imports.size < MAX_IMPORTS_PER_FILE) imports.add(specifier)
      for (const extra of extraSymbols) {
        const kind = spec.symbolKind === undefined ? extra.kind : spec.symbolKind(extra.kind, extra.name)
        if (kind === undefined || topLevelCount >= MAX_SYMBOLS_PER_FILE) continue
        topLevelCount++
        const symbol: SymbolInfo = { name: extra.name, kind: kind as SymbolKind, line: extra.line }
        const exported = spec.exported?.(root, extra.name, undefined, source)
        if (exported !== undefined) symbol.exported = exported
        symbols.push(symbol)
      }
      for (const exported of exportNames) {
        const target = symbols.find((symbol) => symbol.parent === undefined && symbol.name === exported.name)
        if (target !== undefined) target.exported = true
        else if (topLevelCount < MAX_SYMBOLS_PER_FILE) {
          symbols.push({ name: exported.name, kind: 'export', line: exported.line, exported: true })
          topLevelCount++
        }
      }
      symbols.sort((a, b) => a.line - b.line)
      const extraction: Extraction = { symbols: capSymbols(symbols), imports: [...imports], parsed: true }
      const doc = fileDoc(root, spec, source, strings)
      if (doc !== undefined) extraction.doc = doc
      return extraction
    } finally {
      tree.delete()
    }
  }
}
