/**
 * Ruby: modules, classes, methods (instance and singleton, `class << self` ones owned by their class), constants (`FOO = 1`
 * at the top or in a class or module), attributes (`attr_accessor :a, :b`, variables of their class); require and
 * require_relative.
 */
import { set, type LanguageSpec } from '../language-spec.js'

export const ruby: LanguageSpec = {
  query: `
(method name: (_) @function) @def
(singleton_method name: (_) @function) @def
(class name: [(constant) (scope_resolution)] @class) @def
(module name: [(constant) (scope_resolution)] @module) @def
(call method: (identifier) @callee arguments: (argument_list . (string) @import))
(assignment left: (constant) @constant) @def
(assignment left: (left_assignment_list (constant) @constant)) @def
(call !receiver method: (identifier) @_attr (#any-of? @_attr "attr_accessor" "attr_reader" "attr_writer") arguments: (argument_list [(simple_symbol) @variable (string (string_content) @variable)])) @def
`,
  maxStartDepth: 12,
  containers: { class: 'name', module: 'name', singleton_class: 'value' },
  functions: set('method', 'singleton_method', 'lambda'),
  comments: set('comment'),
  wrappers: set('body_statement'),
  preamble: set('call'),
  importCallees: set('require', 'require_relative', 'load', 'autoload'),
  // `attr_reader :name`: the symbol's name is the attribute's.
  symbolName: (text) => text.startsWith(':') ? text.slice(1) : text
}
