/** The coordinator's view of a local peer: its store, its role, its analysis and its roles, and nothing more. */
import type { CoordinatorHost } from '../leader/coordinator.js'
import { homePaths } from './home.js'
import type { LocalPeer } from './local-peer.js'

/** `faults.unheldRecord`: the simulator's deliberate fault, a generate that reports a record it never appended. */
export function coordinatorHostOf (peer: LocalPeer, faults: { unheldRecord?: boolean } = {}): Pick<CoordinatorHost, 'store' | 'role' | 'generate' | 'recipients' | 'requestsDir'> {
  return {
    store: peer.store,
    role: peer.config.role,
    recipients: () => peer.directory.names(),
    requestsDir: homePaths(peer.home).requests,
    generate: async run => {
      const report = await peer.generate(faults.unheldRecord === true ? { ...run, withholdLastRecord: true } : run)
      return { files: report.files, records: report.records, written: report.written, unchanged: report.unchanged, removed: report.removed, stale: report.stale, bytes: report.bytes, skipped: report.skipped.length, ms: report.ms }
    }
  }
}
