/**
 * A `generate` without a daemon that finds nothing changed, answered without opening the store. Such a run reads no
 * file and writes nothing (its records are the ones the store holds), yet opening the store cost it a third of its
 * time: loading Hypercore, Corestore and RocksDB's binding, opening the database and closing it. The store's view hash,
 * the one thing the run asks of it, is known without opening it while the store is as its last writer closed it
 * (src/storage/store-stamp.ts). Anything else (a change to analyse, records to write, a store opened since) goes on to
 * the peer, which takes over what this opened (the keys, the analysis cache with the records it built), so the shortcut
 * costs a run that writes almost nothing.
 */
import { systemClock, type Clock } from '../clock.js'
import type { Keyring } from '../crypto/keyring.js'
import { LocalSecret } from '../crypto/local-secret.js'
import type { RoleDirectory } from '../crypto/role-directory.js'
import { stampedViewHash } from '../storage/store-stamp.js'
import { AnalysisRuntime } from './analysis-runtime.js'
import { generateTarget } from './generate-target.js'
import { homePaths, readConfig, roleEntry, type PeerConfig } from './home.js'
import { openKeys } from './peer/keys.js'
import { generateIfHeld, type Analysed } from './peer/generation.js'
import type { GenerateOptions, GenerateReport } from './peer/types.js'
import { WritePermission } from './peer/write-permission.js'
import { checkSignedRoles } from './signed-roles.js'

/** What a peer opens of its home before its store. */
export interface HomeBasics {
  config: PeerConfig
  keyring: Keyring
  directory: RoleDirectory
  /** The secret this node seals what stays on it with (its analysis cache). */
  local: LocalSecret
}

/** Reads a home's config (its roles' signature checked) and keys (see openKeys). */
export async function openHomeBasics (home: string): Promise<HomeBasics> {
  const config = readConfig(home)
  checkSignedRoles(homePaths(home).config, config)
  const { keyring, directory } = await openKeys(home, config)
  return { config, keyring, directory, local: LocalSecret.fromIdentity(keyring.identity) }
}

/** The recipients of a write: every role of the directory, unless narrowed; each must be a role of the cluster. */
export function writeRecipients (config: PeerConfig, directory: RoleDirectory, roles?: readonly string[]): string[] {
  if (roles === undefined || roles.length === 0) return directory.names()
  for (const role of roles) roleEntry(config, role)
  return [...new Set(roles)]
}

/** What a run that went on to the peer hands it (LocalPeerOptions.opened). */
export interface OpenedHome {
  basics: HomeBasics
  analysis: AnalysisRuntime
  /** The generate analysed already, when the store was closed as its last writer left it and holds other records. */
  analysed?: Analysed
}

/**
 * The report of a generate whose records the closed store holds already; otherwise (or when the store was not closed
 * as its last writer left it) what was opened, for the peer that runs it.
 */
export async function generateWithoutStore (home: string, options: GenerateOptions, clock: Clock = systemClock): Promise<{ report: GenerateReport } | OpenedHome> {
  const basics = await openHomeBasics(home)
  const analysis = new AnalysisRuntime(home, basics.local, clock)
  const viewHash = stampedViewHash(homePaths(home).store)
  if (viewHash === null) return { basics, analysis }
  const permission = new WritePermission(home, basics.config, basics.keyring.identity)
  const result = await generateIfHeld({
    clock, analysis, analysing: new Set(),
    requireWriter: what => permission.require(what),
    soloTerm: () => permission.leadership.term,
    target: target => generateTarget(target, basics.config.project, target.fs),
    recipients: roles => writeRecipients(basics.config, basics.directory, roles),
    viewHash: () => viewHash
  }, options)
  return 'report' in result ? result : { basics, analysis, analysed: result.analysed }
}
