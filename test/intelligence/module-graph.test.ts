import t from 'tap'
import { ModuleGraph } from '../../src/intelligence/module-graph.js'

const TREE = [
  'src/web/index.ts', 'src/web/api.ts', 'src/web/util.js', 'src/web/components/List.tsx', 'src/web/lib/index.ts',
  'src/server/__init__.py', 'src/server/app.py', 'src/server/db.py', 'src/server/handlers/__init__.py', 'src/server/handlers/auth.py',
  'tests/test_auth.py',
  'svc/go.mod', 'svc/main.go', 'svc/store/store.go',
  'engine/Cargo.toml', 'engine/src/main.rs', 'engine/src/index.rs', 'engine/src/db/mod.rs', 'engine/src/db/pool.rs',
  'java/src/main/java/com/acme/App.java', 'java/src/main/java/com/acme/db/Repo.java',
  'native/main.c', 'native/util.h', 'include/shared.h',
  'lib/billing.rb', 'lib/tax.rb', 'spec/billing_spec.rb',
  'app/Models/User.php', 'public/index.php', 'public/helpers.php',
  'scripts/deploy.sh', 'scripts/env.sh'
]

t.test('imports resolve to project files per language; third-party imports stay external', async t => {
  const graph = new ModuleGraph(TREE, [], [{ directory: 'svc', module: 'example.com/svc' }, { directory: 'engine' }])
  const cases: Array<[string, string | null, string, string | null]> = [
    ['src/web/index.ts', 'typescript', './api.js', 'src/web/api.ts'],
    ['src/web/index.ts', 'typescript', './util.js', 'src/web/util.js'],
    ['src/web/index.ts', 'typescript', './lib', 'src/web/lib/index.ts'],
    ['src/web/components/List.tsx', 'tsx', '../api.js', 'src/web/api.ts'],
    ['src/web/index.ts', 'typescript', 'react', null],
    ['src/server/app.py', 'python', '.db', 'src/server/db.py'],
    ['src/server/app.py', 'python', '.handlers', 'src/server/handlers/__init__.py'],
    ['src/server/handlers/auth.py', 'python', '..db', 'src/server/db.py'],
    ['tests/test_auth.py', 'python', 'src.server.handlers.auth', 'src/server/handlers/auth.py'],
    ['tests/test_auth.py', 'python', 'server.db', 'src/server/db.py'],
    ['src/server/app.py', 'python', 'flask', null],
    ['svc/main.go', 'go', 'example.com/svc/store', 'svc/store'],
    ['svc/main.go', 'go', 'fmt', null],
    ['engine/src/main.rs', 'rust', 'crate::index::Index', 'engine/src/index.rs'],
    ['engine/src/main.rs', 'rust', 'crate::db::pool::{Pool, Conn}', 'engine/src/db/pool.rs'],
    ['engine/src/db/pool.rs', 'rust', 'super::Config', 'engine/src/db/mod.rs'],
    ['engine/src/main.rs', 'rust', 'std::collections::HashMap', null],
    ['java/src/main/java/com/acme/App.java', 'java', 'com.acme.db.Repo', 'java/src/main/java/com/acme/db/Repo.java'],
    ['java/src/main/java/com/acme/App.java', 'java', 'com.acme.db.*', 'java/src/main/java/com/acme/db'],
    ['java/src/main/java/com/acme/App.java', 'java', 'java.util.List', null],
    ['native/main.c', 'c', 'util.h', 'native/util.h'],
    ['native/main.c', 'c', 'shared.h', 'include/shared.h'],
    ['native/main.c', 'c', 'stdio.h', null],
    ['spec/billing_spec.rb', 'ruby', '../lib/billing', 'lib/billing.rb'],
    ['lib/billing.rb', 'ruby', 'tax', 'lib/tax.rb'],
    ['public/index.php', 'php', 'App\\Models\\User', 'app/Models/User.php'],
    ['public/index.php', 'php', 'helpers.php', 'public/helpers.php'],
    ['scripts/deploy.sh', 'bash', './scripts/env.sh', 'scripts/env.sh'],
    ['scripts/deploy.sh', 'bash', 'env.sh', 'scripts/env.sh']
  ]
  for (const [from, language, specifier, expected] of cases) t.equal(graph.resolve(from, language, specifier), expected, `${from}: ${specifier}`)
})

t.test('edges, reverse edges and external imports', async t => {
  const graph = new ModuleGraph(TREE, [
    { path: 'src/server/app.py', language: 'python', imports: ['.db', 'flask'] },
    { path: 'src/server/handlers/auth.py', language: 'python', imports: ['..db', 'hashlib'] },
    { path: 'svc/main.go', language: 'go', imports: ['example.com/svc/store'] }
  ], [{ directory: 'svc', module: 'example.com/svc' }])
  t.same([...(graph.edges.get('src/server/app.py') ?? [])], ['src/server/db.py'])
  t.same(graph.external.get('src/server/app.py'), ['flask'])
  t.same(graph.importersOf('src/server/db.py'), ['src/server/app.py', 'src/server/handlers/auth.py'])
  t.same(graph.importersOf('svc/store/store.go'), ['svc/main.go'], 'a Go package import reaches its files')
  t.same(graph.importersOf('src/server/app.py'), [])
})

t.test('python from-imports: a submodule named after import is an edge; a name defined in the module is neither edge nor external', async t => {
  const tree = ['json/__init__.py', 'json/decoder.py', 'json/scanner.py', 'email/__init__.py', 'email/utils.py', 'email/errors.py',
    'email/mime/__init__.py', 'email/mime/text.py']
  const graph = new ModuleGraph(tree, [
    // from json import scanner; from _json import scanstring as c_scanstring; import re
    { path: 'json/decoder.py', language: 'python', imports: ['json', 'json.scanner', '_json', '_json.scanstring', 're'] },
    // from email import utils, errors; from email.utils import formatdate, Charset; from . import helper; from .. import mime
    { path: 'email/mime/text.py', language: 'python', imports: ['email', 'email.utils', 'email.errors', 'email.utils.formatdate', '.', '.helper', '..', '..mime'] }
  ])
  t.same([...graph.edges.get('json/decoder.py')!].sort(), ['json/__init__.py', 'json/scanner.py'], 'from json import scanner uses json.scanner')
  t.same(graph.external.get('json/decoder.py'), ['_json', 're'], 'a name imported from outside is not a module of its own')
  t.same(graph.importersOf('json/scanner.py'), ['json/decoder.py'])
  t.same([...graph.edges.get('email/mime/text.py')!].sort(),
    ['email/__init__.py', 'email/errors.py', 'email/mime/__init__.py', 'email/utils.py'], 'relative names resolve to their package')
  t.equal(graph.external.get('email/mime/text.py'), undefined, 'nothing of the project is called external')
})
