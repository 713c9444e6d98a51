/**
 * Whether the local peer may write, and as whose leader: alone it leads the one-peer cluster (the solo term, with its
 * own vote as the evidence); driven by a cluster node, its writes are the elected leader's, with the election's evidence.
 */
import { unavailable } from '../../errors.js'
import type { NodeIdentity } from '../../crypto/identity.js'
import { SOLO_TERM, soloLeadership, type Leadership } from '../../leader/leadership.js'
import type { TermProof } from '../../storage/context-store.js'
import type { PeerConfig } from '../home.js'
import { issueRoster, loadRoster, readRoster, rosterMembers } from '../roster.js'
import { signVote, termEvidence } from '../term-evidence.js'

export class WritePermission {
  /**
   * Set by the node that drives this peer (ClusterNode): its writes are then the elected leader's. Without one,
   * a peer is its own leader only while it is its cluster's only member.
   */
  inCluster = false

  /**
   * Set by the node that drives this peer: the evidence that it leads a term (the votes it won the term with), or null.
   */
  clusterTermProof: ((term: number, writer: string) => TermProof | null) | null = null

  constructor (private readonly home: string, private readonly config: PeerConfig, private readonly identity: NodeIdentity) {}

  /**
   * The members of the roster this home holds (1 before anyone was invited). Without one (a home from before rosters),
   * the members votes are counted out of: the admin and this peer. A damaged roster is refused; a running daemon (which
   * checked it at start) keeps the roster it holds and saves the newest its peers pass on.
   */
  rosterSize (): number {
    const expect = { cluster: this.config.cluster.id, adminKey: this.config.cluster.adminKey }
    const roster = this.inCluster ? readRoster(this.home, expect) : loadRoster(this.home, expect)
    return rosterMembers(roster, this.config.cluster.adminKey, this.config.nodeId).length
  }

  /**
   * Without a daemon this peer writes as the leader of a one-peer cluster. Once the roster holds other members,
   * such a write would bypass their leader (and any peer, a viewer too, could make one that every peer then
   * takes as current): refused, with the way out.
   */
  require (what: string): void {
    if (this.inCluster) return
    const members = this.rosterSize()
    if (members > 1) {
      throw unavailable(`this peer is one of ${members} members of cluster "${this.config.cluster.name}": ${what} goes through its leader, so start this peer's daemon (\`bzzz-ctx node start\`) and run it again`)
    }
  }

  /**
   * The evidence its first write of a term starts with (see term-evidence.ts). In a cluster, the election's; alone, the
   * peer's own vote in the solo term, on a roster of itself alone, which only the admin can sign: a member that
   * rewrote its home to stand alone (itself as admin, the roster removed) writes entries no other member applies.
   */
  termProof (term: number, writer: string): TermProof | null {
    if (this.inCluster) return this.clusterTermProof?.(term, writer) ?? null
    const self = this.config.nodeId
    const trust = { cluster: this.config.cluster.id, adminKey: this.config.cluster.adminKey }
    if (term !== SOLO_TERM) return null
    const identity = this.identity
    const roster = loadRoster(this.home, trust) ?? (self === trust.adminKey ? issueRoster(identity, trust.cluster, 1, [self]) : null)
    if (roster === null || roster.members.length !== 1 || roster.members[0] !== self) return null
    const votes = [{ voter: self, signature: signVote(identity, trust.cluster, term, self) }]
    return { leader: self, evidence: termEvidence(identity, trust, term, writer, roster, votes) }
  }

  /** Who leads: in the one-peer cluster, this peer. */
  get leadership (): Leadership {
    return soloLeadership(this.config.nodeId)
  }
}
