/** Go: functions, methods (owned by their receiver type), structs, interfaces and their methods, types, top-level constants and variables; import paths. */
import { nodeText, set, type LanguageSpec } from '../language-spec.js'

export const go: LanguageSpec = {
  query: `
(function_declaration name: (identifier) @function) @def
(method_declaration name: (field_identifier) @method) @def
(type_spec name: (type_identifier) @struct type: (struct_type)) @def
(type_spec name: (type_identifier) @interface type: (interface_type)) @def
(type_spec name: (type_identifier) @type) @def
(type_alias name: (type_identifier) @type) @def
(source_file (const_declaration (const_spec name: (identifier) @constant) @def))
(source_file (var_declaration (var_spec name: (identifier) @variable) @def))
(source_file (var_declaration (var_spec_list (var_spec name: (identifier) @variable) @def)))
(type_spec name: (type_identifier) type: (interface_type (method_elem name: (field_identifier) @method) @def))
(import_spec path: (_) @import)
`,
  maxStartDepth: 4,
  // The type an interface's methods belong to.
  containers: { type_spec: 'name' },
  functions: set('function_declaration', 'method_declaration', 'func_literal'),
  comments: set('comment'),
  wrappers: set('type_declaration', 'const_declaration', 'var_declaration'),
  preamble: set('package_clause', 'import_declaration'),
  // Go exports exactly the names that start with an upper-case letter.
  exported: (_def, name) => /^\p{Lu}/u.test(name),
  methodParent: (def, source) => {
    const receiver = def.childForFieldName('receiver')
    const parameter = receiver?.firstNamedChild
    const type = parameter?.childForFieldName('type')
    if (type == null) return undefined
    return nodeText(type, source).replace(/^\*/, '').replace(/\[.*$/s, '')
  }
}
