// Records built again only where their inputs changed (buildRecordsFrom with the last run's memo) must be exactly the
// records a build from nothing gives: over random edits of a tree, and in the cases that reach across it (an import
// added elsewhere changes who imports a file; a test added elsewhere changes what covers it).
import t from 'tap'
import { buildRecords, buildRecordsFrom, type RecordsMemo } from '../../src/intelligence/records.js'
import { seededRandom } from '../../sim/random.js'
import type { FileAnalysis, RecordsInput } from '../../src/intelligence/types.js'
import type { Manifest } from '../../src/intelligence/manifests.js'

type Tree = Map<string, FileAnalysis>

function analysis (language: string, imports: string[], options: Partial<FileAnalysis> = {}): FileAnalysis {
  return { language, bytes: 100 + imports.length, lines: 10, symbols: [{ name: 'f', kind: 'function', line: 1, exported: true }], imports, findings: [], ...options }
}

function inputOf (tree: Tree, treeOnly: readonly string[], manifests: readonly Manifest[], targetPath = ''): RecordsInput {
  const under = (path: string): boolean => targetPath === '' || path.startsWith(targetPath + '/')
  const files = [...tree].filter(([path]) => under(path)).map(([path, analysis]) => ({ path, analysis }))
  return { project: 'p', targetPath, targetIsDirectory: true, files, treePaths: [...tree.keys(), ...treeOnly], manifests }
}

const json = (value: unknown): string => JSON.stringify(value)

t.test('over 300 random edits, the records built from the last run are those built from nothing', async t => {
  for (const seed of [1, 2, 3]) {
    const random = seededRandom(seed)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
    const folders = ['', 'app', 'app/api', 'app/db', 'lib', 'lib/util', 'tests']
    const tree: Tree = new Map()
    let treeOnly: string[] = ['docs/logo.png', 'app/api/schema.sql']
    let manifests: Manifest[] = []
    const moduleOf = (path: string): string => path.replace(/\.py$/, '').replace(/\//g, '.')
    const newPath = (): string => {
      const folder = pick(folders)
      const name = folder === 'tests' ? `test_m${Math.floor(random() * 40)}.py` : `m${Math.floor(random() * 40)}.py`
      return folder === '' ? name : `${folder}/${name}`
    }
    const randomImports = (): string[] => {
      const known = [...tree.keys()]
      const imports: string[] = []
      for (let i = Math.floor(random() * 3); i > 0 && known.length > 0; i--) imports.push(moduleOf(pick(known)))
      if (random() < 0.3) imports.push(pick(['os', 'flask', 'sqlalchemy', 'requests']))
      return imports
    }
    for (let i = 0; i < 30; i++) tree.set(newPath(), analysis('python', randomImports()))
    let memo: RecordsMemo | undefined
    let rebuiltTotal = 0
    let recordsTotal = 0
    for (let step = 0; step < 100; step++) {
      const kind = random()
      const paths = [...tree.keys()]
      if (kind < 0.35 && paths.length > 0) {
        // A file edited: new symbols or new imports (a new analysis object, as the cache gives for new bytes).
        const path = pick(paths)
        const old = tree.get(path)!
        tree.set(path, random() < 0.5
          ? analysis('python', old.imports, { symbols: [{ name: `g${step}`, kind: 'class', line: 2, exported: true }] })
          : analysis('python', randomImports()))
      } else if (kind < 0.5) {
        tree.set(newPath(), analysis('python', randomImports(), random() < 0.2 ? { entry: 'if __name__ == "__main__"' } : {}))
      } else if (kind < 0.6 && paths.length > 5) {
        tree.delete(pick(paths))
      } else if (kind < 0.7) {
        treeOnly = random() < 0.5 && treeOnly.length > 0 ? treeOnly.slice(1) : [...treeOnly, `${pick(folders) || 'top'}/asset${step}.bin`]
      } else if (kind < 0.78) {
        const directory = pick(folders.filter(f => f !== ''))
        manifests = random() < 0.5 && manifests.length > 0
          ? manifests.slice(1)
          : [...manifests, { path: `${directory}/pyproject.toml`, kind: 'python', name: `pkg${step}`, description: `Package ${step}`, dependencies: ['flask'], technologies: ['flask'], entryPoints: [] } as unknown as Manifest]
      } else if (kind < 0.86 && paths.length > 0) {
        const path = pick(paths)
        tree.set(path, analysis('python', tree.get(path)!.imports, { doc: `Module ${step}. It does things.`, findings: random() < 0.5 ? [{ kind: 'eval', line: 3 }] as FileAnalysis['findings'] : [] }))
      } else if (kind < 0.93) {
        tree.set(`tests/test_m${Math.floor(random() * 40)}.py`, analysis('python', randomImports()))
      }
      // else: nothing changed, and nothing is built but the project.
      const input = inputOf(tree, treeOnly, manifests)
      const built = buildRecordsFrom(input, memo)
      const expected = buildRecords(input)
      if (json(built.records) !== json(expected)) {
        t.fail(`seed ${seed} step ${step}: the records differ from a build from nothing`)
        t.same(built.records, expected)
        return
      }
      rebuiltTotal += built.rebuilt
      recordsTotal += built.records.length
      memo = built.memo
    }
    t.pass(`seed ${seed}: 100 steps, each the same as a build from nothing`)
    t.ok(rebuiltTotal < recordsTotal / 2, `seed ${seed}: ${rebuiltTotal} of ${recordsTotal} records built again`)
  }
})

t.test('a one-file edit builds that file, the folders above it and the project; the rest are the same objects', async t => {
  const tree: Tree = new Map([
    ['app/api/routes.py', analysis('python', ['app.db.models'])],
    ['app/db/models.py', analysis('python', [])],
    ['lib/util/text.py', analysis('python', [])],
    ['tests/test_text.py', analysis('python', ['lib.util.text'])]
  ])
  const first = buildRecordsFrom(inputOf(tree, [], []))
  tree.set('app/api/routes.py', analysis('python', ['app.db.models'], { symbols: [{ name: 'route', kind: 'function', line: 4, exported: true }] }))
  const second = buildRecordsFrom(inputOf(tree, [], []), first.memo)
  const built = second.records.filter(record => !first.records.includes(record)).map(record => record.address)
  t.same(built, ['ucxl://p/', 'ucxl://p/app', 'ucxl://p/app/api', 'ucxl://p/app/api/routes.py'])
  t.equal(second.rebuilt, 4)
  t.equal(json(second.records), json(buildRecords(inputOf(tree, [], []))))
})

t.test('changes that reach across the tree: a new importer, a new test, a target, another scope', async t => {
  const tree: Tree = new Map([
    ['app/db/models.py', analysis('python', [])],
    ['app/api/routes.py', analysis('python', [])],
    ['lib/text.py', analysis('python', [])]
  ])
  const first = buildRecordsFrom(inputOf(tree, [], []))
  // routes.py starts importing models.py: models.py's record (imported by) and app/db's change, though nothing under
  // app/db did.
  tree.set('app/api/routes.py', analysis('python', ['app.db.models']))
  const second = buildRecordsFrom(inputOf(tree, [], []), first.memo)
  const models = second.records.find(record => record.address === 'ucxl://p/app/db/models.py')!
  t.not(models, first.records.find(record => record.address === 'ucxl://p/app/db/models.py'), 'built again')
  t.match(json(models.insights), /Imported by app\/api\/routes\.py/)
  t.equal(json(second.records), json(buildRecords(inputOf(tree, [], []))))
  // A test named after lib/text.py, added in another folder: text.py is covered now.
  tree.set('tests/test_text.py', analysis('python', []))
  const third = buildRecordsFrom(inputOf(tree, [], []), second.memo)
  t.match(json(third.records.find(record => record.address === 'ucxl://p/lib/text.py')!.insights), /Covered by 1 test file: tests\/test_text\.py/)
  t.equal(json(third.records), json(buildRecords(inputOf(tree, [], []))))
  // Another target is another scope: everything is built.
  const below = buildRecordsFrom(inputOf(tree, [], [], 'app'), third.memo)
  t.equal(below.rebuilt, below.records.length)
  t.equal(json(below.records), json(buildRecords(inputOf(tree, [], [], 'app'))))
})
