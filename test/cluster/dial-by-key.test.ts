// Members meet by key from the roster, not only through the cluster topic. Every daemon here announces the topic but
// never looks it up, and no member remembers anyone it met (members.json gone, as in a home restored without it): two
// members connect only if one dials the other by the key the roster lists. Before, a member dialled only the admin and
// the members it remembered, the admin dialled no one, and a member connected to the admin stopped refreshing the
// topic; two members that joined together could then wait 30 s (the periodic refresh) or more for each other, and one
// CI run of three-daemons waited 60 s for its mesh in vain.
import t from 'tap'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { startCluster, waitForMesh } from '../helpers/cluster.js'

const NO_LOOKUP = { BZZZ_TEST_NO_TOPIC_LOOKUP: '1' }

t.test('members that never look the topic up and remember no one still form a full mesh, from the roster', async t => {
  const cluster = await startCluster(['developer', 'qa', 'viewer'], {
    env: { admin: NO_LOOKUP, developer0: NO_LOOKUP, qa1: NO_LOOKUP, viewer2: NO_LOOKUP },
    beforeStart: peers => { for (const peer of peers) rmSync(join(peer.home, 'members.json'), { force: true }) }
  })
  t.teardown(() => cluster.stop())
  // Without dialling by the roster, the members never meet at all here (they never look the topic up), so any bound
  // shows it. Usually the mesh is whole within 1-4 s; the wait is long because a link can open half-way at start (see
  // HALF_OPEN_MS), and a dial that fails is tried again after 1 s, 5 s, then 15 s; a loaded CI machine once needed more
  // than 25 s.
  await waitForMesh(cluster, 60_000)
  for (const peer of cluster.peers) {
    const listed = await peer.run(['peers', '--json'])
    t.equal(listed.json.peers.length, cluster.peers.length - 1, `${peer.name} is connected to every other member`)
  }
})
