// Issue 17 item 3: the admin signs a cluster policy that forbids developers to distribute; the leader writes it, every
// peer takes it up from the logs, and the leader refuses a developer's distribute (exit 3) while qa's goes through. A
// member that is not the admin cannot sign one (3); a bad file is refused with the field named (2); a signed policy
// altered by a member is refused, counted, and its daemon keeps running.
import t from 'tap'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startKeysCluster, waitFor } from '../helpers/cluster.js'

t.test('policy set: replicated to every peer, enforced by the leader, only the admin signs', async t => {
  const { cluster, peers: [admin, dev0, dev1, qa] } = await startKeysCluster(t)
  const file = (name: string, value: unknown): string => {
    const path = join(cluster.dir, name)
    writeFileSync(path, JSON.stringify(value))
    return path
  }
  const record = (name: string): string => file(`${name}.json`, { address: `ucxl://p/src/${name}.py`, kind: 'file', summary: `by ${name}` })

  const builtIn = await dev1.run(['policy', 'show', '--json'])
  t.equal(builtIn.code, 0, builtIn.stderr)
  t.match(builtIn.json, { version: 0, source: 'built-in', signedBy: null })
  t.match(builtIn.json.roles.find((r: any) => r.role === 'developer'), { ops: ['generate', 'distribute', 'decide'], level: 'internal' }, 'the built-in default: developers write up to their clearance')
  t.equal((await dev0.run(['distribute', '--file', record('before')])).code, 0, 'a developer distributes under the built-in rule')

  const rules = {
    developer: { ops: ['generate', 'decide'], level: 'internal' },
    qa: { ops: ['generate', 'distribute', 'decide'], level: 'internal' },
    admin: { ops: ['generate', 'distribute', 'decide'], level: 'top-secret' }
  }
  const plain = file('policy.json', { roles: rules })
  const notAdmin = await dev0.run(['policy', 'set', plain])
  t.equal(notAdmin.code, 3, 'a member that is not the admin cannot sign a policy')
  t.match(notAdmin.stderr, /^bzzz-ctx: only the cluster's admin .* signs its policy/)

  const bad = await admin.run(['policy', 'set', file('bad.json', { roles: { ...rules, developer: { ops: ['generate', 'publish'], level: 'internal' } } })])
  t.equal(bad.code, 2, 'a bad file')
  t.match(bad.stderr, /^bzzz-ctx: .*bad\.json: roles\.developer\.ops\.1: /, 'names the field')
  t.equal(bad.stderr.trim().split('\n').length, 1, 'in one line')
  const unknownRole = await admin.run(['policy', 'set', file('ghost.json', { roles: { ghost: { ops: [], level: 'public' } } })])
  t.equal(unknownRole.code, 2)
  t.match(unknownRole.stderr, /roles\.ghost: unknown role/)

  const set = await admin.run(['policy', 'set', plain, '--json'])
  t.equal(set.code, 0, set.stderr)
  t.match(set.json, { version: 1, signedBy: String })
  for (const peer of cluster.peers) {
    await waitFor(`${peer.name} to take up policy version 1`, async () => (await peer.run(['policy', 'show', '--json'])).json?.version === 1, 30_000)
    t.ok(existsSync(join(peer.home, 'policy.json')), `${peer.name} keeps it in its home`)
  }
  const shown = await qa.run(['policy', 'show', '--json'])
  t.match(shown.json, { version: 1, source: 'signed' })
  t.same(shown.json.roles.find((r: any) => r.role === 'developer').ops, ['generate', 'decide'])
  t.same(shown.json.roles.find((r: any) => r.role === 'viewer').ops, [], 'a role the policy does not name only reads')

  const refused = await dev0.run(['distribute', '--file', record('dev0')])
  t.equal(refused.code, 3, 'the developer\'s distribute is refused')
  t.match(refused.stderr, /^bzzz-ctx: (the leader says: )?the cluster's policy \(version 1\) does not let role developer distribute\n$/)
  const allowed = await qa.run(['distribute', '--file', record('qa')])
  t.equal(allowed.code, 0, `qa's distribute works: ${allowed.stderr}`)
  t.equal((await dev1.run(['decide', 'ucxl://p/src/qa.py', '--title', 'Keep it', '--rationale', 'fine'])).code, 0, 'a developer still decides')
  const read = await dev1.run(['retrieve', 'ucxl://p/src/dev0.py', '--json'])
  t.equal(read.code, 4, 'nothing of the refused distribute was written')

  // A member alters the signed policy to let developers distribute again, and hands it on.
  const forged = structuredClone(shown.json.signed)
  forged.roles.developer.ops = ['generate', 'distribute', 'decide']
  const handedOn = await dev0.run(['policy', 'set', file('forged.json', forged)])
  t.equal(handedOn.code, 3, 'a forged policy is refused')
  t.match(handedOn.stderr, /^bzzz-ctx: refused a cluster policy that is not the admin's: the signature does not verify/)
  const status = await dev0.run(['status', '--json'])
  t.equal(status.json?.mode, 'daemon', 'the daemon keeps running')
  t.equal(status.json?.counters?.refusedPolicies, 1, 'and counted it')
  t.equal((await dev0.run(['policy', 'show', '--json'])).json.version, 1, 'the policy in force is unchanged')
  t.equal((await dev0.run(['distribute', '--file', record('dev0')])).code, 3, 'still refused')

  const audit = await admin.run(['audit', 'ls', '--kind', 'policy', '--json'])
  t.equal(audit.code, 0, audit.stderr)
  t.ok(JSON.stringify(audit.json).includes('"version":1'), 'the adoption is in the audit log')
})
