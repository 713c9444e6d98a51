/** Facts about the whole analysed tree that every record needs: tests, entry points, the import graph. */
import { posix } from 'node:path'
import { isCodeLanguage } from './languages.js'
import { ModuleGraph, type PackageRoot } from './module-graph.js'
import { technologiesFromImports } from './technologies.js'
import { directoriesAbove, isUnder, parentDirectory } from './tree-paths.js'
import { isTestFile, moduleStem, testSubject } from './test-files.js'
import type { FileAnalysis, FindingKind, RecordsInput } from './types.js'

/** Conventional names of entry files, per language. */
const ENTRY_NAMES: Readonly<Record<string, RegExp>> = {
  javascript: /^(?:index|main|app|server|cli)\.[cm]?jsx?$/,
  typescript: /^(?:index|main|app|server|cli)\.[cm]?ts$/,
  tsx: /^(?:index|main|app)\.tsx$/,
  python: /^(?:__main__|main|app|manage|wsgi|asgi|cli)\.py$/,
  php: /^index\.php$/,
  ruby: /^(?:app|main)\.rb$|^config\.ru$/,
  csharp: /^Program\.cs$/,
  c: /^main\.c$/,
  cpp: /^main\.(?:cc|cpp|cxx)$/
}
/** What every record builder needs, computed once for the run. */
export class TreeFacts {
  readonly byPath = new Map<string, FileAnalysis>()
  readonly treeFiles: ReadonlySet<string>
  readonly graph: ModuleGraph
  readonly tests = new Set<string>()
  /** Test subject (lower-case module name) → the test files about it. */
  readonly testsBySubject = new Map<string, string[]>()
  readonly entryReasons = new Map<string, string>()
  readonly importTechnologies = new Map<string, string[]>()

  constructor (readonly input: RecordsInput) {
    this.treeFiles = new Set(input.treePaths)
    for (const file of input.files) {
      this.byPath.set(file.path, file.analysis)
    }
    for (const path of input.treePaths) {
      if (!isTestFile(path)) continue
      const analysed = this.byPath.get(path)
      if (analysed !== undefined && !isCodeLanguage(analysed.language)) continue
      if (analysed === undefined && !/\.(?:py|[jt]sx?|mjs|cjs|go|rs|java|kt|cs|rb|php|sh|bats|ps1|c|cc|cpp|swift|scala)$/.test(path)) continue
      this.tests.add(path)
      const subject = testSubject(path)
      if (subject === null) continue
      const list = this.testsBySubject.get(subject)
      if (list === undefined) this.testsBySubject.set(subject, [path])
      else list.push(path)
    }
    const packageRoots: PackageRoot[] = []
    const manifestEntries = new Map<string, string>()
    for (const manifest of input.manifests) {
      const directory = parentDirectory(manifest.path)
      if (manifest.kind === 'go' && manifest.name !== undefined) packageRoots.push({ directory, module: manifest.name })
      if (manifest.kind === 'cargo') packageRoots.push({ directory })
      for (const entry of manifest.entryPoints) {
        const path = posix.normalize(directory === '' ? entry : `${directory}/${entry}`)
        manifestEntries.set(path, `named as an entry point in ${manifest.path}`)
        // A built entry (`dist/index.js`) stands for its source (`src/index.ts`).
        const source = path.replace(/^(?:dist|build|lib|out)\//, 'src/').replace(/\.(m|c)?js$/, '.$1ts')
        if (source !== path) manifestEntries.set(source, `named (as built output) in ${manifest.path}`)
      }
    }
    this.graph = new ModuleGraph(input.treePaths, input.files
      .filter((file) => isCodeLanguage(file.analysis.language))
      .map((file) => ({ path: file.path, language: file.analysis.language, imports: file.analysis.imports })), packageRoots)
    for (const file of input.files) {
      const reason = file.analysis.entry ?? manifestEntries.get(file.path) ?? this.pathEntryReason(file.path, file.analysis)
      if (reason !== undefined) this.entryReasons.set(file.path, reason)
      const technologies = technologiesFromImports(file.analysis.language, file.analysis.imports)
      if (technologies.length > 0) this.importTechnologies.set(file.path, technologies)
    }
  }

  private pathEntryReason (path: string, analysis: FileAnalysis): string | undefined {
    if (!isCodeLanguage(analysis.language) || isTestFile(path)) return undefined
    const name = posix.basename(path)
    const segments = path.split('/')
    if (segments.length > 1 && segments[segments.length - 2] === 'bin') return 'a command in a bin/ directory'
    if (analysis.language === 'go' && segments.includes('cmd') && analysis.symbols.some((symbol) => symbol.name === 'main')) return 'a Go command (cmd/)'
    if (ENTRY_NAMES[analysis.language ?? '']?.test(name) === true) return `conventional entry file name ${name}`
    return undefined
  }

  isTest (path: string): boolean {
    return this.tests.has(path)
  }

  private readonly findingKindsMemo = new Map<string, readonly FindingKind[]>()

  /** The kinds of security finding in a file, each once (memoised: every directory above it asks again). */
  findingKinds (path: string): readonly FindingKind[] {
    let kinds = this.findingKindsMemo.get(path)
    if (kinds === undefined) {
      kinds = [...new Set((this.byPath.get(path)?.findings ?? []).map((finding) => finding.kind))]
      this.findingKindsMemo.set(path, kinds)
    }
    return kinds
  }

  private testCounts: Map<string, number> | null = null

  /** How many test files of the tree are under a directory (each counted for every directory above it, once). */
  testsUnder (directory: string): number {
    if (this.testCounts === null) {
      const counts = new Map<string, number>()
      for (const test of this.tests) {
        for (const above of directoriesAbove(test)) counts.set(above, (counts.get(above) ?? 0) + 1)
      }
      this.testCounts = counts
    }
    return this.testCounts.get(directory) ?? 0
  }

  private readonly importersMemo = new Map<string, string[]>()
  private readonly testsMemo = new Map<string, string[]>()

  /** Files that import a file (memoised: every directory above it asks again). */
  importersOf (path: string): string[] {
    let importers = this.importersMemo.get(path)
    if (importers === undefined) {
      importers = this.graph.importersOf(path)
      this.importersMemo.set(path, importers)
    }
    return importers
  }

  /** The tests that cover a source file: named after it, or importing it. */
  testsFor (path: string): string[] {
    let tests = this.testsMemo.get(path)
    if (tests === undefined) {
      const byName = this.testsBySubject.get(moduleStem(path)) ?? []
      const byImport = this.importersOf(path).filter((importer) => this.tests.has(importer))
      tests = [...new Set([...byName, ...byImport])].filter((test) => test !== path).sort()
      this.testsMemo.set(path, tests)
    }
    return tests
  }

  /** Source modules that tests are expected for: code, not tests, not package markers. */
  needsTests (path: string): boolean {
    const analysis = this.byPath.get(path)
    if (analysis === undefined || !isCodeLanguage(analysis.language) || this.isTest(path)) return false
    if (analysis.language === 'css' || analysis.language === 'ini') return false
    const name = posix.basename(path)
    return !/^(?:__init__\.py|index\.[jt]sx?|mod\.rs|lib\.rs|main\.rs|setup\.py|conftest\.py|.+\.d\.ts)$/.test(name) && analysis.symbols.length > 0
  }

  /** The module key a path belongs to when seen from a directory's children (a child file, or a child directory). */
  childModule (directory: string, path: string): string | null {
    if (path === directory || !isUnder(path, directory)) return null
    // A prefix of the path itself: no string is built (this runs for every import edge of every directory).
    const slash = path.indexOf('/', directory === '' ? 0 : directory.length + 1)
    return slash === -1 ? path : path.slice(0, slash)
  }
}
