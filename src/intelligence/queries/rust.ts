/** Rust: functions, methods of impl blocks and traits, structs, enums, traits, types, modules, constants; `use` paths. */
import { hasChild, nodeText, set, type LanguageSpec } from '../language-spec.js'

const VISIBILITY = set('visibility_modifier')

export const rust: LanguageSpec = {
  query: `
(function_item name: (identifier) @function) @def
(function_signature_item name: (identifier) @function) @def
(struct_item name: (type_identifier) @struct) @def
(union_item name: (type_identifier) @struct) @def
(enum_item name: (type_identifier) @enum) @def
(trait_item name: (type_identifier) @trait) @def
(type_item name: (type_identifier) @type) @def
(mod_item name: (identifier) @module) @def
(const_item name: (identifier) @constant) @def
(static_item name: (identifier) @constant) @def
(use_declaration argument: (_) @import)
(extern_crate_declaration name: (identifier) @import)
`,
  maxStartDepth: 6,
  containers: { impl_item: 'type', trait_item: 'name' },
  functions: set('function_item', 'closure_expression'),
  comments: set('line_comment', 'block_comment'),
  docSkip: set('attribute_item'),
  preamble: set('use_declaration', 'mod_item', 'inner_attribute_item', 'extern_crate_declaration'),
  // `pub`, `pub(crate)`: visible outside the module; trait methods are as visible as their trait.
  exported: (def, _name, parent, source) => {
    if (parent !== undefined && def.parent?.parent?.type === 'trait_item') return undefined
    return hasChild(def, VISIBILITY, source)
  },
  importSpecifiers: (node, _def, source) => [nodeText(node, source).replace(/\s+/g, ' ')]
}
