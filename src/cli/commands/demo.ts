/**
 * `bzzz-ctx demo`: a guided run on the embedded sample repo. By default a three-peer cluster on a private loopback
 * DHT in this process: the peers elect a leader, a follower's generation request goes to the leader's queue, one
 * file is read on three peers as viewer, developer and security, and the leader is cut off: the others elect a
 * new leader, which finishes a request sent during the failover. `--local` shows the same on one peer with no network.
 */
import { join } from 'node:path'
import { Command } from 'commander'
import { PACKAGE_ROOT } from '../../paths.js'
import type { CliEnv } from '../cli-env.js'
import { emit, note, useColor, type CommandContext } from '../io.js'
import { formatBytes, renderRetrieved, table } from '../render.js'
import type { Retrieved } from '../../storage/context-store.js'
import { INSIGHT_LEVEL_BY_ROLE, type AccessLevel } from '../../crypto/levels.js'
import { DEFAULT_FIELD_LEVELS } from '../../context/record.js'
import { unavailable } from '../../errors.js'
import { temporaryHomes } from '../temporary-homes.js'
import type { ClusterNode as ClusterNodeType } from '../../node/cluster/index.js'

export const DEMO_PROJECT = 'mixed'
export const DEMO_FILE = 'src/server/handlers/auth.py'
export const DEMO_ROLES = ['viewer', 'developer', 'security'] as const
const MESH_TIMEOUT_MS = 30_000
const DEMO_ELECTION_TIMEOUT_MS = 300

async function until<T> (check: () => T | null | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = check()
    if (value !== null && value !== false) return value
    if (Date.now() > deadline) throw unavailable(`timed out after ${timeoutMs / 1000} s waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}


/** What a view shows of each section: a count, "-" when there is none, "sealed" when it exists at a level the role may not open. */
function sectionsSeen (view: Retrieved): Record<string, string> {
  const context = view.context
  const withheld = new Set(view.withheld.flatMap(w => w.levels))
  const count = (list: unknown[] | undefined, level: AccessLevel): string =>
    list !== undefined && list.length > 0 ? String(list.length) : withheld.has(level) ? 'sealed' : '-'
  const insights = (role: string): string => count(context.insights?.filter(i => i.role === role), INSIGHT_LEVEL_BY_ROLE[role]!)
  return {
    summary: context.summary === undefined ? '-' : 'yes',
    language: context.language ?? '-',
    technologies: count(context.technologies, DEFAULT_FIELD_LEVELS.technologies),
    symbols: count(context.symbols, DEFAULT_FIELD_LEVELS.symbols),
    imports: count(context.imports, DEFAULT_FIELD_LEVELS.imports),
    'developer insights': insights('developer'),
    'qa insights': insights('qa'),
    'architect insights': insights('architect'),
    'security insights': insights('security')
  }
}

function showViews (ctx: CommandContext, views: Retrieved[], extra: Record<string, unknown>, closing: string): void {
  const seen = views.map(v => sectionsSeen(v))
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
  const { ClusterNode, agreedLeader } = await import('../../node/cluster/index.js')
  const { startBootstrap } = await import('../../net/bootstrap.js')
  const { silentLogger } = await import('../../node/logger.js')
  note(ctx, '1. A private DHT on 127.0.0.1 (two bootstrap nodes) and three peers: an admin, a developer and a security engineer.')
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  const nodes: Array<ClusterNodeType> = []
  try {
    const homes = { admin: join(dir, 'admin'), developer: join(dir, 'developer'), security: join(dir, 'security') }
    await LocalPeer.init(homes.admin, { cluster: 'demo', role: 'admin', project: DEMO_PROJECT })
    for (const role of ['developer', 'security'] as const) await redeemInvite(homes[role], (await createInvite(homes.admin, role)).invite)
    // The developer never leads: a generate's files are sealed for the roles that may read all of its context (security, admin).
    for (const home of Object.values(homes)) nodes.push(await ClusterNode.start({ home, bootstrap: dht.addresses, host: '127.0.0.1', logger: silentLogger(), electionTimeoutMs: DEMO_ELECTION_TIMEOUT_MS, ...(home === homes.developer ? { campaign: false } : {}) }))
    const [admin, developer, security] = nodes as [ClusterNodeType, ClusterNodeType, ClusterNodeType]
    const roleOf = (node: ClusterNodeType): string => node.peer.config.role
    const started = Date.now()
    await until(() => nodes.every(n => n.peers().length === 2), MESH_TIMEOUT_MS, 'the three demo peers to connect')
    note(ctx, `   Connected in ${Date.now() - started} ms; each proved its membership with a certificate the admin signed.`)
    const first = await until(() => agreedLeader(nodes), MESH_TIMEOUT_MS, 'an elected leader')
    note(ctx, `2. Election: the ${roleOf(first.node)} peer won term ${first.term} with a majority of the roster's votes (${Date.now() - started} ms after start;`)
    note(ctx, `   election timeout ${DEMO_ELECTION_TIMEOUT_MS} ms). Only the leader, the project manager, generates context.`)
    const requester = nodes.find(n => n !== first.node)!
    note(ctx, `3. Generating on the ${roleOf(requester)}'s peer: the files go to the leader's queue; the request is accepted once a`)
    note(ctx, '   majority holds it, and the leader analyses, seals, appends and waits for acknowledgements before it completes.')
    const generated = await requester.generate({ path: repo, root: repo, project: DEMO_PROJECT })
    note(ctx, `   ${generated.files} files, ${generated.records} records, ${formatBytes(generated.bytes)}, completed in term ${generated.request.term} in ${generated.ms} ms.`)
    for (const node of nodes) await node.sync(10)
    const hashes = await Promise.all(nodes.map(async n => (await n.status()).viewHash))
    note(ctx, `4. Every peer replicated the leader's log: view hashes ${hashes.map(h => h.slice(0, 8)).join(', ')}${new Set(hashes).size === 1 ? ' (equal)' : ' (not yet equal)'}.`)
    const address = `ucxl://${DEMO_PROJECT}/${DEMO_FILE}`
    note(ctx, `5. Retrieving ${address}: as viewer on the admin's peer, as developer and as security on their own peers.`)
    const views = [await admin.retrieve(address, 'viewer'), await developer.retrieve(address, 'developer'), await security.retrieve(address, 'security')]

    // Failover: the leader drops off the network at once (as in a crash); the others elect a new one and finish a
    // request sent while the old leader was gone.
    const survivors = nodes.filter(n => n !== first.node)
    first.node.block(survivors.map(n => n.nodeId))
    const cut = Date.now()
    note(ctx, `6. Failover: the leader (${roleOf(first.node)}) is cut off. A request sent now waits for the next leader ...`)
    const during = survivors[0]!.generate({ path: join(repo, 'src', 'server'), root: repo, project: DEMO_PROJECT })
    const second = await until(() => { const a = agreedLeader(survivors); return a !== null && a.term > first.term ? a : null }, MESH_TIMEOUT_MS, 'a new leader')
    const failoverMs = Date.now() - cut
    const finished = await during
    note(ctx, `   The ${roleOf(second.node)} peer leads term ${second.term} after ${failoverMs} ms; the request completed in term ${finished.request.term} (${finished.files} files).`)
    await first.node.close()
    nodes.splice(nodes.indexOf(first.node), 1)
    showViews(ctx, views, {
      mode: 'cluster', peers: [admin, developer, security].map(n => n.nodeId), viewHashes: hashes, generate: generated,
      election: { leader: first.leader, term: first.term, role: roleOf(first.node) },
      failover: { leader: second.leader, term: second.term, role: roleOf(second.node), ms: failoverMs, request: finished.request }
    }, 'Run your own: bzzz-ctx bootstrap, then on each peer bzzz-ctx node start --bootstrap HOST:PORT (see man bzzz-ctx-node);\n' +
      'watch the election with bzzz-ctx elect status, and the leader\'s queue with bzzz-ctx queue ls.')
  } finally {
    for (const node of nodes) await node.close().catch(() => {})
    await dht.close()
  }
}

export function demoCommand (env: CliEnv): Command {
  return new Command('demo')
    .description('a guided run: three peers on this machine elect a leader, generate the sample repo, read one file as three roles, and fail over')
    .option('--local', 'one peer, no network')
    .option('--keep', 'keep the temporary homes and print where they are')
    .action(env.action<{ keep?: boolean, local?: boolean }>(async (ctx, options) => {
      const { dir, dispose } = temporaryHomes(ctx, 'bzzz-ctx-demo-', options.keep === true)
      const repo = join(PACKAGE_ROOT, 'fixtures', 'repos', DEMO_PROJECT)
      try {
        if (options.local === true) await localDemo(ctx, dir, repo)
        else await clusterDemo(ctx, dir, repo)
        if (options.keep === true) note(ctx, `The homes are kept in ${dir}.`)
      } finally {
        dispose()
      }
    }))
}
