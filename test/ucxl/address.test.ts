import t from 'tap'
import fc from 'fast-check'
import { addressFor, formatAddress, isWithin, parentChain, parentOf, parseAddress, projectNameFrom, rootAddress } from '../../src/ucxl/address.js'
import { BzzzError } from '../../src/errors.js'
import { throwsCode } from '../helpers/errors.js'

const projectArb = fc.stringMatching(/^[a-z0-9._-]{1,20}$/).filter(p => p !== '.' && p !== '..')
const segmentArb = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(...'abcXYZ019._-~ é漢+@'.split('')) })
  .filter(s => s !== '.' && s !== '..')
const addressArb = fc.record({ project: projectArb, segments: fc.array(segmentArb, { maxLength: 8 }) })
  .map(formatAddress).filter(a => a.length <= 1024)

t.test('format(parse(a)) = a for valid addresses', async t => {
  fc.assert(fc.property(addressArb, a => formatAddress(parseAddress(a)) === a), { numRuns: 2000 })
  t.pass('2000 random addresses round-trip')
})

t.test('every parent chain ends at the project root, one segment shorter each step', async t => {
  fc.assert(fc.property(addressArb, a => {
    const chain = parentChain(a)
    const parsed = parseAddress(a)
    if (chain[0] !== a) return false
    if (chain[chain.length - 1] !== rootAddress(parsed.project)) return false
    if (chain.length !== parsed.segments.length + 1) return false
    return chain.every((c, i) => i === 0 || parentOf(chain[i - 1]!) === c)
  }), { numRuns: 2000 })
  t.equal(parentOf('ucxl://p/'), null, 'the root has no parent')
})

t.test('a concrete chain', async t => {
  t.same(parentChain('ucxl://project/src/main.go'), ['ucxl://project/src/main.go', 'ucxl://project/src', 'ucxl://project/'])
  t.equal(addressFor('p', 'src/a.ts'), 'ucxl://p/src/a.ts')
  t.equal(addressFor('p', '.'), 'ucxl://p/')
  t.ok(isWithin('ucxl://p/src/a.ts', 'ucxl://p/src'))
  t.ok(isWithin('ucxl://p/src/a.ts', 'ucxl://p/'))
  t.notOk(isWithin('ucxl://p/srcx/a.ts', 'ucxl://p/src'), 'a sibling with a common prefix is not within')
  t.equal(projectNameFrom('My App!'), 'my-app')
})

const bad: Array<[string, RegExp]> = [
  ['ucxl://p/../x', /"\.\." segment/],
  ['ucxl://p/a/./b', /"\." segment/],
  ['ucxl://p/a//b', /empty segment/],
  ['ucxl://p/a/', /ends with "\/"/],
  ['ucxl://p/a\u0000b', /control character/],
  ['ucxl://p/a\nb', /control character/],
  ['http://p/a', /must start with ucxl:\/\//],
  ['p/a', /must start with ucxl:\/\//],
  ['ucxl://Proj/a', /lower-case/],
  ['ucxl:///a', /project name is empty/],
  ['ucxl://', /project name is empty/],
  ['ucxl://p', /trailing slash/],
  ['ucxl://p q/a', /may hold only/],
  ['ucxl://p//a', /relative/],
  ['ucxl://p/a\\b', /backslash/],
  ['ucxl://p/' + 'x'.repeat(1020), /limit is 1024/]
]

t.test('bad addresses are refused with a message that says what is wrong', async t => {
  for (const [text, why] of bad) {
    throwsCode(t, () => parseAddress(text), 'BAD_INPUT', why, JSON.stringify(text.slice(0, 30)))
  }
})

t.test('random strings either parse and round-trip or are refused as bad input', async t => {
  fc.assert(fc.property(fc.string({ maxLength: 60 }).map(s => 'ucxl://' + s), s => {
    try {
      return formatAddress(parseAddress(s)) === s
    } catch (err) {
      return err instanceof BzzzError && err.code === 'BAD_INPUT' && !err.message.includes('\u0000')
    }
  }), { numRuns: 3000 })
  t.pass()
})
