// What the executable loads to start: the bundled CLI, and no heavy module a command does not use. A real process
// with a preload that records every module it loads: ES modules through a resolve hook, CommonJS through require.
import t from 'tap'
import { spawn } from 'node:child_process'
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { BIN, cliProcess, tempHome } from '../helpers/cli.js'
import { scratchDir } from '../helpers/scratch.js'
import { PACKAGE_ROOT } from '../../src/paths.js'

const dir = scratchDir('bzzz-startup-')
const hooks = join(dir, 'hooks.mjs')
const preload = join(dir, 'preload.mjs')
// The hooks run on a thread of their own: each resolved URL is appended to the log named in the environment.
writeFileSync(hooks, `import { appendFileSync } from 'node:fs'
export async function resolve (specifier, context, next) {
  const result = await next(specifier, context)
  appendFileSync(process.env.BZZZ_TEST_MODULE_LOG, 'esm ' + result.url + '\\n')
  return result
}
`)
writeFileSync(preload, `import { register, createRequire } from 'node:module'
import { appendFileSync } from 'node:fs'
register(${JSON.stringify('file://' + hooks)})
const Module = createRequire(import.meta.url)('node:module')
const load = Module._load
Module._load = function (request, parent, isMain) {
  const loaded = load.apply(this, arguments)
  try { appendFileSync(process.env.BZZZ_TEST_MODULE_LOG, 'cjs ' + Module._resolveFilename(request, parent, isMain) + '\\n') } catch {}
  return loaded
}
`)

let runs = 0
/** Runs bzzz-ctx with the preload; returns its exit code and the modules it loaded (file paths and URLs). */
async function modulesOf (args: string[], env: Record<string, string> = {}): Promise<{ code: number, stderr: string, modules: string[] }> {
  const log = join(dir, `modules-${runs++}.log`)
  writeFileSync(log, '')
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'file://' + preload, BIN, ...args], { env: { ...process.env, ...env, BZZZ_TEST_MODULE_LOG: log }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`bzzz-ctx ${args.join(' ')} timed out`)) }, 60_000)
    child.on('error', reject)
    child.on('close', code => {
      clearTimeout(timer)
      resolve({ code: code ?? -1, stderr, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) })
    })
  })
}

const HEAVY = ['hypercore', 'corestore', 'sodium-native', 'rocksdb-native', 'hyperswarm', 'hyperdht', 'web-tree-sitter', '@vscode/tree-sitter-wasm', 'cli-table3']
/**
 * The packages a run loaded: those loaded from node_modules, and those bundled into a chunk of dist/cli it loaded
 * (scripts/bundle.mjs bundles the CommonJS packages that need no file of their own; esbuild heads each module's code
 * with its path, `// node_modules/hypercore/index.js`).
 */
const packagesIn = (modules: string[]): Set<string> => {
  const found = new Set<string>()
  for (const m of modules) {
    const external = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(m)?.[1]
    if (external !== undefined) found.add(external)
    const chunk = /\/dist\/cli\/([^/]+\.js)$/.exec(m)?.[1]
    if (chunk === undefined) continue
    const text = readFileSync(join(dirname(BIN), '..', 'dist', 'cli', chunk), 'utf8')
    for (const [, name] of text.matchAll(/^\/\/ node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)) found.add(name!)
  }
  return found
}
const ownModules = (modules: string[], under: string): number => new Set(modules.filter(m => m.includes(under))).size

t.test('--help runs the bundled CLI and loads none of the heavy packages', async t => {
  const run = await modulesOf(['--help'])
  t.equal(run.code, 0, run.stderr)
  t.ok(run.modules.some(m => m.endsWith('/dist/cli/main.js')), 'the launcher runs the bundle')
  t.equal(ownModules(run.modules, '/dist/src/'), 0, 'no module of dist/src is loaded one by one')
  const packages = packagesIn(run.modules)
  t.ok(packages.has('commander'), 'the record sees packages (commander parses the arguments)')
  for (const heavy of HEAVY) t.notOk(packages.has(heavy), `--help does not load ${heavy}`)
})

t.test('a local retrieve --json opens the store but loads no parser and no table; a table loads cli-table3', async t => {
  const home = tempHome()
  const env = { BZZZ_HOME: home }
  const init = await cliProcess(['init', '--cluster', 'startup', '--role', 'admin', '--project', 'p'], env)
  t.equal(init.code, 0, init.stderr)
  const json = await modulesOf(['retrieve', 'ucxl://p/src/none.go', '--role', 'developer', '--json'], env)
  t.equal(json.code, 4, json.stderr)
  const loaded = packagesIn(json.modules)
  for (const used of ['hypercore', 'corestore', 'sodium-native']) t.ok(loaded.has(used), `retrieve loads ${used}`)
  for (const unused of ['web-tree-sitter', '@vscode/tree-sitter-wasm', 'hyperswarm', 'cli-table3']) t.notOk(loaded.has(unused), `retrieve --json does not load ${unused}`)
  const status = await modulesOf(['status'], env)
  t.equal(status.code, 0, status.stderr)
  t.ok(packagesIn(status.modules).has('cli-table3'), 'a table loads cli-table3 when it prints')
})

t.test('a generate with nothing changed loads no store: the view hash it needs is the one its last writer stamped', async t => {
  const home = tempHome()
  const env = { BZZZ_HOME: home }
  const repo = join(scratchDir('bzzz-startup-repo-'), 'mixed')
  cpSync(join(PACKAGE_ROOT, 'fixtures', 'repos', 'mixed'), repo, { recursive: true })
  t.equal((await cliProcess(['init', '--cluster', 'startup', '--role', 'admin', '--project', 'p'], env)).code, 0)
  const first = await modulesOf(['generate', repo], env)
  t.equal(first.code, 0, first.stderr)
  t.ok(packagesIn(first.modules).has('corestore'), 'the first run writes: it opens the store')
  const again = await modulesOf(['generate', repo], env)
  t.equal(again.code, 0, again.stderr)
  const loaded = packagesIn(again.modules)
  t.ok(loaded.has('sodium-native'), 'the keys and the sealed analysis cache are read')
  for (const unused of ['hypercore', 'corestore', 'rocksdb-native', 'hyperswarm']) t.notOk(loaded.has(unused), `nothing changed: no ${unused}`)
})

/**
 * The bundle's chunks and their imports: static (`from "./x.js"`, `import "x"`, and `require("x")`: scripts/bundle.mjs
 * loads a CommonJS package with require, called as the chunk is evaluated) and dynamic (`import("./x.js")`).
 */
function bundleGraph (): Map<string, { text: string, statics: string[], dynamics: string[] }> {
  const out = join(dirname(BIN), '..', 'dist', 'cli')
  const graph = new Map<string, { text: string, statics: string[], dynamics: string[] }>()
  for (const file of readdirSync(out).filter(f => f.endsWith('.js'))) {
    const text = readFileSync(join(out, file), 'utf8')
    const statics = [...text.matchAll(/(?:from|import)\s+"([^"]+)"|require\("([^"]+)"\)/g)].map(m => (m[1] ?? m[2])!)
    const dynamics = [...text.matchAll(/import\("([^"]+)"\)/g)].map(m => m[1]!)
    graph.set(file, { text, statics, dynamics })
  }
  return graph
}

t.test('no command but tui and sim --tui loads ink or react: the bundle reaches them through their dynamic imports only', async t => {
  const graph = bundleGraph()
  const chunk = (spec: string): string | null => spec.startsWith('./') ? spec.slice(2) : null
  /** Whether a chunk, with what it imports statically, loads ink or react. */
  const loadsInk = (file: string, seen = new Set<string>()): boolean => {
    if (seen.has(file)) return false
    seen.add(file)
    const node = graph.get(file)
    if (node === undefined) return false
    return node.statics.some(spec => /^(ink|react)(\/|$)/.test(spec) || (chunk(spec) !== null && loadsInk(chunk(spec)!, seen)))
  }
  t.notOk(loadsInk('main.js'), 'the CLI\'s start (every command\'s parsing and actions) loads neither')
  const inkTargets = new Set<string>()
  const importers: string[] = []
  for (const [file, node] of graph) {
    for (const spec of node.dynamics) {
      const target = chunk(spec)
      if (target !== null && loadsInk(target)) { inkTargets.add(target); importers.push(file) }
    }
  }
  t.equal(inkTargets.size, 1, `one chunk that loads them is imported dynamically: ${[...inkTargets].join(', ')}`)
  const [target] = [...inkTargets]
  t.match(graph.get(target!)?.text ?? '', /async function runTui\b/, 'and it is the TUI\'s run module')
  t.match(graph.get(target!)?.text ?? '', /async function runSimTui\b/, 'which also runs sim --tui')
  t.same(importers, ['main.js'], 'imported once, from the CLI (loadTui, which hides CI from Ink while it loads)')
  const command = graph.get('main.js')!.text
  // esbuild keeps each module's path as a comment above its code: the import is in the TUI's loader, which the tui and
  // sim commands' modules call.
  // (A module's code may come in more than one section: esbuild places the modules it imports between them.)
  const moduleOf = (path: string): string => command.split(/\n(?=\/\/ dist\/)/).filter(section => section.startsWith(`// ${path}\n`)).join('\n')
  t.ok(moduleOf('dist/src/tui/load.js').includes(`import("./${target!}")`), 'inside the TUI\'s loader')
  for (const name of ['tui', 'sim']) t.ok(moduleOf(`dist/src/cli/commands/${name}.js`).includes('loadTui('), `which the ${name} command's module calls`)
})

t.test('--help, retrieve and status load no ink and no react', async t => {
  const home = tempHome()
  const env = { BZZZ_HOME: home }
  t.equal((await cliProcess(['init', '--cluster', 'startup', '--role', 'admin', '--project', 'p'], env)).code, 0)
  for (const args of [['--help'], ['retrieve', 'ucxl://p/src/none.go', '--json'], ['status'], ['tui', '--help'], ['sim', '--help']]) {
    const run = await modulesOf(args, env)
    const loaded = packagesIn(run.modules)
    t.ok(loaded.has('commander'), `${args.join(' ')} ran (${run.code})`)
    t.notOk(loaded.has('ink') || loaded.has('react'), `${args.join(' ')} loads neither ink nor react`)
  }
})
