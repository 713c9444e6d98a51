/** Ruby: modules, classes, methods (instance and singleton, `class << self` ones owned by their class); require and require_relative. */
import { set, type LanguageSpec } from '../language-spec.js'

export const ruby: LanguageSpec = {
  query: `
(method name: (_) @function) @def
(singleton_method name: (_) @function) @def
(class name: [(constant) (scope_resolution)] @class) @def
(module name: [(constant) (scope_resolution)] @module) @def
(call method: (identifier) @callee arguments: (argument_list . (string) @import))
`,
  maxStartDepth: 12,
  containers: { class: 'name', module: 'name', singleton_class: 'value' },
  functions: set('method', 'singleton_method', 'lambda'),
  comments: set('comment'),
  wrappers: set('body_statement'),
  preamble: set('call'),
  importCallees: set('require', 'require_relative', 'load', 'autoload')
}
