/**
 * PHP: functions, classes, interfaces, traits, enums (their cases constants of the enum), methods, namespaces, constants
 * (`const X = 1;` at the top or in a class, `define('NAME', ...)`); `use` clauses (the name, not its alias) and
 * include/require.
 */
import { set, nodeText, type LanguageSpec } from '../language-spec.js'

const VISIBILITY = set('visibility_modifier')

export const php: LanguageSpec = {
  query: `
(function_definition name: (name) @function) @def
(class_declaration name: (name) @class) @def
(interface_declaration name: (name) @interface) @def
(trait_declaration name: (name) @trait) @def
(enum_declaration name: (name) @enum) @def
(enum_case name: (name) @constant) @def
(method_declaration name: (name) @method) @def
(namespace_definition name: (namespace_name) @namespace) @def
(const_declaration (const_element (name) @constant)) @def
(function_call_expression function: [(name) @_define (qualified_name (name) @_define)] (#eq? @_define "define") arguments: (arguments . (argument [(string (string_content) @constant) (encapsed_string (string_content) @constant)]))) @def
(namespace_use_clause . [(qualified_name) (name)] @import)
(include_expression [(string) (binary_expression right: (string))] @import)
(include_once_expression [(string) (binary_expression right: (string))] @import)
(require_expression [(string) (binary_expression right: (string))] @import)
(require_once_expression [(string) (binary_expression right: (string))] @import)
`,
  maxStartDepth: 6,
  containers: { class_declaration: 'name', interface_declaration: 'name', trait_declaration: 'name', enum_declaration: 'name' },
  functions: set('function_definition', 'method_declaration', 'anonymous_function', 'arrow_function'),
  comments: set('comment'),
  // `define('NAME', ...);`: the comment above the statement documents the constant.
  wrappers: set('expression_statement'),
  preamble: set('declare_statement', 'namespace_definition', 'namespace_use_declaration', 'expression_statement'),
  fileHeader: set('php_tag', 'text'),
  // Methods are public unless marked private or protected; top-level declarations are always visible.
  exported: (def, _name, parent, source) => {
    if (parent === undefined) return def.type === 'namespace_definition' ? undefined : true
    const count = def.childCount
    for (let i = 0; i < count; i++) {
      const child = def.child(i)
      if (child !== null && VISIBILITY.has(child.type)) return nodeText(child, source) === 'public'
    }
    return true
  },
  importSpecifiers: (node, _def, source) => {
    // `use A\B\{C, D\E as F}`: each clause of a group is relative to the prefix before the group.
    const group = node.parent?.parent
    if (group?.type === 'namespace_use_group') {
      const prefix = group.previousNamedSibling
      return [(prefix?.type === 'namespace_name' ? nodeText(prefix, source) + '\\' : '') + nodeText(node, source)]
    }
    const string = node.type === 'binary_expression' ? node.childForFieldName('right') : node
    return string === null ? [] : [nodeText(string, source)]
  }
}
