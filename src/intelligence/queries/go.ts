/** Go: functions, methods (owned by their receiver type), structs, interfaces, types; import paths. */
import { nodeText, set, type LanguageSpec } from '../language-spec.js'

export const go: LanguageSpec = {
  query: `
(function_declaration name: (identifier) @function) @def
(method_declaration name: (field_identifier) @method) @def
(type_spec name: (type_identifier) @struct type: (struct_type)) @def
(type_spec name: (type_identifier) @interface type: (interface_type)) @def
(type_spec name: (type_identifier) @type) @def
(type_alias name: (type_identifier) @type) @def
(import_spec path: (_) @import)
`,
  maxStartDepth: 4,
  containers: {},
  functions: set('function_declaration', 'method_declaration', 'func_literal'),
  comments: set('comment'),
  wrappers: set('type_declaration'),
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
