/**
 * C#: namespaces, classes, interfaces, structs, enums (their members constants of the enum), records, delegates, methods
 * and constructors, properties and events (variables of their type, as members); `using` directives (the target of
 * `using A = B.C`).
 */
import { hasChild, set, type LanguageSpec } from '../language-spec.js'

const MODIFIER = set('modifier')
const PUBLIC = /^public$/

export const csharp: LanguageSpec = {
  query: `
(class_declaration name: (identifier) @class) @def
(interface_declaration name: (identifier) @interface) @def
(struct_declaration name: (identifier) @struct) @def
(enum_declaration name: (identifier) @enum) @def
(enum_member_declaration name: (identifier) @constant) @def
(record_declaration name: (identifier) @class) @def
(method_declaration name: (identifier) @method) @def
(constructor_declaration name: (identifier) @method) @def
(property_declaration name: (identifier) @variable) @def
(event_declaration name: (identifier) @variable) @def
(event_field_declaration (variable_declaration (variable_declarator name: (identifier) @variable))) @def
(namespace_declaration name: (_) @namespace) @def
(file_scoped_namespace_declaration name: (_) @namespace) @def
(using_directive [(identifier) (qualified_name)] @import .)
(delegate_declaration name: (identifier) @type) @def
`,
  maxStartDepth: 12,
  containers: { class_declaration: 'name', interface_declaration: 'name', struct_declaration: 'name', record_declaration: 'name', enum_declaration: 'name' },
  functions: set('method_declaration', 'constructor_declaration', 'local_function_statement', 'lambda_expression'),
  comments: set('comment'),
  preamble: set('using_directive', 'namespace_declaration', 'file_scoped_namespace_declaration'),
  exported: (def, _name, _parent, source) => {
    if (def.type === 'namespace_declaration' || def.type === 'file_scoped_namespace_declaration') return undefined
    // Members of an interface, and those of an enum, are public without saying so.
    if (def.parent?.parent?.type === 'interface_declaration' || def.type === 'enum_member_declaration') return true
    return hasChild(def, MODIFIER, source, PUBLIC)
  }
}
