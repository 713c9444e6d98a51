// Assertions on bzzz-ctx errors: the code and the message, from sync or async code.
import { BzzzError, type ErrorCode } from '../../src/errors.js'

import type { Test } from 'tap'

type T = Pick<Test, 'ok' | 'fail'>

export function expectCode (t: T, err: unknown, code: ErrorCode, pattern: RegExp | undefined, label: string): void {
  if (!(err instanceof BzzzError)) { t.fail(`${label}: expected a BzzzError ${code}, got ${String(err)}`); return }
  t.ok(err.code === code, `${label}: code ${err.code} is ${code}`)
  if (pattern !== undefined) t.ok(pattern.test(err.message), `${label}: message "${err.message}" matches ${String(pattern)}`)
}

export function throwsCode (t: T, fn: () => unknown, code: ErrorCode, pattern?: RegExp, label = 'throws'): void {
  try {
    fn()
  } catch (err) {
    expectCode(t, err, code, pattern, label)
    return
  }
  t.fail(`${label}: did not throw`)
}

export async function rejectsCode (t: T, fn: () => Promise<unknown>, code: ErrorCode, pattern?: RegExp, label = 'rejects'): Promise<void> {
  try {
    await fn()
  } catch (err) {
    expectCode(t, err, code, pattern, label)
    return
  }
  t.fail(`${label}: did not reject`)
}
