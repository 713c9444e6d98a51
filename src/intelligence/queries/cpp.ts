/**
 * C and C++: functions (and `A::f` definitions as methods of A), prototypes, classes, structs, unions, enums (the
 * enumerators of a named or typedef'd one constants of the enum), namespaces, typedefs, `#define`d constants (not
 * include guards, which define no value) and function-like macros; includes. A prototype's name must be a plain or
 * qualified name: `int (*handler)(int);` declares a variable. Export macros in a class head (`class Q_CORE_EXPORT
 * QObject`) are blanked before the parse.
 */
import { hasChild, nodeText, set, type LanguageSpec } from '../language-spec.js'

const STORAGE = set('storage_class_specifier')
const STATIC = /^static$/

/**
 * Export and visibility macros between a class key and the name (`class Q_CORE_EXPORT QObject : public X {`,
 * `struct LLVM_LIBRARY_VISIBILITY Foo {`, `class DECL(x) A B final {`): upper-case words, perhaps with arguments,
 * before a name that a body, a base clause or `final` follows. The grammar cannot know them for macros: it reads the
 * first for the name, then a declaration or a function named like the class, and loses the class and its members.
 * Arguments and template arguments are bounded so that no text is scanned more than a few hundred characters per class key.
 */
const CLASS_MACROS = /\b(?:class|struct|union)\s+((?:[A-Z_][A-Z0-9_]+(?:\s*\([^()\n]{0,200}\))?\s+)+)(?=(?!final\b)[A-Za-z_]\w*\s*(?:<[^;{}()\n]{0,200}>\s*)?(?:final\b\s*)?(?:\{|:(?!:)))/g
const NOT_NEWLINE = /[^\r\n]/g

/** The source with the export macros of class heads blanked, every other character in its place. */
export function blankClassMacros (source: string): string {
  return source.replace(CLASS_MACROS, (head: string, macros: string) => head.slice(0, head.length - macros.length) + macros.replace(NOT_NEWLINE, ' '))
}

export const cpp: LanguageSpec = {
  query: `
(function_definition declarator: (function_declarator declarator: (_) @function)) @def
(function_definition declarator: (pointer_declarator declarator: (function_declarator declarator: (_) @function))) @def
(function_definition declarator: (reference_declarator (function_declarator declarator: (_) @function))) @def
(field_declaration declarator: (function_declarator declarator: [(field_identifier) (operator_name)] @method)) @def
(field_declaration declarator: (pointer_declarator declarator: (function_declarator declarator: (field_identifier) @method))) @def
(field_declaration declarator: (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (field_identifier) @method)))) @def
(field_declaration declarator: (reference_declarator (function_declarator declarator: [(field_identifier) (operator_name)] @method))) @def
(class_specifier name: (type_identifier) @class body: (_)) @def
(struct_specifier name: (type_identifier) @struct body: (_)) @def
(union_specifier name: (type_identifier) @struct body: (_)) @def
(enum_specifier name: (type_identifier) @enum body: (_)) @def
(enum_specifier name: (_) body: (enumerator_list (enumerator name: (identifier) @constant) @def))
(type_definition type: (enum_specifier !name body: (enumerator_list (enumerator name: (identifier) @constant) @def)))
(namespace_definition name: (_) @namespace) @def
(type_definition declarator: (type_identifier) @type) @def
(alias_declaration name: (type_identifier) @type) @def
(declaration declarator: (function_declarator declarator: [(identifier) (qualified_identifier) (operator_name)] @function)) @def
(declaration declarator: (pointer_declarator declarator: (function_declarator declarator: [(identifier) (qualified_identifier)] @function))) @def
(declaration declarator: (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @function)))) @def
(preproc_def name: (identifier) @constant value: (_)) @def
(preproc_function_def name: (identifier) @function) @def
(preproc_include path: (_) @import)
`,
  maxStartDepth: 13,
  prepare: blankClassMacros,
  containers: { class_specifier: 'name', struct_specifier: 'name', union_specifier: 'name', enum_specifier: 'name' },
  functions: set('function_definition', 'lambda_expression'),
  comments: set('comment'),
  wrappers: set('template_declaration'),
  preamble: set('preproc_include', 'preproc_ifdef', 'preproc_def', 'preproc_if', 'using_declaration', 'namespace_definition', 'linkage_specification'),
  // `static` gives a C/C++ function internal linkage; everything else at file level links from outside.
  exported: (def, _name, parent, source) => {
    if (def.type !== 'function_definition' || parent !== undefined) return undefined
    return !hasChild(def, STORAGE, source, STATIC)
  },
  methodParent: (def, source) => {
    // `double geo::Shape::area() const {...}`: the scope just before the name owns the method.
    const declarator = def.childForFieldName('declarator')
    const text = declarator === null ? '' : nodeText(declarator, source)
    const match = /([A-Za-z_~][\w]*)(?:<[^()]*>)?::(?:~?[A-Za-z_]\w*|operator\W+)\s*\(/.exec(text)
    return match?.[1]
  }
}

export const c: LanguageSpec = cpp
