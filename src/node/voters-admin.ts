/**
 * The admin's side of the voting set: `elect promote` and `elect demote` sign the next roster with one voter more or
 * fewer and save it in the admin's home, where its daemon picks it up and passes it on (as an invite's roster goes).
 */
import { accessDenied } from '../errors.js'
import { majorityOf } from '../election/election.js'
import { Keyring } from '../crypto/keyring.js'
import { readConfig } from './home.js'
import { DEFAULT_MAX_VOTERS, loadRoster, rosterDemoted, rosterMember, rosterPromoted, rosterVoters, writeRoster } from './roster.js'

export type VoterChange = 'promote' | 'demote'

export interface VoterChangeReport {
  node: string
  change: VoterChange
  /** The roster signed with the change: its version, its voters and members, and the majority that elects a leader now. */
  roster: { version: number, voters: string[], members: number, majority: number }
}

/** Signs and saves the roster that makes `id` (a member's id or a unique prefix) a voter, or no longer one. */
export async function changeVoter (home: string, id: string, change: VoterChange): Promise<VoterChangeReport> {
  const config = readConfig(home)
  if (config.nodeId !== config.cluster.adminKey) {
    throw accessDenied(`only the cluster's admin (the peer that created it) changes the voting set: run \`bzzz-ctx elect ${change}\` on that peer`)
  }
  const trust = { cluster: config.cluster.id, adminKey: config.cluster.adminKey }
  const keyring = await Keyring.load(home)
  const before = loadRoster(home, trust)
  // A cluster from before rosters has one: the admin's init writes it.
  if (before === null) throw accessDenied('this home holds no signed roster: it is not the admin of a cluster with a roster')
  const node = rosterMember(before, id)
  const roster = change === 'promote'
    ? rosterPromoted(keyring.identity, before, node, config.maxVoters ?? DEFAULT_MAX_VOTERS)
    : rosterDemoted(keyring.identity, before, node)
  await writeRoster(home, roster)
  const voters = rosterVoters(roster)
  return { node, change, roster: { version: roster.version, voters, members: roster.members.length, majority: majorityOf(voters.length) } }
}
