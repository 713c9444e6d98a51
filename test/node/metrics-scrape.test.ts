// A scrape answers with the state at the scrape: the store's figures (hypercore-stats' hypercore_*) move with a write
// at the very next scrape, where hypercore-stats alone reuses a snapshot for 5 s; the filesystem gauges, read from one
// statfs reused for FILESYSTEM_STAT_MS, still give the store's disk.
import t from 'tap'
import { statfsSync } from 'node:fs'
import { NodeMetrics } from '../../src/node/metrics.js'
import { startNodes } from '../helpers/in-process.js'

function samples (text: string): Map<string, number> {
  const values = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const cut = line.lastIndexOf(' ')
    values.set(line.slice(0, cut), Number(line.slice(cut + 1)))
  }
  return values
}

t.test('the store\'s figures move at the next scrape after a write; the filesystem gauges give the store\'s disk', async t => {
  const registries = [new NodeMetrics(), new NodeMetrics()]
  const nodes = await startNodes(t, ['developer'], { project: 'ms', hooks: i => registries[i]!.hooks() })
  for (const [i, node] of nodes.entries()) registries[i]!.attach(node)
  const scrape = async (i: number): Promise<Map<string, number>> => samples((await registries[i]!.scrape()).body)

  const before = await Promise.all([scrape(0), scrape(1)])
  await nodes[1]!.distribute({ address: 'ucxl://ms/src/a.go', kind: 'file', summary: 'a' }, undefined, 'developer')
  // The write is acknowledged by both peers (replicationFactor 3, two peers): both logs have grown by now.
  const after = await Promise.all([scrape(0), scrape(1)])
  for (const i of [0, 1]) {
    const [was, now] = [before[i]!.get('hypercore_total_length')!, after[i]!.get('hypercore_total_length')!]
    t.ok(now > was, `peer ${i}: hypercore_total_length moved at once (${was} -> ${now})`)
  }

  const disk = statfsSync(nodes[0]!.peer.store.dir)
  const size = after[0]!.get('hypercore_filesystem_size_bytes')!
  const avail = after[0]!.get('hypercore_filesystem_avail_bytes')!
  t.equal(size, disk.blocks * disk.bsize, 'the size of the store\'s filesystem')
  t.ok(avail > 0 && avail <= size, `its free space (${avail} of ${size})`)
})
