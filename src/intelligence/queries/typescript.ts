/**
 * TypeScript and TSX: the ECMAScript patterns plus interfaces (with their method signatures), type aliases, enums (their
 * members constants of the enum),
 * namespaces and declarations (`declare function`, `declare class`, exported `declare const`); the exported constants and
 * variables of a namespace or a declared module as those of the file.
 */
import { set, type LanguageSpec } from '../language-spec.js'
import { ECMASCRIPT_FUNCTIONS, ECMASCRIPT_PATTERNS, ecmascriptExported } from './javascript.js'

const TYPESCRIPT_PATTERNS = `
(abstract_class_declaration name: (type_identifier) @class) @def
(abstract_method_signature name: (_) @method) @def
(interface_declaration name: (type_identifier) @interface) @def
(type_alias_declaration name: (type_identifier) @type) @def
(enum_declaration name: (identifier) @enum) @def
(enum_body name: (property_identifier) @constant @def)
(enum_body name: (string (string_fragment) @constant) @def)
(enum_assignment name: [(property_identifier) @constant (string (string_fragment) @constant)]) @def
(internal_module name: (_) @namespace) @def
(module name: (_) @namespace) @def
(function_signature name: (identifier) @function) @def
(export_statement declaration: (ambient_declaration (lexical_declaration "const" (variable_declarator name: (identifier) @constant) @def)))
(export_statement declaration: (ambient_declaration (lexical_declaration "let" (variable_declarator name: (identifier) @variable) @def)))
(export_statement declaration: (ambient_declaration (variable_declaration (variable_declarator name: (identifier) @variable) @def)))
(import_require_clause source: (string) @import)
(method_signature name: (_) @method) @def
(public_field_definition name: (_) @method value: [(arrow_function) (function_expression)]) @def
`

export const typescript: LanguageSpec = {
  query: ECMASCRIPT_PATTERNS + TYPESCRIPT_PATTERNS,
  maxStartDepth: 12,
  containers: { class_declaration: 'name', abstract_class_declaration: 'name', class: 'name', interface_declaration: 'name', enum_declaration: 'name' },
  functions: ECMASCRIPT_FUNCTIONS,
  comments: set('comment'),
  docSkip: set('decorator'),
  wrappers: set('export_statement', 'lexical_declaration', 'variable_declaration', 'ambient_declaration'),
  preamble: set('import_statement', 'expression_statement'),
  fileHeader: set('hash_bang_line'),
  importCallees: set('require'),
  exported: ecmascriptExported
}

export const tsx: LanguageSpec = typescript
