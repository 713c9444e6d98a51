/** CSS: rule selectors; @import. */
import { set, type LanguageSpec } from '../language-spec.js'

export const css: LanguageSpec = {
  query: `
(rule_set (selectors) @selector) @def
(import_statement (string_value) @import)
(import_statement (call_expression (arguments [(string_value) (plain_value)] @import)))
`,
  maxStartDepth: 4,
  containers: {},
  functions: set(),
  comments: set('comment'),
  preamble: set('import_statement', 'charset_statement')
}
