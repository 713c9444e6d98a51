/** Where the package's own files are, whether running from src (tests) or dist (the built CLI). */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

function findPackageRoot (start: string): string {
  let dir = start
  for (let i = 0; i < 12; i++) {
    const candidate = join(dir, 'package.json')
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }
      if (pkg.name === 'bzzz-ctx') return dir
    }
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  throw new Error('bzzz-ctx: cannot find the package root from ' + start)
}

export const PACKAGE_ROOT: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)))

/** A compiled module of this package: always the built copy under dist, so worker threads run plain JS. */
export function distModule (relativeToSrc: string): string {
  return join(PACKAGE_ROOT, 'dist', 'src', relativeToSrc)
}

export const VERSION: string = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version
