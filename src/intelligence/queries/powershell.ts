/** PowerShell: functions, classes, class methods, enums; Import-Module, `using module` and dot-sourcing. */
import { nodeText, set, type LanguageSpec } from '../language-spec.js'

export const powershell: LanguageSpec = {
  query: `
(function_statement (function_name) @function) @def
(class_statement . (simple_name) @class) @def
(class_method_definition (simple_name) @method) @def
(enum_statement (simple_name) @enum) @def
(command command_name: (command_name) @callee command_elements: (command_elements (generic_token) @import))
(command (command_invokation_operator) @callee command_name: (command_name_expr (command_name) @import))
`,
  maxStartDepth: 7,
  containers: { class_statement: 'simple_name' },
  functions: set('function_statement', 'class_method_definition', 'script_block_expression'),
  comments: set('comment'),
  preamble: set('statement_list', 'param_block'),
  importCallees: set('import-module', 'using', '.'),
  // `function global:deactivate` defines `deactivate` in the global scope.
  symbolName: (text) => text.replace(/^(?:global|script|local|private):/i, ''),
  importSpecifiers: (node, _def, source) => {
    const text = nodeText(node, source)
    // `using module X`: the keyword after `using` says what kind of thing X is; flags are not modules.
    if (/^(module|namespace|assembly)$/i.test(text) || text.startsWith('-')) return []
    return [text]
  }
}
