// What `npm publish` would ship: the built CLI and everything it reads at run time, and nothing of the sources or tests.
import t from 'tap'
import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/paths.js'

async function packedFiles (): Promise<Set<string>> {
  return await new Promise((resolve, reject) => {
    // --ignore-scripts: the tree is built already, and `prepare` would build it again while other tests run from it.
    execFile('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PACKAGE_ROOT, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err !== null) { reject(err); return }
      const [pack] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>
      resolve(new Set(pack!.files.map(file => file.path)))
    })
  })
}

t.test('the package holds the launcher, the bundle, the workers\' modules, man pages, fixtures and scenarios', async t => {
  const files = await packedFiles()
  for (const needed of [
    'bin/bzzz-ctx', 'dist/cli/main.js', 'dist/src/cli/main.js', 'dist/src/intelligence/worker.js', 'package.json', 'README.md',
    'docs/DESIGN.md', 'fixtures/repos/mixed/README.md', 'fixtures/scenarios/isolate-leader.json'
  ]) t.ok(files.has(needed), `ships ${needed}`)
  // Every chunk of the bundle: a missing one breaks the command that loads it, and only that one.
  for (const chunk of readdirSync(join(PACKAGE_ROOT, 'dist', 'cli'))) t.ok(files.has(`dist/cli/${chunk}`), `ships dist/cli/${chunk}`)
  for (const page of readdirSync(join(PACKAGE_ROOT, 'man'))) t.ok(files.has(`man/${page}`), `ships man/${page}`)
  // Sources, tests and source maps (which point at the sources) stay out; the sample repos are code on purpose.
  const strays = [...files].filter(file => !file.startsWith('fixtures/') && (/^(src|test|sim|dist\/test)\//.test(file) || /(?<!\.d)\.ts$|\.map$/.test(file)))
  t.same(strays, [], 'no source, test or source map')
  t.ok(existsSync(join(PACKAGE_ROOT, 'dist', 'cli', 'main.js')), 'built')
})
