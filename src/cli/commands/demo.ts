/**
 * `bzzz-ctx demo`: a guided run on the embedded sample repo. By default a three-peer cluster on a private loopback
 * DHT in this process: generate on a developer peer (sent to the leader), then read one file on three peers as
 * viewer, developer and security. `--local` shows the same on one peer with no network.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import { PACKAGE_ROOT } from '../../paths.js'
import type { CliEnv } from '../cli-env.js'
import { emit, note, useColor, type CommandContext } from '../io.js'
import { formatBytes, renderRetrieved, table } from '../render.js'
import type { Retrieved } from '../../storage/context-store.js'
import type { Content } from '../../context/merge.js'
import { unavailable } from '../../errors.js'
import type { ClusterNode as ClusterNodeType } from '../../node/cluster-node.js'

export const DEMO_PROJECT = 'mixed'
export const DEMO_FILE = 'src/server/handlers/auth.py'
export const DEMO_ROLES = ['viewer', 'developer', 'security'] as const
const MESH_TIMEOUT_MS = 20_000

function sectionsSeen (context: Content): Record<string, string> {
  const count = (list: unknown[] | undefined): string => list === undefined ? '-' : String(list.length)
  const insights = (role: string): string => count(context.insights?.filter(i => i.role === role))
  return {
    summary: context.summary === undefined ? '-' : 'yes',
    language: context.language ?? '-',
    technologies: count(context.technologies),
    symbols: count(context.symbols),
    imports: count(context.imports),
    'developer insights': insights('developer'),
    'qa insights': insights('qa'),
    'architect insights': insights('architect'),
    'security insights': insights('security')
  }
}

function showViews (ctx: CommandContext, views: Retrieved[], extra: Record<string, unknown>, closing: string): void {
  const seen = views.map(v => sectionsSeen(v.context))
  const fields = Object.keys(seen[0]!)
  emit(ctx, { ...extra, address: views[0]!.address, views }, () => [
    table(['section', ...views.map(v => v.role)], fields.map(f => [f, ...seen.map(s => s[f]!)]), useColor(ctx)),
    '',
    'What the developer reads (symbols and imports are "internal"):',
    renderRetrieved(views[1]!, useColor(ctx)),
    '',
    'What security reads in addition (its findings are "secret"; a secret\'s value is never copied, only where it is):',
    table(['insight'], (views[2]!.context.insights ?? []).filter(i => i.role === 'security').map(i => [i.text]), useColor(ctx), true),
    '',
    closing
  ].join('\n'))
}

async function localDemo (ctx: CommandContext, dir: string, repo: string): Promise<void> {
  const { LocalPeer } = await import('../../node/local-peer.js')
  const home = join(dir, 'home')
  note(ctx, `1. A one-peer cluster in ${home}: this peer is its leader and holds every role's key.`)
  await LocalPeer.init(home, { cluster: 'demo', role: 'admin', project: DEMO_PROJECT })
  const peer = await LocalPeer.open(home)
  try {
    note(ctx, `2. Generating context for the sample repo ${repo} ...`)
    const generated = await peer.generate({ path: repo, root: repo, project: DEMO_PROJECT })
    note(ctx, `   ${generated.files} files analysed, ${generated.skipped.length} skipped, ${generated.written} records sealed and stored (${formatBytes(generated.bytes)}) in ${generated.ms} ms.`)
    const address = `ucxl://${DEMO_PROJECT}/${DEMO_FILE}`
    note(ctx, `3. Retrieving ${address} as ${DEMO_ROLES.join(', ')}:`)
    const views: Retrieved[] = []
    for (const role of DEMO_ROLES) views.push(await peer.retrieve(address, role))
    showViews(ctx, views, { mode: 'local', generate: generated }, 'Try it on your own code: bzzz-ctx init --cluster me --role admin && bzzz-ctx generate . && bzzz-ctx retrieve ucxl://<project>/<file> --role developer')
  } finally {
    await peer.close()
  }
}

async function clusterDemo (ctx: CommandContext, dir: string, repo: string): Promise<void> {
  const { LocalPeer } = await import('../../node/local-peer.js')
  const { createInvite, redeemInvite } = await import('../../node/invite.js')
  const { ClusterNode } = await import('../../node/cluster-node.js')
  const { startBootstrap } = await import('../../net/bootstrap.js')
  const { silentLogger } = await import('../../node/logger.js')
  note(ctx, '1. A private DHT on 127.0.0.1 (two bootstrap nodes) and three peers: the admin (the leader), a developer and a security engineer.')
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  const nodes: Array<ClusterNodeType> = []
  try {
    const homes = { admin: join(dir, 'admin'), developer: join(dir, 'developer'), security: join(dir, 'security') }
    await LocalPeer.init(homes.admin, { cluster: 'demo', role: 'admin', project: DEMO_PROJECT })
    for (const role of ['developer', 'security'] as const) await redeemInvite(homes[role], (await createInvite(homes.admin, role)).invite)
    for (const home of Object.values(homes)) nodes.push(await ClusterNode.start({ home, bootstrap: dht.addresses, host: '127.0.0.1', logger: silentLogger() }))
    const [admin, developer, security] = nodes as [ClusterNodeType, ClusterNodeType, ClusterNodeType]
    const started = Date.now()
    while (nodes.some(n => n.peers().length < 2)) {
      if (Date.now() - started > MESH_TIMEOUT_MS) throw unavailable(`the three demo peers did not connect in ${MESH_TIMEOUT_MS / 1000} s`)
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    note(ctx, `   Connected in ${Date.now() - started} ms; each proved its membership with a certificate the admin signed.`)
    note(ctx, '2. Generating on the developer\'s peer: it sends the files to the leader, which analyses, seals and appends them,')
    note(ctx, '   and answers once three peers hold the new entries.')
    const generated = await developer.generate({ path: repo, root: repo, project: DEMO_PROJECT })
    note(ctx, `   ${generated.files} files, ${generated.records} records, ${formatBytes(generated.bytes)}, completed in term ${generated.request.term} in ${generated.ms} ms.`)
    for (const node of nodes) await node.sync(10)
    const hashes = await Promise.all(nodes.map(async n => (await n.status()).viewHash))
    note(ctx, `3. Every peer replicated the leader's log: view hashes ${hashes.map(h => h.slice(0, 8)).join(', ')}${new Set(hashes).size === 1 ? ' (equal)' : ' (not yet equal)'}.`)
    const address = `ucxl://${DEMO_PROJECT}/${DEMO_FILE}`
    note(ctx, `4. Retrieving ${address}: as viewer on the admin's peer, as developer and as security on their own peers.`)
    const views = [await admin.retrieve(address, 'viewer'), await developer.retrieve(address, 'developer'), await security.retrieve(address, 'security')]
    showViews(ctx, views, { mode: 'cluster', peers: nodes.map(n => n.nodeId), viewHashes: hashes, generate: generated },
      'Run your own: bzzz-ctx bootstrap, then on each peer bzzz-ctx node start --bootstrap HOST:PORT (see man bzzz-ctx-node).')
  } finally {
    for (const node of nodes) await node.close().catch(() => {})
    await dht.close()
  }
}

export function demoCommand (env: CliEnv): Command {
  return new Command('demo')
    .description('a guided run: a three-peer cluster on this machine generates the sample repo; three roles read one file')
    .option('--local', 'one peer, no network')
    .option('--keep', 'keep the temporary homes and print where they are')
    .action(env.action<{ keep?: boolean, local?: boolean }>(async (ctx, options) => {
      const dir = mkdtempSync(join(tmpdir(), 'bzzz-ctx-demo-'))
      const repo = join(PACKAGE_ROOT, 'fixtures', 'repos', DEMO_PROJECT)
      try {
        if (options.local === true) await localDemo(ctx, dir, repo)
        else await clusterDemo(ctx, dir, repo)
        if (options.keep === true) note(ctx, `The homes are kept in ${dir}.`)
      } finally {
        if (options.keep !== true) rmSync(dir, { recursive: true, force: true })
      }
    }))
}
