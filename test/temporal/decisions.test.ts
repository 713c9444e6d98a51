// Decisions end to end: on one peer through the commands, and across two peers (the leader writes, both answer).
import t from 'tap'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cli, tempHome } from '../helpers/cli.js'
import { startNodes } from '../helpers/in-process.js'

t.test('one peer: decide, link, supersede, history and hops, as roles see them', async t => {
  const home = tempHome()
  const env = { BZZZ_HOME: home }
  t.equal((await cli(['init', '--cluster', 'dec', '--role', 'admin', '--project', 'shop'], env)).code, 0)
  const record = join(home, 'auth.json')
  writeFileSync(record, JSON.stringify({ address: 'ucxl://shop/src/auth.py', kind: 'file', summary: 'sessions' }))
  t.equal((await cli(['distribute', '--file', record], env)).code, 0)

  const first = await cli(['decide', 'ucxl://shop/src/auth.py', '--title', 'Sessions in Redis', '--rationale', 'Scale out', '--json'], env)
  t.equal(first.code, 0, first.stderr)
  t.match(first.json, { id: /^d-/, title: 'Sessions in Redis', rationale: 'Scale out', affects: ['ucxl://shop/src/auth.py'], author: 'admin', level: 'internal' })
  const a = first.json.id as string
  const second = await cli(['decide', 'ucxl://shop/src/db.py', '--affects', 'ucxl://shop/src/cache.py', '--title', 'Drop MySQL', '--rationale', 'Postgres everywhere', '--influenced-by', a, '--level', 'secret', '--json'], env)
  t.equal(second.code, 0, second.stderr)
  const b = second.json.id as string
  writeFileSync(record, JSON.stringify({ address: 'ucxl://shop/src/auth.py', kind: 'file', summary: 'sessions, in Redis' }))
  t.equal((await cli(['distribute', '--file', record, '--decision', a], env)).code, 0, 'a version written because of a decision')
  const third = await cli(['decide', 'ucxl://shop/src/auth.py', '--title', 'Sessions in Postgres', '--rationale', 'One store', '--supersedes', a, '--json'], env)
  t.equal(third.code, 0, third.stderr)

  // hops from db.py: b at 1, then a and cache.py at 2 (through b), auth.py at 3.
  const hops = await cli(['hops', 'ucxl://shop/src/db.py', '--max', '3', '--json'], env)
  t.equal(hops.code, 0, hops.stderr)
  const at = (ref: string): any => hops.json.hits.find((h: any) => h.id === ref || h.address === ref)
  t.match(at(b), { hops: 1, path: ['ucxl://shop/src/db.py', b] })
  t.match(at(a), { hops: 2, path: ['ucxl://shop/src/db.py', b, a] })
  t.match(at('ucxl://shop/src/cache.py'), { hops: 2 })
  t.match(at('ucxl://shop/src/auth.py'), { hops: 3 })
  t.equal(hops.json.hidden, 0)
  // A developer's clearance is internal: the secret decision is only counted, and nothing is reached through it.
  const dev = await cli(['hops', 'ucxl://shop/src/db.py', '--max', '3', '--role', 'developer', '--json'], env)
  t.same(dev.json.hits, [], 'nothing of a secret decision is shown')
  t.equal(dev.json.hidden, 1, 'only counted')
  const viewer = await cli(['history', 'ucxl://shop/src/auth.py', '--role', 'viewer', '--json'], env)
  t.same(viewer.json.decisions, [], 'a viewer reads no internal decision')
  t.ok(viewer.json.hidden >= 2)
  t.ok(viewer.json.versions.every((v: any) => v.decision === null), 'nor which decision a version came from')

  const history = await cli(['history', 'ucxl://shop/src/auth.py', '--json'], env)
  t.equal(history.json.versions.length, 2, 'two versions of auth.py')
  t.match(history.json.versions, [{ decision: null, current: false }, { decision: a, decisionTitle: 'Sessions in Redis', current: true }])
  t.ok(history.json.decisions.some((d: any) => d.id === a && d.rationale === 'Scale out'), 'the rationale, opened for a role cleared for it')

  // The same content linked to another decision is a new version: the link is the news (it was dropped as unchanged).
  const linked = await cli(['distribute', '--file', record, '--decision', third.json.id, '--json'], env)
  t.match(linked.json, { written: 1, unchanged: 0 })
  const relinked = await cli(['history', 'ucxl://shop/src/auth.py', '--json'], env)
  t.equal(relinked.json.versions.length, 3)
  t.match(relinked.json.versions[2], { decision: third.json.id, current: true })
  t.match((await cli(['distribute', '--file', record, '--json'], env)).json, { written: 0, unchanged: 1 }, 'without a decision, unchanged content is not written again')

  const rank = await cli(['hops', '--rank', '--max', '2', '--json'], env)
  t.equal(rank.json.ranking.length, 3)
  t.match(first.json.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'a decision\'s time is ISO 8601, as a version\'s')

  // A bare path is read in the configured project, as retrieve reads it.
  const bare = await cli(['decide', 'src/auth.py', '--title', 'Bare path', '--rationale', 'r', '--json'], env)
  t.same(bare.json.affects, ['ucxl://shop/src/auth.py'])
  t.ok((await cli(['history', 'src/auth.py', '--json'], env)).json.decisions.some((d: any) => d.id === bare.json.id), 'history takes it too')
  t.ok((await cli(['hops', 'src/auth.py', '--json'], env)).json.hits.some((h: any) => h.id === bare.json.id), 'and hops')

  // A decision a role may read, influenced by one it may not: the hidden one's id is not shown in the link either.
  const index = await cli(['decide', 'ucxl://shop/src/db.py', '--title', 'Index the sessions', '--rationale', 'r', '--influenced-by', b, '--json'], env)
  t.equal(index.code, 0, index.stderr)
  const asDeveloper = await cli(['history', 'ucxl://shop/src/db.py', '--role', 'developer', '--json'], env)
  t.same(asDeveloper.json.decisions.map((d: any) => [d.id, d.influencedBy]), [[index.json.id, []]], 'the secret decision is neither listed nor linked')
  t.equal(asDeveloper.json.hidden, 1)
  const asAdmin = await cli(['history', 'ucxl://shop/src/db.py', '--json'], env)
  t.ok(asAdmin.json.decisions.some((d: any) => d.id === index.json.id && d.influencedBy.includes(b)), 'a role cleared for it sees the link')

  // Bad input: one line, exit 2 (or 4 for an unknown start).
  const bad: Array<[string[], number, RegExp]> = [
    [['decide', 'ucxl://shop/x', '--title', 't', '--rationale', 'r', '--supersedes', 'd-unknown123'], 2, /--supersedes: no decision d-unknown123 is known/],
    [['decide', 'ucxl://shop/x', '--title', 't', '--rationale', 'r', '--influenced-by', 'nope'], 2, /not a decision id/],
    [['decide', 'ucxl://Shop/x', '--title', 't', '--rationale', 'r'], 2, /bad address "ucxl:\/\/Shop\/x": the project name "Shop" must be lower-case/],
    [['decide', 'http://shop/x', '--title', 't', '--rationale', 'r'], 2, /bad address "http:\/\/shop\/x": it must start with ucxl:\/\//],
    [['hops', 'src/never'], 4, /no decision or version/],
    [['hops', 'd-someDecision1', '--limit', '3'], 2, /--limit goes with --rank/],
    [['decide', 'ucxl://shop/x', '--rationale', 'r'], 2, /missing --title/],
    [['decide', '--title', 't', '--rationale', 'r'], 2, /name the address/],
    [['decide', 'ucxl://shop/x', '--title', 't', '--rationale', 'r', '--level', 'cosmic'], 2, /unknown level "cosmic"/],
    [['hops', 'ucxl://shop/never'], 4, /no decision or version/],
    [['hops', 'd-unknown123'], 4, /./],
    [['hops', 'ucxl://shop/src/db.py', '--max', '0'], 2, /--max must be from 1/],
    [['hops', 'ucxl://shop/src/db.py', '--role', 'wizard'], 2, /unknown role "wizard"/],
    [['distribute', '--file', record, '--decision', 'd-unknown123'], 2, /unknown decision d-unknown123/]
  ]
  for (const [args, code, pattern] of bad) {
    const run = await cli(args, env)
    t.equal(run.code, code, args.join(' '))
    t.match(run.stderr, pattern)
    t.equal(run.stderr.trim().split('\n').length, 1)
  }
  rmSync(home, { recursive: true, force: true })
})

t.test('two peers: a follower decides through the leader; both answer the same hops', async t => {
  const nodes = await startNodes(t, ['developer'], { project: 'shop' })
  const follower = nodes.find(n => n.election.state !== 'leader')!
  const first = await follower.decide({ affects: ['ucxl://shop/src/a.go'], title: 'Use gRPC', rationale: 'Typed contracts' })
  const second = await follower.decide({ affects: ['ucxl://shop/src/b.go'], title: 'Generate clients', rationale: 'From the protos', influencedBy: [first.id] })
  t.match(second, { author: follower.peer.config.role, influencedBy: [first.id] })
  for (const node of nodes) await node.sync(10)
  const answers = await Promise.all(nodes.map(async n => await n.hops('ucxl://shop/src/b.go', n.peer.config.role, 3)))
  t.same(answers[0]!.hits.map(h => [h.id ?? h.address, h.hops]), answers[1]!.hits.map(h => [h.id ?? h.address, h.hops]), 'the same answer on both peers')
  t.match(answers[0]!.hits, [{ id: second.id, hops: 1 }, { id: first.id, hops: 2 }, { address: 'ucxl://shop/src/a.go', hops: 3 }])
  await t.rejects(follower.decide({ affects: ['ucxl://shop/src/c.go'], title: 'x', rationale: 'y', supersedes: ['d-unknown123'] }), { code: 'BAD_INPUT' }, 'the leader refuses an unknown reference')
})
