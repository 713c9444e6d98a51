/**
 * JavaScript: functions, classes (and class expressions bound to a name or to `module.exports`), methods (and fields
 * holding functions), arrow functions bound to names, exported constants and variables, ES and CommonJS exports
 * (re-exports by their exported name) and imports.
 */
import type { Node } from '@vscode/tree-sitter-wasm'
import { set, type LanguageSpec } from '../language-spec.js'

/** Patterns shared by JavaScript, TypeScript and TSX (node names common to the three grammars). */
export const ECMASCRIPT_PATTERNS = `
(function_declaration name: (identifier) @function) @def
(generator_function_declaration name: (identifier) @function) @def
(class_declaration name: (_) @class) @def
(method_definition name: (_) @method) @def
(variable_declarator name: (identifier) @function value: [(arrow_function) (function_expression) (generator_function)]) @def
(export_statement declaration: (lexical_declaration "const" (variable_declarator name: (identifier) @constant) @def))
(export_statement declaration: (lexical_declaration "let" (variable_declarator name: (identifier) @variable) @def))
(export_statement declaration: (variable_declaration (variable_declarator name: (identifier) @variable) @def))
(export_statement !source (export_clause (export_specifier name: (_) @export)))
(export_statement (export_clause (export_specifier name: (_) @export !alias)) source: (_))
(export_statement (export_clause (export_specifier alias: (_) @export)) source: (_))
(variable_declarator name: (identifier) @class value: (class)) @def
(expression_statement (assignment_expression left: (member_expression) @cjs.target right: (class name: (_) @class) @def))
(expression_statement (assignment_expression left: (member_expression) @cjs.target right: (function_expression name: (_) @function) @def))
(expression_statement (assignment_expression left: (member_expression) @cjs.target right: (identifier) @export))
(export_statement value: (identifier) @export)
(expression_statement (assignment_expression left: (member_expression) @cjs.target right: (object) @exports.object))
(expression_statement (assignment_expression left: (member_expression object: (_) @cjs.target property: (property_identifier) @export)))
(import_statement source: (string) @import)
(export_statement source: (string) @import)
(call_expression function: (identifier) @callee arguments: (arguments . (string) @import))
(call_expression function: (import) arguments: (arguments . (string) @import))
`

const DECLARATION_WRAPPERS = set('lexical_declaration', 'variable_declaration')
/** TypeScript's `declare`, between a declaration and its `export`. */
const AMBIENT = 'ambient_declaration'

/** Exported when the declaration sits in an `export` statement; methods have no such notion. */
export function ecmascriptExported (def: Node, _name: string, parent: string | undefined): boolean | undefined {
  if (parent !== undefined) return undefined
  let node: Node | null = def.parent
  // `module.exports = class X {}`, `module.exports = function x () {}`: the only assignments the query keeps.
  if (node?.type === 'assignment_expression') return true
  if (node !== null && DECLARATION_WRAPPERS.has(node.type)) node = node.parent
  if (node?.type === AMBIENT) node = node.parent
  return node?.type === 'export_statement'
}

export const ECMASCRIPT_FUNCTIONS = set('function_declaration', 'generator_function_declaration', 'function_expression', 'function', 'arrow_function', 'method_definition', 'generator_function')

export const javascript: LanguageSpec = {
  query: ECMASCRIPT_PATTERNS + `
(field_definition property: (_) @method value: [(arrow_function) (function_expression)]) @def
`,
  maxStartDepth: 8,
  containers: { class_declaration: 'name', class: 'name' },
  functions: ECMASCRIPT_FUNCTIONS,
  comments: set('comment'),
  docSkip: set('decorator'),
  wrappers: set('export_statement', 'lexical_declaration', 'variable_declaration'),
  preamble: set('import_statement', 'expression_statement'),
  fileHeader: set('hash_bang_line'),
  importCallees: set('require'),
  exported: ecmascriptExported
}
