// Whether a CommonJS file still works in strict mode, as it must once bundled (scripts/bundle.mjs): esbuild puts a
// bundled CommonJS module inside an ES module, which is strict, where Node runs it sloppy.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { parse } from 'acorn'
import { full } from 'acorn-walk'

/** True when `file` is CommonJS: .cjs, or .js in a package that is not "type": "module". */
export function isCommonJs (file) {
  if (file.endsWith('.cjs')) return true
  if (file.endsWith('.mjs') || !file.endsWith('.js')) return false
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const path = join(dir, 'package.json')
    if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')).type !== 'module'
  }
  return true
}

/** Names a CommonJS module may assign without declaring them (its own bindings, and globals meant to be set). */
const MODULE_BINDINGS = new Set(['module', 'exports', 'require', 'globalThis', 'global', 'self', 'window', 'process'])

/** The names a pattern (`a`, `{ a, b: [c] }`, `...d`, `e = 1`) declares. */
function patternNames (pattern, into) {
  if (pattern == null) return
  if (pattern.type === 'Identifier') into.add(pattern.name)
  else if (pattern.type === 'ObjectPattern') for (const p of pattern.properties) patternNames(p.type === 'RestElement' ? p.argument : p.value, into)
  else if (pattern.type === 'ArrayPattern') for (const p of pattern.elements) patternNames(p, into)
  else if (pattern.type === 'RestElement') patternNames(pattern.argument, into)
  else if (pattern.type === 'AssignmentPattern') patternNames(pattern.left, into)
}

/**
 * What in a CommonJS file breaks in strict mode, or null. A bundled module runs inside an ES module, which is strict,
 * where Node runs it sloppy: syntax only sloppy mode allows fails to load, and an assignment to a name declared
 * nowhere (an accidental global) throws a ReferenceError where it used to create a global. bintrees 1.0.2 has one
 * (`ret = true` in BinTree's insert). The check is by name over the whole file, so it can miss one (a name declared in
 * another scope of the same file), never invent one. Strict mode's other changes (`this` in a plain call, a write
 * to a read-only property) are not checked.
 */
export function strictProblem (file) {
  const text = readFileSync(file, 'utf8')
  const at = { ecmaVersion: 'latest', sourceType: 'script', allowHashBang: true, allowReturnOutsideFunction: true }
  let tree
  try {
    tree = parse(text, at)
    parse(`'use strict';${text.startsWith('#!') ? `//${text}` : text}`, at)
  } catch (err) {
    return `${err.message} in strict mode`
  }
  const declared = new Set()
  full(tree, node => {
    if (node.type === 'VariableDeclarator') patternNames(node.id, declared)
    else if (node.type === 'CatchClause') patternNames(node.param, declared)
    else if (/Function|Class/.test(node.type)) {
      if (node.id != null) declared.add(node.id.name)
      for (const param of node.params ?? []) patternNames(param, declared)
    }
  })
  let problem = null
  full(tree, node => {
    const target = node.type === 'AssignmentExpression' ? node.left : node.type === 'UpdateExpression' ? node.argument : null
    if (problem !== null || target?.type !== 'Identifier' || declared.has(target.name) || MODULE_BINDINGS.has(target.name)) return
    problem = `assigns \`${target.name}\`, declared nowhere, at line ${text.slice(0, target.start).split('\n').length}`
  })
  return problem
}
