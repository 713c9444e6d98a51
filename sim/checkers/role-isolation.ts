/** Role isolation: a node opens only sections of roles it holds, and sees only the fields its role allows. */
import type { CheckResult, SimHistory } from '../history.js'
import { checkResult } from './result.js'

export function roleIsolation (history: SimHistory): CheckResult {
  const violations: string[] = []
  let opened = 0
  for (const attempt of history.isolation) {
    const who = `${attempt.node} as role "${attempt.role}"`
    if (attempt.outcome === 'opened') opened++
    if (!attempt.held && attempt.outcome === 'opened') violations.push(`${who} opened ${attempt.address} without holding the role`)
    const extra = attempt.fieldsSeen.filter(field => !attempt.fieldsAllowed.includes(field))
    if (extra.length > 0) violations.push(`${who} saw ${extra.map(f => `"${f}"`).join(', ')} at ${attempt.address}, allowed only ${attempt.fieldsAllowed.join(', ') || 'nothing'}`)
  }
  // A run that read nothing proved nothing: every run reads an acknowledged record as every role on every live peer.
  if (history.isolation.length === 0) violations.push('no read was attempted: nothing to judge')
  const detail = `${history.isolation.length} attempts: ${opened} opened, ${history.isolation.length - opened} denied`
  return checkResult('role-isolation', detail, violations)
}
