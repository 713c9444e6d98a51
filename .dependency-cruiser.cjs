/**
 * The layering the code keeps, checked by `npm run lint:deps` and by test/layering.test.ts (so by `npm test`).
 * Each level may import its own level and those below it, never one above; a new folder under src/ needs a level here.
 */

/** Lowest first. Each entry is one level: the folders (or base files) that live on it. */
const LEVELS = [
  { name: 'base', paths: ['src/errors.ts', 'src/text.ts', 'src/lru.ts', 'src/settle.ts', 'src/paths.ts', 'src/clock.ts', 'src/file-kind.ts'] },
  { name: 'leaves', paths: ['src/ucxl/', 'src/crypto/', 'src/distribution/', 'src/election/'] },
  { name: 'context-net', paths: ['src/context/', 'src/net/'] },
  { name: 'storage', paths: ['src/storage/'] },
  { name: 'intelligence-temporal', paths: ['src/intelligence/', 'src/temporal/'] },
  { name: 'leader-audit', paths: ['src/leader/', 'src/audit/'] },
  { name: 'node-metrics', paths: ['src/node/', 'src/metrics/'] },
  { name: 'agents', paths: ['src/agents/'] },
  { name: 'sim', paths: ['sim/'] },
  { name: 'interfaces', paths: ['src/cli/', 'src/tui/', 'src/mcp/'] }
]

/**
 * Folders of one level are independent of each other, except in these directions (never back, so no circle can
 * form between them): the leader records what it did in the audit log, the node feeds the metrics registry, and
 * the CLI starts the TUI and the MCP server.
 */
const SAME_LEVEL_ALLOWED = [
  ['src/leader/', 'src/audit/'],
  ['src/node/', 'src/metrics/'],
  ['src/cli/', 'src/tui/'],
  ['src/cli/', 'src/mcp/']
]

/**
 * The pure cores (STYLE.md): state machines that do no I/O and read no time. Calls of the globals (Date.now(),
 * setTimeout(), Math.random()) are no imports: test/layering.test.ts scans these files for them. Every file of
 * src/distribution/ is one: the gossip of heads, the acknowledgements, the partial mesh (mesh.ts), and their helpers.
 */
const PURE_CORES = ['^src/election/', '^src/distribution/', '^src/leader/queue[.]ts$', '^src/temporal/graph[.]ts$']

/** Modules that reach the file system, the network, timers, other threads or processes, or the cluster stack. */
const IO_MODULES = [
  '^(node:)?(fs|fs/promises|net|http|https|http2|dgram|dns|tls|timers|timers/promises|worker_threads|child_process)$',
  '^(node:)?(cluster|readline|os|inspector|perf_hooks|process)$',
  '(^|/)node_modules/(hyperswarm|hyperdht|corestore|hypercore|hypercore-storage|hyperbee|protomux)/',
  '(^|/)node_modules/(rocksdb-native|sodium-native|udx-native|@hyperswarm/[^/]+)/'
]

const regexOf = path => '^' + path.replace(/[.]/g, '[.]') + (path.endsWith('/') ? '' : '$')
const levelRegexes = LEVELS.map(level => level.paths.map(regexOf))
const allLevels = levelRegexes.flat()
const SOURCE = '^(src|sim)/'
const EXEMPT = '^src/types/'

const upward = LEVELS.slice(0, -1).map((level, i) => ({
  name: `layer-${level.name}`,
  severity: 'error',
  comment: `${level.paths.join(', ')} may not import a level above it (${LEVELS.slice(i + 1).map(l => l.name).join(' < ')})`,
  from: { path: levelRegexes[i] },
  to: { path: levelRegexes.slice(i + 1).flat() }
}))

const sameLevel = LEVELS.filter(level => level.paths.length > 1 && level.paths.every(p => p.endsWith('/'))).flatMap(level =>
  level.paths.map(from => {
    const allowed = SAME_LEVEL_ALLOWED.filter(([a]) => a === from).map(([, b]) => regexOf(b))
    return {
      name: `same-level-${level.name}`,
      severity: 'error',
      comment: `${from} may not import the other folders of its level (${level.paths.join(', ')}), but as SAME_LEVEL_ALLOWED says`,
      from: { path: regexOf(from) },
      to: { path: level.paths.filter(p => p !== from).map(regexOf), ...(allowed.length > 0 ? { pathNot: allowed } : {}) }
    }
  }))

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'a circle of imports (type-only ones count): move the shared type or constant down to where both can import it',
      from: { path: SOURCE },
      to: { circular: true }
    },
    ...upward,
    ...sameLevel,
    {
      name: 'pure-core-io',
      severity: 'error',
      comment: 'a pure core reaches a module that does I/O, reads time or starts threads: pass it in from the driver',
      from: { path: PURE_CORES },
      to: { path: IO_MODULES, reachable: true }
    },
    {
      name: 'cluster-parts-apart',
      severity: 'error',
      comment: 'a part of the cluster node imports another part or the index: give it a host interface (only index.ts wires parts; types.ts and vote-file.ts are shared helpers, not parts)',
      from: { path: '^src/node/cluster/', pathNot: '^src/node/cluster/index[.]ts$' },
      to: { path: '^src/node/cluster/', pathNot: '^src/node/cluster/(types|vote-file)[.]ts$' }
    },
    {
      name: 'peer-parts-apart',
      severity: 'error',
      comment: 'a part of the local peer (src/node/peer/) imports another part or its front (local-peer.ts): give it a host interface (only local-peer.ts wires parts; types.ts is shared, not a part)',
      from: { path: '^src/node/peer/' },
      to: { path: ['^src/node/peer/', '^src/node/local-peer[.]ts$'], pathNot: '^src/node/peer/types[.]ts$' }
    },
    {
      name: 'cluster-front',
      severity: 'error',
      comment: 'outside the cluster node, only its front (index.ts) and its shared types are imported',
      from: { path: SOURCE, pathNot: '^src/node/cluster/' },
      to: { path: '^src/node/cluster/', pathNot: '^src/node/cluster/(index|types)[.]ts$' }
    },
    {
      name: 'no-level',
      severity: 'error',
      comment: 'a source file outside every level: give its folder a level in .dependency-cruiser.cjs',
      from: { path: SOURCE },
      to: { path: SOURCE, pathNot: [...allLevels, EXEMPT] }
    },
    {
      name: 'no-level-importer',
      severity: 'error',
      comment: 'a source file outside every level: give its folder a level in .dependency-cruiser.cjs',
      from: { path: SOURCE, pathNot: [...allLevels, EXEMPT] },
      to: { path: SOURCE }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a circle of types is still a circle, and a type from a level above still couples it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings']
    }
  }
}
