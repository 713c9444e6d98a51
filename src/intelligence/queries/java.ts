/** Java: classes, interfaces, enums (their constants constants of the enum), records, methods and constructors; imports. */
import type { Node } from '@vscode/tree-sitter-wasm'
import { hasChild, nodeText, set, type LanguageSpec } from '../language-spec.js'

const MODIFIERS = set('modifiers')
const PUBLIC = /\bpublic\b/

export const java: LanguageSpec = {
  query: `
(class_declaration name: (identifier) @class) @def
(interface_declaration name: (identifier) @interface) @def
(enum_declaration name: (identifier) @enum) @def
(enum_constant name: (identifier) @constant) @def
(record_declaration name: (identifier) @class) @def
(annotation_type_declaration name: (identifier) @interface) @def
(method_declaration name: (identifier) @method) @def
(constructor_declaration name: (identifier) @method) @def
(import_declaration [(scoped_identifier) (identifier)] @import) @def
`,
  maxStartDepth: 12,
  containers: { class_declaration: 'name', interface_declaration: 'name', enum_declaration: 'name', record_declaration: 'name' },
  functions: set('method_declaration', 'constructor_declaration', 'lambda_expression'),
  comments: set('line_comment', 'block_comment'),
  preamble: set('package_declaration', 'import_declaration'),
  exported: (def: Node, _name, _parent, source) => {
    // Members of an interface, and the constants of an enum, are public without saying so.
    if (def.parent?.type === 'interface_body' || def.type === 'enum_constant') return true
    return hasChild(def, MODIFIERS, source, PUBLIC)
  },
  importSpecifiers: (node, def, source) => {
    const text = nodeText(node, source)
    return [def !== undefined && nodeText(def, source).includes('*') ? text + '.*' : text]
  }
}
