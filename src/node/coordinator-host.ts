/** The coordinator's view of a local peer: its store, its role and keys, its analysis and its roles, and nothing more. */
import type { CoordinatorHost } from '../leader/coordinator.js'
import { requestReaders } from '../leader/request-readers.js'
import { decodeEnvelope, encodeEnvelope } from '../crypto/envelope-codec.js'
import { envelopeRecipients, sealSections } from '../crypto/envelope.js'
import { badInput, isBzzzError } from '../errors.js'
import { requestFilesAssociatedData } from '../storage/sealing.js'
import { homePaths } from './home.js'
import type { LocalPeer } from './local-peer.js'

/** `faults.unheldRecord`: the simulator's deliberate fault, a generate that reports a record it never appended. */
export function coordinatorHostOf (peer: LocalPeer, faults: { unheldRecord?: boolean } = {}): Pick<CoordinatorHost, 'store' | 'role' | 'heldRoles' | 'roles' | 'sealedFor' | 'generate' | 'requestsDir'> {
  const { store } = peer
  return {
    store: {
      // A request is accepted once it is in the log: with auditFailClosed, only after its event is (LocalPeer.auditWrite).
      appendQueueEntry: async (entry, options) => {
        if (entry.type === 'request') await peer.auditWrite('generate-request', { id: entry.id, address: entry.address, requester: entry.requester, priority: entry.priority })
        await store.appendQueueEntry(entry, options)
      },
      queueEvents: () => store.queueEvents(),
      subscribe: listener => store.subscribe(listener),
      onRebuilt: listener => store.onRebuilt(listener),
      sealedPayload: async (event, role, level) => await store.sealedPayload(event, role, level)
    },
    role: peer.config.role,
    heldRoles: () => peer.keyring.roles(),
    roles: () => peer.config.roles.map(role => ({ name: role.name, clearance: role.clearance })),
    sealedFor: sealed => {
      try {
        return envelopeRecipients(decodeEnvelope(sealed)).map(wrap => wrap.role)
      } catch (err) {
        if (isBzzzError(err)) throw badInput(`the request's files are not a sealed envelope (${err.message})`)
        throw err
      }
    },
    requestsDir: homePaths(peer.home).requests,
    generate: async runs => {
      const outcomes = await peer.generateBatch(faults.unheldRecord === true ? runs.map(run => ({ ...run, withholdLastRecord: true })) : runs)
      return outcomes.map(outcome => {
        if (!outcome.ok) return outcome
        const { report } = outcome
        return { ok: true, report: { files: report.files, records: report.records, written: report.written, unchanged: report.unchanged, removed: report.removed, stale: report.stale, bytes: report.bytes, skipped: report.skipped.length, ms: report.ms } }
      })
    }
  }
}

/**
 * Seals a request's packed files on the requester, before they leave its process, for the roles that may read every
 * context generated from them (request-readers.ts): the leader appends them as they are, and never sees them.
 */
export function sealRequestFiles (peer: LocalPeer, request: { id: string, address: string, project: string, path: string }, payload: Buffer, roles?: readonly string[]): { sealed: Buffer, readers: string[] } {
  const { readers, level } = requestReaders(peer.config.roles, roles)
  const envelope = sealSections({ sections: [{ level, plaintext: payload }], recipients: readers, directory: peer.directory, writer: peer.keyring.identity.box, ad: requestFilesAssociatedData(request), compress: false })
  return { sealed: encodeEnvelope(envelope), readers }
}
