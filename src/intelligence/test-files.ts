/** Test files: telling them from source, and naming the module each one covers. */
import { basename } from 'node:path'

const TEST_DIRECTORIES: ReadonlySet<string> = new Set(['test', 'tests', '__tests__', 'spec', 'specs', 'testing', 'test_helpers', 'e2e'])

/** `test_foo.py`, `foo_test.go`, `foo.test.ts`, `foo.spec.js`, `FooTest.java`, `FooTests.cs`, `foo_spec.rb`, `foo.Tests.ps1`, `foo.bats`. */
const TEST_NAME = /^(?:test_.+|.+_test|.+[._-](?:test|spec)|.+_spec|.+(?:Test|Tests|Spec|IT)|.+\.Tests)\.[A-Za-z0-9]+$|^.+\.bats$|^conftest\.py$/

export function isTestFile (path: string): boolean {
  const segments = path.split('/')
  const name = segments[segments.length - 1] ?? ''
  if (TEST_NAME.test(name)) return true
  return segments.slice(0, -1).some((segment) => TEST_DIRECTORIES.has(segment.toLowerCase()))
}

/** The name of the module a test file is about (`test_auth.py` → `auth`), lower case; null for helpers like conftest.py. */
export function testSubject (path: string): string | null {
  const name = basename(path)
  if (name === 'conftest.py' || /^__init__\./.test(name)) return null
  const stem = name.replace(/\.d\.ts$/, '').replace(/\.[A-Za-z0-9]+$/, '')
  const subject = stem
    .replace(/^test_/, '')
    .replace(/(?:_test|[._-]test|[._-]spec|_spec|\.Tests)$/, '')
    .replace(/(?<=[a-z0-9])(?:Tests?|Spec|IT)$/, '')
  return subject === '' ? null : subject.toLowerCase()
}

/** The name tests use for a source file (`auth.py` → `auth`, `Store.java` → `store`). */
export function moduleStem (path: string): string {
  return basename(path).replace(/\.d\.ts$/, '').replace(/\.[A-Za-z0-9]+$/, '').toLowerCase()
}
