/** Bash and POSIX shell: functions; `source` and `.` of other scripts. */
import { set, type LanguageSpec } from '../language-spec.js'

export const bash: LanguageSpec = {
  query: `
(function_definition name: (word) @function) @def
(command name: (command_name (word) @callee) . argument: (_) @import)
`,
  maxStartDepth: 5,
  containers: {},
  functions: set('function_definition'),
  comments: set('comment'),
  preamble: set('command', 'variable_assignment', 'declaration_command'),
  importCallees: set('source', '.')
}
