// A CommonJS package bundled into dist/cli runs in strict mode (esbuild puts it inside an ES module) where Node runs it
// sloppy; scripts/bundle.mjs leaves external a package one of whose bundled files would break so (strict-mode.mjs).
import t from 'tap'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { scratchDir } from '../helpers/scratch.js'

const { isCommonJs, strictProblem } = await import(pathToFileURL(join(PACKAGE_ROOT, 'scripts', 'strict-mode.mjs')).href) as {
  isCommonJs: (file: string) => boolean, strictProblem: (file: string) => string | null
}

t.test('strictProblem: what breaks in strict mode, and what does not', async t => {
  const dir = scratchDir('bzzz-strict-')
  const problemOf = (text: string): string | null => {
    const file = join(dir, `f${Math.random().toString(36).slice(2)}.js`)
    writeFileSync(file, text)
    return strictProblem(file)
  }
  t.match(problemOf('function insert () { ret = true; return 1 }\nmodule.exports = insert\n'), /assigns `ret`, declared nowhere, at line 1/, 'an accidental global')
  t.match(problemOf('for (i = 0; i < 2; i++) {}\n'), /assigns `i`/, 'a loop over an undeclared counter')
  t.match(problemOf('with (Math) { module.exports = PI }\n'), /strict mode/, '`with`')
  t.match(problemOf('module.exports = 017\n'), /strict mode/, 'a legacy octal literal')
  t.match(problemOf('function f (a, a) { return a }\n'), /strict mode/, 'a repeated parameter')
  t.equal(problemOf('var ret\nfunction insert () { ret = true }\nexports.insert = insert\nmodule.exports.n = 1\n'), null, 'a name declared in the file')
  t.equal(problemOf('#!/usr/bin/env node\nconst { a, b: [c], ...d } = require("x")\nlet e\ne = a + c\nd.x = 1\ntry {} catch ({ message }) { message = "" }\n'), null, 'patterns, a hashbang, members')
  t.equal(problemOf('class A { m (x = 1) { x++ } }\nconst f = (y) => { y = 2 }\nglobalThis.z = 1\nmodule.exports = { A, f }\n'), null, 'parameters of methods and arrows')
})

t.test('bintrees, which breaks in strict mode, is not bundled; every CommonJS module bundled passes', { skip: existsSync(join(PACKAGE_ROOT, 'dist', 'cli')) ? false : 'the CLI is not built' }, async t => {
  t.match(strictProblem(join(PACKAGE_ROOT, 'node_modules', 'bintrees', 'lib', 'bintree.js')), /assigns `ret`/, 'bintrees 1.0.2 assigns an undeclared `ret`')
  const bundled = new Set<string>()
  for (const chunk of readdirSync(join(PACKAGE_ROOT, 'dist', 'cli')).filter(f => f.endsWith('.js'))) {
    for (const [, file] of readFileSync(join(PACKAGE_ROOT, 'dist', 'cli', chunk), 'utf8').matchAll(/^\/\/ (node_modules\/\S+\.c?js)$/gm)) bundled.add(file!)
  }
  t.ok([...bundled].some(f => f.startsWith('node_modules/hypercore/')), 'the bundle holds the Holepunch stack')
  t.notOk([...bundled].some(f => f.startsWith('node_modules/bintrees/')), 'and not bintrees')
  const failing = [...bundled].map(f => join(PACKAGE_ROOT, f)).filter(isCommonJs).map(f => [f, strictProblem(f)]).filter(([, p]) => p !== null)
  t.same(failing, [], `none of the ${bundled.size} bundled modules breaks in strict mode`)
})
