/**
 * Who may write what, as the leader applies it to every request it serves (until the admin can sign a cluster policy,
 * issue 17): a role whose clearance does not cover `internal` (the viewer) only reads; any other role may generate,
 * distribute and decide, and what it writes by hand (a record's sections, a decision's rationale) may be sealed only at
 * levels its clearance covers. A generate's sections are the analysis's, not the requester's words.
 */
import { covers, type AccessLevel } from '../crypto/levels.js'

export type WriteOp = 'generate' | 'distribute' | 'decide'

/** The least clearance that may write at all: a role that may not read source may not have it analysed either. */
export const WRITER_CLEARANCE_MIN: AccessLevel = 'internal'

/** Why `role` (of `clearance`) may not do `op` with sections at `levels`; null when it may. */
export function writeRefusal (op: WriteOp, role: string, clearance: AccessLevel, levels: readonly AccessLevel[] = []): string | null {
  if (!covers(clearance, WRITER_CLEARANCE_MIN)) return `role ${role} only reads: it may not ${op} (a role that writes needs clearance ${WRITER_CLEARANCE_MIN} or above)`
  const above = [...new Set(levels.filter(level => !covers(clearance, level)))]
  if (above.length > 0) return `role ${role} (clearance ${clearance}) may not write sections at ${above.join(', ')}: a writer seals only what its own clearance covers`
  return null
}
