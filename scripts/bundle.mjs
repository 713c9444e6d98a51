// Bundles the CLI (dist/src/cli/main.js, compiled by tsc) into dist/cli: one entry and chunks loaded on demand.
//
// What a start of the CLI spends, and what this does about it:
// - A CommonJS package that ESM code imports costs Node a parse of its source (cjs-module-lexer, to find its named
//   exports) and ESM resolution on every start; loaded with `require` it costs neither. So each bare import that stays
//   a package of its own and resolves to CommonJS is turned into a `require` made with createRequire (about 45 ms of
//   CPU, the Holepunch stack, sodium-native and commander being CommonJS). ESM-only packages stay imports.
// - Loading a CommonJS package from node_modules costs a resolution per file (stats, package.json reads, realpaths):
//   the Holepunch stack alone is 130 files, a third of the 70 ms that loading corestore took. So a CommonJS package is
//   bundled, with what it requires by the same rule, unless it must be loaded from its own folder (`selfLocating`: a
//   native addon, or code that finds files beside itself) or is a peer dependency, which must have one copy (React,
//   which ink loads from node_modules), or would break in strict mode (`strictUnsafe`: a bundled module runs inside
//   an ES module, so strict, where Node runs CommonJS sloppy). About 25 ms off every start that opens the store.
//
// A package that stays external is required at run time from dist/cli, that is as this package's own dependency. So
// each one a bundled package requires must be named in package.json's dependencies (npm then puts it where this
// package finds it), and must resolve from here to the very file it resolves to from its requirer now; the build
// fails otherwise, naming what to add.
import { build } from 'esbuild'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire, isBuiltin } from 'node:module'
import { dirname, join, resolve, sep } from 'node:path'
import { isCommonJs, strictProblem } from './strict-mode.mjs'

const root = resolve(dirname(new URL(import.meta.url).pathname), '..')
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const requireHere = createRequire(join(root, 'package.json'))

/** The folder of the package that holds `file` (the nearest package.json with a name). */
function packageRootOf (file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const path = join(dir, 'package.json')
    if (existsSync(path) && JSON.parse(readFileSync(path, 'utf8')).name !== undefined) return dir
  }
  return null
}

/** Files of a package that run (not its tests, benchmarks, examples or build scripts), for `selfLocating`. */
function * runtimeFiles (dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!/^(node_modules|test|tests|bench|benchmarks?|examples?|build-scripts|scripts|prebuilds|docs?)$/.test(entry.name)) yield * runtimeFiles(join(dir, entry.name))
    } else if (/\.c?js$/.test(entry.name)) {
      yield join(dir, entry.name)
    }
  }
}

/**
 * True when a package must be loaded from its own folder: it has a native addon (built by CMake or node-gyp), or its
 * code finds files or modules relative to itself (`__dirname`, `__filename`, `require.resolve`, `require.addon`), which
 * a bundle would move.
 */
const locating = new Map()
function selfLocating (dir) {
  let located = locating.get(dir)
  if (located === undefined) {
    located = existsSync(join(dir, 'CMakeLists.txt')) || existsSync(join(dir, 'binding.gyp')) ||
      [...runtimeFiles(dir)].some(file => /__dirname|__filename|require\.(resolve|addon)\b/.test(readFileSync(file, 'utf8')))
    locating.set(dir, located)
  }
  return located
}

/**
 * Packages with a bundled file that would break in strict mode (folder: `file: what`), found as the build loads them:
 * the next build leaves them external.
 */
const strictUnsafe = new Map()
const strictChecked = new Map()
/** Records `file`'s strict-mode problem (once per file) against its package; true when it has one not known before. */
function checkStrict (file) {
  if (strictChecked.has(file)) return false
  const problem = strictProblem(file)
  strictChecked.set(file, problem)
  const dir = packageRootOf(file)
  if (problem === null || dir === null || strictUnsafe.has(dir)) return false
  strictUnsafe.set(dir, `${file.slice(dir.length + 1)}: ${problem}`)
  return true
}

/** The package a bare specifier names (`@scope/name/sub` gives `@scope/name`). */
function packageName (specifier) {
  return specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/')
}

const inNodeModules = `${sep}node_modules${sep}`
/** Externals that bundled packages require: checked once the build is done. */
const fromBundled = new Map()
/** The folders of the packages left external (loaded from node_modules at run time). */
const externalDirs = new Set()
/**
 * The peer dependencies of the external packages (react, for ink): one copy must serve both an external package and
 * the bundle (React keeps its hooks in its module's state), so they stay external too. Found by building until the
 * set no longer grows.
 */
const shared = new Set()
/** Packages found strict-unsafe during the current build (see checkStrict). */
let newlyUnsafe = 0

/** The peer dependencies that the external packages found so far name and `shared` lacks. */
function newPeers () {
  const peers = new Set()
  for (const dir of externalDirs) {
    for (const name of Object.keys(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).peerDependencies ?? {})) {
      if (!shared.has(name)) peers.add(name)
    }
  }
  return peers
}

const packages = {
  name: 'packages',
  setup (b) {
    b.onResolve({ filter: /^[^./]/ }, args => {
      if (args.namespace === 'require-commonjs' || args.path.startsWith('node:') || isBuiltin(args.path)) return { path: args.path, external: true }
      const importer = args.importer !== '' ? args.importer : join(root, 'package.json')
      let file
      try {
        file = createRequire(importer).resolve(args.path)
      } catch {
        // Not installed here (an optional dependency, or another runtime's): left to fail, or not, where it runs.
        return { path: args.path, external: true }
      }
      const cjs = isCommonJs(file)
      const dir = packageRootOf(file)
      if (cjs && dir !== null && !selfLocating(dir) && !strictUnsafe.has(dir) && !shared.has(packageName(args.path))) return undefined
      if (dir !== null) externalDirs.add(dir)
      if (importer.includes(inNodeModules)) fromBundled.set(`${args.path}\0${importer}`, { specifier: args.path, importer, file })
      return cjs ? { path: args.path, namespace: 'require-commonjs' } : { path: args.path, external: true }
    })
    b.onLoad({ filter: /\.c?js$/ }, args => {
      if (args.path.includes(inNodeModules) && isCommonJs(args.path) && checkStrict(args.path)) newlyUnsafe++
      return undefined
    })
    b.onLoad({ filter: /.*/, namespace: 'require-commonjs' }, args => ({ contents: `module.exports = require(${JSON.stringify(args.path)})`, loader: 'js' }))
  }
}

const options = {
  entryPoints: [join(root, 'dist/src/cli/main.js')],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: join(root, 'dist/cli'),
  logLevel: 'warning',
  plugins: [packages],
  // Every chunk's `require` (esbuild's __require uses it): resolved from the chunk, so from the package's node_modules.
  banner: { js: "import { createRequire as __bzzzCreateRequire } from 'node:module'; const require = __bzzzCreateRequire(import.meta.url);" }
}
for (;;) {
  fromBundled.clear()
  externalDirs.clear()
  newlyUnsafe = 0
  await build({ ...options, write: false })
  const peers = newPeers()
  if (peers.size === 0 && newlyUnsafe === 0) break
  for (const name of peers) shared.add(name)
}

rmSync(join(root, 'dist/cli'), { recursive: true, force: true })
await build(options)

const problems = []
for (const { specifier, importer, file } of fromBundled.values()) {
  const name = packageName(specifier)
  const byDir = packageRootOf(importer)
  const by = byDir?.split(inNodeModules).at(-1) ?? importer
  const byManifest = byDir === null ? {} : JSON.parse(readFileSync(join(byDir, 'package.json'), 'utf8'))
  // As the requirer has it: an optional dependency (a native addon with a JavaScript fallback) stays optional here.
  const kind = byManifest.optionalDependencies?.[name] !== undefined ? 'optionalDependencies' : 'dependencies'
  const asked = byManifest[kind]?.[name]
  let here = null
  try { here = requireHere.resolve(specifier) } catch {}
  if (manifest.dependencies?.[name] === undefined && manifest.optionalDependencies?.[name] === undefined) {
    const why = strictUnsafe.get(packageRootOf(file) ?? '')
    problems.push(`${name}, which the bundled ${by} requires, is not in package.json: add it to ${kind}${asked !== undefined ? ` (${by} asks for ${asked})` : ''}` +
      (why !== undefined ? `; it stays external because it would break in strict mode (${why})` : ''))
  } else if (here !== file) {
    problems.push(`${specifier} resolves to ${here ?? 'nothing'} from this package but to ${file} from the bundled ${by}: align the version in package.json with ${by}'s`)
  }
}
const distinct = [...new Set(problems)]
if (distinct.length > 0) {
  rmSync(join(root, 'dist/cli'), { recursive: true, force: true })
  process.stderr.write(`bundle: ${distinct.length} external package(s) would not load as they do here:\n${distinct.map(p => `  ${p}\n`).join('')}`)
  process.exit(1)
}
