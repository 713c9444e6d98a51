/** Rust: functions, methods of impl blocks and traits, structs, enums (their variants constants of the enum), traits and their associated types, types, modules, constants, `macro_rules!` macros; `use` paths, groups expanded. */
import type { Node } from '@vscode/tree-sitter-wasm'
import { hasChild, nodeText, set, type LanguageSpec } from '../language-spec.js'

const VISIBILITY = set('visibility_modifier')
const COMMENTS = set('line_comment', 'block_comment')

/** The paths a `use` tree names: `a::{b::C, d::{E, F as G}, self}` → a::b::C, a::d::E, a::d::F, a. */
function usePaths (node: Node, prefix: string, source: string): string[] {
  const join = (tail: Node): string => {
    const text = nodeText(tail, source).replace(/\s+/g, '')
    return prefix === '' ? text : text === 'self' ? prefix : `${prefix}::${text}`
  }
  switch (node.type) {
    case 'scoped_use_list': {
      const path = node.childForFieldName('path')
      const list = node.childForFieldName('list')
      const base = path === null ? prefix : join(path)
      return list === null ? [base] : usePaths(list, base, source)
    }
    case 'use_list': {
      const paths: string[] = []
      for (const child of node.namedChildren) if (child !== null && !COMMENTS.has(child.type)) paths.push(...usePaths(child, prefix, source))
      return paths
    }
    case 'use_as_clause': {
      const path = node.childForFieldName('path')
      return path === null ? [] : usePaths(path, prefix, source)
    }
    default:
      return [join(node)]
  }
}

export const rust: LanguageSpec = {
  query: `
(function_item name: (identifier) @function) @def
(function_signature_item name: (identifier) @function) @def
(struct_item name: (type_identifier) @struct) @def
(union_item name: (type_identifier) @struct) @def
(enum_item name: (type_identifier) @enum) @def
(enum_variant name: (identifier) @constant) @def
(trait_item name: (type_identifier) @trait) @def
(type_item name: (type_identifier) @type) @def
(mod_item name: (identifier) @module) @def
(const_item name: (identifier) @constant) @def
(static_item name: (identifier) @constant) @def
(macro_definition name: (identifier) @function) @def
(trait_item body: (declaration_list (associated_type name: (type_identifier) @type) @def))
(use_declaration argument: (_) @import)
(extern_crate_declaration name: (identifier) @import)
`,
  maxStartDepth: 10,
  containers: { impl_item: 'type', trait_item: 'name', enum_item: 'name' },
  functions: set('function_item', 'closure_expression'),
  comments: COMMENTS,
  docSkip: set('attribute_item'),
  preamble: set('use_declaration', 'mod_item', 'inner_attribute_item', 'extern_crate_declaration'),
  // `pub`, `pub(crate)`: visible outside the module.
  exported: (def, _name, parent, source) => {
    if (parent !== undefined) {
      // The items of a trait, and of an `impl Trait for T`, are as visible as the trait, and the variants of an enum as
      // the enum: they carry no `pub` of their own.
      const owner = def.parent?.parent
      if (owner?.type === 'trait_item' || owner?.type === 'enum_item' || (owner?.type === 'impl_item' && owner.childForFieldName('trait') !== null)) return undefined
    }
    // `#[macro_export] macro_rules! m`: exported by its attribute.
    if (def.type === 'macro_definition') {
      for (let previous = def.previousNamedSibling; previous?.type === 'attribute_item'; previous = previous.previousNamedSibling) {
        if (nodeText(previous, source).includes('macro_export')) return true
      }
      return false
    }
    return hasChild(def, VISIBILITY, source)
  },
  importSpecifiers: (node, _def, source) => node.parent?.type === 'use_declaration' ? usePaths(node, '', source) : [nodeText(node, source)]
}
