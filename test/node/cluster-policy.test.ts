// The policy document: a plain file is checked field by field (the field named, BAD_INPUT), signed by the admin's node
// key; a signed one verifies only unaltered and only as this cluster's admin's; the book judges replicated entries by
// the version they name.
import t from 'tap'
import { generateIdentity } from '../../src/crypto/identity.js'
import { DEFAULT_ROLES } from '../../src/crypto/levels.js'
import { checkRulesAgainstRoles, parsePolicyFile, policyProblem, signPolicy } from '../../src/node/cluster-policy.js'
import { PolicyBook } from '../../src/node/policy-book.js'
import type { LogEntry } from '../../src/storage/log-entry.js'

const admin = generateIdentity()
const other = generateIdentity()
const trust = { cluster: 'c1', adminKey: admin.nodeId }
const noDistribute = { developer: { ops: ['generate', 'decide'] as const, level: 'internal' as const }, qa: { ops: ['generate', 'distribute', 'decide'] as const, level: 'internal' as const } }

t.test('a bad file is refused with the field named', async t => {
  t.throws(() => parsePolicyFile({ roles: { developer: { ops: ['fly'], level: 'internal' } } }, 'p.json'), { code: 'BAD_INPUT', message: /^p\.json: roles\.developer\.ops\.0: / })
  t.throws(() => parsePolicyFile({ roles: { developer: { ops: [], level: 'ultra' } } }, 'p.json'), { code: 'BAD_INPUT', message: /roles\.developer\.level/ })
  t.throws(() => parsePolicyFile({ version: 0, roles: {} }, 'p.json'), { code: 'BAD_INPUT', message: /p\.json: version: / })
  t.throws(() => parsePolicyFile({ rules: {} }, 'p.json'), { code: 'BAD_INPUT', message: /p\.json: roles: / })
  t.throws(() => parsePolicyFile({ roles: {}, extra: 1 }, 'p.json'), { code: 'BAD_INPUT', message: /p\.json: extra: not a field/ })
  t.throws(() => checkRulesAgainstRoles({ ghost: { ops: [], level: 'public' } }, DEFAULT_ROLES, 'p.json'), { code: 'BAD_INPUT', message: /roles\.ghost: unknown role/ })
  t.throws(() => checkRulesAgainstRoles({ developer: { ops: [], level: 'secret' } }, DEFAULT_ROLES, 'p.json'), { code: 'BAD_INPUT', message: /roles\.developer\.level: secret is above/ })
  t.same(parsePolicyFile({ version: 2, roles: noDistribute }, 'p.json'), { kind: 'plain', version: 2, roles: noDistribute })
})

t.test('a signed policy verifies only unaltered, and only as the admin\'s', async t => {
  const signed = signPolicy(admin, 'c1', 2, noDistribute)
  t.equal(policyProblem(signed, trust), null)
  t.equal(parsePolicyFile(JSON.parse(JSON.stringify(signed)), 'p.json').kind, 'signed', 'a signed file is handed on as it is')
  const widened = { ...signed, roles: { ...signed.roles, developer: { ops: ['generate', 'distribute', 'decide'], level: 'internal' } } }
  t.match(policyProblem(widened, trust), /signature does not verify/, 'a forged role rule')
  t.match(policyProblem({ ...signed, version: 9 }, trust), /signature does not verify/, 'a forged version')
  t.match(policyProblem(signPolicy(other, 'c1', 2, noDistribute), trust), /not issued by this cluster's admin/)
  t.match(policyProblem(signPolicy(admin, 'c2', 2, noDistribute), trust), /another cluster/)
  const reordered = signPolicy(admin, 'c1', 2, { qa: noDistribute.qa, developer: { ops: ['decide', 'generate'], level: 'internal' } })
  t.equal(reordered.signature, signed.signature, 'the signature covers the rules, not their order in the file')
})

t.test('the book: the newest is in force, and entries are judged by the version they name', async t => {
  const book = new PolicyBook(trust, role => DEFAULT_ROLES.find(r => r.name === role)?.clearance)
  const version = { term: 2, hlc: { wall: 1, logical: 0 }, writer: 'w', vv: {} }
  const distribute = (role: string, policyVersion?: number): LogEntry => ({ type: 'context', address: 'ucxl://p/a', kind: 'file', inherits: true, version, requester: admin.nodeId, requesterRole: role, ...(policyVersion !== undefined ? { policyVersion } : {}), envelope: Buffer.alloc(0) })
  t.equal(book.version, 0, 'the built-in rule before any policy')
  t.equal(book.entryRefusal(distribute('developer', 0)), null, 'a developer distributes under the built-in rule')
  t.match(book.entryRefusal(distribute('viewer', 0)), /role viewer only reads/)
  t.equal(book.add(signPolicy(admin, 'c1', 2, noDistribute)), 'adopted')
  t.equal(book.add(signPolicy(admin, 'c1', 1, {})), 'older', 'an older one is kept, not put in force')
  t.equal(book.version, 2)
  t.match(book.entryRefusal(distribute('developer', 2)), /does not let role developer distribute/)
  t.equal(book.entryRefusal(distribute('qa', 2)), null)
  t.equal(book.entryRefusal(distribute('developer', 0)), null, 'written under the built-in rule: judged by it, as every peer does')
  t.equal(book.entryRefusal(distribute('developer', 7)), null, 'a version not held yet cannot be judged')
  t.equal(book.entryRefusal(distribute('developer')), null, 'an entry from before policies carries no stamp')
  t.match(book.entryRefusal(distribute('ghost', 2)), /not a role of this cluster/)
  const forged = { ...signPolicy(admin, 'c1', 3, noDistribute), version: 4 }
  t.match(book.entryRefusal({ type: 'policy', address: '', policyVersion: 4, document: forged as never, version, envelope: Buffer.alloc(0) }), /not the admin's: the signature does not verify/)
  const decision: LogEntry = { type: 'decision', id: 'd-abcdefgh', address: 'ucxl://p/a', title: 'T', affects: ['ucxl://p/a'], influencedBy: [], supersedes: [], author: 'developer', level: 'internal', at: 1, policyVersion: 1, version, envelope: Buffer.alloc(0) }
  t.match(book.entryRefusal(decision), /does not let role developer decide/, 'judged by version 1, which allows nothing')
  t.equal(book.refusal('distribute', 'qa'), null, 'the leader\'s check: the policy in force')
  t.match(book.refusal('distribute', 'developer'), /version 2/)
})
