/**
 * Python: functions, classes and methods with their docstrings; module-level assignments to a name (constants when
 * upper case: `MAX_SIZE = 10`, `T = TypeVar('T')`; else variables: `JsonDict: TypeAlias = ...`; not dunders like
 * `__all__`); `import` and `from ... import` (the module, and the names that may be its submodules).
 */
import { nodeText, set, type LanguageSpec } from '../language-spec.js'
import { fromImportSpecifiers, pythonSkeleton } from '../python-skeleton.js'

const UPPER_CASE = /^_?[A-Z][A-Z0-9_]*$/
const DUNDER = /^__\w+__$/

export const python: LanguageSpec = {
  // The definition of a module-level assignment is its statement: their one parent, the module, is looked up once.
  query: `
(function_definition name: (identifier) @function body: (block . (expression_statement (string) @doc)?)) @def
(class_definition name: (identifier) @class body: (block . (expression_statement (string) @doc)?)) @def
(import_statement name: (dotted_name) @import)
(import_statement name: (aliased_import name: (dotted_name) @import))
(import_from_statement module_name: (_) @import) @def
(module (expression_statement (assignment left: (identifier) @variable)) @def)
`,
  maxStartDepth: 12,
  containers: { class_definition: 'name' },
  functions: set('function_definition', 'lambda'),
  comments: set('comment'),
  moduleDocstring: true,
  // A module's variables: `MAX_SIZE` is a constant by convention; `__all__`, `__version__` and the like are no symbols.
  symbolKind: (kind, name) => kind !== 'variable' ? kind : DUNDER.test(name) ? undefined : UPPER_CASE.test(name) ? 'constant' : kind,
  skeleton: pythonSkeleton,
  // By convention a leading underscore marks a name as private to its module or class; `__init__` and the like are public.
  exported: (_def, name) => !name.startsWith('_') || DUNDER.test(name),
  importSpecifiers: (node, def, source) => {
    const text = nodeText(node, source)
    if (def === undefined) return [text]
    const names: string[] = []
    for (const child of def.childrenForFieldName('name')) {
      if (child === null) continue
      const target = child.type === 'aliased_import' ? child.childForFieldName('name') : child
      if (target !== null) names.push(nodeText(target, source))
    }
    return fromImportSpecifiers(text, names)
  }
}
