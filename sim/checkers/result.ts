/** The one way a checker builds its result: ok when nothing was violated, the violation list capped for printing. */
import type { CheckResult } from '../history.js'
import type { CheckName } from '../scenario.js'

export const VIOLATIONS_MAX = 20

export function checkResult (name: CheckName, detail: string, violations: string[]): CheckResult {
  const shown = violations.length > VIOLATIONS_MAX
    ? [...violations.slice(0, VIOLATIONS_MAX), `… and ${violations.length - VIOLATIONS_MAX} more`]
    : violations
  const first = violations[0]
  return {
    name,
    ok: violations.length === 0,
    detail: first === undefined ? detail : `${detail}; ${violations.length} violation${violations.length === 1 ? '' : 's'}, first: ${first}`,
    violations: shown
  }
}
