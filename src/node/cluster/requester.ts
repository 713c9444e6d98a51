/**
 * The requester's side of `generate`: the files are read and sealed here (no shared checkout is needed), sent to the
 * leader in as many requests as one request's limit needs (the last part last: its run generates every part's files),
 * and the report comes back with the completion entry, from whichever leader finished it.
 */
import { relative } from 'node:path'
import { BzzzError, isBzzzError } from '../../errors.js'
import { packFiles, type Coordinator } from '../../leader/coordinator.js'
import { requestReaders } from '../../leader/request-readers.js'
import { addressFor } from '../../ucxl/address.js'
import type { Clock, RandomBytes } from '../../clock.js'
import type { LocalPeer, GenerateOptions, GenerateReport } from '../local-peer.js'
import { sealRequestFiles } from '../coordinator-host.js'
import type { Logger } from '../logger.js'
import type { LeaderOp } from '../relayed-call.js'

/** How long `generate` waits for its request to complete. */
export const COMPLETION_TIMEOUT_MS = 10 * 60_000

export type RequestedReport = GenerateReport & { request: { id: string, state: string, term: number, duplicate?: boolean }, acknowledged?: unknown }

export interface RequesterHost {
  peer: LocalPeer
  /** A call to the leader (LeaderCalls.call): its answer, or its error. */
  calls: { call: (op: LeaderOp, args: Record<string, unknown>) => Promise<any> }
  coordinator: Pick<Coordinator, 'completion'>
  clock: Clock
  logger: Logger
  randomBytes: RandomBytes
  /** The most bytes of files one request carries. */
  requestPartBytes: number
}

export class Requester {
  constructor (private readonly host: RequesterHost) {}

  /** `noWait` returns once every part is accepted. */
  async generate (options: GenerateOptions & { noWait?: boolean }): Promise<RequestedReport> {
    const { peer, calls, clock, logger } = this.host
    const started = clock.now()
    const { path, root, project } = peer.target(options)
    const rel = relative(root, path)
    const roles = options.roles === undefined || options.roles.length === 0 ? undefined : peer.recipients(options.roles)
    const address = addressFor(project, rel.split('\\').join('/') || '.')
    // Who may read the files is checked before they are read, so a --roles that leaves nobody costs nothing.
    requestReaders(peer.config.roles, roles)
    const packed = await packFiles(root, path, this.host.requestPartBytes)
    const priority = options.priority ?? 'normal'
    const count = packed.parts.length
    const group = count > 1 ? this.host.randomBytes(12).toString('base64url') : undefined
    const ids: string[] = []
    let accepted = { id: '', term: 0, duplicate: false }
    // In order, the last part last: its run generates every part's files, so it is sent only once every other part
    // is accepted, and a part that is not leaves nothing generated.
    for (const [index, part] of packed.parts.entries()) {
      const id = this.host.randomBytes(12).toString('base64url')
      const request = { id, address, project, path: rel || '.' }
      const { sealed } = sealRequestFiles(peer, request, part.payload, roles)
      try {
        accepted = await calls.call('enqueue', {
          ...request, priority, ...(roles !== undefined ? { roles } : {}), ...(options.prune === true ? { prune: true } : {}),
          ...(group !== undefined ? { part: { group, index, count } } : {}), sealed: sealed.toString('base64')
        }) as { id: string, term: number, duplicate: boolean }
      } catch (err) {
        if (index === 0 || !isBzzzError(err)) throw err
        throw new BzzzError(err.code, `part ${index + 1} of the ${count} requests ${options.path} is sent in was not accepted (${err.message}); ${index === 1 ? 'part 1 was' : `parts 1-${index} were`} (${ids.join(', ')}), but nothing is generated without every part: generate again`)
      }
      ids.push(id)
      logger.debug({ req: id, op: 'enqueue', term: accepted.term, duplicate: accepted.duplicate, ...(group !== undefined ? { group, part: index } : {}) }, 'the leader accepted the request')
      if (group !== undefined) options.onPart?.({ index, count, id, files: part.files, bytes: part.bytes })
    }
    const id = ids[ids.length - 1]!
    const base = {
      project, root, path: rel || '.', priority, roles: roles ?? peer.directory.names(), skipped: packed.skipped,
      files: 0, cached: 0, records: 0, written: 0, unchanged: 0, removed: 0, stale: 0, bytes: 0, ...(count > 1 ? { parts: count, requests: ids } : {})
    }
    if (options.noWait === true) {
      return { ...base, ms: Math.round(clock.now() - started), request: { id, state: 'queued', term: accepted.term, duplicate: accepted.duplicate } }
    }
    const completion = await this.host.coordinator.completion(id, COMPLETION_TIMEOUT_MS)
    logger.debug({ req: id, op: 'enqueue', status: completion.status, term: completion.version.term }, 'the request completed')
    if (completion.status === 'failed') throw new BzzzError('FAILURE', `the leader could not generate ${options.path}: ${completion.error ?? 'no reason given'}`)
    const report = completion.report
    return {
      ...base, files: report?.files ?? 0, records: report?.records ?? 0, written: report?.written ?? 0, unchanged: report?.unchanged ?? 0,
      removed: report?.removed ?? 0, stale: report?.stale ?? 0, bytes: report?.bytes ?? 0, ms: Math.round(clock.now() - started),
      request: { id, state: completion.status, term: completion.version.term, ...(completion.by !== undefined ? { supersededBy: completion.by } : {}) },
      ...(report?.acknowledged !== undefined ? { acknowledged: report.acknowledged } : {})
    }
  }
}
