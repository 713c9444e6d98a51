/**
 * Full context records from analyses: one per file, one per directory under the target, one for the project,
 * each with summaries for everyone and insights written for the developer, qa, architect and security roles.
 */
import { createHash } from 'node:crypto'
import { posix } from 'node:path'
import type { ContextRecord } from '../context/record.js'
import { firstSentence, README_FILE_NAME } from './doc-text.js'
import { directoryInsights, fileInsights } from './insights.js'
import { displayLanguage, isCodeLanguage } from './languages.js'
import { manifestTechnologies } from './manifests.js'
import { describeSymbols, fileNoun, listWithMore, plural } from './summaries.js'
import { TreeFacts } from './tree-facts.js'
import { directoriesAbove, isUnder, parentDirectory } from './tree-paths.js'
import type { AnalyzedFile, FileAnalysis, RecordsInput } from './types.js'

const MAX_LISTED_LANGUAGES = 4
/** The code languages a directory record names (most files first). */
const MAX_DIRECTORY_LANGUAGES = 3

export function addressOf (project: string, path: string): string {
  return `ucxl://${project}/${path}`
}

function languageCounts (facts: TreeFacts, paths: readonly string[]): Array<[string, number, number]> {
  const counts = new Map<string, [number, number]>()
  for (const path of paths) {
    const analysis = facts.byPath.get(path)
    const language = analysis?.language
    if (language == null) continue
    const entry = counts.get(language) ?? [0, 0]
    entry[0]++
    entry[1] += analysis?.bytes ?? 0
    counts.set(language, entry)
  }
  return [...counts].map(([language, [files, bytes]]): [string, number, number] => [language, files, bytes])
    .sort((a, b) => {
      const codeOrder = Number(isCodeLanguage(b[0])) - Number(isCodeLanguage(a[0]))
      return codeOrder !== 0 ? codeOrder : b[1] - a[1] || b[2] - a[2] || (a[0] < b[0] ? -1 : 1)
    })
}

function fileRecord (facts: TreeFacts, project: string, path: string, analysis: FileAnalysis): ContextRecord {
  const isTest = facts.isTest(path)
  const noun = fileNoun(analysis.language, path, isTest)
  const defined = describeSymbols(analysis.symbols)
  const structural = defined === '' ? `${noun} (${plural(analysis.lines, 'line')})` : `${noun} defining ${defined}`
  const summary = analysis.doc !== undefined ? firstSentence(analysis.doc) : structural
  const record: ContextRecord = { address: addressOf(project, path), kind: 'file', summary }
  // The doc's whole paragraph, when it says more than the summary's first sentence; else the file says nothing more of
  // its purpose than its summary does, and inherits its folder's (a one-sentence doc gave both fields the same text).
  if (analysis.doc !== undefined && analysis.doc !== summary) record.purpose = analysis.doc
  if (analysis.language !== null) record.language = analysis.language
  const technologies = facts.importTechnologies.get(path)
  if (technologies !== undefined) record.technologies = technologies
  const tags: string[] = []
  if (isTest) tags.push('test')
  if (facts.entryReasons.has(path)) tags.push('entry-point')
  if (analysis.parsed === false) tags.push('unparsed')
  if (tags.length > 0) record.tags = tags
  if (analysis.symbols.length > 0) record.symbols = analysis.symbols
  if (analysis.imports.length > 0) record.imports = analysis.imports

  const insights = fileInsights(facts, path, analysis)
  if (insights.length > 0) record.insights = insights
  return record
}

/** What the directory is: `Python package`, `Go package`, `Rust crate`, or its dominant language's directory. */
function directoryNoun (facts: TreeFacts, directory: string, direct: readonly string[], dominant: string | undefined): string {
  if (directory === '' && facts.input.targetPath === '') return 'Project'
  const names = new Set(direct.map((path) => posix.basename(path)))
  if (names.has('Cargo.toml')) return 'Rust crate'
  if (names.has('go.mod')) return 'Go module'
  if (names.has('package.json')) return 'npm package'
  if (names.has('__init__.py')) return 'Python package'
  if (direct.some((path) => facts.byPath.get(path)?.language === 'go')) return 'Go package'
  return dominant === undefined || !isCodeLanguage(dominant) ? 'Directory' : `${displayLanguage(dominant)} directory`
}

/** The files under a directory (its whole subtree), those directly in it, and how many directories are below it. */
interface DirectoryFiles {
  paths: string[]
  direct: string[]
  subdirectories: number
}

function directoryRecord (facts: TreeFacts, project: string, directory: string, { paths, direct, subdirectories }: DirectoryFiles): ContextRecord {
  const languages = languageCounts(facts, paths)
  const dominant = languages.find(([language]) => isCodeLanguage(language))?.[0] ?? languages[0]?.[0]
  const noun = directoryNoun(facts, directory, direct, dominant)
  const languageText = listWithMore(languages.map(([language, files]) => `${displayLanguage(language)} ${files}`), MAX_LISTED_LANGUAGES)
  const record: ContextRecord = {
    address: addressOf(project, directory),
    kind: 'directory',
    summary: `${noun} with ${plural(paths.length, 'file')}${subdirectories > 0 ? ` in ${plural(subdirectories + 1, 'directory', 'directories')}` : ''}${languageText === '' ? '' : ` (${languageText})`}`
  }
  const readme = direct.find((path) => README_FILE_NAME.test(posix.basename(path)))
  const manifests = facts.input.manifests.filter((manifest) => isUnder(manifest.path, directory))
  const purpose = (readme === undefined ? undefined : facts.byPath.get(readme)?.doc) ??
    manifests.find((manifest) => parentDirectory(manifest.path) === directory && manifest.description !== undefined)?.description
  if (purpose !== undefined) record.purpose = purpose
  if (dominant !== undefined) record.language = dominant
  // What the manifests in this folder declare, which holds for everything below it: technologies gather down to every
  // file. The whole subtree's (a Go service's beside a Spring one) would tag each file with all of them; a file's own
  // imports are on its own record.
  const technologies = manifestTechnologies(manifests.filter((manifest) => parentDirectory(manifest.path) === directory))
  if (technologies.length > 0) record.technologies = technologies
  // The folder's own facts, not tags: tags gather down to every file below (a Python file is no TypeScript), and
  // whether the folder holds tests is its qa insight's to say.
  const codeLanguages = languages.filter(([language]) => isCodeLanguage(language)).slice(0, MAX_DIRECTORY_LANGUAGES).map(([language]) => language)
  if (codeLanguages.length > 0) record.languages = codeLanguages
  const insights = directoryInsights(facts, directory, paths)
  if (insights.length > 0) record.insights = insights
  return record
}

function projectRecord (facts: TreeFacts, project: string, rootDirectory: ContextRecord | undefined): ContextRecord {
  const rootManifests = facts.input.manifests.filter((manifest) => !manifest.path.includes('/'))
  const purpose = facts.input.rootReadme ?? rootManifests.find((manifest) => manifest.description !== undefined)?.description
  const record: ContextRecord = {
    address: addressOf(project, ''),
    kind: 'project',
    summary: purpose !== undefined ? firstSentence(purpose) : rootDirectory?.summary ?? `Project ${project}`
  }
  if (purpose !== undefined) record.purpose = purpose
  const technologies = rootDirectory?.technologies ?? manifestTechnologies(rootManifests)
  if (technologies.length > 0) record.technologies = technologies
  if (rootDirectory !== undefined) {
    // The target is the root: the project record also speaks for the whole tree.
    if (rootDirectory.language !== undefined) record.language = rootDirectory.language
    const languages = languageCounts(facts, facts.input.files.map((file) => file.path))
      .filter(([language]) => isCodeLanguage(language)).map(([language]) => language)
    if (languages.length > 0) record.languages = languages
    const insights = [{ role: 'developer', kind: 'overview', text: rootDirectory.summary ?? '' }, ...(rootDirectory.insights ?? [])]
    record.insights = insights
  }
  return record
}

/**
 * What the records of a run are made from, as one digest: the same digest gives the same records. Files are
 * named by their content key (`keys`: every analysed file, by path), and a file whose parser gave up is marked (its
 * next run may parse it). It needs no analysis, so a run with nothing changed loads none.
 */
export function recordsFingerprint (input: Omit<RecordsInput, 'files'>, keys: ReadonlyMap<string, string>, unparsed: ReadonlySet<string>): string {
  const hash = createHash('sha256')
  hash.update(JSON.stringify([input.project, input.targetPath, input.targetIsDirectory, input.rootReadme ?? null, input.manifests]))
  for (const [path, key] of [...keys].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    hash.update(`\u0000${path}\u0000${key}\u0000${unparsed.has(path) ? 'unparsed' : ''}`)
  }
  hash.update('\u0001')
  for (const path of [...input.treePaths].sort()) hash.update(`\u0000${path}`)
  return hash.digest('hex')
}

/**
 * What a file's record, and its part in the records of the directories above it, are made from besides the run's scope
 * (project, target): its analysis (the cache gives the same object for the same bytes) and what the whole tree's facts
 * say of it. A later run whose inputs for a file are the same, element by element, builds the same record for it.
 */
function fileInputs (facts: TreeFacts, path: string, analysis: FileAnalysis): readonly unknown[] {
  return [
    analysis, facts.isTest(path), facts.entryReasons.get(path),
    facts.importersOf(path).join('\n'), [...(facts.graph.edges.get(path) ?? [])].sort().join('\n'),
    (facts.graph.external.get(path) ?? []).join('\n'), facts.testsFor(path).join('\n')
  ]
}

function sameInputs (a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i])
}

/**
 * The records of one run and what each was made from: the next run over the same scope builds again only the records
 * whose inputs changed (RecordsBuild.rebuilt), and returns the same objects for the others.
 */
export interface RecordsMemo {
  /** Project, target, and whether it is a directory: a run of another scope builds everything. */
  scope: string
  files: ReadonlyMap<string, { inputs: readonly unknown[], record: ContextRecord }>
  directories: ReadonlyMap<string, ContextRecord>
  treePaths: ReadonlySet<string>
  /** The manifests as JSON, by path. */
  manifests: ReadonlyMap<string, string>
}

export interface RecordsBuild {
  records: ContextRecord[]
  memo: RecordsMemo
  /** Records built this run (the others are the last run's objects). */
  rebuilt: number
}

/** Every record of the run: the project first, then directories, then files, each sorted by address. */
export function buildRecords (unordered: RecordsInput): ContextRecord[] {
  return buildRecordsFrom(unordered).records
}

/**
 * buildRecords, given the last run's memo: a file's record is built again only when its inputs (fileInputs) changed, a
 * directory's only when something under it did (a file's inputs, a path of the tree, a manifest), and the project's
 * always (it is one). The records are the same as a build from nothing would give (test/intelligence/
 * records-incremental.test.ts checks it over random edits).
 */
export function buildRecordsFrom (unordered: RecordsInput, previous?: RecordsMemo): RecordsBuild {
  // Analyses arrive in the order the workers finish them. In path order, the same tree always gives the same
  // records (an ambiguous import, `abc` beside `resources/abc.py`, resolved to whichever file came first).
  const byPath = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
  const input: RecordsInput = { ...unordered, files: [...unordered.files].sort((a, b) => byPath(a.path, b.path)), treePaths: [...unordered.treePaths].sort(byPath) }
  const facts = new TreeFacts(input)
  const { project, targetPath } = input
  const files = input.files
  const scope = JSON.stringify([project, targetPath, input.targetIsDirectory])
  const last = previous?.scope === scope ? previous : undefined
  const treePaths = new Set(input.treePaths)
  const manifests = new Map<string, string>()
  for (const manifest of input.manifests) manifests.set(manifest.path, (manifests.get(manifest.path) ?? '') + JSON.stringify(manifest))

  // What changed since the last run marks every directory above it: a directory's record is made from its subtree.
  const changed = new Set<string>()
  const mark = (path: string): void => { for (const directory of directoriesAbove(path, targetPath)) changed.add(directory) }
  // Each file's inputs, and its last record when they are the same.
  const made = new Map<string, { inputs: readonly unknown[], kept: ContextRecord | undefined }>()
  for (const file of files) {
    const inputs = fileInputs(facts, file.path, file.analysis)
    const held = last?.files.get(file.path)
    const kept = held !== undefined && sameInputs(held.inputs, inputs) ? held.record : undefined
    made.set(file.path, { inputs, kept })
    if (kept === undefined) mark(file.path)
  }
  if (last !== undefined) {
    for (const path of last.files.keys()) if (!made.has(path)) mark(path)
    for (const path of treePaths) if (!last.treePaths.has(path)) mark(path)
    for (const path of last.treePaths) if (!treePaths.has(path)) mark(path)
    for (const [path, json] of manifests) if (last.manifests.get(path) !== json) mark(path)
    for (const path of last.manifests.keys()) if (!manifests.has(path)) mark(path)
  }

  // Each file and each directory is added to every directory above it, up to the target: linear in the
  // tree's size times its depth (counting subdirectories by comparing every pair of directories took
  // seconds on a tree of 5,000 directories).
  const directories = new Map<string, DirectoryFiles>()
  const directoryOf = (directory: string): DirectoryFiles => {
    let entry = directories.get(directory)
    if (entry === undefined) directories.set(directory, entry = { paths: [], direct: [], subdirectories: 0 })
    return entry
  }
  if (input.targetIsDirectory) {
    for (const file of files) {
      directoryOf(parentDirectory(file.path)).direct.push(file.path)
      for (const directory of directoriesAbove(file.path, targetPath)) directoryOf(directory).paths.push(file.path)
    }
    directoryOf(targetPath)
    for (const directory of directories.keys()) {
      if (directory === targetPath) continue
      for (const above of directoriesAbove(directory, targetPath)) {
        const entry = directories.get(above)
        if (entry !== undefined) entry.subdirectories++
      }
    }
  }

  let rebuilt = 0
  const directoryRecords: ContextRecord[] = []
  const madeDirectories = new Map<string, ContextRecord>()
  let rootDirectory: ContextRecord | undefined
  for (const directory of [...directories.keys()].sort()) {
    let record = changed.has(directory) ? undefined : last?.directories.get(directory)
    if (record === undefined) {
      record = directoryRecord(facts, project, directory, directories.get(directory) as DirectoryFiles)
      // The root's is not a record of its own: the project's speaks for it (counted below).
      if (directory !== '') rebuilt++
    }
    madeDirectories.set(directory, record)
    if (directory === '') rootDirectory = record
    else directoryRecords.push(record)
  }
  const records: ContextRecord[] = [projectRecord(facts, project, rootDirectory), ...directoryRecords]
  rebuilt++
  const madeFiles = new Map<string, { inputs: readonly unknown[], record: ContextRecord }>()
  for (const file of files) {
    const { inputs, kept } = made.get(file.path)!
    let record = kept
    if (record === undefined) {
      record = fileRecord(facts, project, file.path, file.analysis)
      rebuilt++
    }
    madeFiles.set(file.path, { inputs, record })
    records.push(record)
  }
  return { records, memo: { scope, files: madeFiles, directories: madeDirectories, treePaths, manifests }, rebuilt }
}
