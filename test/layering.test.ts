import t from 'tap'
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const configPath = join(root, '.dependency-cruiser.cjs')
const depcruise = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs')

interface Violation {
  rule: { name: string }
  from: string
  to: string
  /** The rest of the circle, or the path by which a pure core reaches a module. */
  cycle?: Array<{ name: string }>
  via?: Array<{ name: string }>
}

/** The rule violations dependency-cruiser finds under `paths`, run from `cwd` with the project's rules. */
async function cruise (cwd: string, paths: string[]): Promise<Violation[]> {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [depcruise, ...paths, '--config', configPath, '--output-type', 'json'],
      { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (err, out) => { if (err !== null && out === '') reject(err); else resolve(out) })
  })
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations
}

const describe = (v: Violation): string => {
  const chain = v.cycle ?? v.via
  return `${v.rule.name}: ${v.from} -> ${v.to}${chain !== undefined ? ` (${chain.map(c => c.name).join(' -> ')})` : ''}`
}

/**
 * Violations known when the layering rules came in, each to be fixed, then deleted from here (the test fails on an
 * entry that no longer occurs, so the list cannot outlive its reason).
 */
const KNOWN_VIOLATIONS: Array<{ rule: string, from: string, to: RegExp, why: string }> = []

t.test('the source tree keeps its layering: no circle, no import up a level, no I/O reached from a pure core', async t => {
  const violations = await cruise(root, ['src', 'sim'])
  const isKnown = (v: Violation): boolean =>
    KNOWN_VIOLATIONS.some(k => k.rule === v.rule.name && k.from === v.from && k.to.test(v.to))
  const unexpected = violations.filter(v => !isKnown(v)).map(describe)
  t.same(unexpected, [], `no violation but the allow-listed ones (rules: .dependency-cruiser.cjs)\n${unexpected.join('\n')}`)
  for (const known of KNOWN_VIOLATIONS) {
    const still = violations.some(v => known.rule === v.rule.name && known.from === v.from && known.to.test(v.to))
    t.ok(still, `allow-listed "${known.why}" still occurs (once it does not, delete it from KNOWN_VIOLATIONS)`)
  }
})

t.test('the rules fire on a tree that breaks each of them, and let the allowed imports through', async t => {
  const dir = t.testdir({
    node_modules: t.fixture('symlink', join(root, 'node_modules')),
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
    src: {
      'errors.ts': 'export const e = 1\n',
      // A base utility that does I/O: fine for it, but a pure core that uses it reaches the file system.
      'text.ts': "import { readFileSync } from 'node:fs'\nexport const read = readFileSync\n",
      election: {
        'election.ts': "import { home } from '../node/home.js'\nimport { e } from '../errors.js'\nexport const x = [home, e]\n",
        'keys.ts': "import { k } from '../crypto/k.js'\nexport const y = k\n"
      },
      distribution: {
        'gossip.ts': "import { setTimeout } from 'node:timers'\nimport Hyperswarm from 'hyperswarm'\nexport const g = [setTimeout, Hyperswarm]\n"
      },
      crypto: { 'k.ts': 'export const k = 1\n' },
      node: { 'home.ts': "import { m } from '../metrics/m.js'\nexport const home = m\n" },
      metrics: { 'm.ts': 'export const m = 1\n' },
      storage: {
        'a.ts': "import { b } from './b.js'\nexport const a = () => b\n",
        'b.ts': "import { a } from './a.js'\nexport const b = () => a\n"
      },
      leader: { 'queue.ts': "import { read } from '../text.js'\nexport const q = read\n" },
      cli: { 'main.ts': "import { t } from '../tui/t.js'\nimport { n } from '../newpart/n.js'\nexport const c = [t, n]\n" },
      tui: { 't.ts': 'export const t = 1\n' },
      newpart: { 'n.ts': 'export const n = 1\n' }
    }
  })
  // The node_modules link resolves to its target, out of the fixture.
  const found = (await cruise(dir, ['src'])).map(v => `${v.rule.name}: ${v.from} -> ${v.to.replace(/^(\.\.\/)+/, '')}`).sort()
  t.same(found, [
    'layer-leaves: src/election/election.ts -> src/node/home.ts',
    'no-circular: src/storage/a.ts -> src/storage/b.ts',
    'no-level: src/cli/main.ts -> src/newpart/n.ts',
    'pure-core-io: src/distribution/gossip.ts -> node_modules/hyperswarm/index.js',
    'pure-core-io: src/distribution/gossip.ts -> timers',
    'pure-core-io: src/leader/queue.ts -> fs',
    'same-level-leaves: src/election/keys.ts -> src/crypto/k.ts'
  ].sort(), 'each broken rule is reported (a circle once); cli -> tui and node -> metrics pass')
})

/** Reads of time, randomness or timers, which are calls of globals and so no import dependency-cruiser could see. */
const CLOCK_READS = [
  'Date.now(', 'new Date()', 'setTimeout(', 'setInterval(', 'setImmediate(', 'Math.random(', 'performance.now(', 'process.hrtime'
]

/** `file:line: text` for each line of `source` that reads the clock or randomness outside a comment. */
function clockReads (file: string, source: string): string[] {
  const found: string[] = []
  let inBlockComment = false
  source.split('\n').forEach((line, i) => {
    let code = line
    if (inBlockComment) {
      const end = code.indexOf('*/')
      if (end === -1) return
      code = code.slice(end + 2)
      inBlockComment = false
    }
    code = code.replace(/\/\*.*?\*\//g, '')
    const open = code.indexOf('/*')
    if (open !== -1) { code = code.slice(0, open); inBlockComment = true }
    code = code.replace(/(^|[^:'"`])\/\/.*$/, '$1')
    if (CLOCK_READS.some(read => code.includes(read))) found.push(`${file}:${i + 1}: ${line.trim()}`)
  })
  return found
}

t.test('the pure cores read no clock, no randomness and set no timer', async t => {
  // The same cores the pure-core-io rule names, so the two checks cannot drift apart.
  const config = createRequire(import.meta.url)(configPath) as { forbidden: Array<{ name: string, from: { path: string[] } }> }
  const cores = config.forbidden.find(rule => rule.name === 'pure-core-io')!.from.path.map(p => new RegExp(p))
  const files = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
    .map(path => relative(root, join(root, 'src', path)).split('\\').join('/'))
    .filter(path => path.endsWith('.ts') && cores.some(core => core.test(path)))
  for (const core of ['src/election/election.ts', 'src/distribution/gossip.ts', 'src/distribution/mesh.ts', 'src/leader/queue.ts', 'src/temporal/graph.ts']) {
    t.ok(files.includes(core), `the scan covers ${core}`)
  }
  const reads = files.flatMap(file => clockReads(file, readFileSync(join(root, file), 'utf8')))
  t.same(reads, [], `pure cores take time and randomness from their driver:\n${reads.join('\n')}`)
})

t.test('the clock scan finds a read in code, and none in a comment', async t => {
  const source = [
    '/** Time is passed in: no Date.now() here. */',
    'export function step (now: number) {',
    '  // setTimeout(() => {}) is the driver\'s job',
    '  const at = Date.now() /* a read */',
    '  /* Math.random()',
    '     setInterval( */ return at + Math.random()',
    '}'
  ].join('\n')
  t.same(clockReads('core.ts', source), [
    'core.ts:4: const at = Date.now() /* a read */',
    'core.ts:6: setInterval( */ return at + Math.random()'
  ])
})
