// The write rules (pure): the built-in one (no policy signed) is exactly the rule the leader applied before policies,
// and a signed policy allows only the ops it names, up to its level, never above a role's clearance.
import t from 'tap'
import { builtInRules, writeRefusal, type PolicyRules } from '../../src/leader/write-policy.js'
import { DEFAULT_ROLES } from '../../src/crypto/levels.js'

const policy: PolicyRules = {
  version: 3,
  roles: {
    developer: { ops: ['generate', 'decide'], level: 'internal' },
    qa: { ops: ['generate', 'distribute', 'decide'], level: 'public' },
    viewer: { ops: ['distribute'], level: 'internal' }
  }
}

t.test('the built-in rule: a viewer reads only, a writer seals up to its clearance', async t => {
  t.match(writeRefusal('distribute', 'viewer', 'public'), /role viewer only reads: it may not distribute/)
  t.equal(writeRefusal('distribute', 'developer', 'internal', ['public', 'internal']), null)
  t.match(writeRefusal('decide', 'developer', 'internal', ['secret']), /may not write sections at secret/)
  t.equal(writeRefusal('generate', 'admin', 'top-secret', ['top-secret']), null)
  const rules = builtInRules(DEFAULT_ROLES)
  t.same(rules.viewer, { ops: [], level: 'public' }, 'as rules: the viewer may do nothing')
  t.same(rules.security, { ops: ['generate', 'distribute', 'decide'], level: 'secret' })
})

t.test('a signed policy: only the ops it names, only up to its level', async t => {
  t.match(writeRefusal('distribute', 'developer', 'internal', [], policy), /policy \(version 3\) does not let role developer distribute/)
  t.equal(writeRefusal('generate', 'developer', 'internal', [], policy), null)
  t.equal(writeRefusal('distribute', 'qa', 'internal', ['public'], policy), null)
  t.match(writeRefusal('distribute', 'qa', 'internal', ['internal'], policy), /lets role qa write sections up to public, not at internal/)
  t.match(writeRefusal('decide', 'architect', 'confidential', [], policy), /does not let role architect decide/, 'a role it does not name only reads')
})

t.test('a policy never lifts a role above its clearance', async t => {
  t.equal(writeRefusal('distribute', 'viewer', 'public', ['public'], policy), null, 'the policy may let a viewer write public sections')
  t.match(writeRefusal('distribute', 'viewer', 'public', ['internal'], policy), /up to public, not at internal/, 'but not above its clearance')
})

t.test('a role named like an inherited property is not in the policy', async t => {
  t.match(writeRefusal('generate', 'constructor', 'internal', [], policy), /does not let role constructor generate/)
})
