// The setting `retention`: a peer with one clears the payloads of versions superseded longer ago than it when its
// session ends (a daemon also on a timer); its current records and every version's header stay. Without one, nothing
// is cleared.
import t from 'tap'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { systemClock, type Clock } from '../../src/clock.js'
import { LocalPeer } from '../../src/node/local-peer.js'
import { parseRetention } from '../../src/node/settings.js'
import { scratchDir } from '../helpers/scratch.js'
import { throwsCode } from '../helpers/errors.js'

interface Payloads { has: (block: number) => Promise<boolean>, length: number }
const payloadsOf = (peer: LocalPeer): Payloads => (peer.store as unknown as { logs: { ownPayloads: Payloads } }).logs.ownPayloads

async function heldBlocks (peer: LocalPeer): Promise<number> {
  const core = payloadsOf(peer)
  let held = 0
  for (let block = 0; block < core.length; block++) if (await core.has(block)) held++
  return held
}

function writeTree (root: string, edit: string): void {
  mkdirSync(join(root, 'pkg'), { recursive: true })
  for (const name of ['a', 'b', 'c']) writeFileSync(join(root, 'pkg', `${name}.py`), `def ${name}():\n    return '${edit}'\n`)
}

for (const retentionMs of [60_000, undefined]) {
  t.test(retentionMs === undefined ? 'without a retention every payload is kept' : 'a session with a retention clears at its end what its writes superseded past it', async t => {
    const home = join(scratchDir('bzzz-retention-'), 'home')
    await LocalPeer.init(home, { cluster: 'test', role: 'admin' })
    const root = join(scratchDir('bzzz-retention-tree-'), 'tree')
    let now = Date.now()
    const clock: Clock = { ...systemClock, now: () => now }
    const options = { clock, ...(retentionMs !== undefined ? { retentionMs } : {}) }
    writeTree(root, 'first')
    let peer = await LocalPeer.open(home, options)
    const first = await peer.generate({ path: root, root, project: 'p' })
    t.ok(first.written >= 5, `${first.written} records`)
    await peer.close()
    peer = await LocalPeer.open(home, options)
    t.equal(await heldBlocks(peer), 1, 'the first write\'s envelopes (but its first record\'s), in one block, kept: none is superseded')
    // Two minutes on, every file changes: every record of the first write is superseded.
    now += 120_000
    writeTree(root, 'second')
    await peer.generate({ path: root, root, project: 'p' })
    await peer.close()
    peer = await LocalPeer.open(home, options)
    t.teardown(() => peer.close())
    t.equal(await heldBlocks(peer), retentionMs === undefined ? 2 : 1, retentionMs === undefined ? 'both writes\' payloads are kept' : 'the first write\'s superseded payloads were cleared at the end of the session')
    t.match((await peer.retrieve('ucxl://p/pkg/b.py', 'admin')).context, { symbols: [{ name: 'b' }] }, 'the current records read as before')
    t.equal(peer.store.versions().filter(line => line[0] === 'ucxl://p/pkg/b.py').length, 2, 'and history keeps both versions')
  })
}

t.test('a retention is minutes, hours or days, at least a minute', async t => {
  t.equal(parseRetention('30m'), 30 * 60_000)
  t.equal(parseRetention(' 12h '), 12 * 3_600_000)
  t.equal(parseRetention('7d'), 7 * 86_400_000)
  for (const bad of ['0m', '7', '7 d', '1.5h', '-1d', '30s', '', '9999999d']) throwsCode(t, () => parseRetention(bad), 'BAD_USAGE', undefined, `refused: "${bad}"`)
})
